// Compares a skill's fresh results with the baseline recorded on the baseline branch and decides, per model,
// whether quality or cost regressed. Only like is compared with like: a result pairs with a baseline entry of
// the same case (same content hash), model and judge settings; the skill hash is expected to differ.

import {
  METRICS,
  PASS_RATES,
  type BaselineEntry,
  type BaselineSnapshot,
  type CaseChanges,
  type CaseResult,
  type Delta,
  type Correction,
  type Gate,
  type HistoryPoint,
  type Metric,
  type MetricSet,
  type MetricTest,
  type ModelSummary,
  type Report,
  type SkillBaseline,
  type SkillReport,
  type Thresholds,
} from "./types.js";
import {
  benjaminiHochberg,
  casesToDecide,
  detectableDrop,
  dropPValue,
  holm,
  mean,
  percentile,
  standardDeviation,
  tInterval,
} from "./stats.js";
import { NOT_COMPARED, costPerGeneration } from "./aggregate.js";
import { byMetric } from "./util.js";
import { checkKey, flippedExpectations, pairedPassDelta } from "./checks.js";
import { errorGateReasons, modelVerdict, skillVerdict, withRunVerdict } from "./verdict.js";

export interface CompareOptions {
  /** Judge key of the current run; baseline entries judged under another key are not compared. */
  judgeKey: string;
  thresholds: Thresholds;
  gate: Gate;
  staleAfterDays: number;
  now: Date;
  /** Dimensions gate too (default false: tested and shown, advisory). */
  gateDimensions?: boolean;
  /** Default benjamini-hochberg. */
  correction?: Correction;
  /** Baseline entries older than this many hours make the verdict say so (default null: no limit). */
  maxAgeHours?: number | null;
  /** Baseline history, oldest first: the drift between nightly baselines when the baseline is too old. */
  history?: readonly HistoryPoint[];
  /**
   * Says a finding in words for the report's `regressions` and `verdictReasons` (describeFinding in
   * src/report/reasons.ts): the comparison decides with data, the report owns the wording.
   */
  describe: (finding: Finding) => string;
  /**
   * Case ids of the skill's other benchmarks (a YAML benchmark beside its evals/evals.json): the baseline holds
   * them under the same skill, and they are not "removed" from this benchmark.
   */
  otherCaseIds?: (skill: string, benchmark: string) => ReadonlySet<string>;
}

/**
 * Why a compared model regressed or could not be decided, as data. `metric`: a gated test that regressed or is
 * inconclusive (its outcome and inconclusiveBecause say which; `drift` is the nightly drift it was weighed against
 * when the baseline is older than max-age-hours). `cost`: the cost rose over its threshold. `baseline-age`: the
 * baseline is older than max-age-hours (a note on any verdict).
 */
export type Finding =
  | { kind: "metric"; test: MetricTest; gate: Gate; drift: number | null }
  | { kind: "cost"; costPct: number; threshold: number }
  | { kind: "baseline-age"; ageHours: number; maxAgeHours: number };

/** Fewer judged pairs than this are not tested: the verdict is inconclusive. */
export const MIN_PAIRS = 3;
/** @deprecated the noise-aware gate tests from MIN_PAIRS pairs on; kept for importers. */
export const MIN_PAIRS_FOR_SIGNIFICANCE = MIN_PAIRS;
/**
 * One-sided significance level of each test, after the run's correction. 0.025 matches the 95% two-sided interval
 * the comment shows (a regression's interval lies below zero). Measured with `npm run bench -- gate`: at 0.05 a
 * harmless one-skill PR failed 8-10% of runs at judge noise sd 10; at 0.025 (with judge.samples 2) 5%.
 */
export const ALPHA = 0.025;
/** Level of the two-sided t-interval shown and used for "pass" (its low end above -threshold). */
export const INTERVAL_LEVEL = 0.95;
/** Power at which the detectable drop is stated. */
export const POWER = 0.8;

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

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
  return { ...summary, ...NOT_COMPARED, tests: [], regressions: [], verdictReasons: [] };
}

