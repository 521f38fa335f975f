// Turns skillbench.yml and the CLI flags / action inputs that override it into one validated Config, and decides
// which keys a pull request may change (the trusted and gate keys, read from the base commit). Benchmarks are
// loaded by benchmarks.ts and the whole project is assembled by project.ts.
import path from "node:path";
import { InputError, messageOf, type InputIssue } from "./errors.js";
import { COMMIT_ID, ensureCommit, type GitRunner } from "./git.js";
import { expandBraces } from "./glob.js";
import { BUILTIN_PRICING, tierFromRates } from "./pricing.js";
import { RepoFiles } from "./repo-files.js";
import {
  BRANCH_MESSAGE,
  BRANCH_PATTERN,
  CONFIG_DEFAULTS,
  CONFIG_FILE_MAX_BYTES,
  GLOB_PATTERN,
  LIMITS,
  MODEL_ID_MESSAGE,
  MODEL_ID_PATTERN,
  SKILLBENCH_SCHEMA,
  type RawConfig,
  type RawPrice,
} from "./schemas.js";
import { repoRelativePath } from "./skills.js";
import {
  isOneOf,
  COMPARE_MODES,
  BATCH_MODES,
  CONTROLS,
  type BatchMode,
  type CompareMode,
  type Control,
  type BaseConfigStatus,
  type Config,
  type ConfigChanges,
  type ConfigKeyChange,
  type ConfigValue,
  type Price,
  type PriceTier,
  type SamplingParams,
} from "./types.js";
import { isRecord } from "./util.js";
import { issueAt, parseYaml, sortIssues, yamlValidator, type YamlSource } from "./yaml.js";

const validateConfig = yamlValidator(SKILLBENCH_SCHEMA);

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

/** What reading the config gave: the Config, or its issues with what is still usable to look for more. */
export interface ConfigRead {
  /** Null when there are issues. */
  config: Config | null;
  /** Globs to find benchmarks with, usable even when the config has issues elsewhere. */
  benchmarkGlobs: string[];
  /** Globs of the skill folders, usable even when the config has issues elsewhere (defaults for broken ones). */
  skillDirs: string[];
  /** The config file that was read (never a benchmark, whatever the globs say). */
  configPath: string | null;
  /** The parsed config file, to locate later issues (model ids, globs) in it; null without a file. */
  source: YamlSource | null;
  /** The parsed config as written, when it is a mapping, whether valid or not (for model id checks while it has other issues). */
  raw: Record<string, unknown> | null;
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
export async function openRepo(root: string, tracked: ReadonlySet<string> | null = null): Promise<RepoFiles> {
  try {
    return await RepoFiles.open(root, { tracked });
  } catch (error) {
    throw new InputError([
      { file: root, line: null, column: null, field: "", message: `the repository folder cannot be opened: ${messageOf(error)}` },
    ]);
  }
}

export async function readConfig(repo: RepoFiles, options: LoadOptions): Promise<ConfigRead> {
  const { root } = repo;
  const issues: InputIssue[] = [];
  const given = options.configPath ?? DEFAULT_CONFIG_PATH;
  const relative = repoRelativePath(
    path.isAbsolute(given) ? path.relative(root, given).split(path.sep).join("/") : given,
  );
  let configPath: string | null = null;
  let source: YamlSource | null = null;
  let raw: unknown = null;
  // Every key absent (no file, an empty file) until a file that passes the schema says otherwise.
  let valid: RawConfig = {};
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
        const checked = validateConfig(parsed.source, raw);
        issues.push(...checked.issues);
        if (checked.value) valid = checked.value;
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
  const skillDirs = safeSkillDirs(raw);
  const mapping = isRecord(raw) ? raw : null;
  const limits = safeLimits(mapping);
  const common = { benchmarkGlobs, skillDirs, configPath, source, raw: mapping, limits, overrides: options.overrides ?? {} };
  if (issues.length > 0) return { config: null, ...common, issues: sortIssues(issues) };
  const config = buildConfig(root, configPath, valid, overrides.values, options.pricing);
  return { config, ...common, issues };
}

/** The config's size caps where they are valid whole numbers in range, else the defaults. */
function safeLimits(raw: unknown): Config["limits"] {
  const limits = isRecord(raw) && isRecord(raw["limits"]) ? raw["limits"] : {};
  const pick = (value: unknown, fallback: number, range: { minimum: number; maximum: number }) =>
    typeof value === "number" && Number.isSafeInteger(value) && value >= range.minimum && value <= range.maximum
      ? value
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
  const api = isRecord(raw) ? raw["api"] : undefined;
  const url = isRecord(api) ? api["base-url"] : undefined;
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
  const globs = isRecord(raw) ? raw["benchmarks"] : undefined;
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
  const globs = isRecord(raw) ? raw[key] : undefined;
  const usable = (glob: unknown): glob is string => {
    if (typeof glob !== "string" || !GLOB.test(glob)) return false;
    try {
      expandBraces(glob);
      return true;
    } catch {
      return false;
    }
  };
  const list: unknown[] = Array.isArray(globs) ? globs : [];
  return Array.isArray(globs) && list.every(usable) ? list : null;
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

function tierFromRaw(raw: Omit<RawPrice, "above">): PriceTier {
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
  // The schema's enums type these: no check is left to do.
  const gate = raw.gate ?? d.gate;
  const correction = raw.correction ?? d.correction;
  const batch = overrides.batch ?? raw.batch ?? d.batch;
  const compare = overrides.compare ?? raw.compare ?? d.compare;
  const control = overrides.control ?? raw.control ?? d.control;
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
  return isOneOf(TRUSTED_KEYS, key) && Boolean(overrides[TRUSTED_OVERRIDE[key]]?.value.trim());
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
    if (!isRecord(current)) return undefined;
    current = current[part];
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

