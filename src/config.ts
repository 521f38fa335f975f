// Turns skillbench.yml, the CLI flags / action inputs that override it, the benchmark files and the skills they
// name into one validated Project. Every problem found anywhere is collected and thrown as one InputError.
import path from "node:path";
import { readChecks } from "./checks.js";
import { formatIssue, InputError, messageOf, type InputIssue } from "./errors.js";
import { COMMIT_ID, ensureCommit, type GitRunner } from "./git.js";
import { expandBraces, findFiles, type GlobRefusal } from "./glob.js";
import { contentHash, sha256Hex } from "./hash.js";
import { BUILTIN_PRICING, checkModelId, tierFromRates } from "./pricing.js";
import { formatBytes, RepoFiles } from "./repo-files.js";
import {
  BENCHMARK_SCHEMA,
  BRANCH_MESSAGE,
  BRANCH_PATTERN,
  CONFIG_DEFAULTS,
  CONFIG_FILE_MAX_BYTES,
  EVALS_SCHEMA,
  GLOB_PATTERN,
  issueAt,
  LIMITS,
  MODEL_ID_MESSAGE,
  MODEL_ID_PATTERN,
  parseYaml,
  positionOf,
  SKILLBENCH_SCHEMA,
  sortIssues,
  validateYaml,
  type YamlSource,
} from "./schemas.js";
import { AGENT_SKILL_FILE, EVALS_FILE, readSkill, repoRelativePath } from "./skills.js";
import {
  isOneOf,
  CORRECTIONS,
  GATES,
  COMPARE_MODES,
  BATCH_MODES,
  CONTROLS,
  type BatchMode,
  type CompareMode,
  type Control,
  type BaseConfigStatus,
  type Benchmark,
  type BenchmarkCase,
  type Config,
  type ConfigChanges,
  type ConfigKeyChange,
  type ConfigValue,
  type Price,
  type PriceTier,
  type Project,
  type SamplingParams,
  type Skill,
  type TriggerSpec,
  type CatalogueEntry,
} from "./types.js";

export type OverrideKey =
  | "models"
  | "judgeModel"
  | "concurrency"
  | "baselineBranch"
  | "apiBaseUrl"
  | "maxTokens"
  | "samples"
  | "judgeSamples"
  | "maxSamples"
  | "triggerSamples"
  | "adaptive"

  | "failOnInconclusive"
  | "maxCostUsd"
  | "cachePath"
  | "cacheMaxAgeHours"
  | "batch"
  | "batchTimeoutMinutes"
  | "compare"
  | "control";
/** Raw strings from CLI flags or action inputs, with the name to blame in messages ("--concurrency", "input max-concurrency"). */
export type Overrides = Partial<Record<OverrideKey, { value: string; source: string }>>;

export const DEFAULT_CONFIG_PATH = "skillbench.yml";
/** Read instead of skillbench.yml when only it exists. */
export const ALTERNATE_CONFIG_PATH = "skillbench.yaml";

export interface LoadOptions {
  /** Repository-relative path of the config file; default skillbench.yml, which may be absent. */
  configPath?: string;
  overrides?: Overrides;
  /** The built-in price table, merged under the config's `pricing`; default BUILTIN_PRICING. */
  pricing?: Record<string, Price>;
  /** Only these repository-relative files may be read (the action passes what git tracks); default: any. */
  tracked?: ReadonlySet<string> | null;
  /** Tolerated Agent Skills deviations are errors (`validate --strict`), whatever the config's `strict` says. */
  strict?: boolean;
}

const MODEL_ID = new RegExp(MODEL_ID_PATTERN, "u");
const BRANCH = new RegExp(BRANCH_PATTERN, "u");
const GLOB = new RegExp(GLOB_PATTERN, "u");

// ---------------------------------------------------------------------------------------------------------
// skillbench.yml as written (kebab-case keys). Only read after the schema accepted it.

interface RawPriceTier {
  input: number;
  output: number;
  "cache-write"?: number;
  "cache-write-1h"?: number;
  "cache-read"?: number;
}

interface RawConfig {
  models?: string[];
  judge?: { model?: string; "max-tokens"?: number; pairwise?: boolean; samples?: number };
  compare?: string;
  control?: string;
  benchmarks?: string[];
  concurrency?: number;
  "max-tokens"?: number;
  samples?: number;
  adaptive?: boolean;
  "max-samples"?: number;
  gate?: string;
  "gate-dimensions"?: boolean;
  "fail-on-inconclusive"?: boolean;
  "max-cost-usd"?: number;
  "cache-path"?: string;
  "cache-max-age-hours"?: number;
  batch?: string;
  "batch-timeout-minutes"?: number;
  correction?: string;
  thresholds?: { quality?: number; dimension?: number; cost?: number; errors?: number; "pass-rate"?: number };
  baseline?: { branch?: string; "stale-after-days"?: number; "history-limit"?: number; "max-age-hours"?: number };
  sampling?: Record<string, SamplingParams>;
  api?: { "base-url"?: string; "max-retries"?: number; "timeout-seconds"?: number; "rate-limit-budget-seconds"?: number };
  pricing?: Record<string, RawPriceTier & { above?: RawPriceTier & { tokens: number } }>;
  limits?: { "skill-bytes"?: number; "benchmark-bytes"?: number; "input-bytes"?: number };
  strict?: boolean;
  "skill-dirs"?: string[];
  "max-turns"?: number;
  "trigger-samples"?: number;
}

interface OverrideValues {
  models?: string[];
  judgeModel?: string;
  concurrency?: number;
  baselineBranch?: string;
  apiBaseUrl?: string;
  maxTokens?: number;
  samples?: number;
  judgeSamples?: number;
  maxSamples?: number;
  triggerSamples?: number;
  adaptive?: boolean;
  failOnInconclusive?: boolean;
  maxCostUsd?: number;
  cachePath?: string;
  cacheMaxAgeHours?: number;
  batch?: BatchMode;
  batchTimeoutMinutes?: number;
  compare?: CompareMode;
  control?: Control;
}

interface ConfigRead {
  /** Null when there are issues. */
  config: Config | null;
  /** Globs to find benchmarks with, usable even when the config has issues elsewhere. */
  benchmarkGlobs: string[];
  /** The config file that was read (never a benchmark, whatever the globs say). */
  configPath: string | null;
  /** The parsed config file, to locate later issues (model ids, globs) in it; null without a file. */
  source: YamlSource | null;
  /** The parsed config as written, when it is a mapping (for model id checks while it has other issues). */
  raw: RawConfig | null;
  /** Size caps, usable even when the config has issues elsewhere (defaults for the broken ones). */
  limits: Config["limits"];
  overrides: Overrides;
  issues: InputIssue[];
}

/** Loads skillbench.yml and the overrides into a validated Config. Throws InputError listing every problem. */
export async function loadConfig(root: string, options: LoadOptions = {}): Promise<Config> {
  const read = await readConfig(await openRepo(root, options.tracked), options);
  if (!read.config) throw new InputError(read.issues);
  return read.config;
}

