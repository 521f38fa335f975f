// The engine, as one pipeline: load and validate -> select skills -> read the baseline -> run (generate, judge)
// -> aggregate -> compare -> record the baseline (baseline mode). The CLI and the action are thin front ends on it.
import { summarizeSkill, totalsOf } from "./aggregate.js";
import { createModelClient } from "./anthropic.js";
import { GitBaselineStore } from "./baseline/store.js";
import { applyComparison } from "./compare.js";
import { loadProject, type Overrides } from "./config.js";
import { messageOf } from "./errors.js";
import type { GitRunner } from "./git.js";
import { blindingTerms, judgeKeyOf, type JudgeSettings } from "./judge.js";
import { missingPriceHint, priceFor } from "./pricing.js";
import { modelsFor, planRun, runPlan, type PlanItem, type Progress } from "./run.js";
import { changedFilesSince, selectBenchmarks } from "./select.js";
import type {
  BaselineSnapshot,
  BaselineStore,
  Benchmark,
  CaseResult,
  Config,
  Mode,
  ModelClient,
  Project,
  Report,
  SkillSelection,
} from "./types.js";
import { VERSION } from "./version.js";
import { estimateCost, type CostEstimate } from "./estimate.js";
import { baselineRecordingFailure } from "./verdict.js";

export interface Logger {
  info(message: string): void;
  warning(message: string): void;
  error(message: string): void;
  debug(message: string): void;
}

/** Raised when model calls are needed and no API key was given; front ends decide how loud to be. */
export class MissingApiKeyError extends Error {
  constructor(where: string) {
    super(`No Anthropic API key: set ${where}. Nothing was benchmarked.`);
    this.name = "MissingApiKeyError";
  }
}

/** The model client for a run, built once the config (base URL, retries, timeout) is known. */
export function modelClientFactory(apiKey: string, log: Logger): (config: Config) => ModelClient {
  return (config) =>
    createModelClient({
      apiKey,
      baseUrl: config.api.baseUrl,
      maxRetries: config.api.maxRetries,
      timeoutMs: config.api.timeoutMs,
      onRetry: (info) =>
        log.info(`Retrying ${info.model} in ${Math.round(info.delayMs)} ms (attempt ${info.attempt} failed: ${info.reason})`),
    });
}

/** The baseline store on the config's branch, in the repository `git` works in. */
export function baselineStoreFactory(git: GitRunner, log: Logger): (config: Config) => BaselineStore {
  return (config) =>
    new GitBaselineStore(git, {
      branch: config.baseline.branch,
      historyLimit: config.baseline.historyLimit,
      staleAfterDays: config.baseline.staleAfterDays,
      log: (message) => log.info(message),
    });
}

export interface PipelineOptions {
  root: string;
  configPath?: string;
  overrides?: Overrides;
  mode: Mode;
  skills: SkillSelection;
  /** Git ref to diff against for `skills: changed` when changedFiles is not given. */
  baseRef?: string | null;
  /** Changed files when the front end already knows them (the pull request's file list). */
  changedFiles?: string[] | null;
  commit: string | null;
  /** Builds the model client once the config is known; null when there is no API key. */
  client: ((config: Config) => ModelClient) | null;
  /** Where the front end tells users to put the key, for the missing-key message. */
  apiKeyHint?: string;
  /** Opens the baseline store once the config (branch, retention) is known; null = run without a baseline. */
  store: ((config: Config) => BaselineStore) | null;
  git: GitRunner | null;
  dryRun?: boolean;
  log: Logger;
  onProgress?: (progress: Progress) => void;
  onResult?: (result: CaseResult, item: PlanItem) => void;
  now?: () => Date;
}

export interface PipelineResult {
  project: Project;
  plan: PlanItem[];
  selected: Benchmark[];
  /** Null for dry runs. */
  report: Report | null;
  snapshot: BaselineSnapshot | null;
  estimate: CostEstimate;
  recorded: { commit: string; attempts: number } | null;
}

