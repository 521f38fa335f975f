// The data model shared by every stage of the pipeline. Names that appear in the JSON report are a public
// contract (README "The report", docs/contracts.md): extend, never rename.

/** One problem with the user's input, located as precisely as we know. */
export interface InputIssue {
  /** Repository-relative file, or an input/flag name such as "input models" or "--concurrency". */
  file: string;
  /** 1-based; null when the problem is not tied to a place in a file. */
  line: number | null;
  column: number | null;
  /** Dotted path of the field, e.g. "thresholds.quality" or "cases[2].input"; "" for the whole file. */
  field: string;
  message: string;
  /** The rule a tolerated deviation breaks (e.g. "name-matches-folder"), when the issue is a warning about one. */
  rule?: string;
}

export const MODES = ["pr", "baseline"] as const;
export type Mode = (typeof MODES)[number];

export const SKILL_SELECTIONS = ["changed", "all"] as const;
export type SkillSelection = (typeof SKILL_SELECTIONS)[number];

export const CHART_KINDS = ["quickchart", "mermaid", "none"] as const;
export type ChartKind = (typeof CHART_KINDS)[number];

export const GATES = ["significant", "threshold"] as const;

/**
 * Where the base side of a pull request's comparison comes from (config `compare`):
 * - baseline: the scores stored by the last baseline run (nightly) on the baseline branch;
 * - rejudge: the outputs stored on the baseline branch, judged again in this job beside the head's outputs;
 * - rerun: the skill as it is on the base commit, generated and judged again in this job.
 */
export const COMPARE_MODES = ["rejudge", "rerun", "baseline"] as const;
export type CompareMode = (typeof COMPARE_MODES)[number];
export const BATCH_MODES = ["auto", "on", "off"] as const;
export type BatchMode = (typeof BATCH_MODES)[number];
export type Gate = (typeof GATES)[number];

/** Multiplicity correction over every (skill, model, gated metric) tested in a run. */
export const CORRECTIONS = ["benjamini-hochberg", "holm"] as const;
export type Correction = (typeof CORRECTIONS)[number];

/**
 * How a (skill, model), a skill or the run ended (README "Verdicts: never green when nothing was measured"):
 * - pass: compared with the baseline, nothing regressed;
 * - regressed: a measured drop beyond a threshold, or too many failed/unjudged pairs (thresholds.errors);
 * - inconclusive: nothing usable to compare with (no baseline, no judged pair): neutral, never green;
 * - error: could not be measured at all (no pair judged).
 */
export const VERDICTS = ["pass", "regressed", "inconclusive", "error"] as const;
export type Verdict = (typeof VERDICTS)[number];

export const DIMENSIONS = ["faithfulness", "relevancy", "precision", "recall"] as const;
export type Dimension = (typeof DIMENSIONS)[number];

/** Overall quality plus the four RAGAS dimensions, in report order. */
export const METRICS = ["quality", ...DIMENSIONS] as const;
export type Metric = (typeof METRICS)[number];

/** Pass rates tested like quality (per-case pass fractions in points): graded expectations and deterministic checks. */
export const PASS_RATES = ["expectations", "checks"] as const;
export type PassRateMetric = (typeof PASS_RATES)[number];

/**
 * The without-skill control (config / benchmark `control`): `without-skill` also runs every (case, model) with no
 * skill (the bare input, no system prompt, no tool), judged the same way, to measure the skill's uplift.
 */
export const CONTROLS = ["without-skill", "none"] as const;
export type Control = (typeof CONTROLS)[number];
/** Trigger rates tested per query (in points): recall on should queries, false triggers on should-not queries. */
export const TRIGGER_METRICS = ["trigger-recall", "false-trigger"] as const;
export type TriggerMetric = (typeof TRIGGER_METRICS)[number];

/** Deterministic check types of a benchmark's `assert:` items (src/checks.ts). */
export const CHECK_TYPES = [
  "contains",
  "icontains",
  "not-contains",
  "regex",
  "not-regex",
  "equals",
  "starts-with",
  "is-json",
  "json-schema",
  "max-length",
  "min-length",
  "max-cost-usd",
  "max-latency-ms",
  "files-read",
] as const;
export type CheckType = (typeof CHECK_TYPES)[number];

/** One `assert:` item: a string (text, regex, file), a number (length, USD, ms), a JSON Schema, or null (is-json). */
export interface CheckSpec {
  type: CheckType;
  value: string | number | Record<string, unknown> | null;
}

/** A check run on a result; `passed` null when it could not be decided (unknown cost or latency). */
export interface CheckResult extends CheckSpec {
  passed: boolean | null;
  message: string;
}

