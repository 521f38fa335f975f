// Turns per-case results into per-model summaries, a skill report and run totals. Nothing here knows about
// the baseline: the comparison fields are left empty for src/compare.ts to fill.

import { passRate } from "./checks.js";
import type { Benchmark, CaseResult, Metric, MetricTest, ModelSummary, Skill, SkillReport, Totals } from "./types.js";
import { mean, percentile, sum } from "./stats.js";
import { skillVerdict } from "./verdict.js";
import { upliftOf } from "./uplift.js";
import { byMetric } from "./util.js";

function meanScore(judged: readonly CaseResult[], metric: Metric): number | null {
  return mean(judged.map((result) => result[metric]));
}

/**
 * A pair's candidate cost for ONE generation: its summed cost over its `generations` (samples, adaptive rounds).
 * Per-case costs that are shown or compared use it, so more samples (or an adaptive round on one side only) never
 * read as a cost rise; the spend itself (totalCostUsd, totals) stays the sum.
 */
export function costPerGeneration(result: Pick<CaseResult, "costUsd" | "generations">): number | null {
  return result.costUsd === null ? null : result.costUsd / Math.max(1, result.generations ?? 1);
}

/** The comparison fields of a ModelSummary before (or without) a comparison with the baseline. */
export const NOT_COMPARED = {
  baseline: null,
  delta: null,
  qualityInterval: null,
  pairedCases: 0,
  n: 0,
  spread: null,
  pValue: null,
  detectableDrop: null,
  casesNeeded: null,
  tests: [] as MetricTest[],
  baselineDrift: null,
  stale: false,
  baselineRecordedAt: null,
  regressed: false,
  regressions: [],
  verdict: "inconclusive",
  verdictReasons: ["no baseline was compared"],
} as const satisfies Partial<ModelSummary>;

/**
 * Summary of one model's results (results of other models in `results` are ignored).
 *
 * - Scores are means over judged results only: an errored or unjudged case is counted (`errors`, `unjudged`)
 *   but never enters a mean as 0. Null when nothing was judged.
 * - `inputTokens` is everything the model read: uncached input + cache creation + cache read tokens, because
 *   the API's `input_tokens` counts only the uncached remainder. Candidate generations only, not the judge.
 * - `costUsd` is the mean candidate cost per case (of one generation: costPerGeneration) over results with a known
 *   cost; null when no result has one (the model's price is unknown). `totalCostUsd` and `judgeCostUsd` are sums, null when nothing is known.
 * - Latency percentiles cover successful generations only: a failed call's latency says nothing about speed.
 */
export function summarizeModel(model: string, results: CaseResult[]): ModelSummary {
  const own = results.filter((result) => result.model === model);
  const judged = own.filter((result) => result.judged);
  const generated = own.filter((result) => result.error === null);
  const latencies = generated.map((result) => result.latencyMs);
  const withExpectation = judged.filter((result) => result.matchesExpected !== null);
  const costs = own.map((result) => result.costUsd);
  const costsPerGeneration = own.map(costPerGeneration);

  let inputTokens = 0;
  let outputTokens = 0;
  for (const { usage } of own) {
    if (usage === null) continue;
    inputTokens += usage.inputTokens + usage.cacheCreationInputTokens + usage.cacheReadInputTokens;
    outputTokens += usage.outputTokens;
  }

  return {
    model,
    ...byMetric((metric) => meanScore(judged, metric)),
    costUsd: mean(costsPerGeneration),
    latencyMsP50: percentile(latencies, 50),
    latencyMsP95: percentile(latencies, 95),
    cases: own.length,
    errors: own.filter((result) => result.error !== null).length,
    unjudged: generated.filter((result) => !result.judged).length,
    judged: judged.length,
    inputTokens,
    outputTokens,
    matchesExpectedRate:
      withExpectation.length === 0
        ? null
        : withExpectation.filter((result) => result.matchesExpected === true).length / withExpectation.length,
    expectationPassRate: passRate(judged, "expectations"),
    checkPassRate: passRate(generated, "checks"),
    totalCostUsd: sum(costs),
    judgeCostUsd: sum(own.map((result) => result.judgeCostUsd)),
    ...NOT_COMPARED,
    regressions: [],
    verdictReasons: [...NOT_COMPARED.verdictReasons],
  };
}

/** Index of the best candidate by `better` (a strict "a beats b"); earlier wins ties. Null when none qualify. */
function pickBest(
  candidates: readonly ModelSummary[],
  better: (a: ModelSummary, b: ModelSummary) => boolean,
): string | null {
  let best: ModelSummary | null = null;
  for (const candidate of candidates) {
    if (best === null || better(candidate, best)) best = candidate;
  }
  return best === null ? null : best.model;
}

