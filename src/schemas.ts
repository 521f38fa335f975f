// JSON Schemas of skillbench.yml, benchmark files and SKILL.md frontmatter, kept as TypeScript objects so the
// bundled action needs no file reads. The first two are also published as schema/*.json for editors
// (regenerate with `npx tsx scripts/write-schemas.ts`). `patternErrorMessage` is the non-standard keyword the
// VS Code YAML/JSON language servers show for a failed `pattern`; ajv is told about it so both sides agree.
// The second half validates a parsed YAML document against a schema and turns every ajv error into an InputIssue
// located at the YAML node it concerns.
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type ErrorCode } from "yaml";
import type { InputIssue } from "./errors.js";
import { BATCH_MODES, CHECK_TYPES, COMPARE_MODES, CONTROLS, CORRECTIONS, GATES } from "./types.js";
import { SKILL_CREATOR_BENCHMARK_SCHEMA } from "./skill-creator-schema.js";

export const MODEL_ID_PATTERN = "^[A-Za-z0-9][A-Za-z0-9._:@/-]*$";
export const MODEL_ID_MESSAGE =
  "must be a model id: letters, digits and . _ : @ / -, starting with a letter or digit (e.g. claude-haiku-4-5)";

/** What git accepts as a branch name, minus the rarely used corners (see `git check-ref-format`). */
export const BRANCH_PATTERN =
  "^(?!-)(?!/)(?!\\.)(?!.*\\.\\.)(?!.*//)(?!.*/\\.)(?!.*@\\{)(?!.*\\.lock$)(?!.*/$)(?!.*\\.$)(?!@$)[^\\s~^:?*\\[\\\\\\x00-\\x1f\\x7f]+$";
export const BRANCH_MESSAGE =
  "must be a git branch name: no spaces, no ~ ^ : ? * [ \\, no '..', not starting with '-' or '.' nor ending with '/' or '.lock'";

/** Repository-relative: no leading slash, no `..` segment (a glob must not reach outside the repository). */
export const GLOB_PATTERN = "^(?!/)(?!(.*/)?\\.\\.(/|$)).+$";
const GLOB_MESSAGE = "must be a repository-relative glob: no leading '/' and no '..' segment";

export const CASE_ID_PATTERN = "^[A-Za-z0-9][A-Za-z0-9._:-]*$";
const CASE_ID_MESSAGE = "must be a case id: letters, digits and . _ : -, starting with a letter or digit";

/** Defaults of skillbench.yml. The loader uses these values; the schemas show them to editors. */
export const CONFIG_DEFAULTS = {
  models: ["claude-sonnet-5", "claude-haiku-4-5"],
  judgeModel: "claude-opus-4-8",
  judgeMaxTokens: 2048,
  samples: 1,
  judgeSamples: 2,
  maxSamples: 4,
  cacheMaxAgeHours: 24,
  batch: "auto",
  batchTimeoutMinutes: 60,
  benchmarks: ["benchmarks/**/*.yml", "benchmarks/**/*.yaml"],
  concurrency: 8,
  maxTokens: 2048,
  gate: "significant",
  gateDimensions: false,
  failOnInconclusive: false,
  correction: "benjamini-hochberg",
  compare: "baseline",
  control: "none",
  judgePairwise: false,
  thresholds: { quality: 5, dimension: 10, cost: 25, errors: 20, passRate: 10 },
  baselineBranch: "skillbench-baseline",
  staleAfterDays: 90,
  historyLimit: 365,
  apiMaxRetries: 4,
  apiTimeoutSeconds: 600,
  limits: { skillBytes: 1024 * 1024, benchmarkBytes: 5 * 1024 * 1024, inputBytes: 256 * 1024 },
  apiRateLimitBudgetSeconds: 600,
  strict: false,
  skillDirs: ["skills/**", ".claude/skills/**"],
  maxTurns: 8,
  triggerSamples: 3,
} as const;

/** skillbench.yml itself is read before its `limits` are known: its cap is fixed. */
export const CONFIG_FILE_MAX_BYTES = 1024 * 1024;

export const LIMITS = {
  concurrency: { minimum: 1, maximum: 64 },
  maxTokens: { minimum: 1, maximum: 128_000 },
  samples: { minimum: 1, maximum: 20 },
  maxRetries: { minimum: 0, maximum: 10 },
  timeoutSeconds: { maximum: 3600 },
  fileBytes: { minimum: 1024, maximum: 100 * 1024 * 1024 },
  inputBytes: { minimum: 1, maximum: 10 * 1024 * 1024 },
  maxTurns: { minimum: 1, maximum: 50 },
} as const;

const modelId = { type: "string", pattern: MODEL_ID_PATTERN, patternErrorMessage: MODEL_ID_MESSAGE };

const modelList = (description: string, defaults?: readonly string[]) => ({
  description,
  type: "array",
  minItems: 1,
  uniqueItems: true,
  items: modelId,
  ...(defaults ? { default: [...defaults] } : {}),
});