/** The repository's files; a root that cannot be resolved is an input problem, not a crash. */
async function openRepo(root: string, tracked: ReadonlySet<string> | null = null): Promise<RepoFiles> {
  try {
    return await RepoFiles.open(root, { tracked });
  } catch (error) {
    throw new InputError([
      { file: root, line: null, column: null, field: "", message: `the repository folder cannot be opened: ${messageOf(error)}` },
    ]);
  }
}

async function readConfig(repo: RepoFiles, options: LoadOptions): Promise<ConfigRead> {
  const { root } = repo;
  const issues: InputIssue[] = [];
  const given = options.configPath ?? DEFAULT_CONFIG_PATH;
  const relative = repoRelativePath(
    path.isAbsolute(given) ? path.relative(root, given).split(path.sep).join("/") : given,
  );
  let configPath: string | null = null;
  let source: YamlSource | null = null;
  let raw: unknown = null;
  if ("problem" in relative) {
    issues.push({ file: given, line: null, column: null, field: "", message: `config file: ${relative.problem}` });
  } else {
    if (relative.path === DEFAULT_CONFIG_PATH) {
      const [yml, yaml] = await Promise.all([repo.resolve(DEFAULT_CONFIG_PATH), repo.resolve(ALTERNATE_CONFIG_PATH)]);
      if (!yml.ok && yml.kind === "missing" && yaml.ok) relative.path = ALTERNATE_CONFIG_PATH;
    }
    const read = await repo.readText(relative.path, {
      maxBytes: CONFIG_FILE_MAX_BYTES,
      limitName: "the fixed limit for a config file",
    });
    if (read.ok) {
      configPath = relative.path;
      const parsed = parseYaml(relative.path, read.text);
      source = parsed.source;
      issues.push(...parsed.issues);
      if (parsed.value !== undefined && parsed.value !== null) {
        raw = parsed.value;
        issues.push(...validateYaml(parsed.source, SKILLBENCH_SCHEMA, raw));
        issues.push(...urlIssues(parsed.source, raw), ...globIssues(parsed.source, raw));
      }
    } else if (read.kind === "missing" && relative.path === DEFAULT_CONFIG_PATH) {
      // No skillbench.yml at the default place: every key takes its default.
    } else {
      issues.push({
        file: relative.path,
        line: read.line,
        column: read.line === null ? null : 1,
        field: "",
        message: `the config file ${read.problem}`,
      });
    }
  }
  const overrides = parseOverrides(options.overrides ?? {});
  issues.push(...overrides.issues);
  const benchmarkGlobs = safeGlobs(raw);
  const mapping = raw && typeof raw === "object" && !Array.isArray(raw) ? (raw as RawConfig) : null;
  const limits = safeLimits(mapping);
  const common = { benchmarkGlobs, configPath, source, raw: mapping, limits, overrides: options.overrides ?? {} };
  if (issues.length > 0) return { config: null, ...common, issues: sortIssues(issues) };
  const config = buildConfig(root, configPath, (raw ?? {}) as RawConfig, overrides.values, options.pricing);
  return { config, ...common, issues };
}

/** The config's size caps where they are valid whole numbers in range, else the defaults. */
function safeLimits(raw: RawConfig | null): Config["limits"] {
  const limits = raw?.limits && typeof raw.limits === "object" ? raw.limits : {};
  const pick = (value: unknown, fallback: number, range: { minimum: number; maximum: number }) =>
    Number.isSafeInteger(value) && (value as number) >= range.minimum && (value as number) <= range.maximum
      ? (value as number)
      : fallback;
  const d = CONFIG_DEFAULTS.limits;
  return {
    skillBytes: pick(limits["skill-bytes"], d.skillBytes, LIMITS.fileBytes),
    benchmarkBytes: pick(limits["benchmark-bytes"], d.benchmarkBytes, LIMITS.fileBytes),
    inputBytes: pick(limits["input-bytes"], d.inputBytes, LIMITS.inputBytes),
  };
}