/** An expectation that passed on the base side of a comparison and fails on the head. */
export interface FlippedExpectation {
  caseId: string;
  text: string;
  /** The head's evidence for the failure. */
  evidence: string;
}

/** One expectation as the judge graded it, with one line of evidence. */
export interface ExpectationGrade {
  text: string;
  passed: boolean;
  evidence: string;
}

export type Scores = Record<Metric, number>;
export type MaybeScores = Record<Metric, number | null>;

export function isOneOf<T extends string>(list: readonly T[], value: unknown): value is T {
  return typeof value === "string" && (list as readonly string[]).includes(value);
}

// ---------------------------------------------------------------------------------------------------------
// Configuration (skillbench.yml + action inputs / CLI flags, merged and validated into one object)

/** USD per million tokens. */
export interface PriceTier {
  input: number;
  output: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
  cacheRead: number;
}
export interface Price extends PriceTier {
  /** A higher tier that applies when the prompt (all input tokens) exceeds `tokens`. */
  above?: { tokens: number } & PriceTier;
}

/** Sampling parameters: sent only when the user configured them for that model. */
export interface SamplingParams {
  temperature?: number;
  top_p?: number;
  top_k?: number;
}

export interface Thresholds {
  /** Points (0-100) a model's mean quality may drop before it counts as a regression. */
  quality: number;
  /** Points any RAGAS dimension may drop. */
  dimension: number;
  /** Percent the mean cost per case may rise. */
  cost: number;
  /** Percent of a model's pairs that may fail (error) or go unjudged before it counts as a regression. */
  errors: number;
  /** Points (0-100) an expectation or check pass rate may drop. Absent in older reports (default 10). */
  passRate?: number;
}

export interface Config {
  /** Absolute path of the repository root; every other path is relative to it, POSIX separators. */
  root: string;
  /** Repository-relative path of skillbench.yml, or null when the file does not exist (all defaults). */
  configPath: string | null;
  models: string[];
  /**
   * pairwise: also ask the judge which of the base and head outputs is better, in both orders (pr mode, compare
   * rejudge/rerun). samples: judgements per output (config judge.samples), averaged per case.
   */
  judge: { model: string; maxTokens: number; pairwise: boolean; samples: number };
  /** Where the base side of a pull request's comparison comes from (COMPARE_MODES). */
  compare: CompareMode;
  /** Globs (repository-relative) that find benchmark files. */
  benchmarks: string[];
  /** Model calls in flight across the whole run (generations and judgements together). */
  concurrency: number;
  /** max_tokens for candidate generations. */
  maxTokens: number;
  thresholds: Thresholds;
  gate: Gate;
  /** Generations per case (config `samples`); each is judged `judge.samples` times, all averaged per case. */
  samples: number;
  /**
   * Adds judgements, then generations, to (skill, model)s whose first verdict is borderline (config `adaptive`);
   * null = by mode: on in pr mode, off in baseline mode (resolved by the pipeline).
   */
  adaptive: boolean | null;
  /** Most judgements per output, and most generations per case, that adaptive rounds may reach (`max-samples`). */
  maxSamples: number;
  /** The four dimensions gate too (else they are tested and shown, advisory). */
  gateDimensions: boolean;
  /** An inconclusive verdict fails the check (exit 1) in pr mode; else it passes with a warning. */
  failOnInconclusive: boolean;
  /** The run's budget in USD (`max-cost-usd`); null: none. */
  maxCostUsd: number | null;
  /** Where results are stored and reused (`cache-path`); null: off (the CLI then uses its default). */
  cachePath: string | null;
  /** Stored results younger than this are reused in pr mode (`cache-max-age-hours`). */
  cacheMaxAgeHours: number;
  /** Message Batches (`batch`): auto = on in baseline mode when the run has BATCH_AUTO_MIN_CALLS or more calls. */
  batch: BatchMode;
  /** After this long (from the first batch's creation), what is unfinished runs synchronously (`batch-timeout-minutes`). */
  batchTimeoutMinutes: number;
  correction: Correction;
  /** maxAgeHours: baseline entries older than this make the verdict say so (null: no limit). */
  baseline: { branch: string; staleAfterDays: number; historyLimit: number; maxAgeHours: number | null };
  /** Built-in table merged with the config's `pricing` overrides. Keys are model ids (aliases). */
  pricing: Record<string, Price>;
  /** Per-model sampling parameters from config `sampling`; absent means send none. */
  sampling: Record<string, SamplingParams>;
  api: { baseUrl: string | null; maxRetries: number; timeoutMs: number; rateLimitBudgetMs: number };
  /** Size caps (bytes) of skill files, benchmark files and each case input, checked before reading. */
  limits: { skillBytes: number; benchmarkBytes: number; inputBytes: number };
  /** Agent Skills deviations Claude tolerates (name vs folder, reserved words, extra keys) are errors, not warnings. */
  strict: boolean;
  /** Globs of folders that hold skills (SKILL.md folders); their evals/evals.json files are benchmarks. */
  skillDirs: string[];
  /** Model turns of one generation's read_file loop before it ends as an error ("max-turns reached"). */
  maxTurns: number;
  /** Also run every case without the skill (`control`); a benchmark's own `control` wins. Absent in older configs: none. */
  control?: Control;
  /** `control` came from a CLI flag or action input: it wins over the benchmarks' own `control` too. */
  controlForced?: boolean;
  /** Calls per (trigger query, model) of a trigger evaluation (`trigger-samples`). */
  triggerSamples: number;
}