const maxTokens = (description: string, defaultValue: number) => ({
  description,
  type: "integer",
  minimum: LIMITS.maxTokens.minimum,
  maximum: LIMITS.maxTokens.maximum,
  default: defaultValue,
});

const sampleCount = (description: string, defaultValue: number) => ({
  description,
  type: "integer",
  minimum: LIMITS.samples.minimum,
  maximum: LIMITS.samples.maximum,
  default: defaultValue,
});

const usdPerMTok = (description: string) => ({ description, type: "number", minimum: 0 });

const priceTierProperties = {
  input: usdPerMTok("USD per million input tokens."),
  output: usdPerMTok("USD per million output tokens."),
  "cache-write": usdPerMTok("USD per million tokens written to the 5-minute cache; default 1.25 x input."),
  "cache-write-1h": usdPerMTok("USD per million tokens written to the 1-hour cache; default 2 x input."),
  "cache-read": usdPerMTok("USD per million tokens read from the cache; default 0.1 x input."),
};

const price = {
  type: "object",
  additionalProperties: false,
  required: ["input", "output"],
  properties: {
    ...priceTierProperties,
    above: {
      description: "A higher price tier that applies when a prompt has more than `tokens` input tokens.",
      type: "object",
      additionalProperties: false,
      required: ["tokens", "input", "output"],
      properties: {
        tokens: { description: "Prompt size (input tokens) above which this tier applies.", type: "integer", minimum: 1 },
        ...priceTierProperties,
      },
    },
  },
};

const samplingValue = (description: string) => ({ description, type: "number", minimum: 0, maximum: 1 });

/** The `control` key (config and benchmark): run the cases without the skill too. */
function controlKey(description: string, defaultValue?: string): Record<string, unknown> {
  return { description, type: "string", enum: [...CONTROLS], ...(defaultValue !== undefined ? { default: defaultValue } : {}) };
}

