// Compares a skill's fresh results with the baseline recorded on the baseline branch and decides, per model,
// whether quality or cost regressed. Only like is compared with like: a result pairs with a baseline entry of
// the same case (same content hash), model and judge settings; the skill hash is expected to differ.

import {
  METRICS,
  type BaselineEntry,
  type BaselineSnapshot,
  type CaseChanges,
  type CaseResult,
  type Delta,
  type Gate,
  type Interval,
  type Metric,
  type MetricSet,
  type ModelSummary,
  type Report,
  type SkillBaseline,
  type SkillReport,
  type Thresholds,
} from "./types.js";
import { bootstrapInterval, mean, percentile } from "./stats.js";
import { formatInterval, formatPercent, formatPoints } from "./report/format.js";
import { NOT_COMPARED, costPerGeneration } from "./aggregate.js";
import { errorGateReasons, modelVerdict, skillVerdict, withRunVerdict } from "./verdict.js";

export interface CompareOptions {
  /** Judge key of the current run; baseline entries judged under another key are not compared. */
  judgeKey: string;
  thresholds: Thresholds;
  gate: Gate;
  staleAfterDays: number;
  now: Date;
}

/** With at least this many judged pairs, the "significant" gate also asks the interval to lie below 0. */
export const MIN_PAIRS_FOR_SIGNIFICANCE = 5;

const DAY_MS = 24 * 60 * 60 * 1000;

// Means of scores are sums of fractions; without a little slack a drop of exactly the threshold could
// count as 5.000000000001 points and fail a check. 1e-9 points is far below anything a report shows.
const EPSILON = 1e-9;

/** A result with the baseline entry it is compared with. */
interface Pair {
  current: CaseResult;
  baseline: BaselineEntry;
}

export interface SkillComparison {
  skill: SkillReport;
  /** Human-readable remarks for the run's warnings, e.g. entries skipped because the judge changed. */
  notes: string[];
}

function pairKey(caseId: string, model: string, caseHash: string): string {
  return JSON.stringify([caseId, model, caseHash]);
}

function isBaselineJudged(entry: BaselineEntry): boolean {
  return entry.error === null && entry.quality !== null;
}

function uniqueInOrder(values: Iterable<string>): string[] {
  return [...new Set(values)];
}

/**
 * Which cases are new, changed or gone since the baseline.
 * A case counts as changed when the baseline knows its id but has no entry with its current content hash (so no
 * model can be compared on it); entries the baseline keeps for an old hash next to the current one do not
 * make it "changed".
 */
function caseChanges(results: readonly CaseResult[], entries: readonly BaselineEntry[]): CaseChanges {
  const baselineHashes = new Map<string, Set<string>>();
  for (const entry of entries) {
    const hashes = baselineHashes.get(entry.caseId) ?? new Set<string>();
    hashes.add(entry.caseHash);
    baselineHashes.set(entry.caseId, hashes);
  }
  const currentHashes = new Map<string, Set<string>>();
  for (const result of results) {
    const hashes = currentHashes.get(result.caseId) ?? new Set<string>();
    hashes.add(result.caseHash);
    currentHashes.set(result.caseId, hashes);
  }

  const added: string[] = [];
  const changed: string[] = [];
  for (const [caseId, hashes] of currentHashes) {
    const known = baselineHashes.get(caseId);
    if (known === undefined) added.push(caseId);
    else if (![...hashes].some((hash) => known.has(hash))) changed.push(caseId);
  }
  const removed = uniqueInOrder(entries.map((entry) => entry.caseId)).filter((id) => !currentHashes.has(id));
  return { added, changed, removed };
}

/** The summary with every comparison field back to "nothing compared". */
function uncompared(summary: ModelSummary): ModelSummary {
  return { ...summary, ...NOT_COMPARED, regressions: [], verdictReasons: [] };
}

/**
 * The summary with the errors gate applied (too many failed or unjudged pairs regress a model, baseline or not)
 * and its verdict set. `noBaseline` says why nothing was compared, when that is the case.
 */
