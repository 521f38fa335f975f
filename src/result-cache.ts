// The result cache (cache-path): every finished (skill, case, model) result, stored as one JSON file named by its
// content key, so that re-running unchanged work in pr mode makes no model call. Baseline runs never read it
// (models drift behind the same id) but write it. Files are written atomically (temporary file, then rename) and
// redacted like everything else written; names are hex keys, so no path leaves the cache folder.
import { lstat, mkdir, readFile, realpath, rename, rm, writeFile } from "node:fs/promises";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { randomBytes } from "node:crypto";
import { contentHash } from "./hash.js";
import { messageOf } from "./errors.js";
import type { Redactor } from "./redact.js";
import type { PlanItem } from "./plan.js";
import type { CaseResult, Config } from "./types.js";

/** Bump when what a stored result means changes: older files are then misses. */
const FORMAT = 1;
const KEY = /^[0-9a-f]{64}$/;

/**
 * Everything that decides a pair's result: the content key (skill hash, case hash, model, judge key), the
 * candidate's sampling parameters, max-tokens and max-turns, the number of generations and of judgements per
 * output, and the judge's sampling and max-tokens; for a control pair (control: without-skill) the word "control"
 * besides its content key (src/run.ts controlKey: the skill only through the judge's rubric). Hex (sha256).
 */
export function resultCacheKey(item: PlanItem, config: Config): string {
  return contentHash(
    "result-cache",
    FORMAT,
    item.key,
    item.model,
    JSON.stringify(config.sampling[item.model] ?? null),
    config.maxTokens,
    config.maxTurns,
    Math.max(1, config.samples),
    Math.max(1, config.judge.samples),
    JSON.stringify(config.sampling[config.judge.model] ?? null),
    config.judge.maxTokens,
    // Not in the case hash (adding one keeps a case comparable with its baseline), but they decide the stored
    // grades and check results: a result graded against other expectations or checks is not this one.
    JSON.stringify(item.testCase.expectations ?? null),
    JSON.stringify(item.testCase.assert ?? null),
    // A control pair (no skill) is never the skill's own result, whatever else matches.
    ...(item.control ? ["control"] : []),
  );
}

interface Stored {
  format: number;
  key: string;
  storedAt: string;
  result: CaseResult;
}

export interface ResultCacheOptions {
  /** The cache folder: absolute, or relative to `root`. */
  path: string;
  root: string;
  maxAgeHours: number;
  now: () => Date;
  redactor: Redactor;
}

export class ResultCache {
  private constructor(
    readonly dir: string,
    private readonly options: ResultCacheOptions,
  ) {}

  /** The folder as given; a relative path (from the config) must stay inside the repository, links resolved. */
  static async open(options: ResultCacheOptions): Promise<ResultCache> {
    const dir = resolve(options.root, options.path);
    if (!isAbsolute(options.path)) {
      await mkdir(dir, { recursive: true });
      const [real, root] = await Promise.all([realpath(dir), realpath(options.root)]);
      const rel = relative(root, real);
      if (rel.startsWith("..") || isAbsolute(rel)) {
        throw new Error(`cache-path ${options.path} leads outside the repository (${rel.split(sep).join("/")}); not used`);
      }
      return new ResultCache(real, options);
    }
    return new ResultCache(dir, options);
  }

  private fileOf(key: string): string {
    if (!KEY.test(key)) throw new Error(`internal: result cache key ${JSON.stringify(key)} is not a sha256 hex key`);
    return join(this.dir, `${key}.json`);
  }

  /** The stored result for `key` when one exists, is a regular file, and is younger than the max age; else null. */
  async read(key: string, itemKey: string): Promise<CaseResult | null> {
    const file = this.fileOf(key);
    try {
      const info = await lstat(file);
      if (!info.isFile()) return null;
      const stored = JSON.parse(await readFile(file, "utf8")) as Partial<Stored>;
      if (stored.format !== FORMAT || stored.key !== key || typeof stored.storedAt !== "string") return null;
      const result = stored.result;
      if (typeof result !== "object" || result === null || result.key !== itemKey) return null;
      const ageMs = this.options.now().getTime() - Date.parse(stored.storedAt);
      if (!(ageMs >= 0 && ageMs < this.options.maxAgeHours * 3_600_000)) return null;
      return result;
    } catch {
      return null;
    }
  }

  /** Stores a result (redacted), atomically; returns a problem's message instead of throwing. */
  async write(key: string, result: CaseResult): Promise<string | null> {
    const file = this.fileOf(key);
    const temporary = join(this.dir, `.${key}.${randomBytes(6).toString("hex")}.tmp`);
    const { reused: _reused, ...fresh } = result;
    const stored: Stored = { format: FORMAT, key, storedAt: this.options.now().toISOString(), result: this.options.redactor.deep(fresh) };
    try {
      await mkdir(this.dir, { recursive: true });
      await writeFile(temporary, `${JSON.stringify(stored)}\n`, { flag: "wx" });
      await rename(temporary, file);
      return null;
    } catch (error) {
      await rm(temporary, { force: true }).catch(() => undefined);
      return messageOf(error);
    }
  }
}