export const SKILLBENCH_SCHEMA = {
  $schema: "http://json-schema.org/draft-07/schema#",
  title: "skillbench.yml",
  description: "Configuration of skillbench. Every key is optional.",
  type: "object",
  additionalProperties: false,
  properties: {
    models: modelList("Candidate models every skill is benchmarked on.", CONFIG_DEFAULTS.models),
    judge: {
      description: "The one model that scores every output.",
      type: "object",
      additionalProperties: false,
      properties: {
        model: { ...modelId, default: CONFIG_DEFAULTS.judgeModel },
        "max-tokens": maxTokens("max_tokens of each judgement.", CONFIG_DEFAULTS.judgeMaxTokens),
        pairwise: {
          description:
            "On a pull request compared in the same job (compare: rejudge or rerun), also ask the judge which of the " +
            "base and head outputs of each case is better, in both orders; a preference counts only when both agree. " +
            "Costs two more judgements per case and model.",
          type: "boolean",
          default: CONFIG_DEFAULTS.judgePairwise,
        },
        samples: sampleCount(
          "Judgements per output, averaged per case before any test. Current judge models reject temperature: " +
            "repeating the judgement is the way to average out judge noise. Each costs one judge call (repeats read " +
            "the prompt cache).",
          CONFIG_DEFAULTS.judgeSamples,
        ),
      },
    },
    benchmarks: {
      description: "Globs (repository-relative; *, **, ? and {a,b}) that find benchmark files.",
      type: "array",
      minItems: 1,
      uniqueItems: true,
      items: { type: "string", pattern: GLOB_PATTERN, patternErrorMessage: GLOB_MESSAGE },
      default: [...CONFIG_DEFAULTS.benchmarks],
    },
    concurrency: {
      description: "Model calls in flight across the whole run (generations and judgements together).",
      type: "integer",
      ...LIMITS.concurrency,
      default: CONFIG_DEFAULTS.concurrency,
    },
    "max-tokens": maxTokens("max_tokens of each candidate generation.", CONFIG_DEFAULTS.maxTokens),
    strict: {
      description:
        "Deviations from the Agent Skills rules that Claude tolerates (a name that differs from its folder, " +
        "reserved words, long descriptions, keys of other agents) are errors instead of warnings.",
      type: "boolean",
      default: CONFIG_DEFAULTS.strict,
    },
    "skill-dirs": {
      description:
        "Globs of the folders that hold skills (SKILL.md folders); an evals/evals.json in a skill folder is a benchmark.",
      type: "array",
      uniqueItems: true,
      items: { type: "string", pattern: GLOB_PATTERN, patternErrorMessage: GLOB_MESSAGE },
      default: [...CONFIG_DEFAULTS.skillDirs],
    },
    "max-turns": {
      description: "Model turns of one generation (each read_file call takes one) before it ends as an error.",
      type: "integer",
      ...LIMITS.maxTurns,
      default: CONFIG_DEFAULTS.maxTurns,
    },
    "trigger-samples": sampleCount(
      "Calls per trigger query and model (benchmark `triggers:`): each records which skill, if any, the model invoked.",
      CONFIG_DEFAULTS.triggerSamples,
    ),
    samples: sampleCount(
      "Generations per case and model, each judged judge.samples times; all averaged per case before any test.",
      CONFIG_DEFAULTS.samples,
    ),
    adaptive: {
      description:
        "Gives a (skill, model) whose first verdict is borderline (its interval straddles the threshold) more " +
        "judgements per output, then more generations, up to max-samples, within max-cost-usd. Default: on in pr " +
        "mode, off in baseline mode.",
      type: "boolean",
    },
    "max-samples": sampleCount(
      "The most judgements per output, and the most generations per case, that adaptive rounds may reach.",
      CONFIG_DEFAULTS.maxSamples,
    ),
    gate: {
      description:
        "significant (noise-aware): per (skill, model) a one-sided paired t-test of the drop, corrected over every " +
        "test of the run; regressed when significant and the mean drop exceeds the threshold, pass when the 95% " +
        "t-interval shows the drop smaller than the threshold, else inconclusive. threshold (the old gate, not " +
        "noise-aware): any mean drop beyond the threshold fails.",
      type: "string",
      enum: [...GATES],
      default: CONFIG_DEFAULTS.gate,
    },
    "gate-dimensions": {
      description:
        "The four dimensions (faithfulness, relevancy, precision, recall) gate like quality. Default false: they " +
        "are tested and shown with their intervals, but advisory.",
      type: "boolean",
      default: CONFIG_DEFAULTS.gateDimensions,
    },
    "max-cost-usd": {
      description:
        "A budget for the whole run, in USD. The dry-run estimate is checked first: over it, the run refuses to " +
        "start (exit 3, with the estimate). While running, no model call starts once the spend reaches it; the " +
        "pairs left end as not run and the report is partial. Default: no budget.",
      type: "number",
      exclusiveMinimum: 0,
    },
    "cache-path": {
      description:
        "Folder (repository-relative) where every result is stored by its content key and reused in pr mode while " +
        "younger than cache-max-age-hours; baseline runs never reuse, but write. Default: off (the CLI uses " +
        ".skillbench/cache).",
      type: "string",
      pattern: GLOB_PATTERN,
      patternErrorMessage: "must be a repository-relative path: no leading '/' and no '..' segment",
      minLength: 1,
    },
    "cache-max-age-hours": {
      description: "How old (hours) a stored result may be and still be reused in pr mode.",
      type: "number",
      exclusiveMinimum: 0,
      default: CONFIG_DEFAULTS.cacheMaxAgeHours,
    },
    batch: {
      description:
        "Send generations and judgements as Message Batches, at half the input and output price. auto: on in " +
        "baseline mode when the run makes 20 or more calls. Unfinished entries run synchronously after " +
        "batch-timeout-minutes; a gateway without the batches endpoint (404) gets synchronous calls, with a notice.",
      type: "string",
      enum: [...BATCH_MODES],
      default: CONFIG_DEFAULTS.batch,
    },
    "batch-timeout-minutes": {
      description:
        "How long (minutes, from the first batch's creation) batches may run; then the batch is cancelled and what " +
        "is unfinished runs synchronously.",
      type: "number",
      exclusiveMinimum: 0,
      default: CONFIG_DEFAULTS.batchTimeoutMinutes,
    },
    "fail-on-inconclusive": {
      description:
        "An inconclusive verdict (too few judged pairs, no usable baseline, an interval too wide to decide) fails " +
        "the check in pr mode. Default false: it passes with a warning.",
      type: "boolean",
      default: CONFIG_DEFAULTS.failOnInconclusive,
    },
    correction: {
      description:
        "Multiplicity correction over every (skill, model, gated metric) tested in a run: benjamini-hochberg " +
        "(false discovery rate) or holm (family-wise error rate, stricter).",
      type: "string",
      enum: [...CORRECTIONS],
      default: CONFIG_DEFAULTS.correction,
    },
    compare: {
      description:
        "Where a pull request's base side comes from. baseline: the scores stored by the last baseline run. " +
        "rejudge: the outputs stored on the baseline branch are judged again in the same job as the head's " +
        "(judge drift cancels; about 2x the judge calls). rerun: the skill as it is on the base commit is also " +
        "generated and judged in the same job (judge and model drift cancel; about 2x the calls).",
      type: "string",
      enum: [...COMPARE_MODES],
      default: CONFIG_DEFAULTS.compare,
    },
    control: controlKey(
      "without-skill: also run every case with no skill (the bare input, no system prompt, no tool), judged the same " +
        "way, and report the skill's uplift per model (advisory, never gates). A benchmark's own control wins.",
      CONFIG_DEFAULTS.control,
    ),
    thresholds: {
      description: "How much worse a pull request may be before it counts as a regression.",
      type: "object",
      additionalProperties: false,
      properties: {
        quality: {
          description: "Points (0-100) a model's mean quality may drop.",
          type: "number",
          minimum: 0,
          maximum: 100,
          default: CONFIG_DEFAULTS.thresholds.quality,
        },
        dimension: {
          description: "Points (0-100) any RAGAS dimension may drop.",
          type: "number",
          minimum: 0,
          maximum: 100,
          default: CONFIG_DEFAULTS.thresholds.dimension,
        },
        cost: {
          description: "Percent the mean cost per case may rise.",
          type: "number",
          minimum: 0,
          default: CONFIG_DEFAULTS.thresholds.cost,
        },
        errors: {
          description:
            "Percent of a model's pairs (cases) that may fail or go unjudged before the model counts as regressed, " +
            "with or without a baseline. 0: any failed pair fails the check.",
          type: "number",
          minimum: 0,
          maximum: 100,
          default: CONFIG_DEFAULTS.thresholds.errors,
        },
        "pass-rate": {
          description:
            "Points (0-100) the expectation pass rate or the check pass rate (per-case share of graded expectations " +
            "or deterministic checks that passed) may drop; tested per case like quality.",
          type: "number",
          minimum: 0,
          maximum: 100,
          default: CONFIG_DEFAULTS.thresholds.passRate,
        },
      },
    },
    baseline: {
      description: "Where baselines and trend history are kept.",
      type: "object",
      additionalProperties: false,
      properties: {
        branch: {
          type: "string",
          pattern: BRANCH_PATTERN,
          patternErrorMessage: BRANCH_MESSAGE,
          default: CONFIG_DEFAULTS.baselineBranch,
        },
        "stale-after-days": {
          description: "Baseline entries older than this are flagged as stale in the report.",
          type: "integer",
          minimum: 1,
          default: CONFIG_DEFAULTS.staleAfterDays,
        },
        "max-age-hours": {
          description:
            "Baseline entries older than this make the verdict say so, and a drop within the drift seen between " +
            "nightly baselines is then inconclusive rather than regressed. Unset: no limit.",
          type: "number",
          exclusiveMinimum: 0,
        },
        "history-limit": {
          description: "Trend history points kept per skill (oldest dropped first).",
          type: "integer",
          minimum: 1,
          default: CONFIG_DEFAULTS.historyLimit,
        },
      },
    },
    sampling: {
      description: "Sampling parameters per model, sent only for the models listed (newer models reject them).",
      type: "object",
      propertyNames: modelId,
      additionalProperties: {
        type: "object",
        additionalProperties: false,
        properties: {
          temperature: samplingValue("0 to 1."),
          top_p: samplingValue("Nucleus sampling, 0 to 1."),
          top_k: { description: "Sample only from the top K tokens.", type: "integer", minimum: 1 },
        },
      },
    },
    api: {
      description: "Anthropic API connection settings.",
      type: "object",
      additionalProperties: false,
      properties: {
        "base-url": {
          description: "Base URL of the Messages API (e.g. a proxy).",
          type: "string",
          pattern: "^https?://\\S+$",
          patternErrorMessage: "must be an http:// or https:// URL",
        },
        "max-retries": {
          description: "Retries of a failed model call (rate limits, overload, server errors).",
          type: "integer",
          ...LIMITS.maxRetries,
          default: CONFIG_DEFAULTS.apiMaxRetries,
        },
        "timeout-seconds": {
          description: "Timeout of one model call.",
          type: "number",
          exclusiveMinimum: 0,
          maximum: LIMITS.timeoutSeconds.maximum,
          default: CONFIG_DEFAULTS.apiTimeoutSeconds,
        },
        "rate-limit-budget-seconds": {
          description:
            "How long one model call keeps waiting out rate limits (429 with retry-after) before it fails; " +
            "these waits do not count against max-retries.",
          type: "number",
          minimum: 0,
          maximum: 86_400,
          default: CONFIG_DEFAULTS.apiRateLimitBudgetSeconds,
        },
      },
    },
    pricing: {
      description: "USD per million tokens per model id; extends or overrides the built-in price table.",
      type: "object",
      propertyNames: modelId,
      additionalProperties: price,
    },
    limits: {
      description: "Size caps of the files read from the repository, checked before reading (bytes).",
      type: "object",
      additionalProperties: false,
      properties: {
        "skill-bytes": {
          description: "Largest skill file (SKILL.md or prompt file).",
          type: "integer",
          ...LIMITS.fileBytes,
          default: CONFIG_DEFAULTS.limits.skillBytes,
        },
        "benchmark-bytes": {
          description: "Largest benchmark file.",
          type: "integer",
          ...LIMITS.fileBytes,
          default: CONFIG_DEFAULTS.limits.benchmarkBytes,
        },
        "input-bytes": {
          description: "Largest input of one benchmark case (UTF-8 bytes).",
          type: "integer",
          ...LIMITS.inputBytes,
          default: CONFIG_DEFAULTS.limits.inputBytes,
        },
      },
    },
  },
} as const;