// ---------------------------------------------------------------------------------------------------------
// Inputs on disk

export type SkillFormat = "agent-skill" | "prompt";

export interface Skill {
  /** Repository-relative path of the prompt file (SKILL.md or a .md/.txt prompt). */
  path: string;
  /** Repository-relative folder of an Agent Skill, null for a plain prompt file. */
  dir: string | null;
  name: string;
  description: string | null;
  format: SkillFormat;
  /** What the candidate model receives as its system prompt: the markdown body (frontmatter removed). */
  instructions: string;
  /** sha256 (hex) of the skill file's bytes; for a folder with other files, of every file of the folder. */
  hash: string;
  /**
   * The folder's other files the candidate may read with read_file (paths relative to the folder, sizes in bytes),
   * SKILL.md and evals/ left out; empty for a prompt file. Absent on skills built before folders were read.
   */
  files?: SkillFile[];
}

/** A file of an Agent Skill's folder, as the candidate's system prompt lists it. */
export interface SkillFile {
  /** Relative to the skill folder, POSIX separators. */
  path: string;
  bytes: number;
}

export interface BenchmarkCase {
  id: string;
  input: string;
  expected: string | null;
  /** sha256 (hex) of the case's input and expected answer. */
  hash: string;
  /** 1-based line of the case in its benchmark file, for messages. */
  line: number;
  /** Files (relative to the skill folder) the case offers to read_file besides the folder's own (evals.json `files`). */
  files?: string[];
  /** Statements about a good answer (YAML `expectations`, evals.json `expectations` / `assertions`), graded by the judge. */
  expectations?: string[];
  /** Deterministic checks (`assert:`), the benchmark's own first, then the case's. */
  assert?: CheckSpec[];
}

export interface Benchmark {
  /** Repository-relative path of the benchmark file. */
  path: string;
  /** Repository-relative path of the skill it benchmarks. */
  skillPath: string;
  /** The benchmark's own model list, or null to use the config's. */
  models: string[] | null;
  cases: BenchmarkCase[];
  /** The benchmark's own `control`, overriding the config's; absent or null: the config's. */
  control?: Control | null;
  /** Queries that should (and should not) make an agent pick this skill from the catalogue; absent when none. */
  triggers?: TriggerSpec;
}

/** A benchmark's `triggers:` (src/triggers.ts). */
export interface TriggerSpec {
  should: string[];
  shouldNot: string[];
  /** 1-based line of the `triggers` key, for messages. */
  line: number;
}

/** One entry of the skill catalogue an agent sees: every skill of the repository that has a description. */
export interface CatalogueEntry {
  name: string;
  description: string;
  /** Repository-relative path of the skill file. */
  path: string;
}

export interface Project {
  config: Config;
  benchmarks: Benchmark[];
  /** Keyed by Skill.path. */
  skills: Map<string, Skill>;
  /** Located problems that do not stop a run (an unknown but plausible model id, a tolerated skill deviation). */
  warnings: InputIssue[];
  /** Skills that could not be loaded (unparsable frontmatter, unreadable file): their benchmarks do not run. */
  skipped?: { skill: string; reason: string }[];
  /** skillbench.yml as parsed when it was loaded (null without a file), to compare with the base commit's. */
  rawConfig?: unknown;
  /**
   * The skill catalogue for trigger evaluation (every skill with a description: benchmarked ones and the SKILL.md
   * folders under skill-dirs), sorted by name; absent when no benchmark has triggers.
   */
  catalogue?: CatalogueEntry[];
  /** Agent Skills (SKILL.md) found under skill-dirs that no benchmark measures, sorted: named by validate and runs. */
  unbenchmarked?: string[];
}

// ---------------------------------------------------------------------------------------------------------
// Model calls

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cacheCreationInputTokens: number;
  cacheReadInputTokens: number;
}

/** A tool the candidate may call (Messages API `tools`). */
export interface ToolDefinition {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
}

