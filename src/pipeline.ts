// The engine, as one pipeline: load and validate -> select skills -> read the baseline -> run (generate, judge)
// -> aggregate -> compare -> record the baseline (baseline mode). The CLI and the action are thin front ends on it.
import { summarizeSkill, totalsOf } from "./aggregate.js";
import { createModelClient } from "./anthropic.js";
import { GitBaselineStore } from "./baseline/store.js";
import { applyComparison } from "./compare.js";
import { describeFinding } from "./report/reasons.js";
import { triggerTestReason } from "./report/triggers.js";
import {
  TRUSTED_KEYS,
  applyTrustedKeys,
  compareConfigs,
  type BaseConfig,
  type Overrides,
} from "./config.js";
import { formatIssue, InputError, messageOf, type InputIssue } from "./errors.js";
import { matchGlob } from "./glob.js";
import { loadProject, unbenchmarkedNote } from "./project.js";
import { RepoFiles } from "./repo-files.js";
import type { GitRunner } from "./git.js";
import { blindingTerms, configuredModels, judgeKeyOf, modelFamily, type JudgeSettings } from "./judge.js";
import { missingPriceHint, priceFor } from "./pricing.js";
import { Redactor } from "./redact.js";
import type { PlanItem } from "./plan.js";
import { modelsFor, planRun, runPlan, type MoreSamples, type Progress, type RunBatchOptions } from "./run.js";
import { adaptiveRounds } from "./adaptive.js";
import { changedFilesSince, filterBenchmarks, selectBenchmarks, triggerScope, untestedChanges } from "./select.js";
import type {
  CallRequest,
  CallResult,
  CatalogueEntry,
  SkillTriggers,
  BaselineSnapshot,
  BaselineStore,
  Benchmark,
  CaseResult,
  Config,
  ConfigChanges,
  Mode,
  ModelClient,
  Project,
  Report,
  SkillReport,
  SkillSelection,
  Totals,
} from "./types.js";
import { VERSION } from "./version.js";
import { pairwiseKey, readSkillAtCommit, resolveBase, runSameJob, type SameJobOutcome } from "./samejob.js";
import { estimateTriggers, runTriggers, TRIGGER_MAX_TOKENS, withTriggers, type TriggerJob } from "./triggers.js";
import { estimateCost, type CostEstimate } from "./estimate.js";
import { batchWanted } from "./batch.js";
import { baselineRecordingFailure, isBudgetNotRun, withBudgetStop } from "./verdict.js";
import { ResultCache, resultCacheKey } from "./result-cache.js";
import { checkShardSet, mergedResults, planFingerprint, shardOf, type ShardReport, type ShardSpec } from "./shard.js";
import { relative, sep } from "node:path";
import { realpath } from "node:fs/promises";

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
export function modelClientFactory(apiKey: string, log: Logger, redactor = Redactor.none): (config: Config) => ModelClient {
  return (config) =>
    createModelClient({
      apiKey,
      redactor,
      baseUrl: config.api.baseUrl,
      maxRetries: config.api.maxRetries,
      timeoutMs: config.api.timeoutMs,
      concurrency: config.concurrency,
      rateLimitBudgetMs: config.api.rateLimitBudgetMs,
      onRetry: (info) =>
        log.info(`Retrying ${info.model} in ${Math.round(info.delayMs)} ms (attempt ${info.attempt} failed: ${info.reason})`),
    });
}

/** The baseline store on the config's branch, in the repository `git` works in. */
export function baselineStoreFactory(git: GitRunner, log: Logger, redactor = Redactor.none): (config: Config) => BaselineStore {
  return (config) =>
    new GitBaselineStore(git, {
      branch: config.baseline.branch,
      historyLimit: config.baseline.historyLimit,
      staleAfterDays: config.baseline.staleAfterDays,
      log: (message) => log.info(redactor.text(message)),
      redactor,
    });
}