/**
 * The summary with the errors gate applied (too many failed or unjudged pairs regress a model, baseline or not)
 * and its verdict set. `noBaseline` says why nothing was compared, when that is the case; `undecided` holds
 * why a compared model is inconclusive, `notes` what the verdict must say whatever it is (an old baseline).
 */
function decide(
  summary: ModelSummary,
  results: readonly CaseResult[],
  thresholds: Thresholds,
  noBaseline: string | null,
  undecided: readonly string[] = [],
  notes: readonly string[] = [],
): ModelSummary {
  const regressions = [...summary.regressions, ...errorGateReasons(summary, results, thresholds.errors)];
  const decided = { ...summary, regressions, regressed: regressions.length > 0 };
  const verdict = modelVerdict(decided, noBaseline, undecided);
  return { ...decided, ...verdict, verdictReasons: [...verdict.verdictReasons, ...notes] };
}

interface MetricComparison {
  deltas: number[];
  baselineMean: number | null;
}

function compareMetric(pairs: readonly Pair[], metric: Metric): MetricComparison {
  const deltas: number[] = [];
  const baselineValues: number[] = [];
  for (const { current, baseline } of pairs) {
    const now = current[metric];
    const before = baseline[metric];
    if (now === null || before === null) continue;
    deltas.push(now - before);
    baselineValues.push(before);
  }
  return { deltas, baselineMean: mean(baselineValues) };
}

/** The test of one metric before the run's correction and verdict (adjustedPValue null, outcome provisional). */
export function testOf(metric: MetricTest["metric"], deltas: readonly number[], threshold: number, gated: boolean): MetricTest {
  const spread = standardDeviation(deltas);
  return {
    metric,
    n: deltas.length,
    delta: mean(deltas),
    spread,
    interval: tInterval(deltas, INTERVAL_LEVEL),
    pValue: dropPValue(deltas),
    adjustedPValue: null,
    gated,
    threshold,
    detectableDrop: spread === null ? null : detectableDrop(deltas.length, spread, ALPHA, POWER),
    casesNeeded: null,
    outcome: "inconclusive",
    inconclusiveBecause: null,
  };
}

function compareModel(
  summary: ModelSummary,
  pairs: readonly Pair[],
  current: SkillReport,
  options: CompareOptions,
  noBaseline: string,
): ModelSummary {
  if (pairs.length === 0) return decide(uncompared(summary), current.results, options.thresholds, noBaseline);

  // Judged on both sides: only those pairs say anything about quality.
  const judgedPairs = pairs.filter(({ current, baseline }) => current.judged && isBaselineJudged(baseline));
  const metrics: Record<Metric, MetricComparison> = byMetric((metric) => compareMetric(judgedPairs, metric));

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
    ...byMetric((metric) => metrics[metric].baselineMean),
    costUsd: mean(pairs.map(({ baseline }) => baseline.costUsd)),
    latencyMsP50: percentile(
      pairs.filter(({ baseline }) => baseline.error === null).map(({ baseline }) => baseline.latencyMs),
      50,
    ),
  };
  const delta: Delta = {
    ...byMetric((metric) => mean(metrics[metric].deltas)),
    costPct,
    latencyMs: currentP50 === null || baselineP50 === null ? null : currentP50 - baselineP50,
  };

  const { thresholds } = options;
  const gateDimensions = options.gateDimensions ?? false;
  const tests = METRICS.map((metric) =>
    metric === "quality"
      ? testOf(metric, metrics[metric].deltas, thresholds.quality, true)
      : testOf(metric, metrics[metric].deltas, thresholds.dimension, gateDimensions || options.gate === "threshold"),
  );
  const quality = tests[0] as MetricTest;
  tests.push(...passRateTests(pairs, thresholds, options.gate));
  const flipped = pairs.flatMap(({ current, baseline }) =>
    current.judged && isBaselineJudged(baseline)
      ? flippedExpectations(current.expectations, baseline.expectations).map((e) => ({ caseId: current.caseId, text: e.text, evidence: e.evidence }))
      : [],
  );

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
    qualityInterval: quality.interval,
    pairedCases: quality.n,
    n: quality.n,
    spread: quality.spread,
    pValue: null,
    detectableDrop: quality.detectableDrop,
    casesNeeded: null,
    tests,
    baselineDrift: baselineDrift(options, current.skill, summary.model),
    stale,
    baselineRecordedAt: oldest === null ? null : oldest.text,
    regressed: false,
    regressions: [],
    ...(flipped.length > 0 ? { flippedExpectations: flipped } : {}),
  };
  // Undecided here: the run's correction and the verdict follow once every skill is compared (decideSkills).
  return compared;
}