/** Content blocks of a conversation, in our names (src/anthropic.ts maps them to the API's). */
export type ContentBlock =
  | { type: "text"; text: string }
  | { type: "tool_use"; id: string; name: string; input: unknown }
  | { type: "tool_result"; toolUseId: string; content: string; isError: boolean };

export interface ChatMessage {
  role: "user" | "assistant";
  content: string | ContentBlock[];
}

export interface CallRequest {
  model: string;
  system: string;
  /** The user message; ignored when `messages` is given. */
  user: string;
  /** The whole conversation so far (a tool loop); when absent the request is the one `user` message. */
  messages?: ChatMessage[];
  /** Tools offered to the model; a tool_use answer then comes back with stopReason "tool_use". */
  tools?: ToolDefinition[];
  maxTokens: number;
  sampling?: SamplingParams;
  /** JSON Schema for structured output (output_config.format); absent for free text. */
  outputSchema?: Record<string, unknown>;
  /** Mark the system prompt as a cache breakpoint. */
  cacheSystem?: boolean;
  /** Mark the user message as a cache breakpoint too (a request sent again unchanged, e.g. a repeated judgement). */
  cacheUser?: boolean;
  /**
   * The user message as blocks, sent instead of `user` (which holds their text joined by blank lines): a block with
   * `cache` is a cache breakpoint, so a stable prefix (the judge's skill, input and reference) is cached apart from
   * what varies after it. `cacheUser` marks the last block. Ignored when `messages` is given.
   */
  userBlocks?: { text: string; cache?: boolean }[];
  /** Aborts the request (a cancelled run); never sent to the API. */
  signal?: AbortSignal;
}

export interface CallResult {
  text: string;
  stopReason: string;
  /** The answer's content blocks (text and tool_use); absent from clients that only return text. */
  content?: ContentBlock[];
  usage: Usage;
  latencyMs: number;
  /** 1 when the first try succeeded. */
  attempts: number;
  /** Answered through a message batch (billed at half the input and output price; latency not measured). */
  batched?: true;
}

export type CallErrorKind =
  | "refusal"
  | "truncated"
  | "rate-limit"
  | "spend-cap"
  | "overloaded"
  | "server"
  | "timeout"
  | "connection"
  | "invalid-request"
  | "auth"
  | "not-found"
  | "max-turns"
  | "unknown";

export interface ModelClient {
  /** Resolves with the answer or rejects with a ModelCallError (src/errors.ts) after bounded retries. */
  call(request: CallRequest): Promise<CallResult>;
  /** The Message Batches API (src/anthropic.ts); absent from clients that have none (the run then calls synchronously). */
  batches?: BatchApi;
}

/** One request of a message batch; custom_id is unique in its batch. */
export interface BatchEntry {
  customId: string;
  request: CallRequest;
}

export interface BatchStatus {
  id: string;
  status: "in_progress" | "canceling" | "ended";
  counts: { processing: number; succeeded: number; errored: number; canceled: number; expired: number };
}

/** One entry's end: an answer, a failure (errored, refusal, max_tokens: a ModelCallError), or not processed. */
export type BatchEntryOutcome =
  | { customId: string; type: "succeeded"; result: CallResult }
  | { customId: string; type: "failed"; error: Error }
  | { customId: string; type: "canceled" | "expired" };

export interface BatchApi {
  /** Rejects with BatchesUnavailableError (src/batch.ts) when the endpoint is missing (a 404 from a gateway or proxy). */
  create(entries: readonly BatchEntry[]): Promise<BatchStatus>;
  retrieve(id: string): Promise<BatchStatus>;
  cancel(id: string): Promise<BatchStatus>;
  /** Only once the batch has ended; in the order the API lists them, not the request order. */
  results(id: string): AsyncIterable<BatchEntryOutcome>;
}

// ---------------------------------------------------------------------------------------------------------
// Results

