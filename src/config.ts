// Turns skillbench.yml, the CLI flags / action inputs that override it, the benchmark files and the skills they
// name into one validated Project. Every problem found anywhere is collected and thrown as one InputError.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { InputError, messageOf, type InputIssue } from "./errors.js";
import { expandBraces, findFiles } from "./glob.js";
import { contentHash, sha256Hex } from "./hash.js";
import { BUILTIN_PRICING, tierFromRates } from "./pricing.js";
import {
  BENCHMARK_SCHEMA,
  BRANCH_MESSAGE,
  BRANCH_PATTERN,
  CONFIG_DEFAULTS,
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
import { readSkill, repoRelativePath } from "./skills.js";
import {
  isOneOf,
  GATES,
  type Benchmark,
  type BenchmarkCase,
  type Config,
  type Price,
  type PriceTier,
  type Project,
  type SamplingParams,
  type Skill,
} from "./types.js";

export type OverrideKey = "models" | "judgeModel" | "concurrency" | "baselineBranch" | "apiBaseUrl" | "maxTokens";
/** Raw strings from CLI flags or action inputs, with the name to blame in messages ("--concurrency", "input max-concurrency"). */
export type Overrides = Partial<Record<OverrideKey, { value: string; source: string }>>;

export const DEFAULT_CONFIG_PATH = "skillbench.yml";

export interface LoadOptions {
  /** Repository-relative path of the config file; default skillbench.yml, which may be absent. */
  configPath?: string;
  overrides?: Overrides;
  /** The built-in price table, merged under the config's `pricing`; default BUILTIN_PRICING. */
  pricing?: Record<string, Price>;
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
  judge?: { model?: string; "max-tokens"?: number };
  benchmarks?: string[];
  concurrency?: number;
  "max-tokens"?: number;
  gate?: string;
  thresholds?: { quality?: number; dimension?: number; cost?: number; errors?: number };
  baseline?: { branch?: string; "stale-after-days"?: number; "history-limit"?: number };
  sampling?: Record<string, SamplingParams>;
  api?: { "base-url"?: string; "max-retries"?: number; "timeout-seconds"?: number };
  pricing?: Record<string, RawPriceTier & { above?: RawPriceTier & { tokens: number } }>;
}

interface OverrideValues {
  models?: string[];
  judgeModel?: string;
  concurrency?: number;
  baselineBranch?: string;
  apiBaseUrl?: string;
  maxTokens?: number;
}

interface ConfigRead {
  /** Null when there are issues. */
  config: Config | null;
  /** Globs to find benchmarks with, usable even when the config has issues elsewhere. */
  benchmarkGlobs: string[];
  /** The config file that was read (never a benchmark, whatever the globs say). */
  configPath: string | null;
  issues: InputIssue[];
}

/** Loads skillbench.yml and the overrides into a validated Config. Throws InputError listing every problem. */
export async function loadConfig(root: string, options: LoadOptions = {}): Promise<Config> {
  const read = await readConfig(root, options);
  if (!read.config) throw new InputError(read.issues);
  return read.config;
}

async function readConfig(root: string, options: LoadOptions): Promise<ConfigRead> {
  const issues: InputIssue[] = [];
  const given = options.configPath ?? DEFAULT_CONFIG_PATH;
  const relative = repoRelativePath(
    path.isAbsolute(given) ? path.relative(root, given).split(path.sep).join("/") : given,
  );
  let configPath: string | null = null;
  let raw: unknown = null;
  if ("problem" in relative) {
    issues.push({ file: given, line: null, column: null, field: "", message: `config file: ${relative.problem}` });
  } else {
    const text = await readText(root, relative.path);
    if (typeof text === "string") {
      configPath = relative.path;
      const parsed = parseYaml(relative.path, text);
      issues.push(...parsed.issues);
      if (parsed.value !== undefined && parsed.value !== null) {
        raw = parsed.value;
        issues.push(...validateYaml(parsed.source, SKILLBENCH_SCHEMA, raw));
        issues.push(...urlIssues(parsed.source, raw), ...globIssues(parsed.source, raw));
      }
    } else if (text.missing && relative.path === DEFAULT_CONFIG_PATH) {
      // No skillbench.yml at the default place: every key takes its default.
    } else {
      const problem = text.missing ? "does not exist" : `could not be read: ${text.error}`;
      issues.push({ file: relative.path, line: null, column: null, field: "", message: `the config file ${problem}` });
    }
  }
  const overrides = parseOverrides(options.overrides ?? {});
  issues.push(...overrides.issues);
  const benchmarkGlobs = safeGlobs(raw);
  if (issues.length > 0) return { config: null, benchmarkGlobs, configPath, issues: sortIssues(issues) };
  const config = buildConfig(root, configPath, (raw ?? {}) as RawConfig, overrides.values, options.pricing);
  return { config, benchmarkGlobs, configPath, issues };
}

async function readText(root: string, relative: string): Promise<string | { missing: boolean; error: string }> {
  try {
    return await readFile(path.join(root, ...relative.split("/")), "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { missing: code === "ENOENT" || code === "ENOTDIR", error: messageOf(error) };
  }
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

/** The config's globs when they are usable (so benchmarks are still checked while the config has issues). */
function safeGlobs(raw: unknown): string[] {
  const globs = raw && typeof raw === "object" ? (raw as Record<string, unknown>)["benchmarks"] : undefined;
  const usable = (glob: unknown) => {
    if (typeof glob !== "string" || !GLOB.test(glob)) return false;
    try {
      expandBraces(glob);
      return true;
    } catch {
      return false;
    }
  };
  if (Array.isArray(globs) && globs.length > 0 && globs.every(usable)) return globs as string[];
  return [...CONFIG_DEFAULTS.benchmarks];
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
      case "apiBaseUrl":
        // The value is not echoed: a proxy URL may carry credentials.
        if (isHttpUrl(text)) values.apiBaseUrl = text;
        else problem(entry.source, "must be an http:// or https:// URL");
        break;
      case "concurrency":
      case "maxTokens": {
        const { minimum, maximum } = LIMITS[key];
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
  return {
    root,
    configPath,
    models: [...(overrides.models ?? raw.models ?? d.models)],
    judge: {
      model: overrides.judgeModel ?? raw.judge?.model ?? d.judgeModel,
      maxTokens: raw.judge?.["max-tokens"] ?? d.judgeMaxTokens,
    },
    benchmarks: [...(raw.benchmarks ?? d.benchmarks)],
    concurrency: overrides.concurrency ?? raw.concurrency ?? d.concurrency,
    maxTokens: overrides.maxTokens ?? raw["max-tokens"] ?? d.maxTokens,
    thresholds: {
      quality: raw.thresholds?.quality ?? d.thresholds.quality,
      dimension: raw.thresholds?.dimension ?? d.thresholds.dimension,
      cost: raw.thresholds?.cost ?? d.thresholds.cost,
      errors: raw.thresholds?.errors ?? d.thresholds.errors,
    },
    gate,
    baseline: {
      branch: overrides.baselineBranch ?? raw.baseline?.branch ?? d.baselineBranch,
      staleAfterDays: raw.baseline?.["stale-after-days"] ?? d.staleAfterDays,
      historyLimit: raw.baseline?.["history-limit"] ?? d.historyLimit,
    },
    pricing,
    sampling,
    api: {
      baseUrl: overrides.apiBaseUrl ?? raw.api?.["base-url"] ?? null,
      maxRetries: raw.api?.["max-retries"] ?? d.apiMaxRetries,
      timeoutMs: Math.round((raw.api?.["timeout-seconds"] ?? d.apiTimeoutSeconds) * 1000),
    },
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
  reference: SkillReference | null;
  issues: InputIssue[];
}

interface RawCase {
  id?: unknown;
  input?: unknown;
  expected?: unknown;
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

async function readBenchmark(root: string, file: string): Promise<BenchmarkRead> {
  const none = (issues: InputIssue[]): BenchmarkRead => ({ benchmark: null, reference: null, issues });
  const text = await readText(root, file);
  if (typeof text !== "string") {
    return none([{ file, line: null, column: null, field: "", message: `could not be read: ${text.error}` }]);
  }
  const parsed = parseYaml(file, text);
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
  rawCases.forEach((item, index) => {
    if (!item || typeof item !== "object") return;
    const { id, input, expected } = item as RawCase;
    if (typeof input !== "string") return;
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
    cases.push({ id: caseId, input, expected: expectedText, hash: caseHash(input, expectedText), line });
  });

  if (issues.length > 0 || !reference) return { benchmark: null, reference, issues: sortIssues(issues) };
  const models = Array.isArray(raw["models"]) ? [...(raw["models"] as string[])] : null;
  return { benchmark: { path: file, skillPath: reference.skillPath, models, cases }, reference, issues: [] };
}

// ---------------------------------------------------------------------------------------------------------
// The project

/** Loads the config, every benchmark its globs find, and every skill they name. Throws one InputError for all. */
export async function loadProject(root: string, options: LoadOptions = {}): Promise<Project> {
  const configRead = await readConfig(root, options);
  const issues: InputIssue[] = [...configRead.issues];

  const files = (await findFiles(root, configRead.benchmarkGlobs)).filter((file) => file !== configRead.configPath);
  const reads = await Promise.all(files.map((file) => readBenchmark(root, file)));

  // One benchmark per skill: a later file (by path) naming an already benchmarked skill is the problem.
  const firstBenchmarkOf = new Map<string, string>();
  const referencesOf = new Map<string, SkillReference[]>();
  const referenceIssues = new Map<string, InputIssue[]>();
  for (const read of reads) {
    const reference = read.reference;
    if (!reference) continue;
    const first = firstBenchmarkOf.get(reference.skillPath);
    if (first) {
      const issue = issueAt(
        reference.source,
        ["skill"],
        `skill "${reference.skillPath}" is benchmarked by both ${first} and ${reference.benchmark}; keep one benchmark per skill`,
      );
      referenceIssues.set(reference.benchmark, [...(referenceIssues.get(reference.benchmark) ?? []), issue]);
    } else {
      firstBenchmarkOf.set(reference.skillPath, reference.benchmark);
    }
    referencesOf.set(reference.skillPath, [...(referencesOf.get(reference.skillPath) ?? []), reference]);
  }

  const skillPaths = [...referencesOf.keys()].sort();
  const skillReads = await Promise.all(skillPaths.map((skillPath) => readSkill(root, skillPath)));
  const skills = new Map<string, Skill>();
  const skillIssues: InputIssue[] = [];
  skillPaths.forEach((skillPath, index) => {
    const read = skillReads[index];
    if (!read) return;
    if (read.skill) skills.set(skillPath, read.skill);
    skillIssues.push(...read.issues);
    if (read.pathProblem !== null) {
      // A skill that cannot be found is the benchmark's mistake: point at its `skill:` line.
      for (const reference of referencesOf.get(skillPath) ?? []) {
        const issue = issueAt(reference.source, ["skill"], read.pathProblem);
        referenceIssues.set(reference.benchmark, [...(referenceIssues.get(reference.benchmark) ?? []), issue]);
      }
    }
  });

  files.forEach((file, index) => {
    issues.push(...sortIssues([...(reads[index]?.issues ?? []), ...(referenceIssues.get(file) ?? [])]));
  });
  issues.push(...skillIssues);

  if (issues.length > 0 || !configRead.config) throw new InputError(issues);
  const benchmarks = reads.flatMap((read) => (read.benchmark ? [read.benchmark] : []));
  return { config: configRead.config, benchmarks, skills };
}
