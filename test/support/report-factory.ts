// Typed builders for Report test data. Every builder returns a complete, valid object; overrides replace whole
// fields. `compared()` derives baseline and delta from two metric sets so tests do not hand-compute deltas.

import { NOT_COMPARED } from "../../src/aggregate.js";
import { skillVerdict, worstVerdict } from "../../src/verdict.js";
import type {
  CaseResult,
  Delta,
  HistoryPoint,
  MetricSet,
  ModelSummary,
  Report,
  SkillReport,
  Totals,
  Usage,
} from "../../src/types.js";

export function usage(overrides: Partial<Usage> = {}): Usage {
  return { inputTokens: 1200, outputTokens: 300, cacheCreationInputTokens: 0, cacheReadInputTokens: 0, ...overrides };
}

export function metricSet(overrides: Partial<MetricSet> = {}): MetricSet {
  return {
    quality: 80,
    faithfulness: 82,
    relevancy: 85,
    precision: 78,
    recall: 75,
    costUsd: 0.004,
    latencyMsP50: 1500,
    ...overrides,
  };
}

export function caseResult(overrides: Partial<CaseResult> = {}): CaseResult {
  const caseId = overrides.caseId ?? "case-1";
  const model = overrides.model ?? "claude-sonnet-5";
  return {
    caseId,
    caseHash: `hash-${caseId}`,
    model,
    key: `key-${caseId}-${model}`,
    output: `Output of ${model} for ${caseId}.`,
    quality: 80,
    faithfulness: 82,
    relevancy: 85,
    precision: 78,
    recall: 75,
    matchesExpected: true,
    judgeNotes: `Notes on ${caseId}.`,
    error: null,
    judgeError: null,
    judged: true,
    costUsd: 0.004,
    judgeCostUsd: 0.01,
    latencyMs: 1500,
    usage: usage(),
    judgeUsage: usage({ inputTokens: 2000, outputTokens: 200 }),
    stopReason: "end_turn",
    generations: 1,
    judgements: 1,
    qualitySamples: [80],
    ...overrides,
  };
}

/** A model summary with no baseline (a "new" model) unless overridden; see compared(). */
export function modelSummary(overrides: Partial<ModelSummary> = {}): ModelSummary {
  return {
    model: "claude-sonnet-5",
    ...metricSet(),
    cases: 5,
    errors: 0,
    unjudged: 0,
    judged: 5,
    inputTokens: 6000,
    outputTokens: 1500,
    latencyMsP95: 2500,
    matchesExpectedRate: 0.8,
    totalCostUsd: 0.02,
    judgeCostUsd: 0.05,
    ...NOT_COMPARED,
    regressions: [],
    verdictReasons: [...NOT_COMPARED.verdictReasons],
    ...overrides,
  };
}

function diff(a: number | null, b: number | null): number | null {
  return a === null || b === null ? null : a - b;
}

/** Delta of `current` against `baseline`, computed like the engine does (points, percent for cost). */
export function deltaOf(current: MetricSet, baseline: MetricSet): Delta {
  return {
    quality: diff(current.quality, baseline.quality),
    faithfulness: diff(current.faithfulness, baseline.faithfulness),
    relevancy: diff(current.relevancy, baseline.relevancy),
    precision: diff(current.precision, baseline.precision),
    recall: diff(current.recall, baseline.recall),
    costPct:
      current.costUsd === null || baseline.costUsd === null || baseline.costUsd === 0
        ? null
        : (current.costUsd / baseline.costUsd - 1) * 100,
    latencyMs: diff(current.latencyMsP50, baseline.latencyMsP50),
  };
}

/** A summary compared with a baseline: current and baseline metrics, delta derived, pairedCases = cases. */
export function compared(
  model: string,
  current: Partial<MetricSet>,
  baseline: Partial<MetricSet>,
  overrides: Partial<ModelSummary> = {},
): ModelSummary {
  const now = metricSet(current);
  const base = metricSet(baseline);
  return modelSummary({
    model,
    ...now,
    baseline: base,
    delta: deltaOf(now, base),
    pairedCases: 5,
    baselineRecordedAt: "2026-10-01T00:00:00.000Z",
    verdict: overrides.regressed ? "regressed" : "pass",
    verdictReasons: overrides.regressed ? [...(overrides.regressions ?? [])] : [],
    ...overrides,
  });
}

