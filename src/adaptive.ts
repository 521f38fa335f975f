// Adaptive sampling: after the first pass and comparison, a (skill, model) whose verdict is borderline (its
// quality interval straddles the threshold) gets more judgements per output, then more generations per case, up
// to max-samples, re-compared after each round; nothing else pays for the extra precision. pr mode only.
import type { PlanItem } from "./plan.js";
import type { MoreSamples } from "./run.js";
import type { CaseResult, Config, ModelSummary, Report, Thresholds } from "./types.js";
import { isBorderline } from "./compare.js";

export interface AdaptiveOptions {
  plan: readonly PlanItem[];
  /** The run's results in plan order; `more` replaces entries in place. */
  results: readonly CaseResult[];
  more: MoreSamples;
  config: Pick<Config, "samples" | "maxSamples" | "judge" | "thresholds">;
  /** The report compared from the current results (applyComparison over a fresh aggregate). */
  compare: () => Report;
  /** Stop adding rounds once a round would take the run's spend (candidate + judge, USD) past this; null = no cap. */
  budgetUsd: number | null;
  log: (message: string) => void;
  signal?: AbortSignal;
  /** Decides which (skill, model)s get more samples; default compare.ts's isBorderline. */
  borderline?: (summary: ModelSummary, thresholds: Thresholds) => boolean;
}

export interface AdaptiveOutcome {
  report: Report;
  /** Rounds that added samples. */
  rounds: number;
  /** Why the loop ended. */
  stopped: "nothing borderline" | "max-samples reached" | "samples cannot decide" | "budget" | "cancelled";
}

/**
 * A (skill, model) whose quality interval narrowed by less than this share in its last round gets no more: the
 * rest of its width is noise more samples on this side cannot remove (the baseline's judgements, too few cases).
 */
export const MIN_NARROWING = 0.1;

/**
 * The narrowest a quality interval can get from samples on the head side alone, as a share of its width now: a
 * per-case difference carries the noise of both sides, and the head's part shrinks at most to 1/max-samples of
 * itself, so at best the variance falls to (1 + 1/max) / 2 of what it is (both sides equally noisy).
 */
export function bestNarrowing(maxSamples: number): number {
  return Math.sqrt((1 + 1 / Math.max(1, maxSamples)) / 2);
}

/** Whether the interval, narrowed as far as head-side samples could narrow it around its centre, would decide. */
export function couldDecide(interval: { low: number; high: number }, threshold: number, maxSamples: number): boolean {
  const centre = (interval.low + interval.high) / 2;
  const half = ((interval.high - interval.low) / 2) * bestNarrowing(maxSamples);
  return centre - half > -threshold || centre + half < -threshold;
}

/** "benchmark path\0model": a (skill, model) of the report and of the plan. */
const keyOf = (benchmark: string, model: string) => `${benchmark}\u0000${model}`;

