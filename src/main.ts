// The GitHub Action front end: inputs -> pipeline -> report file, job summary, sticky PR comment, outputs.
import { readdir, stat } from "node:fs/promises";
import { isAbsolute, join, relative, resolve } from "node:path";
import * as core from "@actions/core";
import * as github from "@actions/github";
import { loadConfig, readConfigAtCommit, type Overrides } from "./config.js";
import { loadProject } from "./project.js";
import { exportPrFiles, overlayPrFiles, readPrNumber } from "./fork.js";
import { InputError, formatIssue, messageOf, signalExitCode } from "./errors.js";
import { Git } from "./git.js";
import { GitHubClient, isForbidden, type PullRef } from "./github.js";
import {
  MissingApiKeyError,
  baselineStoreFactory,
  modelClientFactory,
  runPipeline,
  type Logger,
  type RunResult,
} from "./pipeline.js";
import { COMMENT_LIMIT, COMMENT_MARKER, renderComment, renderSummary, verdictLine } from "./report/markdown.js";
import { noLongerHelpsLines } from "./report/uplift.js";
import { progressPrinter } from "./progress.js";
import { parseShard, readShardReports, type ShardReport, type ShardSpec } from "./shard.js";
import { Redactor } from "./redact.js";
import { baseCasesFromSnapshot } from "./report/base-cases.js";
import { writeReport } from "./report/write.js";
import { DEFAULT_QUICKCHART_URL, quickchartUrlProblem } from "./report/chart.js";
import { CHART_KINDS, MODES, SKILL_SELECTIONS, isOneOf, type ChartKind, type Mode, type SkillSelection } from "./types.js";

/** Annotations per step are capped by GitHub (10 errors); the rest go into one. */
const MAX_ERROR_ANNOTATIONS = 9;
const PR_EVENTS = new Set(["pull_request", "pull_request_target"]);

interface ActionInputs {
  configPath: string;
  mode: Mode;
  apiKey: string | null;
  apiBaseUrl: string | null;
  token: string | null;
  skills: SkillSelection;
  /** Input skills as names or globs (not changed/all): only those skills run. */
  skillPatterns: string[] | null;
  /** Input cases: only these case ids (or globs). */
  casePatterns: string[] | null;
  failOnRegression: boolean;
  comment: boolean;
  reportPath: string;
  /** Where to write the HTML report; null when not asked for. */
  htmlReportPath: string | null;
  /** Fork recipe, second workflow: the folder of the PR's skill and benchmark files laid over the checkout. */
  skillsFrom: string | null;
  /** The pull request to compare and comment on outside pull_request events; null = from the payload or skills-from. */
  pullRequest: number | null;
  chart: ChartKind;
  quickchartUrl: string;
  overrides: Overrides;
  /** Input shard: run this slice only (not gated, no comment, no baseline). */
  shard: ShardSpec | null;
  /** Input merge-reports: shard report files and folders to merge instead of running. */
  mergeReports: string[] | null;
}