/**
 * The expectation and check pass rates, tested like quality on the per-case pass fractions (points), paired per
 * case over the expectations (by text) and checks (by type and value) both sides have. Added only when some pair has
 * them; gated once at least MIN_PAIRS cases have them (fewer are shown, advisory: a check on one case alone does not
 * leave every verdict inconclusive). Expectations need both sides judged; checks need only both outputs.
 */
function passRateTests(pairs: readonly Pair[], thresholds: Thresholds, gate: Gate): MetricTest[] {
  const threshold = thresholds.passRate ?? DEFAULT_PASS_RATE_THRESHOLD;
  const tests: MetricTest[] = [];
  for (const metric of PASS_RATES) {
    const deltas: number[] = [];
    for (const { current, baseline } of pairs) {
      const paired =
        metric === "expectations"
          ? current.judged && isBaselineJudged(baseline)
            ? pairedPassDelta(current.expectations, baseline.expectations, (e) => e.text)
            : null
          : current.error === null && baseline.error === null
            ? pairedPassDelta(current.checks, baseline.checks, checkKey)
            : null;
      if (paired !== null) deltas.push(paired.head - paired.base);
    }
    if (deltas.length === 0) continue;
    tests.push(testOf(metric, deltas, threshold, deltas.length >= MIN_PAIRS || gate === "threshold"));
  }
  return tests;
}

function isPassRate(metric: MetricTest["metric"]): boolean {
  return (PASS_RATES as readonly string[]).includes(metric);
}

/** Points a pass rate may drop when the config does not say (thresholds.pass-rate). */
export const DEFAULT_PASS_RATE_THRESHOLD = 10;

/** Nightly baseline runs looked at for the drift of a model's quality mean. */
export const DRIFT_RUNS = 10;

/**
 * The drift between nightly baselines of this (skill, model): the largest change of its quality mean from one
 * baseline run to the next over the last DRIFT_RUNS baseline runs in the history. Null without history or with
 * fewer than 2 such runs.
 */
function baselineDrift(options: CompareOptions, skill: string, model: string): number | null {
  const points = (options.history ?? [])
    .filter((p) => p.mode === "baseline" && p.skill === skill && p.model === model && p.metrics.quality !== null)
    .slice(-DRIFT_RUNS);
  let drift: number | null = null;
  for (let i = 1; i < points.length; i += 1) {
    const change = Math.abs((points[i]?.metrics.quality ?? 0) - (points[i - 1]?.metrics.quality ?? 0));
    drift = drift === null ? change : Math.max(drift, change);
  }
  return drift;
}

function familyKey(skill: string, model: string, metric: MetricTest["metric"]): string {
  return JSON.stringify([skill, model, metric]);
}

/** A test that enters a correction family: tested (enough pairs, a p-value) under the noise-aware gate. */
function isTested(test: MetricTest): boolean {
  return test.n >= MIN_PAIRS && test.pValue !== null;
}

