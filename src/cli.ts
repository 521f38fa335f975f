// The CLI front end: flags -> pipeline -> terminal summary, JSON and markdown reports, exit code.
// `main` takes its I/O as arguments so tests run it in-process; src/cli-entry.ts wires it to the process.
import { dirname, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { Overrides } from "./config.js";
import { DEFAULT_CONFIG_PATH } from "./config.js";
import { loadProject, unbenchmarkedNote } from "./project.js";
import { EXIT, InputError, formatIssue, messageOf, signalExitCode } from "./errors.js";
import { Git } from "./git.js";
import { MissingApiKeyError, baselineStoreFactory, modelClientFactory, runPipeline, type Logger, type RunResult } from "./pipeline.js";
import { parseShard, readShardReports } from "./shard.js";
import { formatUsd } from "./report/format.js";
import { renderTerminalSummary } from "./report/terminal.js";
import { CONFIG_DEFAULTS } from "./schemas.js";
import { progressPrinter } from "./progress.js";
import { Redactor } from "./redact.js";
import { writeReport, writeReportFile } from "./report/write.js";
import { skillCreatorFiles } from "./report/skill-creator.js";
import { MODES, SKILL_SELECTIONS, isOneOf, type Mode, type SkillSelection } from "./types.js";
import { VERSION } from "./version.js";

export interface CliIo {
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** True when stderr is a terminal: progress redraws one line instead of printing milestones. */
  isTTY?: boolean;
  /** Aborted with the signal's name ("SIGINT", "SIGTERM") to cancel a run: a partial report, exit 128 + signal. */
  signal?: AbortSignal;
  /** Grace period for model calls in flight after a cancellation; default 5 s. */
  graceMs?: number;
}

const USAGE = `skillbench ${VERSION}: benchmark LLM skills across Claude models with a blinded judge.

Usage:
  skillbench run [options]       benchmark the repository in the current directory
  skillbench validate [options]  check skillbench.yml, benchmark files and skills; call nothing
  skillbench merge [options] REPORT...
                                 combine the reports of every shard of one run (--shard I/N) into one: compare
                                 with the baseline, write the reports and (baseline mode) record the baseline once;
                                 calls no model. Takes run's options (same --config and flags as the shards)
  skillbench --help | --version

Options for run:
  --config PATH              config file (default ${DEFAULT_CONFIG_PATH}; optional)
  --mode pr|baseline         pr: compare with the baseline, never write it (default)
                             baseline: benchmark everything and record the baseline on its branch
  --skills all|changed|LIST  default: changed when --base is given in pr mode, else all; or skill names,
                             folders or globs, comma-separated (e.g. internal-comms,skills/react-*)
  --cases LIST               only these case ids (or globs), comma-separated
  --strict                   Agent Skills deviations Claude tolerates are errors (also for validate)
  --base REF                 git ref to find changed skills against (merge base with HEAD)
  --models LIST              candidate models, comma-separated (overrides the config)
  --judge-model MODEL        the judge (overrides the config)
  --compare MODE             pr mode's base side: baseline (stored scores), rejudge (stored outputs judged
                             again in this run) or rerun (the skill at --base generated and judged again)
  --control without-skill|none  also run every case with no skill and report the skill's uplift (advisory);
                             overrides the config's and the benchmarks' control
  --concurrency N            model calls in flight across the whole run
  --samples N                generations per case (config samples, default 1)
  --judge-samples N          judgements per output (config judge.samples, default ${CONFIG_DEFAULTS.judgeSamples})
  --adaptive, --no-adaptive  more samples where a verdict is borderline (default: on in pr mode)
  --max-samples N            the most judgements per output / generations per case adaptive may reach (default 4)
  --trigger-samples N        calls per trigger query and model (config trigger-samples, default 3)
  --baseline-branch NAME     branch holding the baseline (default skillbench-baseline)
  --no-baseline              do not read or write the baseline branch
  --report PATH              JSON report (default skillbench-report.json)
  --markdown PATH            also write the markdown report
  --html PATH                also write the HTML report (one self-contained file: outputs side by side)
  --format skill-creator     also write Anthropic skill-creator's benchmark.json beside the report (one per
                             skill and model; with_skill / without_skill runs, run_summary mean/stddev)
  --no-fail-on-regression    exit 0 even when quality regressed
  --fail-on-inconclusive     exit 1 when the verdict is inconclusive (overrides the config's fail-on-inconclusive)
  --no-fail-on-inconclusive  exit 0 when the verdict is inconclusive (the default)
  --max-cost-usd N           budget in USD: refuse to start when the estimate is over it (exit 3); stop starting
                             calls once the spend reaches it (the report is then partial)
  --cache-path PATH          store results by content key and reuse them in pr mode (default .skillbench/cache,
                             or the config's cache-path); --no-cache: neither read nor write it
  --no-cache                 do not use the result cache
  --batch auto|on|off        send calls as Message Batches at half price (auto: in baseline mode with 20+ calls)
  --batch-timeout-minutes N  after N minutes, cancel the batch and run what is unfinished synchronously (60)
  --dry-run                  print what would run, the number of calls and an estimated cost; call nothing
  --shard I/N                run shard I of N: a stable slice of the skills, balanced by planned calls; its
                             report is marked as a shard, is not gated (exit 0 unless 3 or a signal) and never
                             recorded as the baseline; combine every shard's report with skillbench merge

Environment: ANTHROPIC_API_KEY (required to run), ANTHROPIC_BASE_URL (optional).
Exit codes: 0 ok (pass, or inconclusive unless fail-on-inconclusive), 1 regression (or inconclusive with
  fail-on-inconclusive), 2 bad input or usage, 3 operational failure (the estimate is over max-cost-usd,
  nothing could be judged,
  a baseline run where most pairs failed, git, API), 130 / 143 cancelled by SIGINT / SIGTERM (the partial report
  is written; the baseline is not).`;

const OPTIONS = {
  config: { type: "string" },
  mode: { type: "string" },
  skills: { type: "string" },
  cases: { type: "string" },
  strict: { type: "boolean" },
  base: { type: "string" },
  models: { type: "string" },
  "judge-model": { type: "string" },
  compare: { type: "string" },
  control: { type: "string" },
  concurrency: { type: "string" },
  samples: { type: "string" },
  "judge-samples": { type: "string" },
  adaptive: { type: "boolean" },
  "no-adaptive": { type: "boolean" },
  "max-samples": { type: "string" },
  "trigger-samples": { type: "string" },
  "baseline-branch": { type: "string" },
  "no-baseline": { type: "boolean" },
  report: { type: "string" },
  markdown: { type: "string" },
  html: { type: "string" },
  format: { type: "string" },
  "fail-on-regression": { type: "boolean" },
  "no-fail-on-regression": { type: "boolean" },
  "fail-on-inconclusive": { type: "boolean" },
  "no-fail-on-inconclusive": { type: "boolean" },
  "max-cost-usd": { type: "string" },
  "cache-path": { type: "string" },
  "no-cache": { type: "boolean" },
  batch: { type: "string" },
  "batch-timeout-minutes": { type: "string" },
  "dry-run": { type: "boolean" },
  shard: { type: "string" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "v" },
} as const;

class UsageError extends Error {}

/** Where the CLI stores results for reuse unless --cache-path, the config's cache-path or --no-cache says otherwise. */
export const DEFAULT_CACHE_PATH = ".skillbench/cache";

/** The CLI's I/O once its output is redacted, with the redactor for the files it writes. */
interface RunIo extends CliIo {
  redactor: Redactor;
}

export async function main(argv: string[], rawIo: CliIo): Promise<number> {
  // Every byte the CLI prints or writes passes the redaction of the known secrets (the key and secret-looking
  // variables): a model or proxy that echoes the key does not put it in a terminal log or a CI artifact.
  const redactor = Redactor.fromEnvironment(rawIo.env, [rawIo.env.ANTHROPIC_API_KEY]);
  const io: RunIo = {
    ...rawIo,
    stdout: (text) => rawIo.stdout(redactor.text(text)),
    stderr: (text) => rawIo.stderr(redactor.text(text)),
    redactor,
  };
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    io.stderr(`skillbench: ${messageOf(error)}\nRun "skillbench --help" for usage.\n`);
    return EXIT.usage;
  }
  const { values, positionals } = parsed;
  if (values.version) {
    io.stdout(`${VERSION}\n`);
    return EXIT.ok;
  }
  const command = positionals[0];
  if (values.help || command === undefined || command === "help") {
    io.stdout(`${USAGE}\n`);
    return command === undefined && !values.help ? EXIT.usage : EXIT.ok;
  }
  try {
    if (command === "merge") return await merge(values, positionals.slice(1), io);
    if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`);
    if (command === "validate") return await validate(values, io);
    if (command === "run") return await run(values, io);
    throw new UsageError(`unknown command "${command}" (expected run, validate or merge)`);
  } catch (error) {
    return reportError(error, io);
  }
}

function reportError(error: unknown, io: CliIo): number {
  if (error instanceof InputError) {
    io.stderr(`skillbench: ${error.issues.length} problem(s) in the input:\n`);
    for (const issue of error.issues) io.stderr(`  ${formatIssue(issue)}\n`);
    return EXIT.usage;
  }
  if (error instanceof UsageError) {
    io.stderr(`skillbench: ${error.message}\nRun "skillbench --help" for usage.\n`);
    return EXIT.usage;
  }
  if (error instanceof MissingApiKeyError) {
    io.stderr(`skillbench: ${error.message}\n`);
    return EXIT.usage;
  }
  io.stderr(`skillbench: ${messageOf(error)}\n`);
  return EXIT.failure;
}

async function validate(values: Values, io: CliIo): Promise<number> {
  const project = await loadProject(io.cwd, {
    ...(values.config !== undefined ? { configPath: values.config } : {}),
    overrides: overridesFrom(values, io.env),
    ...(values.strict ? { strict: true } : {}),
  });
  const cases = project.benchmarks.reduce((n, b) => n + b.cases.length, 0);
  for (const issue of project.warnings) io.stderr(`warning: ${formatIssue(issue)}\n`);
  // A run skips a skill that cannot be loaded and benchmarks the rest; validate is the check, so it fails.
  const broken = project.skipped ?? [];
  for (const skill of broken) io.stderr(`error: ${skill.skill} ${skill.reason}\n`);
  if (broken.length > 0) {
    io.stderr(`skillbench: ${broken.length} skill(s) could not be loaded (a run skips them and benchmarks the rest)\n`);
    return EXIT.usage;
  }
  if (project.benchmarks.length === 0) {
    io.stderr(
      `warning: no benchmark file matched ${project.config.benchmarks.map((g) => `"${g}"`).join(", ")} ` +
        `(set benchmarks: in ${project.config.configPath ?? DEFAULT_CONFIG_PATH})
`,
    );
  }
  const unmeasured = unbenchmarkedNote(project.unbenchmarked ?? []);
  if (unmeasured) io.stderr(`note: ${unmeasured}\n`);
  io.stdout(
    `OK: ${project.config.configPath ?? "default config"}, ${project.benchmarks.length} benchmark(s), ` +
      `${project.skills.size} skill(s), ${cases} case(s)\n`,
  );
  return EXIT.ok;
}

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>>["values"];

async function run(values: Values, io: RunIo): Promise<number> {
  const modeValue = values.mode ?? "pr";
  if (!isOneOf(MODES, modeValue)) throw new UsageError(`--mode must be one of ${MODES.join(", ")}, got "${modeValue}"`);
  const mode: Mode = modeValue;
  const defaultSkills: SkillSelection = mode === "pr" && values.base !== undefined ? "changed" : "all";
  const skillsValue = values.skills ?? defaultSkills;
  const skillPatterns = isOneOf(SKILL_SELECTIONS, skillsValue) ? null : listOf(skillsValue);
  if (skillPatterns !== null && skillPatterns.length === 0) {
    throw new UsageError(`--skills must be ${SKILL_SELECTIONS.join(", ")} or skill names/globs, got "${skillsValue}"`);
  }
  const skills: SkillSelection = isOneOf(SKILL_SELECTIONS, skillsValue) ? skillsValue : "all";
  const casePatterns = values.cases === undefined ? null : listOf(values.cases);
  if (casePatterns !== null && casePatterns.length === 0) throw new UsageError("--cases needs case ids, comma-separated");
  if (values.format !== undefined && values.format !== "skill-creator") {
    throw new UsageError(`--format must be skill-creator (Anthropic skill-creator's benchmark.json), got "${values.format}"`);
  }
  if (skills === "changed" && values.base === undefined) throw new UsageError("--skills changed needs --base REF");
  if (mode === "baseline" && values["no-baseline"]) throw new UsageError("--mode baseline records the baseline: it cannot go with --no-baseline");
  if (values["fail-on-regression"] && values["no-fail-on-regression"]) {
    throw new UsageError("--fail-on-regression and --no-fail-on-regression contradict each other");
  }
  if (values["fail-on-inconclusive"] && values["no-fail-on-inconclusive"]) {
    throw new UsageError("--fail-on-inconclusive and --no-fail-on-inconclusive contradict each other");
  }

  const overrides = overridesFrom(values, io.env);
  const shard = values.shard === undefined ? null : { spec: parseShard(values.shard, "--shard"), source: "--shard" };

  const log = terminalLogger(io);
  const needsGit = !values["no-baseline"] || skills === "changed";
  // Git also gives the commit SHA for the report, so it is opened whenever the directory is a repository.
  const git = await Git.create(io.cwd).catch(() => null);
  if (needsGit && !git) {
    throw new UsageError(`${io.cwd} is not inside a git repository (needed for the baseline and --base); use --no-baseline --skills all`);
  }
  const commit = git ? (await git.exec(["rev-parse", "HEAD"], { allowFailure: true })).stdout.trim() || null : null;
  const apiKey = io.env.ANTHROPIC_API_KEY?.trim() || null;

  const result = await runPipeline({
    root: io.cwd,
    ...(values.config !== undefined ? { configPath: values.config } : {}),
    overrides,
    mode,
    skills,
    ...(skillPatterns ? { skillFilter: { patterns: skillPatterns, source: "--skills" } } : {}),
    ...(casePatterns ? { caseFilter: { patterns: casePatterns, source: "--cases" } } : {}),
    ...(values.strict ? { strict: true } : {}),
    baseRef: values.base ?? null,
    commit,
    client: apiKey ? modelClientFactory(apiKey, log, io.redactor) : null,
    apiKeyHint: "the ANTHROPIC_API_KEY environment variable",
    store: values["no-baseline"] || !git ? null : baselineStoreFactory(git, log, io.redactor),
    git,
    dryRun: values["dry-run"] ?? false,
    defaultCachePath: values["no-cache"] ? false : DEFAULT_CACHE_PATH,
    log,
    redactor: io.redactor,
    onProgress: progressPrinter(io.stderr, io.isTTY ?? false),
    ...(io.signal ? { signal: io.signal } : {}),
    ...(io.graceMs !== undefined ? { graceMs: io.graceMs } : {}),
    shard,
  });

  if (result.kind === "dry-run") {
    const { estimate, plan } = result;
    io.stdout(`Dry run: ${result.selected.length} skill(s), ${estimate.pairs} case x model pair(s), ${estimate.calls} model calls.\n`);
    for (const benchmark of result.selected) {
      const items = plan.filter((item) => item.benchmark === benchmark);
      const models = [...new Set(items.map((item) => item.model))];
      io.stdout(`  ${benchmark.skillPath}: ${benchmark.cases.length} case(s) x ${models.join(", ")}\n`);
    }
    const cost =
      estimate.usd === null
        ? `at least ${formatUsd(estimate.pricedUsd)} (no price for ${estimate.unpricedModels.join(", ")})`
        : formatUsd(estimate.usd);
    const batchNote = estimate.batched ? ", as Message Batches at half price" : "";
    io.stdout(`Estimated cost: ${cost} (rough: ~4 characters per token, answers ~400 tokens${batchNote}).\n`);
    return EXIT.ok;
  }
  return finish(result, values, io, mode);
}

/**
 * `skillbench merge REPORT...`: the shard reports of one run, combined in this checkout (the same commit), compared
 * with the baseline once; in baseline mode the baseline is recorded once. The mode is the shards'.
 */
async function merge(values: Values, files: string[], io: RunIo): Promise<number> {
  if (files.length === 0) throw new UsageError("merge needs the report file of every shard (skillbench merge shard-1.json shard-2.json ...)");
  if (values.shard !== undefined) throw new UsageError("--shard goes with run; merge combines the shards' reports");
  if (values["dry-run"]) throw new UsageError("--dry-run goes with run; merge calls no model");
  const reports = await readShardReports(files.map((file) => resolve(io.cwd, file)), (file) => relative(io.cwd, file) || file);
  const mode = reports[0]?.report.mode ?? "pr";
  if (values.mode !== undefined && values.mode !== mode) throw new UsageError(`--mode ${values.mode}: the shard reports were made in ${mode} mode`);
  if (mode === "baseline" && values["no-baseline"]) throw new UsageError("the shards ran in baseline mode: merge records the baseline, it cannot go with --no-baseline");
  const log = terminalLogger(io);
  const git = await Git.create(io.cwd).catch(() => null);
  if (!values["no-baseline"] && !git) throw new UsageError(`${io.cwd} is not inside a git repository (needed for the baseline); use --no-baseline`);
  const commit = git ? (await git.exec(["rev-parse", "HEAD"], { allowFailure: true })).stdout.trim() || null : null;
  const result = await runPipeline({
    root: io.cwd,
    ...(values.config !== undefined ? { configPath: values.config } : {}),
    overrides: overridesFrom(values, io.env),
    mode,
    skills: "all",
    ...(values.strict ? { strict: true } : {}),
    commit,
    client: null,
    store: values["no-baseline"] || !git ? null : baselineStoreFactory(git, log, io.redactor),
    git,
    defaultCachePath: false,
    log,
    redactor: io.redactor,
    merge: reports,
    ...(io.signal ? { signal: io.signal } : {}),
  });
  return finish(result, values, io, mode);
}

/** Writes the report files, prints the summary, and turns the verdict into the exit code (run and merge). */
async function finish(result: RunResult, values: Values, io: RunIo, mode: Mode): Promise<number> {
  const { report } = result;
  const reportPath = resolve(io.cwd, values.report ?? "skillbench-report.json");
  const paths = {
    json: reportPath,
    markdown: values.markdown === undefined ? null : resolve(io.cwd, values.markdown),
    html: values.html === undefined ? null : resolve(io.cwd, values.html),
  };
  await writeReport(report, paths, { snapshot: result.snapshot }, io.redactor);
  io.stdout(renderTerminalSummary(report));
  const written: string[] = [];
  if (values.format === "skill-creator") {
    for (const { file, benchmark } of skillCreatorFiles(report)) {
      const path = join(dirname(reportPath), file);
      await writeReportFile(path, `${JSON.stringify(benchmark, null, 2)}\n`, io.redactor);
      written.push(`, ${path}`);
    }
  }
  const extra = [...[values.markdown, values.html].filter((p): p is string => p !== undefined).map((p) => `, ${resolve(io.cwd, p)}`), ...written];
  io.stdout(`\nReport: ${reportPath}${extra.join("")}\n`);
  if (report.cancelled) return signalExitCode(report.cancelled.signal);
  // Nothing measured (or a baseline run that recorded nothing): an operational failure, named once.
  if (report.failure) {
    io.stderr(`skillbench: ${report.failure.cause}\n`);
    return EXIT.failure;
  }
  if (report.shard) {
    // A slice is not the run: its verdict waits for the merge, which compares and gates the whole.
    io.stderr(`Shard ${report.shard.index}/${report.shard.count}: not gated; combine every shard's report with skillbench merge\n`);
    return EXIT.ok;
  }
  const failOnRegression = !values["no-fail-on-regression"];
  if (report.regressed && mode === "pr" && failOnRegression) return EXIT.regression;
  if (report.verdict === "inconclusive" && mode === "pr") {
    // Neutral by default: the run could not decide (too few pairs, no usable baseline, a wide interval).
    if (result.project.config.failOnInconclusive) {
      io.stderr("skillbench: the verdict is inconclusive and fail-on-inconclusive is set\n");
      return EXIT.regression;
    }
    io.stderr("warning: the verdict is inconclusive (not a failure; set fail-on-inconclusive to fail on it)\n");
  }
  return EXIT.ok;
}

/** A comma- or space-separated list, empty entries dropped. */
export function listOf(text: string): string[] {
  return text.split(/[\s,]+/).filter((item) => item !== "");
}

/** Flags and environment that override skillbench.yml, named so that a bad value's message says where it came from. */
function overridesFrom(values: Values, env: NodeJS.ProcessEnv): Overrides {
  const overrides: Overrides = {};
  if (values.models !== undefined) overrides.models = { value: values.models, source: "--models" };
  if (values["judge-model"] !== undefined) overrides.judgeModel = { value: values["judge-model"], source: "--judge-model" };
  if (values.compare !== undefined) overrides.compare = { value: values.compare, source: "--compare" };
  if (values.control !== undefined) overrides.control = { value: values.control, source: "--control" };
  if (values.concurrency !== undefined) overrides.concurrency = { value: values.concurrency, source: "--concurrency" };
  if (values.samples !== undefined) overrides.samples = { value: values.samples, source: "--samples" };
  if (values["judge-samples"] !== undefined) overrides.judgeSamples = { value: values["judge-samples"], source: "--judge-samples" };
  if (values["max-samples"] !== undefined) overrides.maxSamples = { value: values["max-samples"], source: "--max-samples" };
  if (values["trigger-samples"] !== undefined) overrides.triggerSamples = { value: values["trigger-samples"], source: "--trigger-samples" };
  if (values.adaptive) overrides.adaptive = { value: "true", source: "--adaptive" };
  if (values["no-adaptive"]) overrides.adaptive = { value: "false", source: "--no-adaptive" };
  if (values["fail-on-inconclusive"] || values["no-fail-on-inconclusive"]) {
    const value = values["fail-on-inconclusive"] ? "true" : "false";
    overrides.failOnInconclusive = { value, source: `--${values["fail-on-inconclusive"] ? "" : "no-"}fail-on-inconclusive` };
  }
  if (values["max-cost-usd"] !== undefined) overrides.maxCostUsd = { value: values["max-cost-usd"], source: "--max-cost-usd" };
  if (values["cache-path"] !== undefined) overrides.cachePath = { value: values["cache-path"], source: "--cache-path" };
  if (values.batch !== undefined) overrides.batch = { value: values.batch, source: "--batch" };
  if (values["batch-timeout-minutes"] !== undefined) {
    overrides.batchTimeoutMinutes = { value: values["batch-timeout-minutes"], source: "--batch-timeout-minutes" };
  }
  if (values["baseline-branch"] !== undefined) {
    overrides.baselineBranch = { value: values["baseline-branch"], source: "--baseline-branch" };
  }
  // The environment overrides the config file, as in the action (validated like any other override).
  const envBaseUrl = env.ANTHROPIC_BASE_URL?.trim();
  if (envBaseUrl) overrides.apiBaseUrl = { value: envBaseUrl, source: "env ANTHROPIC_BASE_URL" };
  return overrides;
}

function terminalLogger(io: CliIo): Logger {
  const verbose = Boolean(io.env.SKILLBENCH_DEBUG);
  return {
    info: (m) => io.stderr(`${m}\n`),
    warning: (m) => io.stderr(`warning: ${m}\n`),
    error: (m) => io.stderr(`error: ${m}\n`),
    debug: (m) => {
      if (verbose) io.stderr(`debug: ${m}\n`);
    },
  };
}