export const BENCHMARK_SCHEMA = {
  $schema: "http://json-schema.org/draft-07/schema#",
  title: "skillbench benchmark",
  description: "The test cases of one skill.",
  type: "object",
  additionalProperties: false,
  required: ["skill", "cases"],
  properties: {
    skill: {
      description: "Path of the skill file (SKILL.md or a .md/.txt prompt) from the repository root.",
      type: "string",
      minLength: 1,
    },
    models: modelList("Models for this skill; overrides the config's list."),
    control: controlKey("without-skill: also run this benchmark's cases with no skill and report the uplift; none: not. Overrides the config's control."),
    assert: assertList("Deterministic checks run on every case's output, before each case's own."),
    triggers: {
      description:
        "Queries an agent should (and should not) answer by invoking this skill from the repository's skill catalogue " +
        "(name and description of every skill), sent trigger-samples times to each model.",
      type: "object",
      additionalProperties: false,
      properties: {
        should: triggerQueries("Queries that should make the model invoke this skill."),
        "should-not": triggerQueries("Queries that should not make the model invoke this skill (near misses)."),
      },
    },
    cases: {
      type: "array",
      minItems: 1,
      items: {
        type: "object",
        additionalProperties: false,
        required: ["input"],
        properties: {
          id: {
            description: "Stable id; by default derived from the input's first words and its hash.",
            type: "string",
            maxLength: 100,
            pattern: CASE_ID_PATTERN,
            patternErrorMessage: CASE_ID_MESSAGE,
          },
          input: {
            description: "The user message the skill is run on.",
            type: "string",
            pattern: "\\S",
            patternErrorMessage: "must not be empty",
          },
          expected: { description: "Optional reference answer.", type: ["string", "null"] },
          expectations: {
            description: "Statements a good answer satisfies; the judge grades each as passed or failed, with evidence.",
            type: "array",
            items: { type: "string", pattern: "\\S", patternErrorMessage: "must not be empty" },
          },
          assert: assertList("Deterministic checks of this case's output (no model): type and value."),
        },
      },
    },
  },
} as const;