export async function adaptiveRounds(options: AdaptiveOptions, first: Report): Promise<AdaptiveOutcome> {
  const { config, plan, results } = options;
  const borderline = options.borderline ?? ((summary: ModelSummary) => isBorderline(summary));
  const max = config.maxSamples;
  // What each (skill, model) has reached so far; every pair of it moves together.
  const judgementsPerOutput = new Map<string, number>();
  const generationsPerCase = new Map<string, number>();
  // Interval width of each (skill, model) before its last round, and those that stopped narrowing.
  const widthBefore = new Map<string, number>();
  const futile = new Set<string>();
  let report = first;
  let rounds = 0;
  // Each round adds one judgement or one generation per pair of every (skill, model) it touches: bounded.
  for (let guard = 0; guard < 2 * max + 2; guard++) {
    if (options.signal?.aborted) return { report, rounds, stopped: "cancelled" };
    const wanted = new Set<string>();
    let stalled = 0;
    for (const skill of report.skills) {
      for (const summary of skill.models) {
        if (!borderline(summary, report.thresholds)) continue;
        const key = keyOf(skill.benchmark, summary.model);
        // Samples cannot decide a difference this close to the threshold: leave it inconclusive, at no cost.
        if (summary.qualityInterval && !couldDecide(summary.qualityInterval, report.thresholds.quality, max)) futile.add(key);
        const width = summary.qualityInterval ? summary.qualityInterval.high - summary.qualityInterval.low : null;
        const before = widthBefore.get(key);
        if (width !== null && before !== undefined && width > before * (1 - MIN_NARROWING)) futile.add(key);
        if (futile.has(key)) {
          stalled += 1;
          continue;
        }
        if (width !== null) widthBefore.set(key, width);
        wanted.add(key);
      }
    }
    if (wanted.size === 0) {
      if (stalled > 0) {
        options.log(
          `adaptive: ${stalled} (skill, model) borderline, but more samples could not decide it ` +
            `(its interval narrowed by less than ${MIN_NARROWING * 100}% in a round, or is too close to the threshold): stopping`,
        );
        return { report, rounds, stopped: "samples cannot decide" };
      }
      return { report, rounds, stopped: "nothing borderline" };
    }

    const judge: number[] = [];
    const generate: number[] = [];
    const judgeKeys = new Set<string>();
    const generateKeys = new Set<string>();
    plan.forEach((item, index) => {
      const key = keyOf(item.benchmark.path, item.model);
      if (!wanted.has(key)) return;
      if ((judgementsPerOutput.get(key) ?? config.judge.samples) < max) {
        judge.push(index);
        judgeKeys.add(key);
      } else if ((generationsPerCase.get(key) ?? config.samples) < max) {
        generate.push(index);
        generateKeys.add(key);
      }
    });
    if (judge.length === 0 && generate.length === 0) {
      options.log(`adaptive: ${wanted.size} (skill, model) borderline, but each is at max-samples (${max}): stopping`);
      return { report, rounds, stopped: "max-samples reached" };
    }

    const spent = spendOf(results);
    const next = roundCost(results, judge, generate, config.judge.samples);
    if (options.budgetUsd !== null && spent + next > options.budgetUsd) {
      options.log(
        `adaptive: ${wanted.size} (skill, model) borderline, but another round (~$${next.toFixed(4)}) would pass ` +
          `max-cost-usd ($${options.budgetUsd}; spent $${spent.toFixed(4)}): stopping`,
      );
      return { report, rounds, stopped: "budget" };
    }

    const parts: string[] = [];
    if (judgeKeys.size > 0) parts.push(`${judgeKeys.size} (skill, model) borderline, adding 1 judgement per output`);
    if (generateKeys.size > 0) {
      parts.push(`${generateKeys.size} (skill, model) borderline at ${max} judgements per output, adding 1 generation per case`);
    }
    rounds += 1;
    options.log(`adaptive round ${rounds}: ${parts.join("; ")}`);
    await Promise.all([options.more.judgements(judge, 1), options.more.generations(generate, 1)]);
    for (const key of judgeKeys) judgementsPerOutput.set(key, (judgementsPerOutput.get(key) ?? config.judge.samples) + 1);
    for (const key of generateKeys) generationsPerCase.set(key, (generationsPerCase.get(key) ?? config.samples) + 1);
    report = options.compare();
  }
  return { report, rounds, stopped: "max-samples reached" };
}

function spendOf(results: readonly CaseResult[]): number {
  return results.reduce((sum, r) => sum + (r.costUsd ?? 0) + (r.judgeCostUsd ?? 0), 0);
}

/** A rough price of the next round from what the same pairs cost so far. */
function roundCost(results: readonly CaseResult[], judge: readonly number[], generate: readonly number[], judgeSamples: number): number {
  const perJudgement = (r: CaseResult) => (r.judgeCostUsd ?? 0) / Math.max(1, r.judgements);
  const perGeneration = (r: CaseResult) => (r.costUsd ?? 0) / Math.max(1, r.generations);
  let cost = 0;
  for (const index of judge) {
    const r = results[index];
    if (r) cost += perJudgement(r) * Math.max(1, r.generations);
  }
  for (const index of generate) {
    const r = results[index];
    if (r) cost += perGeneration(r) + perJudgement(r) * judgeSamples;
  }
  return cost;
}