/** The schema only checks that base-url starts with http(s)://; this checks that the rest parses as a URL. */
function urlIssues(source: YamlSource, raw: unknown): InputIssue[] {
  const api = (raw as RawConfig).api;
  const url = api && typeof api === "object" ? api["base-url"] : undefined;
  if (typeof url !== "string" || !/^https?:\/\/\S+$/.test(url) || isHttpUrl(url)) return [];
  return [issueAt(source, ["api", "base-url"], "is not a valid URL")];
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

/** Globs whose braces expand into too many alternatives (the matcher refuses them). */
function globIssues(source: YamlSource, raw: unknown): InputIssue[] {
  const globs = (raw as RawConfig).benchmarks;
  if (!Array.isArray(globs)) return [];
  const issues: InputIssue[] = [];
  globs.forEach((glob, index) => {
    if (typeof glob !== "string") return;
    try {
      expandBraces(glob);
    } catch (error) {
      issues.push(issueAt(source, ["benchmarks", index], messageOf(error)));
    }
  });
  return issues;
}

/** The raw config's list under `key` when every entry is a glob the matcher takes, else null. */
function usableGlobs(raw: unknown, key: "benchmarks" | "skill-dirs"): string[] | null {
  const globs = raw && typeof raw === "object" ? (raw as Record<string, unknown>)[key] : undefined;
  const usable = (glob: unknown) => {
    if (typeof glob !== "string" || !GLOB.test(glob)) return false;
    try {
      expandBraces(glob);
      return true;
    } catch {
      return false;
    }
  };
  return Array.isArray(globs) && globs.every(usable) ? (globs as string[]) : null;
}

/** The config's globs when they are usable (so benchmarks are still checked while the config has issues). */
function safeGlobs(raw: unknown): string[] {
  const globs = usableGlobs(raw, "benchmarks");
  return globs && globs.length > 0 ? globs : [...CONFIG_DEFAULTS.benchmarks];
}

/** The config's skill-dirs when they are usable, else the defaults (discovery still runs while the config has issues). */
function safeSkillDirs(raw: unknown): string[] {
  return usableGlobs(raw, "skill-dirs") ?? [...CONFIG_DEFAULTS.skillDirs];
}

/** The SKILL.md files a folder glob covers: `skills/**` finds `skills/**\/SKILL.md`. */
export function skillFileGlobs(dirs: readonly string[]): string[] {
  return dirs.map((dir) => {
    const trimmed = dir.replace(/\/+$/, "");
    return trimmed.endsWith(AGENT_SKILL_FILE) ? trimmed : `${trimmed}/${AGENT_SKILL_FILE}`;
  });
}

function parseOverrides(overrides: Overrides): { values: OverrideValues; issues: InputIssue[] } {
  const values: OverrideValues = {};
  const issues: InputIssue[] = [];
  const problem = (source: string, message: string) =>
    issues.push({ file: source, line: null, column: null, field: "", message });
  for (const [key, entry] of Object.entries(overrides) as [OverrideKey, { value: string; source: string }][]) {
    // Action inputs that were not set arrive as "": they mean "use the config".
    const text = entry.value.trim();
    if (text === "") continue;
    switch (key) {
      case "models": {
        const models = text.split(/[\s,]+/).filter((model) => model !== "");
        const bad = models.filter((model) => !MODEL_ID.test(model));
        const repeated = models.filter((model, index) => models.indexOf(model) !== index);
        if (bad.length > 0) problem(entry.source, `${bad.map((m) => `"${m}"`).join(", ")}: ${MODEL_ID_MESSAGE}`);
        else if (repeated.length > 0) problem(entry.source, `"${repeated[0]}" is listed more than once`);
        else values.models = models;
        break;
      }
      case "judgeModel":
        if (MODEL_ID.test(text)) values.judgeModel = text;
        else problem(entry.source, `"${text}" ${MODEL_ID_MESSAGE}`);
        break;
      case "baselineBranch":
        if (BRANCH.test(text)) values.baselineBranch = text;
        else problem(entry.source, `"${text}" ${BRANCH_MESSAGE}`);
        break;
      case "compare":
        if (isOneOf(COMPARE_MODES, text)) values.compare = text;
        else problem(entry.source, `must be one of ${COMPARE_MODES.join(", ")}, not "${text}"`);
        break;
      case "control":
        if (isOneOf(CONTROLS, text)) values.control = text;
        else problem(entry.source, `must be one of ${CONTROLS.join(", ")}, not "${text}"`);
        break;
      case "apiBaseUrl":
        // The value is not echoed: a proxy URL may carry credentials.
        if (isHttpUrl(text)) values.apiBaseUrl = text;
        else problem(entry.source, "must be an http:// or https:// URL");
        break;
      case "adaptive":
        if (/^(true|false)$/i.test(text)) values.adaptive = text.toLowerCase() === "true";
        else problem(entry.source, `must be true or false, not "${text}"`);
        break;
      case "failOnInconclusive":
        if (/^(true|false)$/i.test(text)) values.failOnInconclusive = text.toLowerCase() === "true";
        else problem(entry.source, `must be true or false, not "${text}"`);
        break;
      case "batch":
        if (isOneOf(BATCH_MODES, text)) values.batch = text;
        else problem(entry.source, `must be one of ${BATCH_MODES.join(", ")}, not "${text}"`);
        break;
      case "maxCostUsd":
      case "batchTimeoutMinutes":
      case "cacheMaxAgeHours": {
        const number = /^\+?(\d+(\.\d*)?|\.\d+)$/.test(text) ? Number(text) : Number.NaN;
        if (Number.isFinite(number) && number > 0) values[key] = number;
        else problem(entry.source, `must be a number greater than 0, not "${text}"`);
        break;
      }
      case "cachePath":
        // From a flag or the workflow (trusted): any path; the cache module keeps every file inside it.
        if (text.trim() !== "") values.cachePath = text;
        else problem(entry.source, "must be a folder path, not empty");
        break;
      case "concurrency":
      case "maxTokens":
      case "samples":
      case "judgeSamples":
      case "maxSamples":
      case "triggerSamples": {
        const { minimum, maximum } = LIMITS[key === "concurrency" || key === "maxTokens" ? key : "samples"];
        const number = /^\+?\d+$/.test(text) ? Number(text) : Number.NaN;
        if (Number.isSafeInteger(number) && number >= minimum && number <= maximum) values[key] = number;
        else problem(entry.source, `must be a whole number from ${minimum} to ${maximum}, not "${text}"`);
        break;
      }
    }
  }
  return { values, issues };
}

/** Rounds away binary noise from derived prices (0.1 x 3 = 0.30000000000000004). */
function roundPrice(value: number): number {
  return Math.round(value * 1e9) / 1e9;
}

function tierFromRaw(raw: RawPriceTier): PriceTier {
  const tier = tierFromRates(raw.input, raw.output, {
    ...(raw["cache-write"] !== undefined ? { cacheWrite5m: raw["cache-write"] } : {}),
    ...(raw["cache-write-1h"] !== undefined ? { cacheWrite1h: raw["cache-write-1h"] } : {}),
    ...(raw["cache-read"] !== undefined ? { cacheRead: raw["cache-read"] } : {}),
  });
  return {
    input: tier.input,
    output: tier.output,
    cacheWrite5m: roundPrice(tier.cacheWrite5m),
    cacheWrite1h: roundPrice(tier.cacheWrite1h),
    cacheRead: roundPrice(tier.cacheRead),
  };
}

function buildConfig(
  root: string,
  configPath: string | null,
  raw: RawConfig,
  overrides: OverrideValues,
  builtInPricing: Record<string, Price> | undefined,
): Config {
  const d = CONFIG_DEFAULTS;
  const pricing: Record<string, Price> = { ...(builtInPricing ?? BUILTIN_PRICING) };
  for (const [model, price] of Object.entries(raw.pricing ?? {})) {
    // A configured price replaces the built-in one entirely (including any higher tier): it is the user's truth.
    const { above } = price;
    pricing[model] = above ? { ...tierFromRaw(price), above: { tokens: above.tokens, ...tierFromRaw(above) } } : tierFromRaw(price);
  }
  const sampling: Record<string, SamplingParams> = {};
  for (const [model, params] of Object.entries(raw.sampling ?? {})) {
    const chosen: SamplingParams = {};
    if (params.temperature !== undefined) chosen.temperature = params.temperature;
    if (params.top_p !== undefined) chosen.top_p = params.top_p;
    if (params.top_k !== undefined) chosen.top_k = params.top_k;
    if (Object.keys(chosen).length > 0) sampling[model] = chosen;
  }
  const gate = raw.gate ?? d.gate;
  if (!isOneOf(GATES, gate)) throw new Error(`Internal error: the schema let through gate "${gate}".`);
  const correction = raw.correction ?? d.correction;
  if (!isOneOf(CORRECTIONS, correction)) throw new Error(`Internal error: the schema let through correction "${correction}".`);
  const batch = overrides.batch ?? raw.batch ?? d.batch;
  if (!isOneOf(BATCH_MODES, batch)) throw new Error(`Internal error: the schema let through batch "${batch}".`);
  const compare = overrides.compare ?? raw.compare ?? d.compare;
  if (!isOneOf(COMPARE_MODES, compare)) throw new Error(`Internal error: the schema let through compare "${compare}".`);
  const control = overrides.control ?? raw.control ?? d.control;
  if (!isOneOf(CONTROLS, control)) throw new Error(`Internal error: the schema let through control "${control}".`);
  return {
    root,
    configPath,
    models: [...(overrides.models ?? raw.models ?? d.models)],
    judge: {
      model: overrides.judgeModel ?? raw.judge?.model ?? d.judgeModel,
      maxTokens: raw.judge?.["max-tokens"] ?? d.judgeMaxTokens,
      samples: overrides.judgeSamples ?? raw.judge?.samples ?? d.judgeSamples,
      pairwise: raw.judge?.pairwise ?? d.judgePairwise,
    },
    compare,
    control,
    ...(overrides.control !== undefined ? { controlForced: true } : {}),
    benchmarks: [...(raw.benchmarks ?? d.benchmarks)],
    concurrency: overrides.concurrency ?? raw.concurrency ?? d.concurrency,
    maxTokens: overrides.maxTokens ?? raw["max-tokens"] ?? d.maxTokens,
    thresholds: {
      quality: raw.thresholds?.quality ?? d.thresholds.quality,
      dimension: raw.thresholds?.dimension ?? d.thresholds.dimension,
      cost: raw.thresholds?.cost ?? d.thresholds.cost,
      errors: raw.thresholds?.errors ?? d.thresholds.errors,
      passRate: raw.thresholds?.["pass-rate"] ?? d.thresholds.passRate,
    },
    gate,
    samples: overrides.samples ?? raw.samples ?? d.samples,
    adaptive: overrides.adaptive ?? raw.adaptive ?? null,
    maxSamples: overrides.maxSamples ?? raw["max-samples"] ?? d.maxSamples,
    gateDimensions: raw["gate-dimensions"] ?? d.gateDimensions,
    failOnInconclusive: overrides.failOnInconclusive ?? raw["fail-on-inconclusive"] ?? d.failOnInconclusive,
    maxCostUsd: overrides.maxCostUsd ?? raw["max-cost-usd"] ?? null,
    cachePath: overrides.cachePath ?? raw["cache-path"] ?? null,
    cacheMaxAgeHours: overrides.cacheMaxAgeHours ?? raw["cache-max-age-hours"] ?? d.cacheMaxAgeHours,
    batch,
    batchTimeoutMinutes: overrides.batchTimeoutMinutes ?? raw["batch-timeout-minutes"] ?? d.batchTimeoutMinutes,
    correction,
    baseline: {
      branch: overrides.baselineBranch ?? raw.baseline?.branch ?? d.baselineBranch,
      staleAfterDays: raw.baseline?.["stale-after-days"] ?? d.staleAfterDays,
      historyLimit: raw.baseline?.["history-limit"] ?? d.historyLimit,
      maxAgeHours: raw.baseline?.["max-age-hours"] ?? null,
    },
    pricing,
    sampling,
    api: {
      baseUrl: overrides.apiBaseUrl ?? raw.api?.["base-url"] ?? null,
      maxRetries: raw.api?.["max-retries"] ?? d.apiMaxRetries,
      timeoutMs: Math.round((raw.api?.["timeout-seconds"] ?? d.apiTimeoutSeconds) * 1000),
      rateLimitBudgetMs: Math.round((raw.api?.["rate-limit-budget-seconds"] ?? d.apiRateLimitBudgetSeconds) * 1000),
    },
    limits: safeLimits(raw),
    strict: raw.strict ?? d.strict,
    skillDirs: [...(raw["skill-dirs"] ?? d.skillDirs)],
    maxTurns: raw["max-turns"] ?? d.maxTurns,
    triggerSamples: overrides.triggerSamples ?? raw["trigger-samples"] ?? d.triggerSamples,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Benchmark files

/** Where a benchmark names its skill, for messages about that skill. */
interface SkillReference {
  skillPath: string;
  benchmark: string;
  source: YamlSource;
}

interface BenchmarkRead {
  benchmark: Benchmark | null;
  /** Read from a skill folder's evals/evals.json (it may sit beside a YAML benchmark of the same skill). */
  evals?: boolean;
  /** Located problems that do not stop the benchmark (evals.json's skill_name differs from the skill's). */
  warnings?: InputIssue[];
  reference: SkillReference | null;
  /** The parsed file and its `models` as written, to check them against the known ids; absent when it did not parse. */
  models?: { source: YamlSource; value: unknown };
  issues: InputIssue[];
}

interface RawCase {
  id?: unknown;
  input?: unknown;
  expected?: unknown;
  expectations?: unknown;
  assert?: unknown;
}

/** A readable id that stays the same while the input does: its first words and 6 hex digits of its hash. */
export function deriveCaseId(input: string): string {
  const words = input
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== "")
    .slice(0, 5);
  let slug = "";
  for (const word of words) {
    const next = slug ? `${slug}-${word}` : word;
    if (next.length > 40) break;
    slug = next;
  }
  if (!slug) slug = (words[0] ?? "case").slice(0, 40);
  return `${slug}-${sha256Hex(input).slice(0, 6)}`;
}

/** sha256 hex of JSON.stringify([input, expected ?? null]). */
export function caseHash(input: string, expected: string | null): string {
  return contentHash(input, expected);
}

async function readBenchmark(repo: RepoFiles, file: string, limits: Config["limits"]): Promise<BenchmarkRead> {
  const none = (issues: InputIssue[]): BenchmarkRead => ({ benchmark: null, reference: null, issues });
  const read = await repo.readText(file, {
    maxBytes: limits.benchmarkBytes,
    limitName: "the limit for a benchmark file (limits.benchmark-bytes)",
  });
  if (!read.ok) {
    return none([{ file, line: read.line, column: read.line === null ? null : 1, field: "", message: read.problem }]);
  }
  const parsed = parseYaml(file, read.text);
  if (parsed.value === undefined) return none(parsed.issues);
  if (parsed.value === null) {
    return none([{ file, line: 1, column: 1, field: "", message: 'is empty: a benchmark needs "skill" and "cases"' }]);
  }
  const { source, value } = parsed;
  const issues = validateYaml(source, BENCHMARK_SCHEMA, value);
  const raw = (typeof value === "object" && !Array.isArray(value) ? value : {}) as Record<string, unknown>;

  let reference: SkillReference | null = null;
  if (typeof raw["skill"] === "string" && raw["skill"] !== "") {
    const relative = repoRelativePath(raw["skill"]);
    if ("problem" in relative) issues.push(issueAt(source, ["skill"], relative.problem));
    else reference = { skillPath: relative.path, benchmark: file, source };
  }

  const cases: BenchmarkCase[] = [];
  const seen = new Map<string, { line: number; derived: boolean }>();
  const rawCases = Array.isArray(raw["cases"]) ? (raw["cases"] as unknown[]) : [];
  const shared = readChecks(source, ["assert"], raw["assert"]);
  issues.push(...shared.issues);
  rawCases.forEach((item, index) => {
    if (!item || typeof item !== "object") return;
    const { id, input, expected, expectations, assert } = item as RawCase;
    if (typeof input !== "string") return;
    const inputBytes = Buffer.byteLength(input, "utf8");
    if (inputBytes > limits.inputBytes) {
      issues.push(
        issueAt(
          source,
          ["cases", index, "input"],
          `is ${formatBytes(inputBytes)}, larger than ${formatBytes(limits.inputBytes)}, the limit for one input (limits.input-bytes)`,
        ),
      );
      return;
    }
    const derived = id === undefined;
    const caseId = typeof id === "string" ? id : deriveCaseId(input);
    const { line } = positionOf(source, ["cases", index]);
    const first = seen.get(caseId);
    if (first) {
      const message =
        derived && first.derived
          ? `repeats the input of the case on line ${first.line} (both get the id "${caseId}"); give one of them an explicit id`
          : `duplicate case id "${caseId}" (first used on line ${first.line})`;
      issues.push(issueAt(source, derived ? ["cases", index] : ["cases", index, "id"], message));
      return;
    }
    seen.set(caseId, { line, derived });
    const expectedText = typeof expected === "string" ? expected : null;
    // Expectations and checks stay out of the case hash: adding one keeps the case comparable with its baseline
    // (pass rates are compared per expectation and per check, over those both sides have).
    const own = readChecks(source, ["cases", index, "assert"], assert);
    issues.push(...own.issues);
    const checks = [...shared.checks, ...own.checks];
    const graded = Array.isArray(expectations) ? expectations.filter((text): text is string => typeof text === "string" && text.trim() !== "") : [];
    cases.push({
      id: caseId,
      input,
      expected: expectedText,
      hash: caseHash(input, expectedText),
      line,
      ...(graded.length > 0 ? { expectations: graded } : {}),
      ...(checks.length > 0 ? { assert: checks } : {}),
    });
  });

  const triggers = readTriggers(source, raw["triggers"]);
  issues.push(...triggers.issues);

  if (issues.length > 0 || !reference) return { benchmark: null, reference, models: { source, value: raw["models"] }, issues: sortIssues(issues) };
  const models = Array.isArray(raw["models"]) ? [...(raw["models"] as string[])] : null;
  const control = isOneOf(CONTROLS, raw["control"]) ? raw["control"] : null;
  const benchmark: Benchmark = { path: file, skillPath: reference.skillPath, models, cases, control, ...(triggers.spec ? { triggers: triggers.spec } : {}) };
  return { benchmark, reference, models: { source, value: raw["models"] }, issues: [] };
}

/**
 * A benchmark's `triggers:` ({should, should-not}: lists of queries). The schema already refused non-lists, empty
 * strings and repeats within a list; a query in both lists, or no query at all, is refused here.
 */
function readTriggers(source: YamlSource, value: unknown): { spec: TriggerSpec | null; issues: InputIssue[] } {
  if (value === undefined || value === null || typeof value !== "object" || Array.isArray(value)) return { spec: null, issues: [] };
  const record = value as Record<string, unknown>;
  const list = (key: string): string[] =>
    Array.isArray(record[key]) ? (record[key] as unknown[]).filter((q): q is string => typeof q === "string" && q.trim() !== "") : [];
  const should = list("should");
  const shouldNot = list("should-not");
  const issues: InputIssue[] = [];
  // Only when the schema has nothing to say about it (unknown keys, bad items): one problem, one message.
  const onlyKnownKeys = Object.keys(record).every((key) => key === "should" || key === "should-not");
  const empty = (key: string) => record[key] === undefined || (Array.isArray(record[key]) && (record[key] as unknown[]).length === 0);
  if (onlyKnownKeys && empty("should") && empty("should-not")) {
    issues.push(issueAt(source, ["triggers"], 'lists no query: give "should" and/or "should-not" queries, or remove the key', "key"));
  }
  const raw = Array.isArray(record["should-not"]) ? (record["should-not"] as unknown[]) : [];
  raw.forEach((query, index) => {
    if (typeof query === "string" && should.includes(query)) {
      issues.push(issueAt(source, ["triggers", "should-not", index], `"${query.slice(0, 60)}" is also a "should" query`));
    }
  });
  const { line } = positionOf(source, ["triggers"], "key");
  return { spec: issues.length > 0 ? null : { should, shouldNot, line }, issues };
}

interface RawEval {
  id?: unknown;
  prompt?: unknown;
  expected_output?: unknown;
  files?: unknown;
  expectations?: unknown;
  assertions?: unknown;
}

/**
 * A skill folder's evals/evals.json (Anthropic skill-creator's format) as a benchmark of that skill: `prompt` is the
 * input, `expected_output` the reference, `files` are readable through read_file, `expectations` (or agentskills.io's
 * `assertions`) are kept on the case for grading. JSON is YAML, so problems are located with the same helpers.
 */
async function readEvals(repo: RepoFiles, file: string, limits: Config["limits"]): Promise<BenchmarkRead & { warnings: InputIssue[] }> {
  const skillDir = path.posix.dirname(path.posix.dirname(file));
  const skillPath = `${skillDir}/${AGENT_SKILL_FILE}`;
  const none = (issues: InputIssue[]) => ({ benchmark: null, reference: null, evals: true, issues, warnings: [] });
  const read = await repo.readText(file, {
    maxBytes: limits.benchmarkBytes,
    limitName: "the limit for a benchmark file (limits.benchmark-bytes)",
  });
  if (!read.ok) return none([{ file, line: read.line, column: read.line === null ? null : 1, field: "", message: read.problem }]);
  const parsed = parseYaml(file, read.text);
  if (parsed.value === undefined) return none(parsed.issues.map((issue) => ({ ...issue, message: `${issue.message} (the file is not valid JSON)` })));
  if (parsed.value === null) return none([{ file, line: 1, column: 1, field: "", message: 'is empty: evals.json needs "evals"' }]);
  const { source, value } = parsed;
  const issues = validateYaml(source, EVALS_SCHEMA, value);
  const warnings: InputIssue[] = [];
  const raw = (typeof value === "object" && !Array.isArray(value) ? value : {}) as Record<string, unknown>;
  const folderName = path.posix.basename(skillDir);
  if (typeof raw["skill_name"] === "string" && raw["skill_name"] !== folderName) {
    warnings.push(issueAt(source, ["skill_name"], `"${raw["skill_name"]}" is not the skill's folder name "${folderName}"; the evals run on ${skillPath}`));
  }
  const reference: SkillReference = { skillPath, benchmark: file, source };
  const cases: BenchmarkCase[] = [];
  const seen = new Map<string, number>();
  const rawEvals = Array.isArray(raw["evals"]) ? (raw["evals"] as unknown[]) : [];
  for (const [index, item] of rawEvals.entries()) {
    if (!item || typeof item !== "object") continue;
    const entry = item as RawEval;
    if (typeof entry.prompt !== "string" || (typeof entry.id !== "number" && typeof entry.id !== "string")) continue;
    const inputBytes = Buffer.byteLength(entry.prompt, "utf8");
    if (inputBytes > limits.inputBytes) {
      issues.push(issueAt(source, ["evals", index, "prompt"], `is ${formatBytes(inputBytes)}, larger than ${formatBytes(limits.inputBytes)}, the limit for one input (limits.input-bytes)`));
      continue;
    }
    // "eval-1": skill-creator numbers its evals; the prefix keeps them apart from a YAML benchmark's case ids.
    const id = `eval-${String(entry.id)}`;
    const { line } = positionOf(source, ["evals", index]);
    const first = seen.get(id);
    if (first !== undefined) {
      issues.push(issueAt(source, ["evals", index, "id"], `duplicate eval id ${JSON.stringify(entry.id)} (first used on line ${first})`));
      continue;
    }
    seen.set(id, line);
    if (Array.isArray(entry.expectations) && Array.isArray(entry.assertions)) {
      issues.push(issueAt(source, ["evals", index, "assertions"], 'give "expectations" or "assertions" (the same field), not both', "key"));
      continue;
    }
    const files: string[] = [];
    for (const [fileIndex, given] of (Array.isArray(entry.files) ? entry.files : []).entries()) {
      if (typeof given !== "string" || given === "") continue;
      const relative = repoRelativePath(given);
      if ("problem" in relative) {
        issues.push(issueAt(source, ["evals", index, "files", fileIndex], `${relative.problem.replace("the repository", "the skill folder")}`));
        continue;
      }
      const resolved = await repo.resolve(`${skillDir}/${relative.path}`);
      if (!resolved.ok) {
        issues.push(issueAt(source, ["evals", index, "files", fileIndex], `"${given}" (relative to ${skillDir}) ${resolved.problem}`));
        continue;
      }
      files.push(relative.path);
    }
    const expected = typeof entry.expected_output === "string" ? entry.expected_output : null;
    const expectations = (Array.isArray(entry.expectations) ? entry.expectations : Array.isArray(entry.assertions) ? entry.assertions : [])
      .filter((text): text is string => typeof text === "string");
    const hash = files.length === 0 && expectations.length === 0
      ? caseHash(entry.prompt, expected)
      : contentHash(entry.prompt, expected, JSON.stringify(files), JSON.stringify(expectations));
    cases.push({
      id,
      input: entry.prompt,
      expected,
      hash,
      line,
      ...(files.length > 0 ? { files } : {}),
      ...(expectations.length > 0 ? { expectations } : {}),
    });
  }
  if (issues.length > 0) return { benchmark: null, reference, evals: true, issues: sortIssues(issues), warnings };
  return { benchmark: { path: file, skillPath, models: null, cases }, reference, evals: true, issues: [], warnings };
}

// ---------------------------------------------------------------------------------------------------------
// The project

/** Loads the config, every benchmark its globs find, and every skill they name. Throws one InputError for all. */
export async function loadProject(root: string, options: LoadOptions = {}): Promise<Project> {
  const repo = await openRepo(root, options.tracked);
  const configRead = await readConfig(repo, options);
  const { limits } = configRead;
  const issues: InputIssue[] = [...configRead.issues];

  const refusals: GlobRefusal[] = [];
  const found = await findFiles(repo, configRead.benchmarkGlobs, (refusal) => refusals.push(refusal));
  // A glob that matches a file git does not track (in the action) skips it with a warning: such files are not the
  // repository's, and a build step may leave matching files around. Every other refusal is an error.
  issues.push(...refusals.filter((r) => r.kind !== "untracked").map((refusal) => globRefusalIssue(configRead, refusal)));
  const untracked = refusals.filter((r) => r.kind === "untracked").map((refusal) => globRefusalIssue(configRead, refusal));
  const files = found.filter((file) => file !== configRead.configPath);
  const reads = await Promise.all(files.map((file) => readBenchmark(repo, file, limits)));

  // Skills found under skill-dirs: an evals/evals.json beside a SKILL.md is a benchmark (skill-creator's format).
  const strict = options.strict === true || configRead.raw?.strict === true;
  const warnings: InputIssue[] = [];
  const discovered = await findFiles(repo, skillFileGlobs(safeSkillDirs(configRead.raw)), (refusal) => {
    if (refusal.kind !== "untracked") {
      warnings.push({ file: refusal.path, line: null, column: null, field: "", message: `skipped while looking for skills: it ${refusal.problem}` });
    }
  });
  const evalsFiles: string[] = [];
  for (const skillFile of discovered) {
    const evalsPath = `${path.posix.dirname(skillFile)}/${EVALS_FILE}`;
    if ((await repo.resolve(evalsPath)).ok) evalsFiles.push(evalsPath);
  }
  const evalsReads = await Promise.all(evalsFiles.map((file) => readEvals(repo, file, limits)));
  for (const read of evalsReads) warnings.push(...read.warnings);
  const allReads: BenchmarkRead[] = [...reads, ...evalsReads];
  const allFiles = [...files, ...evalsFiles];

  // One YAML benchmark per skill: a later file (by path) naming an already benchmarked skill is the problem. A
  // skill's evals/evals.json runs beside its YAML benchmark: they are two benchmarks with distinct case ids.
  const firstBenchmarkOf = new Map<string, string>();
  const referencesOf = new Map<string, SkillReference[]>();
  const referenceIssues = new Map<string, InputIssue[]>();
  for (const read of allReads) {
    const reference = read.reference;
    if (!reference) continue;
    const first = read.evals ? undefined : firstBenchmarkOf.get(reference.skillPath);
    if (first) {
      const issue = issueAt(
        reference.source,
        ["skill"],
        `skill "${reference.skillPath}" is benchmarked by both ${first} and ${reference.benchmark}; keep one benchmark per skill`,
      );
      referenceIssues.set(reference.benchmark, [...(referenceIssues.get(reference.benchmark) ?? []), issue]);
    } else if (!read.evals) {
      firstBenchmarkOf.set(reference.skillPath, reference.benchmark);
    }
    referencesOf.set(reference.skillPath, [...(referencesOf.get(reference.skillPath) ?? []), reference]);
  }

  const skillPaths = [...referencesOf.keys()].sort();
  const skillReads = await Promise.all(
    skillPaths.map((skillPath) => readSkill(root, skillPath, { repo, maxBytes: limits.skillBytes, strict })),
  );
  const skills = new Map<string, Skill>();
  const skillIssues: InputIssue[] = [];
  const skipped: { skill: string; reason: string }[] = [];
  const brokenIssues: InputIssue[] = [];
  skillPaths.forEach((skillPath, index) => {
    const read = skillReads[index];
    if (!read) return;
    if (read.skill) skills.set(skillPath, read.skill);
    warnings.push(...read.warnings);
    if (read.issues.length > 0) {
      if (read.issues.some((issue) => issue.rule !== undefined)) {
        // strict: a tolerated deviation is the user's chosen error, for the whole run.
        skillIssues.push(...read.issues);
      } else {
        // A broken skill (unparsable frontmatter, unreadable file) stops only itself: the others still run.
        brokenIssues.push(...read.issues);
        const more = read.issues.length > 1 ? ` (and ${read.issues.length - 1} more problem(s))` : "";
        skipped.push({ skill: skillPath, reason: `could not be loaded: ${formatIssue(read.issues[0] as InputIssue)}${more}` });
      }
    }
    if (read.pathProblem !== null) {
      // A skill that cannot be found is the benchmark's mistake: point at its `skill:` line.
      for (const reference of referencesOf.get(skillPath) ?? []) {
        const issue = issueAt(reference.source, ["skill"], read.pathProblem);
        referenceIssues.set(reference.benchmark, [...(referenceIssues.get(reference.benchmark) ?? []), issue]);
      }
    }
  });

  allFiles.forEach((file, index) => {
    issues.push(...sortIssues([...(allReads[index]?.issues ?? []), ...(referenceIssues.get(file) ?? [])]));
  });
  issues.push(...skillIssues);

  const models = modelIdIssues(configRead, reads, options.pricing ?? BUILTIN_PRICING);
  issues.push(...models.errors);

  // Trigger evaluation shows the model a catalogue: a skill without a description cannot be picked from it.
  const withTriggers = allReads.filter((read) => read.benchmark?.triggers && read.reference);
  for (const read of withTriggers) {
    const skill = read.benchmark ? skills.get(read.benchmark.skillPath) : undefined;
    if (read.reference && skill && !skill.description?.trim()) {
      issues.push(
        issueAt(
          read.reference.source,
          ["triggers"],
          `${skill.path} has no description: an agent picks a skill from its catalogue by name and description, ` +
            "so triggers need a skill with a description (a SKILL.md, or frontmatter with one)",
          "key",
        ),
      );
    }
  }
  const catalogue =
    withTriggers.length > 0 ? await loadCatalogue(root, repo, discovered, skills, limits, warnings) : undefined;

  // When the run cannot start anyway, every problem is listed at once, the broken skills' too.
  if (issues.length > 0 || !configRead.config) throw new InputError([...issues, ...brokenIssues]);
  const config = options.strict ? { ...configRead.config, strict: true } : configRead.config;
  const benchmarks = allReads.flatMap((read) => (read.benchmark && skills.has(read.benchmark.skillPath) ? [read.benchmark] : []));
  return {
    config,
    benchmarks,
    skills,
    warnings: [...untracked, ...models.warnings, ...warnings],
    skipped,
    rawConfig: configRead.raw,
    ...(catalogue ? { catalogue } : {}),
  };
}

/**
 * The skill catalogue an agent sees: every loaded skill with a description, plus every SKILL.md found under
 * skill-dirs (benchmarked or not), by name. A prompt file without a description is not in it (an agent cannot pick
 * it); a skill that does not load is left out with a warning; a name used twice keeps the first path (sorted).
 */
async function loadCatalogue(
  root: string,
  repo: RepoFiles,
  discovered: readonly string[],
  skills: ReadonlyMap<string, Skill>,
  limits: Config["limits"],
  warnings: InputIssue[],
): Promise<CatalogueEntry[]> {
  const all = new Map<string, Pick<Skill, "name" | "description" | "path">>(skills);
  const others = discovered.filter((file) => !skills.has(file)).sort();
  const reads = await Promise.all(others.map((file) => readSkill(root, file, { repo, maxBytes: limits.skillBytes })));
  others.forEach((file, index) => {
    const read = reads[index];
    if (read?.skill) all.set(file, read.skill);
    else if (read && read.issues.length > 0) {
      warnings.push({ ...(read.issues[0] as InputIssue), message: `left out of the trigger catalogue: ${(read.issues[0] as InputIssue).message}` });
    }
  });
  const byName = new Map<string, CatalogueEntry>();
  for (const skill of [...all.values()].sort((a, b) => a.path.localeCompare(b.path))) {
    const description = skill.description?.trim() ?? "";
    if (description === "") continue;
    const known = byName.get(skill.name);
    if (known) {
      warnings.push({ file: skill.path, line: null, column: null, field: "name", message: `has the same name as ${known.path} ("${skill.name}"): left out of the trigger catalogue` });
      continue;
    }
    byName.set(skill.name, { name: skill.name, description, path: skill.path });
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** A benchmark glob's folder or match that was refused, located at the glob in the config when it is there. */
function globRefusalIssue(configRead: ConfigRead, refusal: GlobRefusal): InputIssue {
  const what = refusal.base ? `the folder "${refusal.path}"` : `"${refusal.path}"`;
  const message = `${what} (found by the benchmark glob "${refusal.pattern}") ${refusal.problem}`;
  const globs: unknown = configRead.raw?.benchmarks;
  const index = Array.isArray(globs) ? globs.indexOf(refusal.pattern) : -1;
  if (configRead.source && index >= 0) return issueAt(configRead.source, ["benchmarks", index], message);
  return { file: refusal.path, line: null, column: null, field: "", message };
}

/** Where a model id was written, to locate a message about it. */
interface ModelIdUse {
  id: string;
  at: (message: string) => InputIssue;
}

/**
 * Every model id the run would call (candidates from the config, the overrides and each benchmark, the judge),
 * checked against the known models before anything is spent. A clear typo of a known id is an error with a "did you
 * mean"; an unknown id that may be a newer model (or a proxy's own) is a warning.
 */
function modelIdIssues(
  configRead: ConfigRead,
  reads: BenchmarkRead[],
  builtIn: Record<string, Price>,
): { errors: InputIssue[]; warnings: InputIssue[] } {
  const uses: ModelIdUse[] = [];
  const { source, raw, overrides } = configRead;
  const fromOverride = (entry: { value: string; source: string }) => (message: string): InputIssue => ({
    file: entry.source,
    line: null,
    column: null,
    field: "",
    message,
  });
  const modelsOverride = overrides.models?.value.trim() ? overrides.models : undefined;
  if (modelsOverride) {
    for (const id of modelsOverride.value.split(/[\s,]+/).filter((m) => m !== "")) uses.push({ id, at: fromOverride(modelsOverride) });
  } else if (source && Array.isArray(raw?.models)) {
    raw.models.forEach((id, index) => {
      if (typeof id === "string") uses.push({ id, at: (message) => issueAt(source, ["models", index], message) });
    });
  }
  const judgeOverride = overrides.judgeModel?.value.trim() ? overrides.judgeModel : undefined;
  if (judgeOverride) {
    uses.push({ id: judgeOverride.value.trim(), at: fromOverride(judgeOverride) });
  } else if (source && raw?.judge && typeof raw.judge === "object" && typeof raw.judge.model === "string") {
    uses.push({ id: raw.judge.model, at: (message) => issueAt(source, ["judge", "model"], message) });
  }
  for (const read of reads) {
    if (!read.models || !Array.isArray(read.models.value)) continue;
    const benchmarkSource = read.models.source;
    read.models.value.forEach((id: unknown, index) => {
      if (typeof id === "string") uses.push({ id, at: (message) => issueAt(benchmarkSource, ["models", index], message) });
    });
  }

  // The ids the user priced are known too, whatever else is wrong with the config.
  const table: Record<string, Price> = { ...builtIn };
  const priced = raw?.pricing && typeof raw.pricing === "object" ? Object.keys(raw.pricing) : [];
  for (const id of priced) table[id] ??= { ...tierFromRates(0, 0) };

  const errors: InputIssue[] = [];
  const warnings: InputIssue[] = [];
  const warned = new Set<string>();
  for (const use of uses) {
    if (!MODEL_ID.test(use.id)) continue; // the schema or the override check reports malformed ids
    const check = checkModelId(use.id, table);
    if (check.status === "known") continue;
    if (check.status === "typo") {
      errors.push(use.at(`"${use.id}" is not a known model id; did you mean ${check.suggestion}?`));
      continue;
    }
    const issue = use.at(
      `"${use.id}" is not a model skillbench knows` +
        (check.suggestion ? ` (did you mean ${check.suggestion}?)` : "") +
        `; it is used as written. If it is a new model, add its price under pricing: to silence this warning`,
    );
    const key = `${issue.file}\0${use.id}`;
    if (!warned.has(key)) warnings.push(issue);
    warned.add(key);
  }
  return { errors, warnings };
}

// ---------------------------------------------------------------------------------------------------------
// Trust: which keys a pull request may change. Keys that decide where requests or secrets go are taken from the
// base commit's config (or the workflow's inputs / environment), never from the PR's head. Keys that decide how
// the run is gated may change, but the change is shown in the verdict.

/** Dotted skillbench.yml keys that decide where requests or secrets go. A new one joins by adding its name here. */
export const TRUSTED_KEYS = ["api.base-url"] as const;
export type TrustedKey = (typeof TRUSTED_KEYS)[number];

/** Keys that decide the verdict. A PR may change them, and the verdict line then says so. */
export const GATE_KEYS = [
  "gate",
  "gate-dimensions",
  "fail-on-inconclusive",
  "correction",
  "thresholds.quality",
  "thresholds.dimension",
  "thresholds.cost",
  "thresholds.errors",
  "thresholds.pass-rate",
  "baseline.branch",
  "baseline.stale-after-days",
  "baseline.max-age-hours",
  "judge.model",
  "compare",
  "judge.pairwise",
] as const;

/** The effective value of a gate key the file leaves out (shown as "5 -> 50", not "unset -> 50"). */
const GATE_DEFAULTS: Partial<Record<(typeof GATE_KEYS)[number], string | number | boolean>> = {
  gate: CONFIG_DEFAULTS.gate,
  "gate-dimensions": CONFIG_DEFAULTS.gateDimensions,
  "fail-on-inconclusive": CONFIG_DEFAULTS.failOnInconclusive,
  correction: CONFIG_DEFAULTS.correction,
  "thresholds.quality": CONFIG_DEFAULTS.thresholds.quality,
  "thresholds.dimension": CONFIG_DEFAULTS.thresholds.dimension,
  "thresholds.cost": CONFIG_DEFAULTS.thresholds.cost,
  "baseline.branch": CONFIG_DEFAULTS.baselineBranch,
  "baseline.stale-after-days": CONFIG_DEFAULTS.staleAfterDays,
  "judge.model": CONFIG_DEFAULTS.judgeModel,
  compare: CONFIG_DEFAULTS.compare,
  "judge.pairwise": CONFIG_DEFAULTS.judgePairwise,
};

/** The override (action input, environment) that, when given, decides a trusted key instead of any file. */
const TRUSTED_OVERRIDE: Record<TrustedKey, OverrideKey> = { "api.base-url": "apiBaseUrl" };

/** True when the workflow (action input or environment) decides this trusted key, not a config file. */
export function trustedKeyOverridden(key: string, overrides: Overrides): boolean {
  const name = (TRUSTED_OVERRIDE as Record<string, OverrideKey | undefined>)[key];
  return name !== undefined && Boolean(overrides[name]?.value.trim());
}

/** skillbench.yml as it is on the base commit, parsed but not validated (only its trusted keys are used). */
export interface BaseConfig {
  commit: string | null;
  status: BaseConfigStatus;
  /** The parsed YAML; null unless status is found. */
  raw: unknown;
  /** Why the base config could not be read (status unavailable), or a parse problem. */
  problem: string | null;
}

/** The value at a dotted kebab-case path of a parsed config; undefined when any part is absent. */
export function rawValueAt(raw: unknown, dotted: string): unknown {
  let current: unknown = raw;
  for (const part of dotted.split(".")) {
    if (current === null || typeof current !== "object" || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function scalarOf(value: unknown): ConfigValue {
  if (value === undefined || value === null) return null;
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return value;
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}

/** A trusted value as it may be shown: the origin of a URL (never userinfo, path or query), else "(set)". */
export function describeTrustedValue(value: unknown): ConfigValue {
  if (value === undefined || value === null) return null;
  if (typeof value === "string") {
    try {
      const url = new URL(value);
      if (url.protocol === "http:" || url.protocol === "https:") return url.origin;
    } catch {
      // not a URL: fall through
    }
  }
  return "(set)";
}

/** Compares the head's config with the base's, key by key, for the trusted and the gate keys. */
export function compareConfigs(base: BaseConfig, headRaw: unknown, overrides: Overrides = {}): ConfigChanges {
  const baseRaw = base.status === "found" ? base.raw : null;
  const trusted: ConfigKeyChange[] = [];
  for (const key of TRUSTED_KEYS) {
    const before = rawValueAt(baseRaw, key);
    const after = rawValueAt(headRaw, key);
    if (sameValue(before, after)) continue;
    const used = trustedKeyOverridden(key, overrides) ? "workflow" : "base";
    trusted.push({ key, base: describeTrustedValue(before), head: describeTrustedValue(after), used });
  }
  const gate: ConfigKeyChange[] = [];
  // Without the base config there is nothing to compare the gate with; the warning says so.
  if (base.status !== "unavailable") {
    for (const key of GATE_KEYS) {
      const fallback = GATE_DEFAULTS[key];
      const before = rawValueAt(baseRaw, key) ?? fallback;
      const after = rawValueAt(headRaw, key) ?? fallback;
      if (!sameValue(before, after)) gate.push({ key, base: scalarOf(before), head: scalarOf(after) });
    }
  }
  return { base: { commit: base.commit, status: base.status }, trusted, gate };
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/**
 * The config with every trusted key taken from the base commit (unless an override from the workflow decides
 * it), whatever the head's file says. Returns warnings for values that could not be used; none echoes a value.
 */
export function applyTrustedKeys(
  config: Config,
  base: BaseConfig,
  overrides: Overrides,
): { config: Config; warnings: string[] } {
  const warnings: string[] = [];
  let result = config;
  for (const key of TRUSTED_KEYS) {
    if (trustedKeyOverridden(key, overrides)) continue;
    const value = base.status === "found" ? rawValueAt(base.raw, key) : undefined;
    let trusted: string | null = null;
    if (value !== undefined && value !== null) {
      if (typeof value === "string" && isHttpUrl(value)) trusted = value;
      else warnings.push(`${key} in the base commit's config is not an http(s) URL: using none (the SDK default).`);
    }
    switch (key) {
      case "api.base-url":
        result = { ...result, api: { ...result.api, baseUrl: trusted } };
        break;
    }
  }
  return { config: result, warnings };
}

/**
 * Reads the config file as it is on `commit`. actions/checkout clones only the merge commit, so a base commit
 * that is not in the clone is fetched (depth 1) first. Never throws: a failure is status unavailable.
 */
export async function readConfigAtCommit(git: GitRunner, commit: string, configPath: string): Promise<BaseConfig> {
  const unavailable = (problem: string): BaseConfig => ({ commit, status: "unavailable", raw: null, problem });
  if (!COMMIT_ID.test(commit)) return unavailable(`"${commit}" is not a commit id`);
  const relative = repoRelativePath(configPath);
  if ("problem" in relative) return unavailable(`config file: ${relative.problem}`);
  const missing = await ensureCommit(git, commit);
  if (missing !== null) return unavailable(missing);
  let spec = `${commit}:${relative.path}`;
  let exists = await git.exec(["cat-file", "-e", spec], { allowFailure: true });
  if (exists.code !== 0 && relative.path === DEFAULT_CONFIG_PATH) {
    spec = `${commit}:${ALTERNATE_CONFIG_PATH}`;
    exists = await git.exec(["cat-file", "-e", spec], { allowFailure: true });
  }
  if (exists.code !== 0) return { commit, status: "missing", raw: null, problem: null };
  const shown = await git.exec(["cat-file", "blob", spec], { allowFailure: true });
  if (shown.code !== 0) return unavailable(`could not read ${spec}: ${shown.stderr.trim()}`);
  const parsed = parseYaml(relative.path, shown.stdout);
  if (parsed.value === undefined) return unavailable(`the base commit's ${relative.path} does not parse`);
  return { commit, status: "found", raw: parsed.value, problem: null };
}