/**
 * Adjusted p-values of every tested (skill, model, metric) in `skills`, keyed by familyKey. Gated tests form
 * the family the verdict depends on; advisory dimension tests are corrected in a family of their own, so that
 * showing them costs the gated tests no power.
 */
function adjustedPValues(skills: readonly SkillReport[], correction: Correction): Map<string, number> {
  const adjust = correction === "holm" ? holm : benjaminiHochberg;
  const adjusted = new Map<string, number>();
  for (const gated of [true, false]) {
    const keys: string[] = [];
    const pValues: number[] = [];
    for (const skill of skills) {
      for (const model of skill.models) {
        for (const test of model.tests) {
          if (test.gated !== gated || !isTested(test) || test.pValue === null) continue;
          keys.push(familyKey(skill.skill, model.model, test.metric));
          pValues.push(test.pValue);
        }
      }
    }
    adjust(pValues).forEach((p, i) => adjusted.set(keys[i] as string, p));
  }
  return adjusted;
}

/** One test decided under the noise-aware gate (contract 4), or under the old threshold gate. */
export function decideTest(test: MetricTest, adjustedPValue: number | null, gate: Gate, drift: number | null): MetricTest {
  const { n, delta, interval, spread, threshold } = test;
  const decided = { ...test, adjustedPValue, casesNeeded: null, inconclusiveBecause: null };
  if (delta === null) return { ...decided, outcome: "inconclusive", inconclusiveBecause: "too-few-pairs", casesNeeded: MIN_PAIRS };
  if (gate === "threshold") {
    // The old behaviour, kept for users who chose it: the mean alone against the threshold, not noise-aware.
    return { ...decided, outcome: delta < -threshold - EPSILON ? "regressed" : "pass" };
  }
  const more = (): number | null => {
    const total = spread === null ? null : casesToDecide(delta, spread, threshold, { level: INTERVAL_LEVEL, alpha: ALPHA, power: POWER });
    return total === null ? (n < MIN_PAIRS ? MIN_PAIRS - n : null) : Math.max(total, MIN_PAIRS) - n;
  };
  if (n < MIN_PAIRS) return { ...decided, outcome: "inconclusive", inconclusiveBecause: "too-few-pairs", casesNeeded: more() };
  const significant = adjustedPValue !== null && adjustedPValue < ALPHA;
  if (significant && delta < -threshold - EPSILON) {
    if (drift !== null && -delta <= drift + EPSILON) {
      return { ...decided, outcome: "inconclusive", inconclusiveBecause: "baseline-drift" };
    }
    return { ...decided, outcome: "regressed" };
  }
  if (interval !== null && interval.low > -threshold - EPSILON) return { ...decided, outcome: "pass" };
  const needed = more();
  return { ...decided, outcome: "inconclusive", inconclusiveBecause: "too-wide", casesNeeded: needed === null ? null : Math.max(needed, 1) };
}

/**
 * A compared model's verdict from its tests: the adjusted p-values from the run's family, each gated test
 * decided, the regressions (gated drops, cost, the errors gate) and why it is inconclusive, and a note when the
 * baseline is older than max-age-hours. Recomputed from the summary's own tests and delta: deciding twice gives
 * the same result.
 */