/** A list of trigger queries: non-empty, distinct strings. */
function triggerQueries(description: string) {
  return {
    description,
    type: "array",
    uniqueItems: true,
    items: { type: "string", pattern: "\\S", patternErrorMessage: "must not be empty" },
  } as const;
}

/** A benchmark's or a case's `assert:` list; each value is checked against its type in src/checks.ts. */
function assertList(description: string) {
  return {
    description,
    type: "array",
    items: {
      type: "object",
      additionalProperties: false,
      required: ["type"],
      properties: {
        type: { description: "The check.", type: "string", enum: [...CHECK_TYPES] },
        value: {
          description:
            "What it checks against: a string (contains, icontains, not-contains, equals, starts-with, files-read), " +
            "a regular expression (regex, not-regex), a number (max-length, min-length in characters, max-cost-usd, " +
            "max-latency-ms), a JSON Schema (json-schema); none for is-json.",
        },
      },
    },
  } as const;
}

/** Anthropic skill-creator's `<skill>/evals/evals.json`; `assertions` is agentskills.io's name for `expectations`. */
export const EVALS_SCHEMA = {
  $schema: "http://json-schema.org/draft-07/schema#",
  type: "object",
  required: ["evals"],
  properties: {
    skill_name: { type: "string" },
    evals: {
      type: "array",
      minItems: 1,
      items: {
        type: "object",
        required: ["id", "prompt"],
        properties: {
          id: { type: ["integer", "string"] },
          prompt: { type: "string", pattern: "\\S", patternErrorMessage: "must not be empty" },
          expected_output: { type: ["string", "null"] },
          files: { type: "array", items: { type: "string", minLength: 1 } },
          expectations: { type: "array", items: { type: "string", minLength: 1 } },
          assertions: { type: "array", items: { type: "string", minLength: 1 } },
        },
      },
    },
  },
} as const;

/** Agent Skills frontmatter. The name rules that need their own sentences are checked in src/skills.ts. */
export const SKILL_FRONTMATTER_SCHEMA = {
  $schema: "http://json-schema.org/draft-07/schema#",
  type: "object",
  additionalProperties: false,
  required: ["name", "description"],
  properties: {
    name: { type: "string", maxLength: 64 },
    description: {
      type: "string",
      minLength: 1,
      maxLength: 1024,
      pattern: "^[^<>]*$",
      patternErrorMessage: "must not contain < or >",
    },
    license: { type: "string" },
    "allowed-tools": { type: ["string", "array"], items: { type: "string" } },
    metadata: { type: "object" },
    compatibility: { type: "string", minLength: 1, maxLength: 500 },
  },
} as const;