export function skillReport(overrides: Partial<SkillReport> = {}): SkillReport {
  const skill = overrides.skill ?? "skills/summarize-thread/SKILL.md";
  const name = overrides.name ?? skill.split("/").slice(-2, -1)[0] ?? skill;
  const models = overrides.models ?? [modelSummary()];
  const results =
    overrides.results ?? models.flatMap((m) => [1, 2].map((n) => caseResult({ caseId: `case-${n}`, model: m.model })));
  return {
    skill,
    benchmark: `benchmarks/${name}.yml`,
    name,
    format: "agent-skill",
    skillHash: `skill-hash-${name}`,
    best: { quality: models[0]?.model ?? null, cheapest: models[0]?.model ?? null, qualityPerDollar: models[0]?.model ?? null },
    cases: { added: [], changed: [], removed: [] },
    baselineError: null,
    ...overrides,
    models,
    results,
    regressed: overrides.regressed ?? models.some((m) => m.regressed),
    verdict: overrides.verdict ?? skillVerdict(models).verdict,
    verdictReasons: overrides.verdictReasons ?? skillVerdict(models).verdictReasons,
  };
}

export function totals(overrides: Partial<Totals> = {}): Totals {
  return {
    costUsd: 0.42,
    candidateCostUsd: 0.12,
    judgeCostUsd: 0.3,
    unpricedModels: [],
    calls: 20,
    cases: 10,
    errors: 0,
    unjudged: 0,
    durationMs: 12_000,
    ...overrides,
  };
}

export function report(overrides: Partial<Report> = {}): Report {
  const skills = overrides.skills ?? [skillReport()];
  return {
    schemaVersion: 1,
    tool: { name: "skillbench", version: "0.1.0" },
    mode: "pr",
    commit: "0123456789abcdef0123456789abcdef01234567",
    baseRef: "main",
    generatedAt: "2026-11-02T10:00:00.000Z",
    judgeModel: "claude-opus-4-8",
    judgeKey: "judge-key-1",
    gate: "significant",
    thresholds: { quality: 5, dimension: 10, cost: 25, errors: 20 },
    totals: totals(),
    skipped: [],
    warnings: [],
    baseline: { branch: "skillbench-baseline", commit: "fedcba9876543210fedcba9876543210fedcba98", found: true },
    failure: null,
    ...overrides,
    skills,
    regressed: overrides.regressed ?? skills.some((s) => s.regressed),
    verdict: overrides.verdict ?? worstVerdict(skills.map((s) => s.verdict), "pass"),
    verdictReasons: overrides.verdictReasons ?? skills.flatMap((s) => s.verdictReasons.map((r) => `${s.skill}: ${r}`)),
  };
}

export function historyPoint(overrides: Partial<HistoryPoint> = {}): HistoryPoint {
  return {
    runId: "run-1",
    commit: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    time: "2026-10-01T03:00:00.000Z",
    mode: "baseline",
    skill: "skills/summarize-thread/SKILL.md",
    model: "claude-sonnet-5",
    metrics: metricSet(),
    ...overrides,
  };
}

/** One history point per run, skill and model: runs a day apart starting 2026-10-01, quality from `quality()`. */
export function historyRuns(input: {
  runs: number;
  skills: string[];
  models: string[];
  quality?: (run: number, skill: string, model: string) => number | null;
  costUsd?: (run: number, skill: string, model: string) => number | null;
}): HistoryPoint[] {
  const points: HistoryPoint[] = [];
  const start = Date.parse("2026-10-01T03:00:00.000Z");
  for (let run = 0; run < input.runs; run += 1) {
    for (const skill of input.skills) {
      for (const model of input.models) {
        points.push(
          historyPoint({
            runId: `run-${run}`,
            time: new Date(start + run * 86_400_000).toISOString(),
            skill,
            model,
            metrics: metricSet({
              quality: input.quality ? input.quality(run, skill, model) : 70 + (run % 10),
              costUsd: input.costUsd ? input.costUsd(run, skill, model) : 0.004,
            }),
          }),
        );
      }
    }
  }
  return points;
}