function decide(
  summary: ModelSummary,
  results: readonly CaseResult[],
  thresholds: Thresholds,
  noBaseline: string | null,
): ModelSummary {
  const regressions = [...summary.regressions, ...errorGateReasons(summary, results, thresholds.errors)];
  const decided = { ...summary, regressions, regressed: regressions.length > 0 };
  return { ...decided, ...modelVerdict(decided, noBaseline) };
}

/** Reasons use the report's own formatters, so a reason and the table cell beside it show the same number. */
function intervalText(interval: Interval): string {
  return `${Math.round(interval.level * 100)}% CI ${formatInterval(interval)}`;
}

interface MetricComparison {
  delta: number | null;
  interval: Interval | null;
  baselineMean: number | null;
  pairs: number;
}

function compareMetric(pairs: readonly Pair[], metric: Metric, seed: string): MetricComparison {
  const deltas: number[] = [];
  const baselineValues: number[] = [];
  for (const { current, baseline } of pairs) {
    const now = current[metric];
    const before = baseline[metric];
    if (now === null || before === null) continue;
    deltas.push(now - before);
    baselineValues.push(before);
  }
  return {
    delta: mean(deltas),
    interval: bootstrapInterval(deltas, { seed }),
    baselineMean: mean(baselineValues),
    pairs: deltas.length,
  };
}

/**
 * Whether a drop of `comparison.delta` points beyond `threshold` counts, and the reason to show when it does.
 * With the "significant" gate and enough pairs, the drop must also be significant (interval entirely below
 * 0); a drop the interval cannot tell from noise is not a regression and gets no reason (the report shows the
 * interval).
 */
function dropReason(name: string, comparison: MetricComparison, threshold: number, gate: Gate): string | null {
  const { delta, interval } = comparison;
  if (delta === null || !(delta < -threshold - EPSILON)) return null;
  const testable = gate === "significant" && comparison.pairs >= MIN_PAIRS_FOR_SIGNIFICANCE && interval !== null;
  if (testable && !(interval.high < 0)) return null;
  const detail = interval === null ? "" : `; ${intervalText(interval)}`;
  return `${name} ${formatPoints(delta)} points (threshold ${threshold}${detail})`;
}

