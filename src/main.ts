// The GitHub Action front end: inputs -> pipeline -> report file, job summary, sticky PR comment, outputs.
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, relative, resolve } from "node:path";
import * as core from "@actions/core";
import * as github from "@actions/github";
import type { Overrides } from "./config.js";
import { InputError, formatIssue, messageOf } from "./errors.js";
import { Git } from "./git.js";
import { GitHubClient, isForbidden, type PullRef } from "./github.js";
import {
  MissingApiKeyError,
  baselineStoreFactory,
  modelClientFactory,
  runPipeline,
  type Logger,
  type PipelineResult,
} from "./pipeline.js";
import { COMMENT_MARKER, renderComment, renderSummary, verdictLine } from "./report/markdown.js";
import { progressPrinter } from "./progress.js";
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
  failOnRegression: boolean;
  comment: boolean;
  reportPath: string;
  chart: ChartKind;
  quickchartUrl: string;
  overrides: Overrides;
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
  override("concurrency", "max-concurrency");
  override("baselineBranch", "baseline-branch");
  override("apiBaseUrl", "anthropic-base-url");

  const inputs: ActionInputs = {
    configPath: core.getInput("config").trim() || "skillbench.yml",
    mode,
    apiKey: core.getInput("anthropic-api-key").trim() || process.env.ANTHROPIC_API_KEY?.trim() || null,
    apiBaseUrl: core.getInput("anthropic-base-url").trim() || process.env.ANTHROPIC_BASE_URL?.trim() || null,
    token: core.getInput("github-token").trim() || process.env.GITHUB_TOKEN?.trim() || null,
    skills: choice("skills", SKILL_SELECTIONS, mode === "pr" ? "changed" : "all"),
    failOnRegression: flag("fail-on-regression", true),
    comment: flag("comment", true),
    reportPath: core.getInput("report-path").trim() || "skillbench-report.json",
    chart: choice("chart", CHART_KINDS, "quickchart"),
    quickchartUrl: core.getInput("quickchart-url").trim() || "https://quickchart.io",
    overrides,
  };
  if (inputs.apiBaseUrl && !overrides.apiBaseUrl) {
    overrides.apiBaseUrl = { value: inputs.apiBaseUrl, source: "env ANTHROPIC_BASE_URL" };
  }
  if (problems.length > 0) {
    throw new InputError(problems.map((message) => ({ file: "action inputs", line: null, column: null, field: "", message })));
  }
  return inputs;
}

const actionsLogger: Logger = {
  info: (m) => core.info(m),
  warning: (m) => core.warning(m),
  error: (m) => core.error(m),
  debug: (m) => core.debug(m),
};

export async function run(): Promise<void> {
  try {
    await runAction();
  } catch (error) {
    if (error instanceof InputError) annotate(error);
    core.setFailed(messageOf(error));
  }
}