/** The published schema files: repository-relative path to exact file content. */
export function schemaFiles(): Record<string, string> {
  const render = (schema: object) => `${JSON.stringify(schema, null, 2)}\n`;
  return {
    "schema/skillbench.schema.json": render(SKILLBENCH_SCHEMA),
    "schema/benchmark.schema.json": render(BENCHMARK_SCHEMA),
    "schema/skill-creator-benchmark.schema.json": render(SKILL_CREATOR_BENCHMARK_SCHEMA),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Located validation of YAML documents

/** A parsed YAML text and what is needed to turn a path inside it into a file position. */
export interface YamlSource {
  /** Repository-relative file the YAML came from. */
  file: string;
  doc: Document.Parsed;
  lineCounter: LineCounter;
  /** Lines of the file before the YAML text (SKILL.md frontmatter starts on line 2). */
  lineOffset: number;
}

/** A path inside a YAML document: mapping keys and sequence indices. */
export type YamlPath = readonly (string | number)[];

export interface ParsedYaml {
  source: YamlSource;
  /** The document as plain data; null for an empty document; undefined when it has syntax errors. */
  value: unknown;
  issues: InputIssue[];
}

/** Uses of aliases a document may make when converted to data; more is an alias bomb ("billion laughs"). */
export const MAX_YAML_ALIASES = 100;

/**
 * What each YAML error code means, in our words. The yaml library's own messages are not used: some quote the
 * file's text (tags, escapes, directives), and a file that is not YAML at all (a symlinked secret) must never have
 * its content echoed into an error, an annotation or a log.
 */
const YAML_ERRORS: Record<ErrorCode, string> = {
  ALIAS_PROPS: "an alias cannot have an anchor or a tag",
  BAD_ALIAS: "an alias (*name) is malformed or names no anchor defined before it",
  BAD_DIRECTIVE: "a % directive is malformed",
  BAD_DQ_ESCAPE: 'an escape sequence in a "double-quoted" string is invalid',
  BAD_INDENT: "bad indentation, or a [list] or {mapping} that is not closed",
  BAD_PROP_ORDER: "an anchor or a tag is in the wrong place",
  BAD_SCALAR_START: "a plain value starts with a reserved character (quote the value)",
  BLOCK_AS_IMPLICIT_KEY: "a nested mapping on one line (quote the value if it contains ': ')",
  BLOCK_IN_FLOW: "a block value inside a [list] or {mapping} written on one line",
  DUPLICATE_KEY: "a key appears twice in the same mapping",
  IMPOSSIBLE: "the YAML cannot be parsed",
  KEY_OVER_1024_CHARS: "an implicit key is longer than 1024 characters",
  MISSING_CHAR: "a closing quote or bracket, a comma or a space after ':' is missing",
  MULTILINE_IMPLICIT_KEY: "a key spans several lines (quote it, or check the indentation)",
  MULTIPLE_ANCHORS: "a node has more than one anchor",
  MULTIPLE_DOCS: "the file holds more than one YAML document (---)",
  MULTIPLE_TAGS: "a node has more than one tag",
  NON_STRING_KEY: "a key is not a string",
  RESOURCE_EXHAUSTION: `aliases expand too much (more than ${MAX_YAML_ALIASES} alias uses): refused as an alias bomb`,
  TAB_AS_INDENT: "a tab is used for indentation (use spaces)",
  TAG_RESOLVE_FAILED: "a !tag is not supported",
  UNEXPECTED_TOKEN: "unexpected characters (check quoting and indentation)",
  BAD_COLLECTION_TYPE: "a !tag does not fit the kind of value it is on",
};

/** Parses YAML text, reporting syntax errors (and duplicate keys, alias bombs) as issues with their position. */
export function parseYaml(file: string, text: string, lineOffset = 0): ParsedYaml {
  const lineCounter = new LineCounter();
  // prettyErrors off: its messages carry a frame of the file's text, which must not leave in an error.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const source: YamlSource = { file, doc, lineCounter, lineOffset };
  const located = (offset: number, message: string): InputIssue => {
    const at = lineCounter.linePos(offset);
    return { file, line: at.line + lineOffset, column: at.col, field: "", message };
  };
  if (doc.errors.length > 0) {
    const issues = doc.errors.map((error) =>
      located(error.pos[0], `YAML syntax error: ${YAML_ERRORS[error.code] ?? YAML_ERRORS.IMPOSSIBLE}`),
    );
    return { source, value: undefined, issues };
  }
  try {
    return { source, value: doc.toJS({ maxAliasCount: MAX_YAML_ALIASES }) as unknown, issues: [] };
  } catch (error) {
    // The yaml library throws (rather than reports) when aliases expand past maxAliasCount.
    const bomb = error instanceof Error && /alias/i.test(error.message);
    const message = bomb ? YAML_ERRORS.RESOURCE_EXHAUSTION : YAML_ERRORS.IMPOSSIBLE;
    return { source, value: undefined, issues: [located(firstAliasOffset(doc) ?? 0, `YAML error: ${message}`)] };
  }
}

/** Where the first alias of a document is, to point an alias-bomb issue at it. */
function firstAliasOffset(doc: Document.Parsed): number | null {
  let offset: number | null = null;
  visit(doc, {
    Alias(_key, node) {
      offset = node.range?.[0] ?? null;
      return visit.BREAK;
    },
  });
  return offset;
}

interface YamlNodeLike {
  range?: [number, number, number] | null;
}

/** The key and value nodes at a path; missing parts are null. */
function nodesAt(source: YamlSource, path: YamlPath): { key: unknown; value: unknown; parent: unknown } {
  let parent: unknown = null;
  let key: unknown = null;
  let value: unknown = source.doc.contents;
  for (const step of path) {
    if (isAlias(value)) value = value.resolve(source.doc);
    parent = value;
    if (isMap(value)) {
      const pair = value.items.find((item) => keyText(item.key) === String(step));
      if (!pair) return { key: null, value: null, parent };
      key = pair.key;
      value = pair.value;
    } else if (isSeq(value) && typeof step === "number") {
      key = null;
      value = value.items[step] ?? null;
      if (value === null) return { key: null, value: null, parent };
    } else {
      return { key: null, value: null, parent };
    }
  }
  return { key, value, parent };
}

function keyText(key: unknown): string {
  if (isScalar(key)) return String(key.value);
  return String(key);
}

function offsetOf(node: unknown): number | null {
  const range = (node as YamlNodeLike | null)?.range;
  return range ? range[0] : null;
}

/**
 * 1-based position of a path: of its key when `at` is "key", else of its value (falling back to the key when the
 * value is empty, then to the nearest enclosing node that exists).
 */
export function positionOf(
  source: YamlSource,
  path: YamlPath,
  at: "key" | "value" = "value",
): { line: number; column: number } {
  for (let length = path.length; length >= 0; length--) {
    const nodes = nodesAt(source, path.slice(0, length));
    const candidates = at === "key" && length === path.length ? [nodes.key, nodes.value] : [nodes.value, nodes.key];
    for (const node of candidates) {
      const offset = offsetOf(node);
      if (offset !== null) {
        const { line, col } = source.lineCounter.linePos(offset);
        return { line: line + source.lineOffset, column: col };
      }
    }
  }
  return { line: 1 + source.lineOffset, column: 1 };
}

/** Dotted field name: `thresholds.quality`, `cases[2].input`, `pricing["my.model"].input`. */
export function fieldOf(path: YamlPath): string {
  let out = "";
  for (const step of path) {
    if (typeof step === "number") out += `[${step}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(step)) out += out ? `.${step}` : step;
    else out += `[${JSON.stringify(step)}]`;
  }
  return out;
}

/** An issue located at a path of the YAML source. */
export function issueAt(source: YamlSource, path: YamlPath, message: string, at: "key" | "value" = "value"): InputIssue {
  const { line, column } = positionOf(source, path, at);
  return { file: source.file, line, column, field: fieldOf(path), message };
}

let ajv: Ajv | null = null;
const validators = new Map<object, ValidateFunction>();

function validatorFor(schema: object): ValidateFunction {
  let validate = validators.get(schema);
  if (!validate) {
    if (!ajv) {
      ajv = new Ajv({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true });
      ajv.addKeyword({ keyword: "patternErrorMessage", schemaType: "string" });
    }
    validate = ajv.compile(schema);
    validators.set(schema, validate);
  }
  return validate;
}

/** Validates plain data read from `source` against a schema; every violation becomes a located issue. */
export function validateYaml(source: YamlSource, schema: object, value: unknown): InputIssue[] {
  const validate = validatorFor(schema);
  if (validate(value)) return [];
  const issues: InputIssue[] = [];
  for (const error of validate.errors ?? []) {
    const issue = issueFromAjv(source, error, value);
    if (issue) issues.push(issue);
  }
  return sortIssues(issues);
}

function pathOf(instancePath: string, value: unknown): (string | number)[] {
  if (!instancePath) return [];
  const steps: (string | number)[] = [];
  let node = value;
  for (const raw of instancePath.split("/").slice(1)) {
    const step = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(node)) {
      const index = Number(step);
      steps.push(index);
      node = node[index];
    } else {
      steps.push(step);
      node = node && typeof node === "object" ? (node as Record<string, unknown>)[step] : undefined;
    }
  }
  return steps;
}

interface SchemaNode {
  properties?: Record<string, unknown>;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  patternErrorMessage?: string;
}

function issueFromAjv(source: YamlSource, error: ErrorObject, value: unknown): InputIssue | null {
  const path = pathOf(error.instancePath, value);
  const parentSchema = (error.parentSchema ?? {}) as SchemaNode;
  const params = error.params as Record<string, unknown>;
  const data = error.data;
  switch (error.keyword) {
    case "additionalProperties": {
      const key = String(params["additionalProperty"]);
      const allowed = Object.keys(parentSchema.properties ?? {});
      return issueAt(source, [...path, key], `unknown key "${key}"${hintFor(key, allowed)}`, "key");
    }
    case "required": {
      const key = String(params["missingProperty"]);
      const issue = issueAt(source, path, `missing required key "${key}"`);
      return { ...issue, field: fieldOf([...path, key]) };
    }
    case "propertyNames":
      return null; // the failing keyword inside propertyNames is reported with the key's position
    case "type":
      // A whole document of the wrong type is usually a file that is not YAML at all: never quote it.
      return issueAt(
        source,
        path,
        `must be ${describeTypes(error.schema)}, not ${path.length === 0 ? describeKind(data) : describeValue(data)}`,
      );
    case "enum": {
      const allowed = (parentSchema.enum ?? []).map(String);
      const hint = typeof data === "string" ? hintFor(data, allowed, false) : "";
      return issueAt(source, path, `must be one of ${allowed.join(", ")}, not ${describeValue(data)}${hint}`);
    }
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum":
      return issueAt(source, path, `${rangeMessage(parentSchema)}, not ${String(data)}`);
    case "minLength":
      return issueAt(
        source,
        path,
        error.schema === 1 ? "must not be empty" : `must be at least ${String(error.schema)} characters long`,
      );
    case "maxLength":
      return issueAt(
        source,
        path,
        `must be at most ${String(error.schema)} characters long (it has ${typeof data === "string" ? [...data].length : "?"})`,
      );
    case "minItems":
      return issueAt(source, path, error.schema === 1 ? "must list at least one item" : `must list at least ${String(error.schema)} items`);
    case "uniqueItems": {
      const later = Math.max(Number(params["i"]), Number(params["j"]));
      const item = Array.isArray(data) ? (data[later] as unknown) : undefined;
      return issueAt(source, [...path, later], `${describeValue(item)} is listed more than once`);
    }
    case "pattern": {
      const message = parentSchema.patternErrorMessage ?? `must match the pattern ${String(error.schema)}`;
      if (error.propertyName !== undefined) {
        return issueAt(source, [...path, error.propertyName], `key "${error.propertyName}" ${message}`, "key");
      }
      return issueAt(source, path, message);
    }
    default:
      return issueAt(source, path, error.message ?? `is invalid (${error.keyword})`);
  }
}

function rangeMessage(schema: SchemaNode): string {
  const low =
    schema.minimum !== undefined
      ? { value: schema.minimum, strict: false }
      : schema.exclusiveMinimum !== undefined
        ? { value: schema.exclusiveMinimum, strict: true }
        : null;
  const high =
    schema.maximum !== undefined
      ? { value: schema.maximum, strict: false }
      : schema.exclusiveMaximum !== undefined
        ? { value: schema.exclusiveMaximum, strict: true }
        : null;
  if (low && high && !low.strict && !high.strict) return `must be from ${low.value} to ${high.value}`;
  const parts: string[] = [];
  if (low) parts.push(low.strict ? `greater than ${low.value}` : `at least ${low.value}`);
  if (high) parts.push(high.strict ? `less than ${high.value}` : `at most ${high.value}`);
  return `must be ${parts.join(" and ")}`;
}

const TYPE_NAMES: Record<string, string> = {
  string: "a string",
  number: "a number",
  integer: "a whole number",
  boolean: "true or false",
  object: "a mapping (key: value)",
  array: "a list",
  null: "empty",
};

function describeTypes(types: unknown): string {
  const list = Array.isArray(types) ? types.map(String) : [String(types)];
  return list.map((type) => TYPE_NAMES[type] ?? type).join(" or ");
}

/** The kind of a value without its content: "text", "a list", "a number". */
function describeKind(value: unknown): string {
  if (typeof value === "string") return "text";
  if (typeof value === "number") return "a number";
  if (typeof value === "boolean") return "true or false";
  return describeValue(value);
}

/** A short description of a YAML value for messages; long strings are cut. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return "empty";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") {
    const shown = value.length > 40 ? `${value.slice(0, 40)}...` : value;
    return `the string ${JSON.stringify(shown)}`;
  }
  return String(value);
}

/** Orders issues by file position (issues without a line last), keeping the original order among equals. */
export function sortIssues(issues: InputIssue[]): InputIssue[] {
  return issues
    .map((issue, index) => ({ issue, index }))
    .sort(
      (a, b) =>
        (a.issue.line ?? Infinity) - (b.issue.line ?? Infinity) ||
        (a.issue.column ?? 0) - (b.issue.column ?? 0) ||
        a.index - b.index,
    )
    .map(({ issue }) => issue);
}

// ---------------------------------------------------------------------------------------------------------
// "Did you mean" hints

/** `; did you mean "cases"?` when an allowed word is close to the typo, else optionally the allowed keys. */
export function hintFor(word: string, allowed: readonly string[], listAllowed = true): string {
  const close = closest(word, allowed);
  if (close) return `; did you mean "${close}"?`;
  return listAllowed && allowed.length > 0 ? `; allowed keys: ${allowed.join(", ")}` : "";
}

function closest(word: string, allowed: readonly string[]): string | null {
  const kebab = word
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .replace(/_/g, "-")
    .toLowerCase();
  let best: { word: string; distance: number } | null = null;
  for (const candidate of allowed) {
    const distance = kebab === candidate ? 0 : editDistance(word.toLowerCase(), candidate);
    if (distance <= 2 && distance < candidate.length && (!best || distance < best.distance)) {
      best = { word: candidate, distance };
    }
  }
  return best?.word ?? null;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps cost 1. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  // One flat row-major table keeps the indexing free of undefined checks.
  const d = new Array<number>(rows * cols).fill(0);
  const at = (i: number, j: number) => d[i * cols + j] ?? 0;
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, at(i - 2, j - 2) + 1);
      d[i * cols + j] = value;
    }
  }
  return at(a.length, b.length);
}