function compareModel(
  summary: ModelSummary,
  pairs: readonly Pair[],
  current: SkillReport,
  options: CompareOptions,
  noBaseline: string,
): ModelSummary {
  const skillPath = current.skill;
  if (pairs.length === 0) return decide(uncompared(summary), current.results, options.thresholds, noBaseline);

  // Judged on both sides: only those pairs say anything about quality.
  const judgedPairs = pairs.filter(({ current, baseline }) => current.judged && isBaselineJudged(baseline));
  // One seed per skill, model, judge and metric: reruns reproduce every interval, metrics resample independently.
  const seedBase = `${skillPath}\n${summary.model}\n${options.judgeKey}`;
  const seedOf = (metric: Metric): string => (metric === "quality" ? seedBase : `${seedBase}\n${metric}`);
  const metrics: Record<Metric, MetricComparison> = {
    quality: compareMetric(judgedPairs, "quality", seedOf("quality")),
    faithfulness: compareMetric(judgedPairs, "faithfulness", seedOf("faithfulness")),
    relevancy: compareMetric(judgedPairs, "relevancy", seedOf("relevancy")),
    precision: compareMetric(judgedPairs, "precision", seedOf("precision")),
    recall: compareMetric(judgedPairs, "recall", seedOf("recall")),
  };

  const costPairs = pairs.filter(({ current, baseline }) => current.costUsd !== null && baseline.costUsd !== null);
  const currentCost = mean(costPairs.map(({ current }) => costPerGeneration(current)));
  const baselineCost = mean(costPairs.map(({ baseline }) => baseline.costUsd));
  const costPct =
    currentCost === null || baselineCost === null || baselineCost === 0
      ? null
      : (currentCost / baselineCost - 1) * 100;

  // Latency of successful generations on both sides, over the same cases.
  const latencyPairs = pairs.filter(
    ({ current, baseline }) =>
      current.error === null && current.latencyMs !== null && baseline.error === null && baseline.latencyMs !== null,
  );
  const currentP50 = percentile(latencyPairs.map(({ current }) => current.latencyMs), 50);
  const baselineP50 = percentile(latencyPairs.map(({ baseline }) => baseline.latencyMs), 50);

  const baselineMetrics: MetricSet = {
    quality: metrics.quality.baselineMean,
    faithfulness: metrics.faithfulness.baselineMean,
    relevancy: metrics.relevancy.baselineMean,
    precision: metrics.precision.baselineMean,
    recall: metrics.recall.baselineMean,
    costUsd: mean(pairs.map(({ baseline }) => baseline.costUsd)),
    latencyMsP50: percentile(
      pairs.filter(({ baseline }) => baseline.error === null).map(({ baseline }) => baseline.latencyMs),
      50,
    ),
  };
  const delta: Delta = {
    quality: metrics.quality.delta,
    faithfulness: metrics.faithfulness.delta,
    relevancy: metrics.relevancy.delta,
    precision: metrics.precision.delta,
    recall: metrics.recall.delta,
    costPct,
    latencyMs: currentP50 === null || baselineP50 === null ? null : currentP50 - baselineP50,
  };

  const { thresholds, gate } = options;
  const reasons: string[] = [];
  for (const metric of METRICS) {
    const threshold = metric === "quality" ? thresholds.quality : thresholds.dimension;
    const reason = dropReason(metric, metrics[metric], threshold, gate);
    if (reason !== null) reasons.push(reason);
  }
  // Cost is measured, not judged: no judge noise to test against, so the threshold alone decides.
  if (costPct !== null && costPct > thresholds.cost + EPSILON) {
    reasons.push(`cost ${formatPercent(costPct)} (threshold ${thresholds.cost}%)`);
  }

  // A stale baseline is still compared and may still gate: it is the best reference there is, and refusing to
  // gate would let any regression through on a repository whose nightly run stopped. The report flags it.
  const recordedTimes = pairs
    .map(({ baseline }) => ({ text: baseline.recordedAt, time: Date.parse(baseline.recordedAt) }))
    .filter(({ time }) => !Number.isNaN(time));
  const oldest = recordedTimes.reduce<{ text: string; time: number } | null>(
    (found, entry) => (found === null || entry.time < found.time ? entry : found),
    null,
  );
  const stale = oldest !== null && oldest.time < options.now.getTime() - options.staleAfterDays * DAY_MS;

  const compared: ModelSummary = {
    ...summary,
    baseline: baselineMetrics,
    delta,
    qualityInterval: metrics.quality.interval,
    pairedCases: metrics.quality.pairs,
    stale,
    baselineRecordedAt: oldest === null ? null : oldest.text,
    regressed: reasons.length > 0,
    regressions: reasons,
  };
  return decide(compared, current.results, options.thresholds, null);
}

/**
 * `compareSkill` plus remarks for the run's warnings (currently: results whose baseline entry was judged under
 * other judge settings and so was not compared).
 */