export interface PipelineOptions {
  root: string;
  configPath?: string;
  overrides?: Overrides;
  /** Only these repository-relative files may be read (the action passes what git tracks); default: any. */
  tracked?: ReadonlySet<string> | null;
  mode: Mode;
  skills: SkillSelection;
  /** `--skills NAME|GLOB,...` (input skills): only the skills they name, whatever `skills` selected. */
  skillFilter?: { patterns: string[]; source: string } | null;
  /** `--cases ID|GLOB,...` (input cases): only these case ids. */
  caseFilter?: { patterns: string[]; source: string } | null;
  /** Tolerated Agent Skills deviations are errors (`--strict`), whatever the config's `strict` says. */
  strict?: boolean;
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
  /**
   * The run's known secrets: removed from log lines, judge errors, the report and the baseline branch.
   * Default: the secret-looking variables of process.env. Front ends pass theirs (with the key and the token).
   */
  redactor?: Redactor;
  onProgress?: (progress: Progress) => void;
  onResult?: (result: CaseResult, item: PlanItem) => void;
  now?: () => Date;
  /**
   * On a pull request: reads skillbench.yml as it is on the base commit. Its trusted keys (TRUSTED_KEYS in
   * src/config.ts) replace the head's, and what the head changes is recorded in report.configChanges.
   */
  baseConfig?: (() => Promise<BaseConfig>) | null;
  /**
   * The pull request's base commit (or a ref): compare rerun generates the skill as it is there, and rejudge shows
   * the judge its instructions. Default: baseRef.
   */
  baseCommit?: string | null;
  /** Cancels the run (a signal): the report is marked partial and the baseline is never written. */
  signal?: AbortSignal;
  /** Grace period for calls in flight after a cancellation; default CANCEL_GRACE_MS in src/run.ts. */
  graceMs?: number;
  /**
   * The result cache's folder when the config and the overrides set no cache-path (the CLI: .skillbench/cache);
   * null or absent: no cache unless configured; false: no cache at all (--no-cache).
   */
  defaultCachePath?: string | null | false;
  /** Time between two polls of a message batch; default DEFAULT_BATCH_POLL_MS (30 s). */
  batchPollMs?: number;
  /**
   * Runs one slice of the plan (`--shard I/N`, input shard; `source` names it in errors): the report is marked
   * `shard`, the baseline is read but never recorded, and front ends neither gate nor comment on it.
   */
  shard?: { spec: ShardSpec; source: string } | null;
  /**
   * `skillbench merge`: the shard reports of one run. Their skills are the selection and their results the run's
   * results (no model is called, no result cache is used); comparison, report and baseline recording happen once.
   */
  merge?: ShardReport[] | null;
}

/** The run's estimate is over max-cost-usd: nothing was started (exit 3, an operational stop, not bad input). */
export class BudgetExceededError extends Error {
  constructor(
    readonly estimateUsd: number,
    readonly budgetUsd: number,
    calls: number,
  ) {
    super(
      `The estimated cost of this run, $${estimateUsd.toFixed(2)} for ${calls} model call(s), is over max-cost-usd ` +
        `($${budgetUsd.toFixed(2)}): nothing was run. Raise max-cost-usd, or run fewer skills, cases or models ` +
        `(--dry-run shows the plan).`,
    );
    this.name = "BudgetExceededError";
  }
}

/** What both kinds of pipeline result hold: the project, the plan and its estimate. */
interface PlannedRun {
  project: Project;
  plan: PlanItem[];
  selected: Benchmark[];
  estimate: CostEstimate;
}

/** A dry run (options.dryRun): planned and estimated, nothing called, no report. */
export interface DryRunResult extends PlannedRun {
  kind: "dry-run";
}

/** A run (or a merge of shard reports): the report, the baseline it was compared with, what was recorded. */
export interface RunResult extends PlannedRun {
  kind: "run";
  /** Already redacted: no known secret is in any of its strings. */
  report: Report;
  snapshot: BaselineSnapshot | null;
  recorded: { commit: string; attempts: number } | null;
}

export type PipelineResult = DryRunResult | RunResult;

/** Options of a pipeline that is not a dry run. */
export type PipelineRunOptions = PipelineOptions & { dryRun?: false };