export async function runPipeline(options: PipelineOptions): Promise<PipelineResult> {
  const { log } = options;
  const now = options.now ?? (() => new Date());
  const started = Date.now();
  const project = await loadProject(options.root, {
    ...(options.configPath !== undefined ? { configPath: options.configPath } : {}),
    ...(options.overrides ? { overrides: options.overrides } : {}),
  });
  const { config } = project;
  const warnings: string[] = [];
  const warn = (message: string) => {
    warnings.push(message);
    log.warning(message);
  };

  const { selected, skipped } = await select(project, options);
  if (project.benchmarks.length === 0) {
    warn(`No benchmark files matched ${config.benchmarks.map((g) => `"${g}"`).join(", ")}: nothing to benchmark.`);
  }
  log.info(
    `Selected ${selected.length} of ${project.benchmarks.length} skill benchmark(s)` +
      (options.skills === "changed" ? " changed by this change" : ""),
  );

  const judgeKey = judgeKeyOf(config.judge.model);
  const plan = planRun(selected, project.skills, config, judgeKey);
  const estimate = estimateCost(plan, config);
  const candidateModels = [...new Set(plan.map((item) => item.model))];
  for (const model of [...candidateModels, config.judge.model]) {
    if (plan.length > 0 && !priceFor(model, config.pricing)) warn(missingPriceHint(model));
  }
  if (candidateModels.includes(config.judge.model)) {
    warn(
      `The judge model ${config.judge.model} is also a candidate: judges favour their own outputs. ` +
        `Prefer a judge from another tier or family (judge.model in skillbench.yml).`,
    );
  }

  const base = { project, plan, selected, estimate, recorded: null };
  if (options.dryRun) return { ...base, report: null, snapshot: null };
  if (plan.length > 0 && !options.client) throw new MissingApiKeyError(options.apiKeyHint ?? "ANTHROPIC_API_KEY");

  const store = options.store?.(config) ?? null;
  const snapshot = store ? await readBaseline(store, options.mode, log) : null;
  for (const problem of snapshot?.errors ?? []) warn(problem.message);

  let results: CaseResult[] = [];
  if (plan.length > 0 && options.client) {
    const judge: JudgeSettings = {
      model: config.judge.model,
      maxTokens: config.judge.maxTokens,
      ...(config.sampling[config.judge.model] ? { sampling: config.sampling[config.judge.model] } : {}),
      blindTerms: blindingTerms(candidateModels),
    };
    log.info(`Running ${plan.length} case x model pair(s), up to ${config.concurrency} model calls at once`);
    const outcome = await runPlan(plan, {
      client: options.client(config),
      config,
      judge,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.onResult ? { onResult: options.onResult } : {}),
    });
    results = outcome.results;
    for (const stop of outcome.stops) warn(stop.message);
  }

  // runPlan returns results in plan order: group them by benchmark.
  const byBenchmark = new Map<Benchmark, CaseResult[]>(selected.map((b) => [b, []]));
  results.forEach((result, index) => {
    const item = plan[index];
    if (item) byBenchmark.get(item.benchmark)?.push(result);
  });
  const skills = selected.map((benchmark) => {
    const skill = project.skills.get(benchmark.skillPath);
    if (!skill) throw new Error(`internal: skill ${benchmark.skillPath} was not loaded`);
    return summarizeSkill({ skill, benchmark, results: byBenchmark.get(benchmark) ?? [], models: modelsFor(benchmark, config) });
  });

  let report: Report = {
    schemaVersion: 1,
    tool: { name: "skillbench", version: VERSION },
    mode: options.mode,
    commit: options.commit,
    baseRef: options.baseRef ?? null,
    generatedAt: now().toISOString(),
    judgeModel: config.judge.model,
    judgeKey,
    gate: config.gate,
    thresholds: config.thresholds,
    regressed: false,
    verdict: "pass",
    verdictReasons: [],
    failure: null,
    totals: totalsOf(skills, Date.now() - started),
    skills,
    skipped,
    warnings,
    baseline: snapshot ? { branch: snapshot.branch, commit: snapshot.commit, found: snapshot.found } : null,
  };
  // Always: without a snapshot every model is inconclusive, and the errors gate and run failure still apply.
  report = applyComparison(report, snapshot, {
    judgeKey,
    thresholds: config.thresholds,
    gate: config.gate,
    staleAfterDays: config.baseline.staleAfterDays,
    now: now(),
  });

  // A baseline run where most pairs failed records nothing: an outage must not replace a good baseline.
  const notRecorded = options.mode === "baseline" && store ? baselineRecordingFailure(report) : null;
  if (notRecorded) report = { ...report, verdict: "error", verdictReasons: [notRecorded.cause], failure: notRecorded };

  let recorded: PipelineResult["recorded"] = null;
  if (options.mode === "baseline" && store && report.skills.length > 0 && !report.failure) {
    recorded = await store.write(report);
    log.info(`Recorded the baseline on ${config.baseline.branch} (${recorded.commit.slice(0, 12)}, ${recorded.attempts} push attempt(s))`);
  }
  return { ...base, report, snapshot, recorded };
}

async function select(
  project: Project,
  options: PipelineOptions,
): Promise<{ selected: Benchmark[]; skipped: { skill: string; reason: string }[] }> {
  if (options.skills === "all") return { selected: project.benchmarks, skipped: [] };
  let changed = options.changedFiles ?? null;
  if (changed === null) {
    if (!options.baseRef || !options.git) {
      throw new Error("Selecting changed skills needs a base to compare with: pass --base REF, or --skills all.");
    }
    changed = await changedFilesSince(options.git, options.baseRef);
  }
  const { selected, skipped } = selectBenchmarks(project.benchmarks, project.skills, changed, project.config.configPath);
  return { selected, skipped };
}

/** In pr mode an unreadable baseline is a warning (compare with nothing); a baseline run must be able to read it. */
async function readBaseline(store: BaselineStore, mode: Mode, log: Logger): Promise<BaselineSnapshot | null> {
  try {
    const snapshot = await store.read();
    log.info(
      snapshot.found
        ? `Read the baseline from ${snapshot.branch} at ${snapshot.commit?.slice(0, 12) ?? "?"}: ${snapshot.skills.size} skill(s)`
        : `No baseline yet (branch ${snapshot.branch} does not exist): results are reported without deltas`,
    );
    return snapshot;
  } catch (error) {
    if (mode === "baseline") throw error;
    log.warning(`Could not read the baseline, comparing with nothing: ${messageOf(error)}`);
    return null;
  }
}