async function runAction(): Promise<void> {
  const context = github.context;
  const inputs = readInputs(context.eventName);
  if (inputs.apiKey) core.setSecret(inputs.apiKey);
  if (inputs.token) core.setSecret(inputs.token);

  const workspace = process.env.GITHUB_WORKSPACE || process.cwd();
  const pr = pullRequestOf(context);
  const gh = inputs.token ? new GitHubClient(inputs.token, { baseUrl: context.apiUrl, log: (m) => core.info(m) }) : null;
  core.info(`skillbench: ${inputs.mode} mode on ${context.eventName}${pr ? ` (pull request #${pr.number})` : ""}`);

  let changedFiles: string[] | null = null;
  let baseRef: string | null = null;
  if (inputs.skills === "changed") {
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
  let result: PipelineResult;
  try {
    result = await runPipeline({
      root: workspace,
      configPath: inputs.configPath,
      overrides: inputs.overrides,
      mode: inputs.mode,
      skills: inputs.skills,
      baseRef,
      changedFiles,
      commit: process.env.GITHUB_SHA || context.sha || null,
      client: inputs.apiKey ? modelClientFactory(inputs.apiKey, actionsLogger) : null,
      apiKeyHint: "the anthropic-api-key input (e.g. `anthropic-api-key: ${{ secrets.ANTHROPIC_API_KEY }}`)",
      store: baselineStoreFactory(git, actionsLogger),
      git,
      log: actionsLogger,
      onProgress: progressPrinter((line) => core.info(line.trimEnd())),
    });
  } catch (error) {
    if (error instanceof MissingApiKeyError) return endWithoutKey(pr);
    throw error;
  }

  const report = result.report;
  if (!report) throw new Error("internal: the pipeline returned no report");
  const reportPath = isAbsolute(inputs.reportPath) ? inputs.reportPath : resolve(workspace, inputs.reportPath);
  await mkdir(dirname(reportPath), { recursive: true });
  await writeFile(reportPath, `${JSON.stringify(report, null, 2)}\n`, "utf8");

  const runUrl = `${context.serverUrl}/${context.repo.owner}/${context.repo.repo}/actions/runs/${context.runId}`;
  const renderContext = {
    runUrl,
    history: result.snapshot?.history ?? [],
    chart: inputs.chart,
    quickchartUrl: inputs.quickchartUrl,
  };
  await writeSummary(renderSummary(report, renderContext));

  let commentUrl = "";
  if (inputs.mode === "pr" && inputs.comment && pr) {
    // Nothing benchmarked: refresh an earlier comment (the PR may have reverted its skill change), start none.
    commentUrl = await postComment(gh, pr, renderComment(report, renderContext), report.skills.length > 0);
  }

  core.setOutput("regressed", String(report.regressed));
  core.setOutput("report-path", relative(workspace, reportPath) || reportPath);
  core.setOutput("comment-url", commentUrl);
  core.setOutput("skills-benchmarked", String(report.skills.length));
  core.setOutput("total-cost-usd", report.totals.costUsd.toFixed(6));

  core.info(verdictLine(report));
  if (report.failure) {
    core.setFailed(report.failure.cause);
    return;
  }
  if (report.regressed) {
    if (inputs.mode === "pr" && inputs.failOnRegression) core.setFailed(`${verdictLine(report)} (see the job summary)`);
    else if (inputs.mode === "baseline") core.warning(verdictLine(report));
  }
}

function pullRequestOf(context: typeof github.context): PullRef | null {
  const number = context.payload.pull_request?.number;
  if (!PR_EVENTS.has(context.eventName) || typeof number !== "number") return null;
  return { owner: context.repo.owner, repo: context.repo.repo, number };
}

/** A fork PR gets no secrets: nothing to judge with, so the check ends neutral instead of red. */
function endWithoutKey(pr: PullRef | null): void {
  const why = pr
    ? "Pull requests from forks get no repository secrets, and this run has no ANTHROPIC_API_KEY."
    : "This run has no ANTHROPIC_API_KEY.";
  core.notice(
    `skillbench skipped: no Anthropic API key. ${why} To benchmark, add the secret (Settings > Secrets and variables > ` +
      "Actions > ANTHROPIC_API_KEY) and pass it as `anthropic-api-key: ${{ secrets.ANTHROPIC_API_KEY }}`. " +
      "Do not switch to pull_request_target with a checkout of the PR head: that runs untrusted code with your secrets.",
    { title: "skillbench: no API key" },
  );
  core.setOutput("regressed", "false");
  core.setOutput("report-path", "");
  core.setOutput("comment-url", "");
  core.setOutput("skills-benchmarked", "0");
  core.setOutput("total-cost-usd", "0");
}

async function postComment(gh: GitHubClient | null, pr: PullRef, body: string, create: boolean): Promise<string> {
  if (!gh) {
    core.warning("No github-token: the pull request comment was not posted (the job summary has the report).");
    return "";
  }
  try {
    const comment = await gh.upsertStickyComment(pr, body, COMMENT_MARKER, { create });
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
function annotate(error: InputError): void {
  const shown = error.issues.slice(0, MAX_ERROR_ANNOTATIONS);
  for (const issue of shown) {
    core.error(`${issue.field ? `${issue.field}: ` : ""}${issue.message}`, {
      title: "skillbench: invalid input",
      // Only issues located in a file have a line; those about inputs or flags have none.
      ...(issue.line !== null ? { file: issue.file, startLine: issue.line } : {}),
      ...(issue.column !== null ? { startColumn: issue.column } : {}),
    });
  }
  const rest = error.issues.slice(MAX_ERROR_ANNOTATIONS);
  if (rest.length > 0) core.error(`${rest.length} more problem(s):\n${rest.map(formatIssue).join("\n")}`);
}