export interface CaseResult {
  caseId: string;
  caseHash: string;
  model: string;
  /** Content key: hash of skill hash, case hash, model and judge key. */
  key: string;
  output: string | null;
  quality: number | null;
  faithfulness: number | null;
  relevancy: number | null;
  precision: number | null;
  recall: number | null;
  /** null when the case has no expected answer or nothing was judged. */
  matchesExpected: boolean | null;
  judgeNotes: string | null;
  /** Generation error (null when an output exists). */
  error: string | null;
  /** Why a produced output has no scores (judge failed); null when judged or not generated. */
  judgeError: string | null;
  judged: boolean;
  /** Candidate generation cost in USD; null when the model's price is unknown or nothing was billed. */
  costUsd: number | null;
  judgeCostUsd: number | null;
  latencyMs: number | null;
  usage: Usage | null;
  judgeUsage: Usage | null;
  stopReason: string | null;
  /**
   * Samples (config samples, judge.samples, adaptive rounds). The five scores above are the PER-CASE MEAN over
   * every judged judgement of every generation; `output`, `latencyMs` and `stopReason` are the first generation's;
   * costs and usage are summed over every call of the pair. `generations`: generations that produced an output;
   * `judgements`: judged judgements in the mean; `qualitySamples`: each of their quality scores, in order.
   */
  generations: number;
  judgements: number;
  qualitySamples: number[];
  /** Every generated output in order (the first is `output`); only when more than one was generated. */
  outputs?: string[];
  /** Model calls made for this pair (generations and judgements, failed ones too); absent in older reports. */
  calls?: number;
  /**
   * Taken from the result cache (cache-path) instead of calling anything: no call was made this run, and the run's
   * totals count it at $0; costUsd and judgeCostUsd still say what producing it cost, for comparisons.
   */
  reused?: true;
  /** At least one of the pair's calls went through a message batch (half price; its latency is then not measured). */
  batched?: true;
  /** Files of the skill folder the candidate read with read_file, in the order read (relative to the folder). */
  filesRead?: string[];
  /** Model turns of the generation (1 without tool use). */
  turns?: number;
  /** The case's expectations as the judge graded them (majority over judgements); absent when it has none or unjudged. */
  expectations?: ExpectationGrade[];
  /** Every deterministic check of the case, run on the first successful output; absent when none or no output. */
  checks?: CheckResult[];
}

/** The metrics kept per skill and model, in reports, baselines and history points. */
export interface MetricSet extends MaybeScores {
  /** Mean candidate cost per case, USD; null when the price is unknown. */
  costUsd: number | null;
  latencyMsP50: number | null;
}

export interface Interval {
  low: number;
  high: number;
  /** Confidence level, e.g. 0.95. */
  level: number;
  /** Number of paired cases it was computed from. */
  n: number;
}

/**
 * The paired test of one metric of one (skill, model): one-sided t-test of "it dropped" on the per-case deltas,
 * the two-sided t-interval, and what it would take to decide. Deltas are head minus base, in points.
 */
export interface MetricTest {
  metric: Metric | PassRateMetric | TriggerMetric;
  /** Judged pairs (both sides scored) the test used. */
  n: number;
  /** Mean per-case delta; null with no pair. */
  delta: number | null;
  /** Standard deviation of the per-case deltas; null with fewer than 2 pairs. */
  spread: number | null;
  interval: Interval | null;
  /** One-sided p-value of "dropped"; null with fewer than 2 pairs. */
  pValue: number | null;
  /** pValue after the run's multiplicity correction over its family; null when not tested. */
  adjustedPValue: number | null;
  /** Whether it decides the verdict (quality always; dimensions with gate-dimensions). */
  gated: boolean;
  threshold: number;
  /** Smallest true drop detected with 80% power by a one-sided test at the run's alpha, for this n and spread. */
  detectableDrop: number | null;
  /** More pairs (beyond n) that would decide it; null when decided or when no feasible count would. */
  casesNeeded: number | null;
  outcome: "pass" | "regressed" | "inconclusive";
  /** Why inconclusive: too few pairs, an interval too wide, or a drop within the drift between nightly baselines. */
  inconclusiveBecause: "too-few-pairs" | "too-wide" | "baseline-drift" | null;
}

export interface Delta extends MaybeScores {
  /** Percent change of mean cost per case; null when either side is unknown. */
  costPct: number | null;
  /** Change of p50 latency in milliseconds. */
  latencyMs: number | null;
}