function readInputs(eventName: string): ActionInputs {
  const problems: string[] = [];
  const choice = <T extends string>(name: string, list: readonly T[], fallback: T): T => {
    const value = core.getInput(name).trim();
    if (value === "") return fallback;
    if (isOneOf(list, value)) return value;
    problems.push(`input ${name} must be one of ${list.join(", ")}, got "${value}"`);
    return fallback;
  };
  const flag = (name: string, fallback: boolean): boolean => {
    const value = core.getInput(name).trim().toLowerCase();
    if (value === "") return fallback;
    if (["true", "yes", "1", "on"].includes(value)) return true;
    if (["false", "no", "0", "off"].includes(value)) return false;
    problems.push(`input ${name} must be true or false, got "${value}"`);
    return fallback;
  };

  const modeInput = choice("mode", ["auto", ...MODES] as const, "auto");
  const mode: Mode = modeInput === "auto" ? (PR_EVENTS.has(eventName) ? "pr" : "baseline") : modeInput;
  const overrides: Overrides = {};
  const override = (key: keyof Overrides, name: string) => {
    const value = core.getInput(name).trim();
    if (value !== "") overrides[key] = { value, source: `input ${name}` };
  };
  override("models", "models");
  override("judgeModel", "judge-model");
  override("compare", "compare");
  override("control", "control");
  override("concurrency", "max-concurrency");
  override("samples", "samples");
  override("judgeSamples", "judge-samples");
  override("adaptive", "adaptive");
  override("maxSamples", "max-samples");
  override("triggerSamples", "trigger-samples");
  override("baselineBranch", "baseline-branch");
  override("apiBaseUrl", "anthropic-base-url");
  override("failOnInconclusive", "fail-on-inconclusive");
  override("maxCostUsd", "max-cost-usd");
  override("cachePath", "cache-path");
  override("batch", "batch");
  override("batchTimeoutMinutes", "batch-timeout-minutes");

  const skillsInput = core.getInput("skills").trim();
  const named = skillsInput !== "" && !isOneOf(SKILL_SELECTIONS, skillsInput);
  const listOf = (text: string) => text.split(/[\s,]+/).filter((item) => item !== "");
  const casesInput = listOf(core.getInput("cases"));
  const inputs: ActionInputs = {
    configPath: core.getInput("config").trim() || "skillbench.yml",
    mode,
    apiKey: core.getInput("anthropic-api-key").trim() || process.env.ANTHROPIC_API_KEY?.trim() || null,
    apiBaseUrl: core.getInput("anthropic-base-url").trim() || process.env.ANTHROPIC_BASE_URL?.trim() || null,
    token: core.getInput("github-token").trim() || process.env.GITHUB_TOKEN?.trim() || null,
    skills: named ? "all" : choice("skills", SKILL_SELECTIONS, mode === "pr" ? "changed" : "all"),
    skillPatterns: named ? listOf(skillsInput) : null,
    casePatterns: casesInput.length > 0 ? casesInput : null,
    failOnRegression: flag("fail-on-regression", true),
    comment: flag("comment", true),
    reportPath: core.getInput("report-path").trim() || "skillbench-report.json",
    htmlReportPath: core.getInput("html-report-path").trim() || null,
    skillsFrom: core.getInput("skills-from").trim() || null,
    pullRequest: prNumberInput(problems),
    chart: choice("chart", CHART_KINDS, "quickchart"),
    quickchartUrl: core.getInput("quickchart-url").trim() || DEFAULT_QUICKCHART_URL,
    overrides,
    shard: shardInput(problems),
    mergeReports: listOf(core.getInput("merge-reports")).length > 0 ? listOf(core.getInput("merge-reports")) : null,
  };
  // Checked here, not when the comment is rendered after the paid calls: a typo is bad input, found before any call.
  const quickchartProblem = quickchartUrlProblem(inputs.quickchartUrl);
  if (quickchartProblem !== null) problems.push(`input ${quickchartProblem}`);
  if (inputs.shard && inputs.mergeReports) problems.push("inputs shard and merge-reports exclude each other: shards run, a later job merges their reports");
  // A fork's files must never become the baseline: with skills-from the run compares, it does not record.
  if (inputs.skillsFrom && inputs.mode !== "pr") problems.push("input skills-from needs mode: pr (a pull request's files never become the baseline)");
  if (inputs.apiBaseUrl && !overrides.apiBaseUrl) {
    overrides.apiBaseUrl = { value: inputs.apiBaseUrl, source: "env ANTHROPIC_BASE_URL" };
  }
  if (problems.length > 0) {
    throw new InputError(problems.map((message) => ({ file: "action inputs", line: null, column: null, field: "", message })));
  }
  return inputs;
}

function shardInput(problems: string[]): ShardSpec | null {
  const value = core.getInput("shard").trim();
  if (value === "") return null;
  try {
    return parseShard(value, "input shard");
  } catch (error) {
    problems.push(`input shard ${messageOf(error).replace(/^input shard: /, "")}`);
    return null;
  }
}