/** Without dryRun the pipeline always ends with a report: the front ends get a RunResult and need no check. */
export async function runPipeline(options: PipelineRunOptions): Promise<RunResult>;
export async function runPipeline(options: PipelineOptions): Promise<PipelineResult>;
export async function runPipeline(options: PipelineOptions): Promise<PipelineResult> {
  const redactor = options.redactor ?? Redactor.fromEnvironment(process.env);
  const log = redactor.logger(options.log);
  const now = options.now ?? (() => new Date());
  const started = Date.now();
  const project = await loadProject(options.root, {
    ...(options.configPath !== undefined ? { configPath: options.configPath } : {}),
    ...(options.overrides ? { overrides: options.overrides } : {}),
    ...(options.tracked ? { tracked: options.tracked } : {}),
    ...(options.strict ? { strict: true } : {}),
  });
  let { config } = project;
  const shard = options.shard ?? null;
  const merge = options.merge ?? null;
  if (shard && options.mode === "pr" && config.compare !== "baseline") {
    // The base side of compare: rejudge/rerun is built beside each result and is not part of a shard's report.
    throw new InputError([
      { file: shard.source, line: null, column: null, field: "", message: `shards compare with the stored baseline: set compare: baseline (this run has compare: ${config.compare})` },
    ]);
  }
  // The skills' folders are read (read_file) through the same checks as loading: realpath, inside, tracked.
  const repo = await RepoFiles.open(options.root, { tracked: options.tracked ?? null });
  const warnings: string[] = [];
  const warn = (message: string) => {
    warnings.push(message);
    log.warning(message);
  };
  // Located input warnings (an unknown but plausible model id) go to the log and the report like any other.
  for (const issue of project.warnings) warn(formatIssue(issue));
  const unloaded = project.skipped ?? [];
  for (const broken of unloaded) warn(`Skipped ${broken.skill}: it ${broken.reason}`);

  const selection = merge ? mergeSelection(project, merge) : await select(project, options);
  // Trigger evaluation (benchmarks with `triggers:`): which run in full, which need their trigger queries only.
  // A merge calls no model: its shards ran the trigger queries, and their reports hold them.
  const triggerPlan: TriggerPlan = merge ? { jobs: [], triggerOnly: new Set(), skipped: [] } : await planTriggers(project, selection, options, repo);
  let selected = selection.selected.filter((b) => !triggerPlan.triggerOnly.has(b.path));
  const triggered = new Set(triggerPlan.jobs.map((job) => job.benchmark.skillPath));
  const skipped = [
    ...unloaded,
    ...selection.skipped
      .filter((s) => !unloaded.some((u) => u.skill === s.skill))
      .map((s) => (triggered.has(s.skill) ? { ...s, reason: `${s.reason} (its trigger queries ran)` } : s)),
    ...triggerPlan.skipped,
  ];
  if (project.benchmarks.length === 0) {
    warn(`No benchmark files matched ${config.benchmarks.map((g) => `"${g}"`).join(", ")}: nothing to benchmark.`);
  }
  const unmeasured = unbenchmarkedNote(project.unbenchmarked ?? []);
  if (unmeasured) log.info(unmeasured);
  log.info(
    `Selected ${selected.length} of ${project.benchmarks.length} skill benchmark(s)` +
      (options.skills === "changed" ? " changed by this change" : ""),
  );

  // From every model the project names, not the selection: what the judge is kept from seeing is part of its key.
  const blindTerms = blindingTerms(configuredModels(config, project.benchmarks));
  const judgeKey = judgeKeyOf(config.judge.model, blindTerms);
  let plan = planRun(selected, project.skills, config, judgeKey);
  // Shards and their merge: the whole run's plan is fingerprinted before it is sliced, so they can be matched up.
  const fingerprint = shard || merge ? planFingerprint(plan, config) : null;
  if (shard) {
    // A skill's trigger queries run in its skill's shard: trigger-only benchmarks are sliced with the rest.
    const full = new Set(selected.map((b) => b.path));
    const triggerOnly = triggerPlan.jobs.map((job) => job.benchmark as Benchmark).filter((b) => !full.has(b.path));
    const slice = new Set(shardOf([...selected, ...triggerOnly], config, shard.spec).map((b) => b.path));
    triggerPlan.jobs = triggerPlan.jobs.filter((job) => slice.has(job.benchmark.path));
    selected = selected.filter((b) => slice.has(b.path));
    plan = planRun(selected, project.skills, config, judgeKey);
    log.info(`Shard ${shard.spec.index}/${shard.spec.count}: ${selected.length} skill benchmark(s), ${plan.length} case x model pair(s) of this run`);
  }
  if (merge) {
    checkShardSet(merge, { commit: options.commit, plan: fingerprint });
    log.info(`Merging ${merge.length} shard report(s): ${selected.length} skill benchmark(s), ${plan.length} case x model pair(s)`);
  }
  // The skill's own pairs: the plan's first items (control pairs follow them), so their indices are the plan's.
  const headPlan = plan.filter((item) => !item.control);
  const estimate = estimateCost(plan, config, { batched: batchWanted(config.batch, options.mode, estimateCost(plan, config).calls) });
  const candidateModels = [...new Set(plan.map((item) => item.model))];
  for (const model of [...candidateModels, config.judge.model]) {
    if (plan.length > 0 && !priceFor(model, config.pricing)) warn(missingPriceHint(model));
  }
  if (candidateModels.includes(config.judge.model)) {
    warn(
      `The judge model ${config.judge.model} is also a candidate: judges favour their own outputs. ` +
        `Prefer a judge from another tier or family (judge.model in skillbench.yml).`,
    );
  } else {
    const family = modelFamily(config.judge.model);
    const kin = candidateModels.filter((model) => family !== null && modelFamily(model) === family);
    if (kin.length > 0) {
      warn(
        `The judge model ${config.judge.model} is of the same family (${family}) as candidate(s) ${kin.join(", ")}: ` +
          `judges favour outputs like their own, even blinded. Prefer a judge from another family (judge.model in skillbench.yml).`,
      );
    }
  }

  for (const job of triggerPlan.jobs) log.info(`Trigger queries of ${job.benchmark.skillPath}: ${job.reason}`);
  // Trigger calls: at most twice (the base catalogue too) in pr mode; checked against max-cost-usd with the plan.
  const triggerEstimate = estimateTriggers(triggerPlan.jobs, project.catalogue ?? [], config, options.mode === "pr");
  if (triggerPlan.jobs.length > 0) {
    log.info(`Trigger evaluation: at most ${triggerEstimate.calls} call(s) (max_tokens ${TRIGGER_MAX_TOKENS}), about $${triggerEstimate.usd.toFixed(4)}`);
  }

  const base: PlannedRun = { project, plan, selected, estimate };
  if (options.dryRun) return { kind: "dry-run", ...base };
  if ((plan.length > 0 || triggerPlan.jobs.length > 0) && !options.client && !merge) throw new MissingApiKeyError(options.apiKeyHint ?? "ANTHROPIC_API_KEY");

  let configChanges: ConfigChanges | null = null;
  if (options.baseConfig) {
    const trust = await trustBaseConfig(options.baseConfig, config, project.rawConfig ?? null, options);
    config = trust.config;
    configChanges = trust.changes;
    for (const message of trust.warnings) warn(message);
  }

  const store = options.store?.(config) ?? null;
  const snapshot = store ? await readBaseline(store, options.mode, log) : null;
  for (const problem of snapshot?.errors ?? []) warn(problem.message);

  // The result cache: pr mode reuses what an earlier run produced from the same inputs; baseline runs never reuse
  // (models drift behind the same id) but write. A PR cannot bring its own results: files git tracks are not used.
  const cache = merge ? null : await openResultCache(config, options, now, redactor, warn);
  if (cache && options.mode === "pr") {
    let reused = 0;
    for (const item of plan) {
      const hit = await cache.read(resultCacheKey(item, config), item.key);
      if (hit) {
        item.reused = hit;
        reused += 1;
      }
    }
    if (reused > 0) log.info(`Reused ${reused} of ${plan.length} result(s) from the result cache (younger than ${config.cacheMaxAgeHours} h)`);
  }
  const fresh = plan.filter((item) => !item.reused);

  // The budget: the estimate of what is left to run is checked before anything starts.
  if (config.maxCostUsd !== null && (fresh.length > 0 || triggerPlan.jobs.length > 0) && !merge) {
    const due = estimateCost(fresh, config, { batched: batchWanted(config.batch, options.mode, estimateCost(fresh, config).calls) });
    const usd = (due.usd ?? due.pricedUsd) + triggerEstimate.usd;
    if (usd > config.maxCostUsd) throw new BudgetExceededError(usd, config.maxCostUsd, due.calls + triggerEstimate.calls);
  }

  let results: CaseResult[] = [];
  let more: MoreSamples | null = null;
  let client: ModelClient | null = null;
  let judge: JudgeSettings | null = null;
  let extraCall: ((request: CallRequest) => Promise<CallResult>) | null = null;
  if (merge) {
    // The shards ran every pair: their results, found by key, in plan order.
    results = mergedResults(plan, merge);
    for (const [index, result] of results.entries()) {
      const item = plan[index];
      if (item) options.onResult?.(redactor.deep(result), item);
    }
  } else if (plan.length > 0 && fresh.length === 0) {
    // Everything was reused: no call, no client needed.
    results = plan.map((item) => ({ ...(item.reused as CaseResult), reused: true as const }));
    for (const [index, result] of results.entries()) {
      const item = plan[index];
      if (item) options.onResult?.(redactor.deep(result), item);
    }
  } else if (plan.length > 0 && options.client) {
    judge = {
      model: config.judge.model,
      maxTokens: config.judge.maxTokens,
      ...(config.sampling[config.judge.model] ? { sampling: config.sampling[config.judge.model] } : {}),
      blindTerms,
      redact: redactor.text,
    };
    const controls = plan.length - headPlan.length;
    log.info(
      `Running ${plan.length} case x model pair(s)${controls > 0 ? ` (${controls} of them without the skill: control)` : ""}, ` +
        `up to ${config.concurrency} model calls at once` + samplesNote(config),
    );
    client = options.client(config);
    const outcome = await runPlan(plan, {
      client,
      config,
      judge,
      repo,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.graceMs !== undefined ? { graceMs: options.graceMs } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.onResult ? { onResult: (result, item) => options.onResult?.(redactor.deep(result), item) } : {}),
      budgetUsd: config.maxCostUsd,
      batch: batchOptionsFor(config, options, estimateCost(fresh, config).calls, log, warn),
    });
    results = outcome.results;
    more = outcome.more;
    extraCall = outcome.call;
    for (const stop of outcome.stops) warn(stop.message);
    const notRun = results.filter(isBudgetNotRun).length;
    if (notRun > 0 && config.maxCostUsd !== null) {
      warn(`Stopped starting calls: the budget of $${config.maxCostUsd.toFixed(2)} (max-cost-usd) was reached; ${notRun} pair(s) were not run or judged.`);
    }
    // Only whole results are stored: judged, without error, from a run that was not cancelled.
    if (cache && !options.signal?.aborted) {
      for (const [index, result] of results.entries()) {
        const item = plan[index];
        if (!item || item.reused || result.error !== null || !result.judged) continue;
        const problem = await cache.write(resultCacheKey(item, config), result);
        if (problem) {
          warn(`Could not write the result cache (${problem}); results are not stored for reuse.`);
          break;
        }
      }
    }
  }

  // Trigger queries: through the run's limiter, stops, budget and cancellation (an empty plan still gives its entry point).
  // A merge takes its shards' trigger evaluations as they ran (each compared with the base catalogue in its shard).
  let triggers: SkillTriggers[] = merge ? merge.flatMap(({ report }) => report.triggers ?? []) : [];
  if (triggerPlan.jobs.length > 0 && options.client && !options.signal?.aborted) {
    client ??= options.client(config);
    if (extraCall === null) {
      const settings: JudgeSettings = { model: config.judge.model, maxTokens: config.judge.maxTokens, blindTerms, redact: redactor.text };
      const outcome = await runPlan([], {
        client,
        config,
        judge: settings,
        repo,
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.graceMs !== undefined ? { graceMs: options.graceMs } : {}),
        budgetUsd: config.maxCostUsd,
      });
      extraCall = outcome.call;
    }
    const catalogue = project.catalogue ?? [];
    const baseSide = options.mode === "pr" ? await baseCatalogue(catalogue, options, config) : { catalogue: null, problem: "not a pull request run" };
    if (baseSide.problem && options.mode === "pr") warn(`Trigger queries are not compared with the base: ${baseSide.problem}`);
    log.info(`Running the trigger queries of ${triggerPlan.jobs.length} skill(s) on ${config.models.length} model(s), ${config.triggerSamples} sample(s) each`);
    triggers = await runTriggers({
      jobs: triggerPlan.jobs,
      catalogue,
      baseCatalogue: baseSide.catalogue,
      ...(baseSide.problem ? { noBase: baseSide.problem } : {}),
      measureOnly: options.mode === "baseline",
      config,
      call: extraCall,
      describe: triggerTestReason,
    });
  }

  // compare: rejudge | rerun: the base side is judged (and, for rerun, generated) in this job too.
  let sameJob: SameJobOutcome | null = null;
  if (options.mode === "pr" && config.compare === "baseline" && config.judge.pairwise) {
    warn("judge.pairwise compares base and head outputs in one job: set compare: rejudge or rerun. No pairwise judgements were made.");
  }
  if (options.mode === "pr" && config.compare !== "baseline" && client && judge && !options.signal?.aborted) {
    log.info(`Building the base side in this job (compare: ${config.compare})`);
    sameJob = await runSameJob({
      mode: config.compare,
      plan: headPlan,
      results,
      snapshot,
      git: options.git,
      base: options.baseCommit ?? options.baseRef ?? null,
      client,
      config,
      judge,
      judgeKey,
      now: now(),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.graceMs !== undefined ? { graceMs: options.graceMs } : {}),
    });
    for (const message of sameJob.warnings) warn(message);
  }

  const compose = (): Report => {
    // runPlan returns results in plan order: group them by benchmark.
    const byBenchmark = new Map<Benchmark, CaseResult[]>(selected.map((b) => [b, []]));
    // Control pairs (control: without-skill) go to their skill's controlResults, never among its results.
    const controlsOf = new Map<Benchmark, CaseResult[]>();
    results.forEach((result, index) => {
      const item = plan[index];
      if (!item) return;
      if (item.control) {
        const list = controlsOf.get(item.benchmark) ?? [];
        list.push(result);
        controlsOf.set(item.benchmark, list);
      } else byBenchmark.get(item.benchmark)?.push(result);
    });
    const skills = selected.map((benchmark) => {
      const skill = project.skills.get(benchmark.skillPath);
      if (!skill) throw new Error(`internal: skill ${benchmark.skillPath} was not loaded`);
      const skillResults = byBenchmark.get(benchmark) ?? [];
      const summarized = summarizeSkill({
        skill,
        benchmark,
        results: skillResults,
        models: modelsFor(benchmark, config),
        controlResults: controlsOf.get(benchmark) ?? null,
      });
      const summary = sameJob ? withPairwise(summarized, sameJob, config.judge.pairwise) : summarized;
      const untested = merge
        ? (selection.untested?.get(benchmark.path) ?? [])
        : selection.changed
          ? untestedChanges(skill, selection.changed, skillResults)
          : [];
      return untested.length > 0 ? { ...summary, untestedChanges: untested } : summary;
    });

    const composed: Report = {
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
      totals: withSameJobCosts(totalsOf(skills, Date.now() - started + (selection.durationMs ?? 0)), sameJob),
      skills,
      skipped,
      warnings: [...new Set([...warnings, ...(selection.warnings ?? [])])],
      baseline: snapshot ? { branch: snapshot.branch, commit: snapshot.commit, found: snapshot.found } : null,
      partial: false,
      cancelled: null,
      configChanges,
      sameJob: sameJob?.info ?? null,
      ...(shard && fingerprint ? { shard: { index: shard.spec.index, count: shard.spec.count, plan: fingerprint } } : {}),
      ...(merge && fingerprint ? { merged: { shards: merge.length, plan: fingerprint } } : {}),
    };
    // Always: without a snapshot every model is inconclusive, and the errors gate and run failure still apply.
    return applyComparison(composed, sameJob?.snapshot ?? snapshot, {
      judgeKey,
      thresholds: config.thresholds,
      gate: config.gate,
      staleAfterDays: config.baseline.staleAfterDays,
      now: now(),
      gateDimensions: config.gateDimensions,
      correction: config.correction,
      maxAgeHours: config.baseline.maxAgeHours,
      history: snapshot?.history ?? [],
      describe: describeFinding,
      otherCaseIds: (skill, benchmark) =>
        new Set(project.benchmarks.filter((b) => b.skillPath === skill && b.path !== benchmark).flatMap((b) => b.cases.map((c) => c.id))),
    });
  };
  let report = compose();

  // Adaptive sampling (pr mode by default, never in baseline mode): more samples where the verdict is borderline.
  if (more !== null && options.mode !== "baseline" && (config.adaptive ?? options.mode === "pr")) {
    const adaptive = await adaptiveRounds(
      {
        plan: headPlan,
        results,
        more,
        config,
        compare: compose,
        budgetUsd: budgetOf(config),
        log: (message) => log.info(message),
        ...(options.signal ? { signal: options.signal } : {}),
      },
      report,
    );
    report = adaptive.report;
    if (adaptive.rounds > 0) log.info(`adaptive: ${adaptive.rounds} round(s); stopped: ${adaptive.stopped}`);
  }

  // Pairs the budget kept from running: their models are inconclusive, the report partial.
  if (results.some(isBudgetNotRun)) report = withBudgetStop(report);

  report = withTriggers(report, triggers);

  // A skill that could not be loaded was not measured: the verdict says so, whatever the others did.
  if (unloaded.length > 0) {
    report = { ...report, verdictReasons: [...report.verdictReasons, `${unloaded.length} skill(s) could not be loaded and were skipped: ${unloaded.map((s) => s.skill).join(", ")}`] };
  }

  // A baseline run where most pairs failed records nothing: an outage must not replace a good baseline.
  const notRecorded = options.mode === "baseline" && store ? baselineRecordingFailure(report) : null;
  if (notRecorded) report = { ...report, verdict: "error", verdictReasons: [notRecorded.cause], failure: notRecorded };

  const cancelledBy = cancellationOf(options.signal);
  if (cancelledBy) {
    report = { ...report, partial: true, cancelled: { signal: cancelledBy } };
    log.warning(`Cancelled (${cancelledBy}): the report holds the pairs that finished; the baseline is not written.`);
  }
  // Outputs, judge notes and errors may echo a secret (a model told the key, a proxy quoting headers): nothing
  // downstream (baseline branch, report file, comment, summary) sees the unredacted report.
  report = redactor.deep(report);

  let recorded: RunResult["recorded"] = null;
  // A cancelled run never records: a partial baseline would replace good entries with "cancelled: not run".
  // A shard holds a slice of the run: its merge records the baseline, once, for the whole run.
  if (options.mode === "baseline" && store && !shard && report.skills.length > 0 && !report.failure && !cancellationOf(options.signal)) {
    recorded = await store.write(report);
    log.info(`Recorded the baseline on ${config.baseline.branch} (${recorded.commit.slice(0, 12)}, ${recorded.attempts} push attempt(s))`);
  }
  return { kind: "run", ...base, report, snapshot, recorded };
}

