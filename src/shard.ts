// Scaling out on GitHub Actions: `--shard I/N` runs a stable slice of the plan, `skillbench merge` combines the
// shard reports into one. Slicing is by skill (a skill's cases share one prompt cache) and balanced by planned
// calls; merging checks that the reports are one complete set made from the same plan, then hands their results
// to the pipeline, which compares, reports and records the baseline once.
import { readFile } from "node:fs/promises";
import { InputError, messageOf, type InputIssue } from "./errors.js";
import { contentHash } from "./hash.js";
import { resultCacheKey } from "./result-cache.js";
import type { PlanItem } from "./plan.js";
import { modelsFor } from "./run.js";
import type { Benchmark, CaseResult, Config, Report, ShardInfo } from "./types.js";

/** The most shards a run may be split into (a matrix job of GitHub Actions runs at most 256 jobs). */
export const MAX_SHARDS = 256;

export interface ShardSpec {
  /** 1-based. */
  index: number;
  count: number;
}

/** `I/N` with 1 <= I <= N <= MAX_SHARDS; anything else is an input error naming `source` (a flag or an input). */
export function parseShard(text: string, source: string): ShardSpec {
  const match = /^\s*(\d{1,4})\s*\/\s*(\d{1,4})\s*$/.exec(text);
  const index = match ? Number(match[1]) : NaN;
  const count = match ? Number(match[2]) : NaN;
  let problem: string | null = null;
  if (!match) problem = `must be I/N, the shard's number and the number of shards (e.g. 2/4), got "${text}"`;
  else if (count < 1 || count > MAX_SHARDS) problem = `N must be from 1 to ${MAX_SHARDS}, got ${count} (in "${text}")`;
  else if (index < 1 || index > count) problem = `I must be from 1 to N (${count}), got ${index} (in "${text}")`;
  if (problem) throw new InputError([{ file: source, line: null, column: null, field: "", message: problem }]);
  return { index, count };
}

/** Planned model calls of one benchmark: pairs x generations x (1 + judgements per generation). */
export function plannedCalls(benchmark: Benchmark, config: Config): number {
  const perPair = Math.max(1, config.samples) * (1 + Math.max(1, config.judge.samples));
  return benchmark.cases.length * modelsFor(benchmark, config).length * perPair;
}

/**
 * The shard (1-based) of every skill of the selection. A skill's benchmarks stay together. Skills are taken by
 * planned calls, most first (ties by skill path), and each goes to the shard with the fewest calls so far (ties:
 * the lowest number): the longest-processing-time rule, whose largest shard is at most 4/3 of the best possible.
 * Depends only on the selection and the config, so every shard job computes the same assignment.
 */
export function assignShards(benchmarks: readonly Benchmark[], config: Config, count: number): Map<string, number> {
  const calls = new Map<string, number>();
  for (const benchmark of benchmarks) calls.set(benchmark.skillPath, (calls.get(benchmark.skillPath) ?? 0) + plannedCalls(benchmark, config));
  const order = [...calls].sort(([a, ca], [b, cb]) => cb - ca || (a < b ? -1 : a > b ? 1 : 0));
  const load = Array.from({ length: count }, () => 0);
  const assigned = new Map<string, number>();
  for (const [skill, skillCalls] of order) {
    let best = 0;
    for (let shard = 1; shard < count; shard += 1) if ((load[shard] ?? 0) < (load[best] ?? 0)) best = shard;
    load[best] = (load[best] ?? 0) + skillCalls;
    assigned.set(skill, best + 1);
  }
  return assigned;
}

/** The benchmarks of shard `spec`, in selection order. */
export function shardOf(benchmarks: readonly Benchmark[], config: Config, spec: ShardSpec): Benchmark[] {
  const assigned = assignShards(benchmarks, config, spec.count);
  return benchmarks.filter((benchmark) => assigned.get(benchmark.skillPath) === spec.index);
}

// Settings that change how a run goes, not what it measures or how it is compared: shards may differ in them
// (adaptive sampling happens in each shard; the merge adds no sample).
const RUNTIME_KEYS = new Set<string>(["root", "api", "concurrency", "cachePath", "cacheMaxAgeHours", "maxCostUsd", "failOnInconclusive", "adaptive", "maxSamples"]);

/**
 * A hash of the whole (unsharded) plan: every pair's result key (skill, case, model, judge, sampling, expectations,
 * checks), its benchmark, and every setting that decides results or the comparison. Shards of one run and the
 * merge that combines them compute the same value; anything else (another commit, config, flag) differs.
 */
export function planFingerprint(plan: readonly PlanItem[], config: Config): string {
  const settings = JSON.stringify(config, (key, value: unknown) => (RUNTIME_KEYS.has(key) ? undefined : value));
  return contentHash("shard-plan", 1, settings, JSON.stringify(plan.map((item) => [item.benchmark.path, resultCacheKey(item, config)])));
}

/** A shard report as read from its file. */
export interface ShardReport {
  file: string;
  report: Report & { shard: ShardInfo };
}

const issue = (file: string, field: string, message: string): InputIssue => ({ file, line: null, column: null, field, message });