/** The files of input merge-reports: each entry a file, or a folder whose .json files (at any depth) are taken. */
async function shardReportFiles(workspace: string, entries: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const entry of entries) {
    const path = isAbsolute(entry) ? entry : resolve(workspace, entry);
    const info = await stat(path).catch(() => null);
    if (info?.isDirectory()) {
      const found = (await readdir(path, { recursive: true })).filter((name) => name.endsWith(".json")).sort();
      if (found.length === 0) throw new InputError([{ file: "input merge-reports", line: null, column: null, field: "", message: `${entry} holds no .json report` }]);
      files.push(...found.map((name) => join(path, name)));
    } else {
      files.push(path);
    }
  }
  return files;
}

function prNumberInput(problems: string[]): number | null {
  const value = core.getInput("pull-request").trim();
  if (value === "") return null;
  if (/^[1-9]\d{0,9}$/.test(value)) return Number(value);
  problems.push(`input pull-request must be a pull request number, got "${value}"`);
  return null;
}

const actionsLogger: Logger = {
  info: (m) => core.info(m),
  warning: (m) => core.warning(m),
  error: (m) => core.error(m),
  debug: (m) => core.debug(m),
};

export interface RunOptions {
  /** Aborted with the signal's name ("SIGINT", "SIGTERM") when the workflow is cancelled (src/index.ts). */
  signal?: AbortSignal;
  /** Grace period for model calls in flight after a cancellation; default 5 s. */
  graceMs?: number;
}

export async function run(options: RunOptions = {}): Promise<void> {
  // The known secrets: the inputs anthropic-api-key and github-token (INPUT_* variables), ANTHROPIC_API_KEY,
  // GITHUB_TOKEN, the runner's own tokens. The runner masks them in its log; skillbench also removes them from
  // everything it writes, including what the runner never sees (the comment, the report, the baseline branch).
  const redactor = Redactor.fromEnvironment(process.env);
  for (const secret of redactor.secrets) core.setSecret(secret);
  // Last line of defence for log lines and annotations: whatever reaches stdout/stderr is redacted.
  const restore = [redactor.guard(process.stdout), redactor.guard(process.stderr)];
  try {
    await runAction(redactor, options);
  } catch (error) {
    if (error instanceof InputError) annotate(error, redactor);
    core.setFailed(redactor.text(messageOf(error)));
  } finally {
    for (const undo of restore) undo();
  }
  // A cancelled run exits with 128 + the signal's number, whatever else happened (src/index.ts).
  const cancelled = options.signal?.aborted ? signalExitCode(options.signal.reason) : null;
  if (cancelled !== null) process.exitCode = cancelled;
}