export interface ModelSummary extends MetricSet {
  model: string;
  cases: number;
  errors: number;
  unjudged: number;
  judged: number;
  inputTokens: number;
  outputTokens: number;
  latencyMsP95: number | null;
  /** Share (0-1) of judged cases with an expected answer that matched it; null when none had one. */
  matchesExpectedRate: number | null;
  /** Mean (0-1) of the per-case share of expectations that passed; null when no case had graded expectations. */
  expectationPassRate?: number | null;
  /** Mean (0-1) of the per-case share of decided checks that passed; null when no case had a decided check. */
  checkPassRate?: number | null;
  /** Expectations that passed on the base side and fail now, per case, with the judge's evidence; absent when none. */
  flippedExpectations?: FlippedExpectation[];
  /** Sum of candidate costs for this model, USD; null when the price is unknown. */
  totalCostUsd: number | null;
  judgeCostUsd: number | null;
  /** Baseline metrics over the paired cases, or null when there is nothing to compare. */
  baseline: MetricSet | null;
  delta: Delta | null;
  /** 95% t-interval of the paired per-case quality delta; null with fewer than 2 pairs. */
  qualityInterval: Interval | null;
  pairedCases: number;
  /** Judged pairs compared for quality (both sides scored); 0 when nothing was compared. */
  n: number;
  /** Standard deviation of the per-case quality deltas; null with fewer than 2 pairs. */
  spread: number | null;
  /** Quality's one-sided p-value of "dropped", adjusted over the run's family of gated tests; null when not tested. */
  pValue: number | null;
  /** Smallest quality drop this run detects with 80% power (one-sided test at alpha 0.05, unadjusted); null when n < 2. */
  detectableDrop: number | null;
  /** More judged pairs that would decide the verdict; null when decided (or not estimable). */
  casesNeeded: number | null;
  /** Quality and each dimension, tested (dimensions advisory unless gate-dimensions). Empty when nothing compared. */
  tests: MetricTest[];
  /** Spread (sd) of this model's quality mean across recent nightly baselines, when the baseline was too old. */
  baselineDrift: number | null;
  /** The baseline entries compared were recorded more than stale-after-days ago. */
  stale: boolean;
  baselineRecordedAt: string | null;
  regressed: boolean;
  /** Human-readable reasons, e.g. "quality -7.5 (threshold 5)". */
  regressions: string[];
  verdict: Verdict;
  /** Why the verdict is not a plain pass: the regressions, or what could not be measured or compared. */
  verdictReasons: string[];
  /** Side-by-side preferences of head over base (judge.pairwise); null when not asked. Absent in older reports. */
  pairwise?: PairwiseSummary | null;
  /** What the skill adds over the without-skill control (src/uplift.ts); null when no control ran. Advisory. */
  uplift?: Uplift | null;
}

/** One metric's uplift: head minus control, paired per case, in points (0-100). */
export interface UpliftMetric {
  /** Mean per-case difference (head - control); null with no pair. */
  delta: number | null;
  /** Cases where both sides were scored. */
  n: number;
  /** 95% t-interval of the per-case differences; null with fewer than 2 pairs. */
  interval: Interval | null;
}

/**
 * The skill's uplift on one model over the without-skill control. `helps`: true when the quality interval lies above
 * zero, false when the mean quality uplift is zero or below ("this skill no longer helps"), null when undecided
 * (a positive mean whose interval reaches zero, or fewer than 2 pairs). Never gates.
 */
export interface Uplift {
  quality: UpliftMetric;
  /** Expectation pass rate (per-case share, in points); null when no pair had graded expectations on both sides. */
  expectations: UpliftMetric | null;
  /** Check pass rate (per-case share of decided checks, in points); null when no pair had decided checks on both sides. */
  checks: UpliftMetric | null;
  /** Mean quality of the control's judged pairs (all of them, paired or not); null when none was judged. */
  controlQuality: number | null;
  /** Control pairs that failed or went unjudged. */
  controlErrors: number;
  controlUnjudged: number;
  helps: boolean | null;
}

/**
 * Pairwise judgements of one (skill, model): per case the judge compared the base and the head outputs in both
 * orders; a case is a win (head better) or a loss only when both orders agree, else a tie.
 */
export interface PairwiseSummary {
  wins: number;
  ties: number;
  losses: number;
  /** Two-sided exact sign test of wins against losses (ties left out); 1 when there are none. */
  pValue: number;
  /** Cases whose pairwise judgement failed (a call errored or its answer was unusable): in no count above. */
  errors: number;
}

export interface CaseChanges {
  /** Case ids with no baseline entry. */
  added: string[];
  /** Case ids whose input or expected answer changed since the baseline. */
  changed: string[];
  /** Case ids in the baseline that the benchmark no longer has. */
  removed: string[];
}

export interface SkillReport {
  skill: string;
  benchmark: string;
  name: string;
  format: SkillFormat;
  skillHash: string;
  models: ModelSummary[];
  results: CaseResult[];
  /** The without-skill control's results (control: without-skill), same shape as results; absent when none ran. */
  controlResults?: CaseResult[];
  best: { quality: string | null; cheapest: string | null; qualityPerDollar: string | null };
  cases: CaseChanges;
  /** Set when the baseline for this skill could not be read (corrupt file); the run compares nothing. */
  baselineError: string | null;
  regressed: boolean;
  /** The worst of its models' verdicts (a measured regression wins over an error elsewhere). */
  verdict: Verdict;
  /** "<model>: <reason>" for every model whose verdict is not pass. */
  verdictReasons: string[];
  /** Files of the skill folder this change touched that no case read (relative to the folder): untested edits. */
  untestedChanges?: string[];
}

export interface Totals {
  /** Candidate plus judge cost. */
  costUsd: number;
  candidateCostUsd: number;
  judgeCostUsd: number;
  /** Models whose price is unknown (their cost is not in the totals). */
  unpricedModels: string[];
  calls: number;
  cases: number;
  errors: number;
  unjudged: number;
  durationMs: number;
}