function decideModel(
  summary: ModelSummary,
  skill: string,
  results: readonly CaseResult[],
  options: CompareOptions,
  adjusted: ReadonlyMap<string, number>,
): ModelSummary {
  const { thresholds, gate } = options;
  const maxAgeHours = options.maxAgeHours ?? null;
  const recorded = summary.baselineRecordedAt === null ? Number.NaN : Date.parse(summary.baselineRecordedAt);
  const ageHours = Number.isNaN(recorded) ? null : (options.now.getTime() - recorded) / HOUR_MS;
  const tooOld = maxAgeHours !== null && ageHours !== null && ageHours > maxAgeHours;
  const drift = tooOld ? summary.baselineDrift : null;

  const tests = summary.tests.map((test) =>
    // The drift is of the quality mean: it says nothing about a pass rate.
    decideTest(test, adjusted.get(familyKey(skill, summary.model, test.metric)) ?? null, gate, isPassRate(test.metric) ? null : drift),
  );
  const regressions: Finding[] = [];
  const undecided: Finding[] = [];
  for (const test of tests) {
    if (!test.gated || test.outcome === "pass") continue;
    (test.outcome === "regressed" ? regressions : undecided).push({ kind: "metric", test, gate, drift });
  }
  // Cost is measured, not judged: no judge noise to test against, so the threshold alone decides.
  const costPct = summary.delta?.costPct ?? null;
  if (costPct !== null && costPct > thresholds.cost + EPSILON) {
    regressions.push({ kind: "cost", costPct, threshold: thresholds.cost });
  }
  const notes: Finding[] = tooOld && ageHours !== null && maxAgeHours !== null ? [{ kind: "baseline-age", ageHours, maxAgeHours }] : [];
  const { describe } = options;
  const gatedUndecided = tests.filter((t) => t.gated && t.outcome === "inconclusive");
  const needed = gatedUndecided.map((t) => t.casesNeeded).filter((c): c is number => c !== null);
  const quality = tests.find((t) => t.metric === "quality") ?? null;
  const withTests: ModelSummary = {
    ...summary,
    tests,
    pValue: quality?.adjustedPValue ?? null,
    casesNeeded: gatedUndecided.length > 0 && needed.length > 0 ? Math.max(...needed) : null,
    regressions: regressions.map(describe),
  };
  return decide(withTests, results, thresholds, null, undecided.map(describe), notes.map(describe));
}

/**
 * Every compared (skill, model) of `skills` decided together: one multiplicity correction over every tested
 * (skill, model, gated metric), then each verdict. Models that were not compared (no tests) keep theirs. Pure:
 * deciding already decided skills again gives the same skills.
 */
export function decideSkills(skills: readonly SkillReport[], options: CompareOptions): SkillReport[] {
  const adjusted = adjustedPValues(skills, options.correction ?? "benjamini-hochberg");
  return skills.map((skill) => {
    if (skill.models.every((m) => m.tests.length === 0)) return skill;
    const models = skill.models.map((m) =>
      m.tests.length === 0 ? m : decideModel(m, skill.skill, skill.results, options, adjusted),
    );
    return { ...skill, models, regressed: models.some((m) => m.regressed), ...skillVerdict(models) };
  });
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

  const compared: SkillReport = {
    ...current,
    models,
    results: [...current.results],
    cases: caseChanges(current.results, entries),
    baselineError: null,
    regressed: models.some((model) => model.regressed),
    ...skillVerdict(models),
  };
  // Alone, a skill is its own family; applyComparison decides again over the whole run.
  return { skill: decideSkills([compared], options)[0] as SkillReport, notes };
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
    const others = options.otherCaseIds?.(skill.skill, skill.benchmark);
    if (!others || others.size === 0) return compared;
    return { ...compared, cases: { ...compared.cases, removed: compared.cases.removed.filter((id) => !others.has(id)) } };
  });

  // The correction needs every skill's tests: verdicts are decided only once all skills are compared.
  const decided = decideSkills(skills, options);
  return withRunVerdict({
    ...report,
    skills: decided,
    warnings,
    regressed: decided.some((skill) => skill.regressed),
    baseline: snapshot === null ? null : { branch: snapshot.branch, commit: snapshot.commit, found: snapshot.found },
  });
}

/**
 * Whether a (skill, model) is inconclusive because a gated test's interval straddles its threshold (more samples
 * could decide it), not because there is no baseline, too few pairs or nightly drift. For the adaptive loop.
 */
export function isBorderline(summary: ModelSummary): boolean {
  return summary.verdict === "inconclusive" && summary.tests.some((t) => t.gated && t.inconclusiveBecause === "too-wide");
}