/** " (2 generations per case, 3 judgements per output)" when sampling more than once; "" otherwise. */
function samplesNote(config: Config): string {
  if (config.samples === 1 && config.judge.samples === 1) return "";
  return ` (${config.samples} generation(s) per case, ${config.judge.samples} judgement(s) per output)`;
}

/** Message Batches for this run (config batch; auto: baseline mode with 20+ calls), or null. */
function batchOptionsFor(config: Config, options: PipelineOptions, calls: number, log: Logger, warn: (message: string) => void): RunBatchOptions | null {
  if (!batchWanted(config.batch, options.mode, calls)) return null;
  log.info(`Sending ${calls} call(s) as Message Batches (batch: ${config.batch}), at half price; unfinished after ${config.batchTimeoutMinutes} min they run synchronously`);
  return {
    timeoutMs: config.batchTimeoutMinutes * 60_000,
    ...(options.batchPollMs !== undefined ? { pollMs: options.batchPollMs } : {}),
    notice: warn,
    progress: (line) => log.info(line),
  };
}

/** The run's spending cap for adaptive rounds: config max-cost-usd, else none. */
function budgetOf(config: Config): number | null {
  return config.maxCostUsd;
}

/**
 * The result cache of this run, or null when it is off. Its folder: config/flag/input cache-path, else the front
 * end's default. Not used (a warning) when it holds files git tracks: a pull request must not bring its own results.
 */