export function compareSkillWithNotes(
  current: SkillReport,
  baseline: SkillBaseline | undefined,
  options: CompareOptions,
): SkillComparison {
  const entries = baseline?.entries ?? [];

  // Several entries can share a key when a baseline keeps history; compare with the most recent one.
  const comparable = new Map<string, BaselineEntry>();
  const otherJudge = new Set<string>();
  for (const entry of entries) {
    const key = pairKey(entry.caseId, entry.model, entry.caseHash);
    if (entry.judgeKey !== options.judgeKey) {
      otherJudge.add(key);
      continue;
    }
    const known = comparable.get(key);
    if (known === undefined || Date.parse(entry.recordedAt) > Date.parse(known.recordedAt)) {
      comparable.set(key, entry);
    }
  }

  let skippedForJudge = 0;
  const pairsByModel = new Map<string, Pair[]>();
  for (const result of current.results) {
    const key = pairKey(result.caseId, result.model, result.caseHash);
    const entry = comparable.get(key);
    if (entry === undefined) {
      if (otherJudge.has(key)) skippedForJudge += 1;
      continue;
    }
    const pairs = pairsByModel.get(result.model) ?? [];
    pairs.push({ current: result, baseline: entry });
    pairsByModel.set(result.model, pairs);
  }

  const noBaseline =
    baseline === undefined
      ? "no baseline for this skill"
      : skippedForJudge > 0
        ? "the baseline was judged with other judge settings"
        : "no baseline for this model";
  const models = current.models.map((summary) =>
    compareModel(summary, pairsByModel.get(summary.model) ?? [], current, options, noBaseline),
  );
  const notes =
    skippedForJudge === 0
      ? []
      : [
          `${current.skill}: ${skippedForJudge} result${skippedForJudge === 1 ? "" : "s"} not compared with the ` +
            "baseline because it was judged with other judge settings (judge model, prompt or schema changed); " +
            "the next baseline run records comparable results.",
        ];

  return {
    skill: {
      ...current,
      models,
      results: [...current.results],
      cases: caseChanges(current.results, entries),
      baselineError: null,
      regressed: models.some((model) => model.regressed),
      ...skillVerdict(models),
    },
    notes,
  };
}

/**
 * A new SkillReport with the baseline comparison filled in: case changes, per-model baseline metrics, deltas,
 * the quality interval, staleness and regressions. Without a baseline every case is "added" and nothing
 * regresses.
 */
export function compareSkill(
  current: SkillReport,
  baseline: SkillBaseline | undefined,
  options: CompareOptions,
): SkillReport {
  return compareSkillWithNotes(current, baseline, options).skill;
}

/**
 * The report compared with a baseline snapshot: every skill compared with its baseline (matched by skill
 * path), `regressed` and `verdict` set on models, skills and the report, and `baseline` naming what was read.
 * A skill whose baseline file could not be read gets `baselineError` (the snapshot's messages for it) and is
 * not compared at all, so a corrupt file neither fails nor passes it (inconclusive), and its cases are not
 * reported as "added". Remarks from the comparison are appended to `warnings`. Without a snapshot (no baseline
 * read), nothing is compared and every model is inconclusive unless the errors gate regresses it. The errors
 * gate and the run's failure (nothing judged) apply either way. Returns a new object.
 */
export function applyComparison(report: Report, snapshot: BaselineSnapshot | null, options: CompareOptions): Report {
  const warnings = [...report.warnings];
  const skills = report.skills.map((skill): SkillReport => {
    const errors = snapshot === null ? [] : snapshot.errors.filter((error) => error.skill === skill.skill);
    if (snapshot === null || errors.length > 0) {
      const why = snapshot === null ? "no baseline was read" : "the baseline could not be read";
      const models = skill.models.map((m) => decide(uncompared(m), skill.results, options.thresholds, why));
      return {
        ...skill,
        models,
        results: [...skill.results],
        cases: snapshot === null ? { ...skill.cases } : { added: [], changed: [], removed: [] },
        baselineError: errors.length > 0 ? errors.map((error) => error.message).join("; ") : null,
        regressed: models.some((model) => model.regressed),
        ...skillVerdict(models),
      };
    }
    const { skill: compared, notes } = compareSkillWithNotes(skill, snapshot.skills.get(skill.skill), options);
    warnings.push(...notes);
    return compared;
  });

  return withRunVerdict({
    ...report,
    skills,
    warnings,
    regressed: skills.some((skill) => skill.regressed),
    baseline: snapshot === null ? null : { branch: snapshot.branch, commit: snapshot.commit, found: snapshot.found },
  });
}
