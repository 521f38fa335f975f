// `skillbench run --format skill-creator`: the report as Anthropic skill-creator's benchmark.json (schema in
// src/skill-creator-schema.ts, from skill-creator's references/schemas.md), so its eval viewer opens our results.
// One file per (skill, model), as skill-creator benchmarks one skill with one executor model: `benchmark.json` when
// the report holds one, else `benchmark-<skill>-<model>.json`. The skill's results are the `with_skill` runs, the
// without-skill control's (control: without-skill) the `without_skill` runs.
import type { CaseResult, Report, SkillReport } from "../types.js";
import { passFraction } from "../checks.js";

type Configuration = "with_skill" | "without_skill";

interface Stat {
  mean: number;
  stddev: number;
  min: number;
  max: number;
}

export interface SkillCreatorRun {
  eval_id: number;
  eval_name: string;
  configuration: Configuration;
  run_number: number;
  result: {
    pass_rate: number;
    passed: number;
    failed: number;
    total: number;
    time_seconds: number;
    tokens: number;
    tool_calls: number;
    errors: number;
  };
  expectations: { text: string; passed: boolean; evidence: string }[];
  notes: string[];
  /** skillbench's own additions (the viewer ignores them): the case id, the model, the judge's quality (0-100). */
  case_id: string;
  model: string;
  quality: number | null;
}

export interface SkillCreatorBenchmark {
  metadata: {
    skill_name: string;
    skill_path: string;
    executor_model: string;
    analyzer_model: string;
    timestamp: string;
    evals_run: number[];
    runs_per_configuration: number;
  };
  runs: SkillCreatorRun[];
  run_summary: Partial<Record<Configuration, { pass_rate: Stat; time_seconds: Stat; tokens: Stat }>> & {
    delta?: { pass_rate: string; time_seconds: string; tokens: string };
  };
  notes: string[];
}

const round4 = (value: number): number => Math.round(value * 10_000) / 10_000;

/** mean, sample standard deviation (n - 1), min and max, rounded to 4 decimals (as aggregate_benchmark.py does). */
function statOf(values: readonly number[]): Stat {
  if (values.length === 0) return { mean: 0, stddev: 0, min: 0, max: 0 };
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.length > 1 ? values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1) : 0;
  return { mean: round4(mean), stddev: round4(Math.sqrt(variance)), min: round4(Math.min(...values)), max: round4(Math.max(...values)) };
}

/** "+0.50", "-13.0", "+1700": a signed difference with fixed decimals, as skill-creator writes deltas. */
function signedFixed(value: number, digits: number): string {
  const text = Math.abs(value).toFixed(digits);
  return `${value < 0 && Number(text) !== 0 ? "-" : "+"}${text}`;
}

/**
 * One run from one result. pass_rate: the share of the case's graded expectations and decided checks that passed;
 * a case with neither uses the judge's quality / 100. A pair that failed or went unjudged has errors 1, pass_rate 0,
 * and is left out of run_summary.
 */
function runOf(result: CaseResult, evalId: number, configuration: Configuration): SkillCreatorRun {
  const expectations = (result.expectations ?? []).map((e) => ({ text: e.text, passed: e.passed, evidence: e.evidence }));
  const decided = (result.checks ?? []).filter((c) => c.passed !== null);
  const items = [...expectations.map((e) => e.passed), ...decided.map((c) => c.passed === true)];
  const passed = items.filter(Boolean).length;
  const failedPair = result.error !== null || !result.judged;
  const fallback = result.quality === null ? 0 : result.quality / 100;
  const pass = failedPair ? 0 : items.length > 0 ? (passFraction(items.map((p) => ({ passed: p }))) ?? 0) : fallback;
  const usage = result.usage;
  const tokens = usage ? usage.inputTokens + usage.outputTokens + usage.cacheCreationInputTokens + usage.cacheReadInputTokens : 0;
  const notes = [result.error, result.judgeError, result.judgeNotes].filter((n): n is string => typeof n === "string" && n !== "");
  return {
    eval_id: evalId,
    eval_name: result.caseId,
    configuration,
    run_number: 1,
    result: {
      pass_rate: round4(pass),
      passed,
      failed: items.length - passed,
      total: items.length,
      time_seconds: round4((result.latencyMs ?? 0) / 1000),
      tokens: Math.round(tokens),
      tool_calls: result.filesRead?.length ?? 0,
      errors: failedPair ? 1 : 0,
    },
    expectations,
    notes,
    case_id: result.caseId,
    model: result.model,
    quality: result.quality,
  };
}