async function openResultCache(
  config: Config,
  options: PipelineOptions,
  now: () => Date,
  redactor: Redactor,
  warn: (message: string) => void,
): Promise<ResultCache | null> {
  if (options.defaultCachePath === false) return null;
  const path = config.cachePath ?? options.defaultCachePath ?? null;
  if (path === null) return null;
  let cache: ResultCache;
  try {
    cache = await ResultCache.open({ path, root: options.root, maxAgeHours: config.cacheMaxAgeHours, now, redactor });
  } catch (error) {
    warn(`Result cache not used: ${messageOf(error)}`);
    return null;
  }
  const inside = relative(await realpath(options.root), cache.dir).split(sep).join("/");
  if (options.tracked && !inside.startsWith("..") && [...options.tracked].some((file) => file.startsWith(`${inside}/`))) {
    warn(`Result cache not used: ${inside} holds files committed to the repository; keep it out of git (e.g. actions/cache).`);
    return null;
  }
  return cache;
}

/** The signal's name when the run was cancelled (front ends abort with "SIGINT" / "SIGTERM"), else null. */
function cancellationOf(signal: AbortSignal | undefined): string | null {
  if (!signal?.aborted) return null;
  return typeof signal.reason === "string" ? signal.reason : "abort";
}

/** Trusted keys from the base commit's config, and what the head changes; warnings never echo a URL. */
async function trustBaseConfig(
  read: () => Promise<BaseConfig>,
  config: Config,
  headRaw: unknown,
  options: PipelineOptions,
): Promise<{ config: Config; changes: ConfigChanges; warnings: string[] }> {
  const base = await read();
  const changes = compareConfigs(base, headRaw, options.overrides ?? {});
  const applied = applyTrustedKeys(config, base, options.overrides ?? {});
  const warnings = [...applied.warnings];
  const file = config.configPath ?? "skillbench.yml";
  if (base.status === "unavailable") {
    warnings.push(
      `Could not read ${file} as it is on the base commit (${base.problem ?? "unknown problem"}): ` +
        `the keys that decide where requests go (${TRUSTED_KEYS.join(", ")}) use their defaults, ` +
        `unless the workflow sets them, and changes to the gate cannot be shown.`,
    );
  }
  for (const change of changes.trusted) {
    const used = change.used === "workflow" ? "the workflow's setting" : "the base branch's value";
    warnings.push(`This pull request changes ${change.key}; ${used} is used.`);
  }
  return { config: applied.config, changes, warnings };
}