/** Reads shard reports; every file that cannot be read, is not a skillbench report or not a shard's is named. */
export async function readShardReports(files: readonly string[], display: (file: string) => string = (f) => f): Promise<ShardReport[]> {
  if (files.length === 0) throw new InputError([issue("merge", "", "no shard report given: pass the report file of every shard")]);
  const issues: InputIssue[] = [];
  const reports: ShardReport[] = [];
  for (const file of files) {
    const name = display(file);
    let value: unknown;
    try {
      value = JSON.parse(await readFile(file, "utf8"));
    } catch (error) {
      issues.push(issue(name, "", `cannot read the report: ${messageOf(error)}`));
      continue;
    }
    const report = value as Partial<Report> | null;
    if (typeof report !== "object" || report === null || report.schemaVersion !== 1 || report.tool?.name !== "skillbench" || !Array.isArray(report.skills)) {
      issues.push(issue(name, "", "is not a skillbench report (schemaVersion 1)"));
      continue;
    }
    const shard = report.shard;
    if (!shard || !Number.isInteger(shard.index) || !Number.isInteger(shard.count) || typeof shard.plan !== "string") {
      issues.push(issue(name, "shard", "is not a shard report: it was not made with --shard I/N (input shard)"));
      continue;
    }
    if (!report.skills.every((skill) => Array.isArray(skill?.results))) {
      issues.push(issue(name, "skills", "has a skill without results[]"));
      continue;
    }
    reports.push({ file: name, report: report as Report & { shard: ShardInfo } });
  }
  if (issues.length > 0) throw new InputError(issues);
  return reports;
}

/**
 * Checks that the reports are one complete set: the same number of shards, each of 1..N exactly once, from the same
 * commit, mode, judge and plan (`expected`: the merge's own commit and plan fingerprint), none cancelled.
 */
export function checkShardSet(reports: readonly ShardReport[], expected: { commit: string | null; plan: string | null }): void {
  const issues: InputIssue[] = [];
  const first = reports[0];
  if (!first) throw new InputError([issue("merge", "", "no shard report given")]);
  const count = first.report.shard.count;
  const seen = new Map<number, string>();
  for (const { file, report } of reports) {
    const { index } = report.shard;
    if (report.shard.count !== count) {
      issues.push(issue(file, "shard.count", `is shard ${index}/${report.shard.count}, but ${first.file} is one of ${count}: the reports come from different splits`));
      continue;
    }
    const twice = seen.get(index);
    if (twice !== undefined) issues.push(issue(file, "shard.index", `shard ${index}/${count} is given twice (also ${twice})`));
    else seen.set(index, file);
    const same = <K extends "mode" | "commit" | "judgeKey">(key: K, what: string) => {
      if (report[key] !== first.report[key]) issues.push(issue(file, key, `${what} ${JSON.stringify(report[key])} differs from ${first.file}'s ${JSON.stringify(first.report[key])}`));
    };
    same("mode", "mode");
    same("commit", "commit");
    same("judgeKey", "judge key (judge model, prompt or blinding)");
    if (expected.commit !== null && report.commit !== null && report.commit !== expected.commit) {
      issues.push(issue(file, "commit", `was made at commit ${report.commit.slice(0, 12)}, but this checkout is at ${expected.commit.slice(0, 12)}: merge in a checkout of the same commit`));
    }
    if (report.cancelled) issues.push(issue(file, "cancelled", `shard ${index}/${count} was cancelled (${report.cancelled.signal}): run it again`));
  }
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((index) => !seen.has(index));
  if (missing.length > 0) issues.push(issue("merge", "", `incomplete set: shard(s) ${missing.join(", ")} of ${count} missing`));
  if (issues.length > 0) throw new InputError(issues);
  // Only a complete set from the right commit is compared by plan (a missing shard changes the merge's plan too).
  const planIssues = reports
    .filter(({ report }) => expected.plan !== null && report.shard.plan !== expected.plan)
    .map(({ file }) =>
      issue(file, "shard.plan", "was made from another plan than this merge sees (the config, a flag or input such as models, samples or " +
        "judge-model, the selected skills, or a skill or benchmark file differs): give merge the same config and flags as the shards"),
    );
  if (planIssues.length > 0) throw new InputError(planIssues);
}

/**
 * The shards' results in plan order (`plan`: the merge's full plan), each found by its benchmark and result key.
 * A pair no shard holds, or a result no pair wants, is an input error.
 */
export function mergedResults(plan: readonly PlanItem[], reports: readonly ShardReport[]): CaseResult[] {
  const pending = new Map<string, { file: string; result: CaseResult }[]>();
  const slot = (benchmark: string, key: string) => `${benchmark}\n${key}`;
  for (const { file, report } of reports) {
    for (const skill of report.skills) {
      // A control pair (control: without-skill) is a pair of the plan too, with its own key.
      for (const result of [...skill.results, ...(skill.controlResults ?? [])]) {
        const at = slot(skill.benchmark, result.key);
        pending.set(at, [...(pending.get(at) ?? []), { file, result }]);
      }
    }
  }
  const issues: InputIssue[] = [];
  const results: CaseResult[] = [];
  for (const item of plan) {
    const found = pending.get(slot(item.benchmark.path, item.key))?.shift();
    if (!found) {
      issues.push(issue("merge", "", `no shard report holds case ${item.testCase.id} of ${item.benchmark.path} on ${item.model}`));
      continue;
    }
    results.push(found.result);
  }
  for (const left of pending.values()) {
    for (const { file, result } of left) issues.push(issue(file, "skills", `holds case ${result.caseId} on ${result.model}, which this plan does not run`));
  }
  if (issues.length > 0) throw new InputError(issues.slice(0, 20));
  return results;
}