// ---------------------------------------------------------------------------------------------------------
// Trust: what a pull request changes in skillbench.yml (src/config.ts compareConfigs)

export type ConfigValue = string | number | boolean | null;

/** One key whose value differs between the base commit's config and the PR head's. */
export interface ConfigKeyChange {
  key: string;
  /** For trusted URL keys only the origin (no userinfo, path or query): a URL may carry credentials. */
  base: ConfigValue;
  head: ConfigValue;
  /** Trusted keys only: which value the run used instead of the head's (the workflow's input/env, or the base's). */
  used?: "base" | "workflow";
}

/** What a pull request changes in skillbench.yml, against its base commit. */
export interface ConfigChanges {
  /** Where the base config came from: found, absent on the base commit, or not obtainable (fetch failed). */
  base: { commit: string | null; status: BaseConfigStatus };
  /** Trusted keys the head changes: the base's value is used. */
  trusted: ConfigKeyChange[];
  /** Gate keys the head changes: the head's value is used, and the verdict says so. */
  gate: ConfigKeyChange[];
}

export type BaseConfigStatus = "found" | "missing" | "unavailable";

export interface Report {
  schemaVersion: 1;
  tool: { name: "skillbench"; version: string };
  mode: Mode;
  commit: string | null;
  baseRef: string | null;
  generatedAt: string;
  judgeModel: string;
  /** Hash of judge model, judge prompt version and schema: results compare only when equal. */
  judgeKey: string;
  gate: Gate;
  thresholds: Thresholds;
  regressed: boolean;
  /** The run's verdict: the worst of its skills' (a measured regression wins over an error elsewhere). */
  verdict: Verdict;
  verdictReasons: string[];
  /** Set when the run as a whole failed (nothing judged; a baseline run where most pairs failed): exit 3. */
  failure: RunFailure | null;
  totals: Totals;
  skills: SkillReport[];
  /** Skills found but not benchmarked in this run, with the reason (e.g. "unchanged"). */
  skipped: { skill: string; reason: string }[];
  warnings: string[];
  /** The baseline the run compared with: branch and the commit it was read at, or null. */
  baseline: { branch: string; commit: string | null; found: boolean } | null;
  /** True when the run was cancelled (a signal): results hold what finished, the rest "cancelled: not run". */
  partial?: boolean;
  /** The signal that cancelled the run (SIGINT, SIGTERM); null or absent when it ran to the end. */
  cancelled?: { signal: string } | null;
  /** On a pull request: what it changes in skillbench.yml against its base commit (trusted and gate keys). */
  configChanges?: ConfigChanges | null;
  /** How the base side was obtained (config `compare`); null or absent when compared with the stored baseline. */
  sameJob?: SameJobInfo | null;
  /** Set on the report of one shard (`--shard I/N`): a slice of the run, not gated; `skillbench merge` combines them. */
  shard?: ShardInfo | null;
  /** Set on the report `skillbench merge` made: how many shard reports it combined. */
  merged?: { shards: number; plan: string } | null;
  /** Trigger evaluations (benchmarks with `triggers:`), one per skill; absent or empty when none ran. */
  triggers?: SkillTriggers[];
}

/** Which slice of a sharded run a report holds. */
export interface ShardInfo {
  /** 1-based. */
  index: number;
  count: number;
  /** Fingerprint of the whole run's plan and settings (src/shard.ts planFingerprint): equal across one run's shards. */
  plan: string;
}

// ---------------------------------------------------------------------------------------------------------
// Trigger evaluation (src/triggers.ts)

/** One call of a trigger query: which skill the model invoked through the Skill tool, if any. */
export interface TriggerSample {
  /** The skill name of the first Skill tool_use; null when it invoked none (or the call failed). */
  invoked: string | null;
  /** Null when the call succeeded. */
  error: string | null;
  costUsd: number | null;
  latencyMs: number | null;
}

/** One query on one model: every sample, on the head's catalogue and (pr mode) on the base's. */
export interface TriggerQueryResult {
  query: string;
  kind: "should" | "should-not";
  model: string;
  samples: TriggerSample[];
  /** The same query with the base commit's catalogue; absent when not compared. */
  baseSamples?: TriggerSample[];
}