async function runAction(envRedactor: Redactor, options: RunOptions): Promise<void> {
  const context = github.context;
  if (core.getInput("mode").trim() === "fork-validate") return forkValidate(context, envRedactor);
  const inputs = readInputs(context.eventName);
  if (inputs.apiKey) core.setSecret(inputs.apiKey);
  if (inputs.token) core.setSecret(inputs.token);
  const redactor = envRedactor.with([inputs.apiKey, inputs.token]);
  const log = redactor.logger(actionsLogger);

  const workspace = process.env.GITHUB_WORKSPACE || process.cwd();
  const gh = inputs.token ? new GitHubClient(inputs.token, { baseUrl: context.apiUrl, log: (m) => log.info(m) }) : null;
  const pr = pullRequestOf(context) ?? (await verifiedPullRequest(context, inputs, gh));
  core.info(`skillbench: ${inputs.mode} mode on ${context.eventName}${pr ? ` (pull request #${pr.number})` : ""}`);

  // Merging: the shards selected the skills; their reports are the results. No model is called, so no key is needed.
  let merge: ShardReport[] | null = null;
  if (inputs.mergeReports) {
    const files = await shardReportFiles(workspace, inputs.mergeReports);
    merge = await readShardReports(files, (file) => relative(workspace, file) || file);
    const made = merge[0]?.report.mode;
    if (made && made !== inputs.mode) {
      throw new InputError([{ file: "input merge-reports", line: null, column: null, field: "", message: `the shard reports were made in ${made} mode, this step runs in ${inputs.mode} mode (input mode)` }]);
    }
    core.info(`skillbench: merging ${merge.length} shard report(s)`);
  }

  let changedFiles: string[] | null = null;
  let baseRef: string | null = null;
  if (inputs.skills === "changed" && !merge) {
    if (pr && gh) {
      const files = await gh.listChangedFiles(pr);
      core.info(`The pull request changes ${files.length} file(s)`);
      changedFiles = files;
    } else {
      const payloadBase = (context.payload.pull_request?.base as { sha?: string } | undefined)?.sha ?? context.payload.before;
      baseRef = typeof payloadBase === "string" && !/^0+$/.test(payloadBase) ? payloadBase : null;
      if (!baseRef) throw new Error("skills: changed needs a pull request (and github-token) or a push with a previous commit; use skills: all");
    }
  }

  const git = await Git.create(workspace, {
    ...(inputs.token ? { token: inputs.token } : {}),
    serverUrl: context.serverUrl,
  }).catch((error: unknown) => {
    throw new Error(`skillbench needs the repository checked out: add \`- uses: actions/checkout@v5\` before it (${messageOf(error)})`);
  });
  // Only committed files are read: other steps may have written credentials into the workspace (cloud auth
  // actions leave a credentials JSON there), and a pull request's config or benchmark could point at them.
  const tracked = await trackedFiles(git);
  // Fork recipe: the PR's skill and benchmark files, as data, over this (base branch) checkout. The config on disk
  // stays the base branch's (the overlay refuses it), so it is the trusted one.
  if (inputs.skillsFrom) {
    const config = await loadConfig(workspace, { configPath: inputs.configPath, overrides: inputs.overrides, tracked });
    const laid = await overlayPrFiles({ overlayDir: resolve(workspace, inputs.skillsFrom), root: workspace, config });
    core.info(`skills-from: laid ${laid.length} skill and benchmark file(s) of the pull request over the checkout`);
    for (const file of laid) tracked.add(file);
  }
  // A pull request's skillbench.yml is data: the keys that decide where requests and secrets go come from the
  // base commit's file (or this workflow's inputs / environment), never from the PR's head.
  const untrusted = (pr !== null || inputs.mode === "pr") && !inputs.skillsFrom;
  const baseSha = trustedBaseSha(context, inputs.mode);
  const baseConfig = untrusted
    ? () =>
        baseSha
          ? readConfigAtCommit(git, baseSha, inputs.configPath)
          : Promise.resolve({ commit: null, status: "unavailable" as const, raw: null, problem: "the event names no base commit" })
    : null;

  let result: RunResult;
  try {
    result = await runPipeline({
      root: workspace,
      configPath: inputs.configPath,
      overrides: inputs.overrides,
      mode: inputs.mode,
      skills: inputs.skills,
      ...(inputs.skillPatterns ? { skillFilter: { patterns: inputs.skillPatterns, source: "input skills" } } : {}),
      ...(inputs.casePatterns ? { caseFilter: { patterns: inputs.casePatterns, source: "input cases" } } : {}),
      baseRef,
      changedFiles,
      commit: process.env.GITHUB_SHA || context.sha || null,
      client: inputs.apiKey && !merge ? modelClientFactory(inputs.apiKey, log, redactor) : null,
      apiKeyHint: "the anthropic-api-key input (e.g. `anthropic-api-key: ${{ secrets.ANTHROPIC_API_KEY }}`)",
      store: baselineStoreFactory(git, log, redactor),
      git,
      log,
      redactor,
      onProgress: progressPrinter((line) => log.info(line.trimEnd())),
      baseConfig,
      baseCommit: baseSha,
      tracked,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.graceMs !== undefined ? { graceMs: options.graceMs } : {}),
      shard: inputs.shard ? { spec: inputs.shard, source: "input shard" } : null,
      merge,
    });
  } catch (error) {
    if (error instanceof MissingApiKeyError) return endWithoutKey(context, pr);
    throw error;
  }

  const { report } = result;
  const inWorkspace = (path: string) => (isAbsolute(path) ? path : resolve(workspace, path));
  const reportPath = inWorkspace(inputs.reportPath);
  const htmlPath = inputs.htmlReportPath === null ? null : inWorkspace(inputs.htmlReportPath);
  const runUrl = `${context.serverUrl}/${context.repo.owner}/${context.repo.repo}/actions/runs/${context.runId}`;
  await writeReport(report, { json: reportPath, html: htmlPath }, { snapshot: result.snapshot, runUrl }, redactor);
  const htmlReportPath = htmlPath === null ? "" : relative(workspace, htmlPath) || htmlPath;
  // The base scores and stored base outputs, beside each head result in the comment and the summary.
  const baseCases = baseCasesFromSnapshot(result.snapshot);
  const renderContext = {
    runUrl,
    history: result.snapshot?.history ?? [],
    chart: inputs.chart,
    quickchartUrl: inputs.quickchartUrl,
    htmlReport: htmlReportPath !== "",
    baseCases,
  };
  await writeSummary(redactor.text(renderSummary(report, renderContext)));

  let commentUrl = "";
  // A cancelled run (often superseded by a newer push) leaves the comment to the run that finishes.
  // A shard is a slice: the merge job comments for the whole run.
  if (inputs.mode === "pr" && inputs.comment && pr && !report.cancelled && !report.shard) {
    // Nothing benchmarked: refresh an earlier comment (the PR may have reverted its skill change), start none.
    // GitHub may count the body longer than we do (422 "body is too long"): then one retry at half the budget.
    const shorten = () => redactor.text(renderComment(report, { ...renderContext, maxChars: Math.floor(COMMENT_LIMIT / 2) }));
    const body = redactor.text(renderComment(report, renderContext));
    commentUrl = await postComment(gh, pr, body, report.skills.length > 0, shorten);
  }

  core.setOutput("regressed", String(report.regressed));
  core.setOutput("report-path", relative(workspace, reportPath) || reportPath);
  core.setOutput("html-report-path", htmlReportPath);
  core.setOutput("comment-url", commentUrl);
  core.setOutput("skills-benchmarked", String(report.skills.length));
  core.setOutput("total-cost-usd", report.totals.costUsd.toFixed(6));

  core.info(verdictLine(report));
  if (report.cancelled) {
    core.error(`${verdictLine(report)}. The report at ${relative(workspace, reportPath) || reportPath} has what finished.`, {
      title: "skillbench: cancelled",
    });
    return;
  }
  if (report.failure) {
    core.setFailed(report.failure.cause);
    return;
  }
  if (report.shard) {
    core.info(`Shard ${report.shard.index}/${report.shard.count}: not gated; a job with merge-reports combines every shard's report`);
    return;
  }
  // A nightly run names a skill whose uplift over no skill is gone: a warning annotation, never a failure.
  for (const line of noLongerHelpsLines(report)) core.warning(line, { title: "skillbench: skill uplift" });
  if (report.regressed) {
    if (inputs.mode === "pr" && inputs.failOnRegression) core.setFailed(`${verdictLine(report)} (see the job summary)`);
    else if (inputs.mode === "baseline") core.warning(verdictLine(report));
  } else if (report.verdict === "inconclusive" && inputs.mode === "pr") {
    // Neutral unless fail-on-inconclusive: the run could not tell a drop from judge noise, or had nothing to compare.
    if (result.project.config.failOnInconclusive) core.setFailed(`${verdictLine(report)} (fail-on-inconclusive is set)`);
    else core.warning(`${verdictLine(report)} (inconclusive: not a failure)`);
  }
}

/**
 * Fork recipe, first workflow (pull_request, no secrets): validate the project as the CLI's validate does and copy
 * its skill and benchmark files, with the PR number, into `pr-files` for an artifact. Calls no model.
 */
async function forkValidate(context: typeof github.context, redactor: Redactor): Promise<void> {
  const workspace = process.env.GITHUB_WORKSPACE || process.cwd();
  const configPath = core.getInput("config").trim() || "skillbench.yml";
  const outDir = resolve(workspace, core.getInput("pr-files").trim() || "skillbench-pr-files");
  const git = await Git.create(workspace).catch((error: unknown) => {
    throw new Error(`skillbench needs the repository checked out: add \`- uses: actions/checkout@v5\` before it (${messageOf(error)})`);
  });
  const tracked = await trackedFiles(git);
  const project = await loadProject(workspace, { configPath, tracked });
  for (const warning of project.warnings) core.warning(redactor.text(formatIssue(warning)));
  const number = context.payload.pull_request?.number;
  const copied = await exportPrFiles({ root: workspace, project, outDir, prNumber: typeof number === "number" ? number : null, tracked });
  const cases = project.benchmarks.reduce((n, b) => n + b.cases.length, 0);
  core.info(`Valid: ${project.benchmarks.length} benchmark(s), ${project.skills.size} skill(s), ${cases} case(s).`);
  core.info(`Copied ${copied.length} skill and benchmark file(s) to ${relative(workspace, outDir) || outDir} for the artifact.`);
  core.setOutput("skills-benchmarked", "0");
}

/**
 * Outside pull_request events (the workflow_run of the fork recipe): the PR from the input, the payload or the
 * artifact's pull-request.txt, accepted only when the API says its head commit is the one the workflow_run ran
 * on, so an artifact cannot aim the comment at another pull request.
 */
async function verifiedPullRequest(context: typeof github.context, inputs: ActionInputs, gh: GitHubClient | null): Promise<PullRef | null> {
  if (inputs.pullRequest === null && !inputs.skillsFrom) return null;
  const run = context.payload.workflow_run as { head_sha?: unknown; pull_requests?: { number?: unknown }[] } | undefined;
  const fromPayload = run?.pull_requests?.[0]?.number;
  const number =
    inputs.pullRequest ??
    (typeof fromPayload === "number" ? fromPayload : null) ??
    (inputs.skillsFrom ? await readPrNumber(resolve(process.env.GITHUB_WORKSPACE || process.cwd(), inputs.skillsFrom)) : null);
  if (number === null) return null;
  const pr: PullRef = { owner: context.repo.owner, repo: context.repo.repo, number };
  const headSha = typeof run?.head_sha === "string" ? run.head_sha : null;
  if (!gh) throw new Error(`pull request #${number}: a github-token is needed to check it before commenting`);
  const pull = await gh.getPullRequest(pr);
  if (headSha !== null && pull.headSha !== headSha) {
    throw new Error(
      `pull request #${number} has head ${pull.headSha.slice(0, 7)}, but the workflow_run ran on ${headSha.slice(0, 7)}: ` +
        "the artifact does not belong to that pull request (or it moved on); nothing was benchmarked or posted",
    );
  }
  return pr;
}

/** Every file git tracks in the workspace (repository-relative, POSIX), from the index. */
async function trackedFiles(git: Git): Promise<Set<string>> {
  const listed = await git.exec(["ls-files", "-z", "--full-name"]);
  return new Set(listed.stdout.split("\0").filter((file) => file !== ""));
}

function pullRequestOf(context: typeof github.context): PullRef | null {
  const number = context.payload.pull_request?.number;
  if (!PR_EVENTS.has(context.eventName) || typeof number !== "number") return null;
  return { owner: context.repo.owner, repo: context.repo.repo, number };
}

/** The commit a pull request (or a push in pr mode) is compared with; its config is the trusted one. */
function trustedBaseSha(context: typeof github.context, mode: Mode): string | null {
  const fromPr = (context.payload.pull_request?.base as { sha?: unknown } | undefined)?.sha;
  const candidate = typeof fromPr === "string" ? fromPr : mode === "pr" ? context.payload.before : null;
  return typeof candidate === "string" && /^[0-9a-f]{40}$/i.test(candidate) && !/^0+$/.test(candidate) ? candidate : null;
}

/** A pull request whose head lives in another repository (a fork; head.repo is null when the fork was deleted). */
function isForkPullRequest(context: typeof github.context): boolean {
  const pull = context.payload.pull_request as
    | { head?: { repo?: { full_name?: string } | null }; base?: { repo?: { full_name?: string } | null } }
    | undefined;
  if (!pull) return false;
  const head = pull.head?.repo?.full_name;
  const base = pull.base?.repo?.full_name ?? `${context.repo.owner}/${context.repo.repo}`;
  return !head || head !== base;
}

const SECRET_HOWTO =
  "add the repository secret ANTHROPIC_API_KEY (Settings > Secrets and variables > Actions) and pass it to the step " +
  "as `anthropic-api-key: ${{ secrets.ANTHROPIC_API_KEY }}`";

/**
 * No key. Only a fork PR ends neutral: GitHub gives it no secrets, by design. Anywhere else (a same-repository
 * PR, a schedule, a push) a missing key is a configuration mistake, and a green check would hide it.
 */
function endWithoutKey(context: typeof github.context, pr: PullRef | null): void {
  setEmptyOutputs();
  if (pr && isForkPullRequest(context)) {
    core.notice(
      "skillbench skipped: no Anthropic API key. Pull requests from forks get no repository secrets, so this one " +
        "cannot be benchmarked here; a maintainer can benchmark it after merging, or from a branch of this repository. " +
        "Do not switch to pull_request_target with a checkout of the PR head: that runs untrusted code with your secrets.",
      { title: "skillbench: no API key" },
    );
    return;
  }
  const situation = pr
    ? context.actor === "dependabot[bot]"
      ? "Pull requests opened by Dependabot read Dependabot secrets, not Actions secrets: add ANTHROPIC_API_KEY under " +
        "Settings > Secrets and variables > Dependabot as well, or"
      : "This pull request comes from a branch of this repository, so it gets the repository's secrets, but the step has no key:"
    : `This ${context.eventName} run has no key:`;
  core.setFailed(`skillbench: no Anthropic API key. ${situation} ${SECRET_HOWTO}.`);
}

function setEmptyOutputs(): void {
  core.setOutput("regressed", "false");
  core.setOutput("report-path", "");
  core.setOutput("html-report-path", "");
  core.setOutput("comment-url", "");
  core.setOutput("skills-benchmarked", "0");
  core.setOutput("total-cost-usd", "0");
}

async function postComment(
  gh: GitHubClient | null,
  pr: PullRef,
  body: string,
  create: boolean,
  shorten: () => string,
): Promise<string> {
  if (!gh) {
    core.warning("No github-token: the pull request comment was not posted (the job summary has the report).");
    return "";
  }
  try {
    const comment = await gh.upsertStickyComment(pr, body, COMMENT_MARKER, { create, shorten });
    if (!comment) return "";
    core.info(`${comment.created ? "Posted" : "Updated"} the report comment: ${comment.url}`);
    return comment.url;
  } catch (error) {
    if (isForbidden(error)) {
      core.warning(
        "Could not comment on the pull request (403: the token is read-only, as on pull requests from forks). " +
          "The job summary has the report. For same-repository PRs grant `permissions: pull-requests: write`.",
      );
      return "";
    }
    throw error;
  }
}

async function writeSummary(markdown: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  try {
    await core.summary.addRaw(markdown, true).write();
  } catch (error) {
    core.warning(`Could not write the job summary: ${messageOf(error)}`);
  }
}

/** Config errors as annotations on the file and line, within GitHub's per-step cap. */
function annotate(error: InputError, redactor: Redactor): void {
  const shown = error.issues.slice(0, MAX_ERROR_ANNOTATIONS);
  for (const issue of shown) {
    core.error(redactor.text(`${issue.field ? `${issue.field}: ` : ""}${issue.message}`), {
      title: "skillbench: invalid input",
      // Only issues located in a file have a line; those about inputs or flags have none.
      ...(issue.line !== null ? { file: issue.file, startLine: issue.line } : {}),
      ...(issue.column !== null ? { startColumn: issue.column } : {}),
    });
  }
  const rest = error.issues.slice(MAX_ERROR_ANNOTATIONS);
  if (rest.length > 0) core.error(redactor.text(`${rest.length} more problem(s):\n${rest.map(formatIssue).join("\n")}`));
}