function summaryOf(runs: readonly SkillCreatorRun[]) {
  const measured = runs.filter((run) => run.result.errors === 0);
  return {
    pass_rate: statOf(measured.map((r) => r.result.pass_rate)),
    time_seconds: statOf(measured.map((r) => r.result.time_seconds)),
    tokens: statOf(measured.map((r) => r.result.tokens)),
  };
}

/** The benchmark.json of one (skill, model) of a report. */
export function skillCreatorBenchmark(report: Report, skill: SkillReport, model: string): SkillCreatorBenchmark {
  // eval ids: the case's 1-based position in the benchmark (the viewer sorts them as numbers).
  const ids = new Map<string, number>();
  for (const result of skill.results) if (!ids.has(result.caseId)) ids.set(result.caseId, ids.size + 1);
  const idOf = (caseId: string): number => {
    if (!ids.has(caseId)) ids.set(caseId, ids.size + 1);
    return ids.get(caseId) as number;
  };
  const withSkill = skill.results.filter((r) => r.model === model).map((r) => runOf(r, idOf(r.caseId), "with_skill"));
  const control = skill.controlResults?.filter((r) => r.model === model) ?? [];
  const withoutSkill = control.map((r) => runOf(r, idOf(r.caseId), "without_skill"));
  const runSummary: SkillCreatorBenchmark["run_summary"] = { with_skill: summaryOf(withSkill) };
  if (withoutSkill.length > 0) {
    const a = summaryOf(withSkill);
    const b = summaryOf(withoutSkill);
    runSummary.without_skill = b;
    runSummary.delta = {
      pass_rate: signedFixed(a.pass_rate.mean - b.pass_rate.mean, 2),
      time_seconds: signedFixed(a.time_seconds.mean - b.time_seconds.mean, 1),
      tokens: signedFixed(a.tokens.mean - b.tokens.mean, 0),
    };
  }
  const notes = [
    `Written by skillbench ${report.tool.version}: pass_rate is the share of a case's expectations and checks that ` +
      "passed (the judge's quality / 100 for a case with neither); errored or unjudged runs are left out of run_summary.",
  ];
  const uplift = skill.models.find((m) => m.model === model)?.uplift;
  if (uplift && uplift.quality.delta !== null) {
    notes.push(`Quality uplift over no skill: ${signedFixed(uplift.quality.delta, 1)} points (n=${uplift.quality.n}).`);
  }
  return {
    metadata: {
      skill_name: skill.name,
      skill_path: skill.skill,
      executor_model: model,
      analyzer_model: report.judgeModel,
      timestamp: report.generatedAt.replace(/\.\d+Z$/, "Z"),
      evals_run: [...new Set([...withSkill, ...withoutSkill].map((run) => run.eval_id))].sort((x, y) => x - y),
      runs_per_configuration: 1,
    },
    runs: [...withSkill, ...withoutSkill].sort((x, y) => x.eval_id - y.eval_id || (x.configuration < y.configuration ? -1 : 1)),
    run_summary: runSummary,
    notes,
  };
}

/** A name safe as one path segment. */
const segment = (text: string): string => text.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^[.-]+/, "") || "skill";

/**
 * Every benchmark.json of a report with its file name: `benchmark.json` for a report of one (skill, model), else
 * `benchmark-<skill>-<model>.json` each.
 */
export function skillCreatorFiles(report: Report): { file: string; benchmark: SkillCreatorBenchmark }[] {
  const pairs = report.skills.flatMap((skill) => skill.models.map((m) => ({ skill, model: m.model })));
  const used = new Set<string>();
  return pairs.map(({ skill, model }) => {
    const stem = pairs.length === 1 ? "benchmark" : `benchmark-${segment(skill.name)}-${segment(model)}`;
    let file = `${stem}.json`;
    // Two skills of the same name (in different folders): the later ones get a number.
    for (let i = 2; used.has(file) && i <= pairs.length + 1; i += 1) file = `${stem}-${i}.json`;
    used.add(file);
    return { file, benchmark: skillCreatorBenchmark(report, skill, model) };
  });
}