interface Selection {
  selected: Benchmark[];
  skipped: { skill: string; reason: string }[];
  changed: string[] | null;
  configChanged?: boolean;
  /** Merge: each benchmark's untested changes as its shard found them. */
  untested?: Map<string, string[]>;
  /** Merge: the shards' warnings, and the longest shard's wall time (the merged run's). */
  warnings?: string[];
  durationMs?: number;
}

/** Merge: the benchmarks the shard reports hold, in the project's order; skipped skills and warnings as they saw them. */
function mergeSelection(project: Project, reports: ShardReport[]): Selection {
  const held = new Set(reports.flatMap(({ report }) => report.skills.map((skill) => skill.benchmark)));
  const skipped = new Map<string, { skill: string; reason: string }>();
  for (const { report } of reports) for (const entry of report.skipped ?? []) skipped.set(entry.skill, entry);
  const untested = new Map<string, string[]>();
  for (const { report } of reports) for (const skill of report.skills) if (skill.untestedChanges) untested.set(skill.benchmark, skill.untestedChanges);
  return {
    selected: project.benchmarks.filter((benchmark) => held.has(benchmark.path)),
    skipped: [...skipped.values()],
    changed: null,
    untested,
    warnings: reports.flatMap(({ report }) => report.warnings ?? []),
    durationMs: Math.max(0, ...reports.map(({ report }) => report.totals?.durationMs ?? 0)),
  };
}