/** Per model: recall, false-trigger rate and which sibling skills took this skill's should queries. */
export interface TriggerModelSummary {
  model: string;
  /** Should samples (without error) that invoked this skill / all such samples (0-1); null when none. */
  recall: number | null;
  /** Should-not samples (without error) that invoked this skill / all such samples (0-1); null when none. */
  falseTriggerRate: number | null;
  /** Samples without error: of should queries, of should-not queries. */
  n: { should: number; shouldNot: number };
  /** Samples whose call failed (in no rate). */
  errors: number;
  /** Sibling skills that took this skill's should samples (and "none" for no skill), most first. */
  confusion: { skill: string; count: number }[];
  /** The same rates with the base commit's catalogue; null when not compared. */
  base: { recall: number | null; falseTriggerRate: number | null } | null;
  /** Paired per query, in points: metric "trigger-recall" and "false-trigger" (a rise counts as a drop). */
  tests: MetricTest[];
  verdict: Verdict;
  verdictReasons: string[];
}

export interface SkillTriggers {
  skill: string;
  name: string;
  benchmark: string;
  /** Samples per query and model (trigger-samples). */
  samples: number;
  /** Why it ran: with the full benchmark, or alone (a description or trigger-query change). */
  reason: string;
  /** What the base side was: compared with the base commit's catalogue, unchanged (nothing to compare), or none. */
  compared: "base-catalogue" | "unchanged" | "no-base";
  models: TriggerModelSummary[];
  queries: TriggerQueryResult[];
  verdict: Verdict;
  verdictReasons: string[];
  costUsd: number;
  calls: number;
}

/** The base side built in this job (compare: rejudge or rerun). */
export interface SameJobInfo {
  mode: Exclude<CompareMode, "baseline">;
  /** The commit whose skill files were read (rerun; rejudge for the judge's instructions), or null. */
  baseCommit: string | null;
  /** Base outputs judged in this job (stored ones for rejudge, regenerated ones for rerun). */
  judged: number;
  /** Base pairs compared with their stored scores instead (rejudge: no stored output, or it was truncated or failed). */
  fallback: number;
  /** Skills with no base side: new in this pull request (rerun), or unreadable at the base commit. */
  newSkills: string[];
  /** Candidate plus judge cost of the base side and of the pairwise judgements, USD (also in totals). */
  costUsd: number;
  /** Model calls made for the base side and the pairwise judgements (also in totals). */
  calls: number;
}

/** An operational failure of the whole run, with its cause named once (pair errors grouped). */
export interface RunFailure {
  /** One sentence for logs, the failed step and the verdict line, e.g. "all 12 calls failed: HTTP 401 ...". */
  cause: string;
  /** Pairs that failed or went unjudged, of `pairs`. */
  failed: number;
  pairs: number;
}

// ---------------------------------------------------------------------------------------------------------
// Baseline branch

/** One (case, model) result as recorded on the baseline branch. */
export interface BaselineEntry extends MaybeScores {
  /** Content key (CaseResult.key). */
  key: string;
  caseId: string;
  caseHash: string;
  model: string;
  skillHash: string;
  judgeKey: string;
  matchesExpected: boolean | null;
  costUsd: number | null;
  latencyMs: number | null;
  error: string | null;
  /** ISO time of the run that recorded it. */
  recordedAt: string;
  commit: string | null;
  /**
   * The candidate output (redacted, at most STORED_OUTPUT_MAX_BYTES; see outputTruncated), kept for the current
   * entries so a pull request can judge it again (compare: rejudge); null when none. Absent in older files.
   */
  output?: string | null;
  /** The stored output was cut at the size cap: it is not judged again (its stored scores are used). */
  outputTruncated?: boolean;
  /** Judgements averaged into the scores (per-case mean); 1 when read from older files. */
  judgements?: number;
  /** The case's expectation grades (text and passed), to pair per expectation; absent in older files. */
  expectations?: { text: string; passed: boolean }[];
  /** The case's check outcomes (type, value and passed), to pair per check; absent in older files. */
  checks?: { type: CheckType; value: CheckSpec["value"]; passed: boolean | null }[];
}

export interface SkillBaseline {
  skill: string;
  skillHash: string;
  updatedAt: string;
  commit: string | null;
  entries: BaselineEntry[];
}

export interface HistoryPoint {
  runId: string;
  commit: string | null;
  time: string;
  mode: Mode;
  skill: string;
  model: string;
  metrics: MetricSet;
}

export interface BaselineSnapshot {
  branch: string;
  /** Commit of the baseline branch that was read; null when the branch does not exist yet. */
  commit: string | null;
  found: boolean;
  /** Keyed by skill path. */
  skills: Map<string, SkillBaseline>;
  /** Ordered oldest first. */
  history: HistoryPoint[];
  /** Files that could not be read (corrupt JSON, wrong shape), with a message naming them. */
  errors: { file: string; skill: string | null; message: string }[];
}

export interface BaselineStore {
  read(): Promise<BaselineSnapshot>;
  /** Records the report's results and one history point per skill and model; retries pushes. */
  write(report: Report): Promise<{ commit: string; attempts: number }>;
}