/** Cheaper first; an unknown cost loses to any known one. */
function cheaper(a: ModelSummary, b: ModelSummary): boolean {
  if (a.costUsd === null) return false;
  return b.costUsd === null || a.costUsd < b.costUsd;
}

function higherQuality(a: ModelSummary, b: ModelSummary): boolean {
  return (a.quality ?? -Infinity) > (b.quality ?? -Infinity);
}

/**
 * The skill's report before any baseline comparison: one summary per model, in the given order (a model
 * without results still gets a row, with zero cases), and the "best" picks:
 * - quality: highest mean quality; ties go to the cheaper model, then to the earlier one in `models`.
 * - cheapest: lowest mean cost per case among models with a known price and at least one judged result
 *   (a model that only produced errors is not "cheap"); ties go to the higher quality.
 * - qualityPerDollar: highest mean quality / mean cost per case among models with both and a cost above 0
 *   (a zero cost has no meaningful ratio).
 */
export function summarizeSkill(input: {
  skill: Skill;
  benchmark: Benchmark;
  results: CaseResult[];
  models: string[];
  /** The without-skill control's results (control: without-skill); absent or null when no control ran. */
  controlResults?: CaseResult[] | null;
}): SkillReport {
  const { skill, benchmark, results, models } = input;
  const control = input.controlResults ?? null;
  const summaries = models.map((model) => {
    const summary = summarizeModel(model, results);
    return control ? { ...summary, uplift: upliftOf(model, results, control) } : summary;
  });

  const scored = summaries.filter((summary) => summary.quality !== null);
  const priced = summaries.filter((summary) => summary.costUsd !== null && summary.judged > 0);
  const valued = scored.filter((summary) => summary.costUsd !== null && summary.costUsd > 0);
  const ratio = (summary: ModelSummary): number => (summary.quality as number) / (summary.costUsd as number);

  return {
    skill: skill.path,
    benchmark: benchmark.path,
    name: skill.name,
    format: skill.format,
    skillHash: skill.hash,
    models: summaries,
    results: [...results],
    ...(control ? { controlResults: [...control] } : {}),
    best: {
      quality: pickBest(scored, (a, b) => higherQuality(a, b) || (a.quality === b.quality && cheaper(a, b))),
      cheapest: pickBest(priced, (a, b) => cheaper(a, b) || (a.costUsd === b.costUsd && higherQuality(a, b))),
      qualityPerDollar: pickBest(
        valued,
        (a, b) => ratio(a) > ratio(b) || (ratio(a) === ratio(b) && higherQuality(a, b)),
      ),
    },
    cases: { added: [], changed: [], removed: [] },
    baselineError: null,
    regressed: false,
    ...skillVerdict(summaries),
  };
}

/**
 * Run totals over every result of every skill, its without-skill control results included.
 * - `cases`, `errors`, `unjudged` count (case, model) results, like ModelSummary.cases.
 * - `calls` counts every model call of every result (`CaseResult.calls`: each generation and judgement sent, with
 *   samples and adaptive rounds); for results without it, one generation plus one judgement when the judge was
 *   asked (judged, or with a judge error). Retries inside a call are not counted.
 * - `unpricedModels`: models that were billed (usage recorded) but have no cost, i.e. whose price is unknown;
 *   their spend is missing from the cost totals. In order of first appearance.
 */
export function totalsOf(skills: SkillReport[], durationMs: number): Totals {
  let candidateCostUsd = 0;
  let judgeCostUsd = 0;
  let calls = 0;
  let cases = 0;
  let errors = 0;
  let unjudged = 0;
  const unpriced = new Set<string>();

  for (const skill of skills) {
    // Control pairs (control: without-skill) are pairs of the run too: their calls and spend count.
    for (const result of [...skill.results, ...(skill.controlResults ?? [])]) {
      // A reused result (result cache) cost nothing this run and made no call.
      if (!result.reused) {
        candidateCostUsd += result.costUsd ?? 0;
        judgeCostUsd += result.judgeCostUsd ?? 0;
      }
      cases += 1;
      if (result.reused) calls += 0;
      else if (result.calls !== undefined) calls += result.calls;
      else calls += 1 + (result.judged || result.judgeError !== null ? 1 : 0);
      if (result.error !== null) errors += 1;
      else if (!result.judged) unjudged += 1;
      if (result.usage !== null && result.costUsd === null) unpriced.add(result.model);
    }
  }

  return {
    costUsd: candidateCostUsd + judgeCostUsd,
    candidateCostUsd,
    judgeCostUsd,
    unpricedModels: [...unpriced],
    calls,
    cases,
    errors,
    unjudged,
    durationMs,
  };
}