async function select(
  project: Project,
  options: PipelineOptions,
): Promise<Selection> {
  let chosen: Selection;
  if (options.skills === "all") {
    chosen = { selected: project.benchmarks, skipped: [], changed: options.changedFiles ?? null };
  } else {
    let changed = options.changedFiles ?? null;
    if (changed === null) {
      if (!options.baseRef || !options.git) {
        throw new Error("Selecting changed skills needs a base to compare with: pass --base REF, or --skills all.");
      }
      changed = await changedFilesSince(options.git, options.baseRef);
    }
    const { selected, skipped, reasons } = selectBenchmarks(project.benchmarks, project.skills, changed, project.config.configPath);
    chosen = { selected, skipped, changed, configChanged: [...reasons.values()].some((reason) => reason.startsWith("config ")) };
  }
  const skillFilter = options.skillFilter ?? null;
  const caseFilter = options.caseFilter ?? null;
  if (!skillFilter && !caseFilter) return chosen;
  // Names and globs pick from every benchmark (a name is an explicit choice); cases filter what is left.
  const filtered = filterBenchmarks(skillFilter ? project.benchmarks : chosen.selected, project.skills, {
    skills: skillFilter?.patterns ?? null,
    cases: caseFilter?.patterns ?? null,
  });
  const issues: InputIssue[] = [];
  const known = [...new Set(project.benchmarks.map((b) => project.skills.get(b.skillPath)?.name ?? b.skillPath))].sort();
  // A name that picks a skill which could not be loaded is not a typo: that skill is reported as skipped.
  const unloaded = (project.skipped ?? []).map((s) => s.skill);
  const namesUnloaded = (pattern: string) =>
    unloaded.some((skillPath) => {
      const folder = skillPath.replace(/\/[^/]*$/, "");
      return [skillPath, folder, folder.split("/").pop() ?? folder].some((c) => c === pattern || matchGlob(pattern, c));
    });
  for (const pattern of filtered.unmatchedSkills.filter((p) => !namesUnloaded(p))) {
    issues.push({ file: skillFilter?.source ?? "--skills", line: null, column: null, field: "", message: `"${pattern}" matches no benchmarked skill (known: ${known.join(", ") || "none"})` });
  }
  for (const pattern of filtered.unmatchedCases) {
    issues.push({ file: caseFilter?.source ?? "--cases", line: null, column: null, field: "", message: `"${pattern}" matches no case id of the selected skills` });
  }
  if (issues.length > 0) throw new InputError(issues);
  return { ...chosen, selected: filtered.selected };
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

/** The skill's model summaries with their pairwise preferences (null when judge.pairwise is off). */
function withPairwise(skill: SkillReport, sameJob: SameJobOutcome, asked: boolean): SkillReport {
  const models = skill.models.map((m) => ({ ...m, pairwise: asked ? (sameJob.pairwise.get(pairwiseKey(skill.skill, m.model)) ?? null) : null }));
  return { ...skill, models };
}

/** The base side's calls and costs belong to the run's totals. */
function withSameJobCosts(totals: Totals, sameJob: SameJobOutcome | null): Totals {
  if (!sameJob) return totals;
  return {
    ...totals,
    candidateCostUsd: totals.candidateCostUsd + sameJob.candidateCostUsd,
    judgeCostUsd: totals.judgeCostUsd + sameJob.judgeCostUsd,
    costUsd: totals.costUsd + sameJob.candidateCostUsd + sameJob.judgeCostUsd,
    calls: totals.calls + sameJob.info.calls,
  };
}

interface TriggerPlan {
  jobs: TriggerJob[];
  /** Benchmark paths whose change needs only their trigger queries (not generated or judged). */
  triggerOnly: Set<string>;
  skipped: { skill: string; reason: string }[];
}

/**
 * The trigger jobs of this run. Every selected benchmark with triggers runs them; on a pull request (skills:
 * changed) a benchmark whose change is only the skill's description or its trigger queries runs its triggers alone,
 * and a changed description anywhere in the catalogue re-runs every benchmark's triggers.
 */
async function planTriggers(
  project: Project,
  selection: Awaited<ReturnType<typeof select>>,
  options: PipelineOptions,
  repo: RepoFiles,
): Promise<TriggerPlan> {
  const catalogue = project.catalogue ?? [];
  const nameOf = (benchmark: Benchmark) => catalogue.find((entry) => entry.path === benchmark.skillPath)?.name ?? null;
  const jobs = new Map<string, TriggerJob>();
  const add = (benchmark: Benchmark, reason: string) => {
    const name = nameOf(benchmark);
    if (!benchmark.triggers || name === null || jobs.has(benchmark.path)) return;
    jobs.set(benchmark.path, { benchmark: benchmark as TriggerJob["benchmark"], name, reason });
  };
  const none: TriggerPlan = { jobs: [], triggerOnly: new Set(), skipped: [] };
  if (catalogue.length === 0) return none;
  if (options.skills !== "changed" || selection.changed === null || !options.git) {
    for (const benchmark of selection.selected) add(benchmark, "benchmarked");
    return { ...none, jobs: [...jobs.values()] };
  }
  const git = options.git;
  const resolved = await resolveBase(git, options.baseCommit ?? options.baseRef ?? null);
  const sha = resolved.sha;
  const readAtBase = async (path: string): Promise<string | null> => {
    if (sha === null) return null;
    const shown = await git.exec(["cat-file", "blob", `${sha}:${path}`], { allowFailure: true });
    return shown.code === 0 ? shown.stdout : null;
  };
  const readAtHead = async (path: string): Promise<string | null> => {
    const read = await repo.readText(path, { maxBytes: project.config.limits.benchmarkBytes, limitName: "limits.benchmark-bytes" });
    return read.ok ? read.text : null;
  };
  const scope = await triggerScope(
    { selected: selection.selected, skipped: [], reasons: new Map() },
    project.skills,
    selection.changed,
    catalogue.map((entry) => entry.path),
    { base: readAtBase, head: readAtHead },
    selection.configChanged === true || sha === null,
  );
  const skipped: TriggerPlan["skipped"] = [];
  for (const benchmark of selection.selected) {
    const only = scope.triggerOnly.get(benchmark.path);
    if (only === undefined) add(benchmark, "benchmarked in full");
    else if (benchmark.triggers) add(benchmark, `trigger queries only: ${only}`);
    else skipped.push({ skill: benchmark.skillPath, reason: `${only}: nothing a generation sees changed, and it has no trigger queries` });
  }
  if (scope.descriptionsChanged.length > 0) {
    const changed = scope.descriptionsChanged.join(", ");
    for (const benchmark of project.benchmarks) add(benchmark, `trigger queries only: the catalogue changed (${changed})`);
  }
  return { jobs: [...jobs.values()], triggerOnly: new Set(scope.triggerOnly.keys()), skipped };
}

/** The base commit's catalogue: each head catalogue skill's name and description as they are there (new ones left out). */
async function baseCatalogue(
  catalogue: readonly CatalogueEntry[],
  options: PipelineOptions,
  config: Config,
): Promise<{ catalogue: CatalogueEntry[] | null; problem: string | null }> {
  const base = options.baseCommit ?? options.baseRef ?? null;
  if (!options.git || !base) return { catalogue: null, problem: "no base commit (pass --base REF)" };
  const resolved = await resolveBase(options.git, base);
  if (resolved.sha === null) return { catalogue: null, problem: resolved.problem ?? `the base "${base}" could not be read` };
  const entries: CatalogueEntry[] = [];
  for (const entry of catalogue) {
    const read = await readSkillAtCommit(options.git, resolved.sha, entry.path, config.limits.skillBytes);
    const description = read.skill?.description?.trim() ?? "";
    if (read.skill && description !== "") entries.push({ name: read.skill.name, description, path: entry.path });
  }
  return { catalogue: entries.sort((a, b) => a.name.localeCompare(b.name)), problem: null };
}
