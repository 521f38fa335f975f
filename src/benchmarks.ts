// Benchmark loading: a YAML benchmark file (skill, models, control, cases) or a skill folder's evals/evals.json
// (Anthropic skill-creator's format) read into a Benchmark, with case ids and content hashes. Every problem is
// returned as a located issue; project.ts decides what stops the run.
import path from "node:path";
import { readChecks } from "./checks.js";
import type { InputIssue } from "./errors.js";
import { contentHash, sha256Hex } from "./hash.js";
import { formatBytes, type RepoFiles } from "./repo-files.js";
import { BENCHMARK_SCHEMA, EVALS_SCHEMA } from "./schemas.js";
import { AGENT_SKILL_FILE, repoRelativePath } from "./skills.js";
import type { Benchmark, BenchmarkCase, Config, TriggerSpec } from "./types.js";
import { isRecord } from "./util.js";
import { issueAt, parseYaml, positionOf, sortIssues, yamlValidator, type YamlSource } from "./yaml.js";

const validateBenchmark = yamlValidator(BENCHMARK_SCHEMA);
const validateEvals = yamlValidator(EVALS_SCHEMA);

/** Where a benchmark names its skill, for messages about that skill. */
export interface SkillReference {
  skillPath: string;
  benchmark: string;
  source: YamlSource;
}

export interface BenchmarkRead {
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

export async function readBenchmark(repo: RepoFiles, file: string, limits: Config["limits"]): Promise<BenchmarkRead> {
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
  // The schema's verdict types the file when it passes; the walk below also reads a file that fails, leniently,
  // so that its other problems (duplicate ids, oversized inputs) are listed in the same run.
  const checked = validateBenchmark(source, value);
  const issues: InputIssue[] = [...checked.issues];
  const raw = isRecord(value) ? value : {};

  let reference: SkillReference | null = null;
  if (typeof raw["skill"] === "string" && raw["skill"] !== "") {
    const relative = repoRelativePath(raw["skill"]);
    if ("problem" in relative) issues.push(issueAt(source, ["skill"], relative.problem));
    else reference = { skillPath: relative.path, benchmark: file, source };
  }

  const cases: BenchmarkCase[] = [];
  const seen = new Map<string, { line: number; derived: boolean }>();
  const rawCases: unknown[] = Array.isArray(raw["cases"]) ? raw["cases"] : [];
  const shared = readChecks(source, ["assert"], raw["assert"]);
  issues.push(...shared.issues);
  rawCases.forEach((item, index) => {
    if (!isRecord(item)) return;
    const { id, input, expected, expectations, assert } = item;
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

  const valid = checked.value;
  if (issues.length > 0 || !reference || !valid) return { benchmark: null, reference, models: { source, value: raw["models"] }, issues: sortIssues(issues) };
  const models = valid.models ? [...valid.models] : null;
  const control = valid.control ?? null;
  const benchmark: Benchmark = { path: file, skillPath: reference.skillPath, models, cases, control, ...(triggers.spec ? { triggers: triggers.spec } : {}) };
  return { benchmark, reference, models: { source, value: raw["models"] }, issues: [] };
}

/**
 * A benchmark's `triggers:` ({should, should-not}: lists of queries). The schema already refused non-lists, empty
 * strings and repeats within a list; a query in both lists, or no query at all, is refused here.
 */
function readTriggers(source: YamlSource, value: unknown): { spec: TriggerSpec | null; issues: InputIssue[] } {
  if (!isRecord(value)) return { spec: null, issues: [] };
  const list = (key: string): unknown[] => {
    const items = value[key];
    return Array.isArray(items) ? items : [];
  };
  const queries = (key: string): string[] => list(key).filter((q): q is string => typeof q === "string" && q.trim() !== "");
  const should = queries("should");
  const shouldNot = queries("should-not");
  const issues: InputIssue[] = [];
  // Only when the schema has nothing to say about it (unknown keys, bad items): one problem, one message.
  const onlyKnownKeys = Object.keys(value).every((key) => key === "should" || key === "should-not");
  const empty = (key: string) => value[key] === undefined || (Array.isArray(value[key]) && list(key).length === 0);
  if (onlyKnownKeys && empty("should") && empty("should-not")) {
    issues.push(issueAt(source, ["triggers"], 'lists no query: give "should" and/or "should-not" queries, or remove the key', "key"));
  }
  list("should-not").forEach((query, index) => {
    if (typeof query === "string" && should.includes(query)) {
      issues.push(issueAt(source, ["triggers", "should-not", index], `"${query.slice(0, 60)}" is also a "should" query`));
    }
  });
  const { line } = positionOf(source, ["triggers"], "key");
  return { spec: issues.length > 0 ? null : { should, shouldNot, line }, issues };
}

/**
 * A skill folder's evals/evals.json (Anthropic skill-creator's format) as a benchmark of that skill: `prompt` is the
 * input, `expected_output` the reference, `files` are readable through read_file, `expectations` (or agentskills.io's
 * `assertions`) are kept on the case for grading. JSON is YAML, so problems are located with the same helpers.
 */
export async function readEvals(repo: RepoFiles, file: string, limits: Config["limits"]): Promise<BenchmarkRead & { warnings: InputIssue[] }> {
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
  const issues: InputIssue[] = [...validateEvals(source, value).issues];
  const warnings: InputIssue[] = [];
  const raw = isRecord(value) ? value : {};
  const folderName = path.posix.basename(skillDir);
  if (typeof raw["skill_name"] === "string" && raw["skill_name"] !== folderName) {
    warnings.push(issueAt(source, ["skill_name"], `"${raw["skill_name"]}" is not the skill's folder name "${folderName}"; the evals run on ${skillPath}`));
  }
  const reference: SkillReference = { skillPath, benchmark: file, source };
  const cases: BenchmarkCase[] = [];
  const seen = new Map<string, number>();
  const rawEvals: unknown[] = Array.isArray(raw["evals"]) ? raw["evals"] : [];
  for (const [index, item] of rawEvals.entries()) {
    if (!isRecord(item)) continue;
    const entry = item;
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

