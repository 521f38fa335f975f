// Deterministic checks (a benchmark's `assert:` items): tests of a candidate output that need no model. Each is
// validated when the benchmark is read (a bad regex or JSON Schema is a file:line error) and run on a pair's
// first successful output once its cost and latency are known. A check that cannot be decided (the cost of a
// model without a price, the latency of a stored output) is recorded with `passed: null` and counts in no rate.
import { Ajv, type ValidateFunction } from "ajv";
import type { InputIssue } from "./errors.js";
import { issueAt, type YamlPath, type YamlSource } from "./yaml.js";
import type { CaseResult, CheckResult, CheckSpec, CheckType, ExpectationGrade } from "./types.js";
import { CHECK_TYPES, isOneOf } from "./types.js";

const TEXT_CHECKS = ["contains", "icontains", "not-contains", "equals", "starts-with", "files-read"] as const;
const PATTERN_CHECKS = ["regex", "not-regex"] as const;
const NUMBER_CHECKS = ["max-length", "min-length", "max-cost-usd", "max-latency-ms"] as const;

/** What `value` must be for each type, in the words of an error message. */
function expectedValue(type: CheckType): string {
  if ((TEXT_CHECKS as readonly string[]).includes(type)) return "a non-empty string";
  if ((PATTERN_CHECKS as readonly string[]).includes(type)) return "a regular expression (a string)";
  if ((NUMBER_CHECKS as readonly string[]).includes(type)) return "a number, 0 or more";
  if (type === "json-schema") return "a JSON Schema (a mapping)";
  return "nothing (is-json takes no value)";
}

let ajv: Ajv | null = null;
const compiled = new Map<string, ValidateFunction>();

/** The compiled JSON Schema of a json-schema check; throws when it is not a valid schema. */
function schemaValidator(schema: object): ValidateFunction {
  const key = JSON.stringify(schema);
  let validate = compiled.get(key);
  if (!validate) {
    ajv ??= new Ajv({ allErrors: true, strict: false });
    validate = ajv.compile(schema);
    if (compiled.size > 256) compiled.clear();
    compiled.set(key, validate);
  }
  return validate;
}

/**
 * The checks of an `assert:` list, or the problems with it, located in its YAML source (`path` is the list's path).
 * The list's shape (each item a mapping with a known `type`) is the benchmark schema's job; this checks each value
 * against its type: regexes compile, JSON Schemas compile, numbers are numbers.
 */
export function readChecks(source: YamlSource, path: YamlPath, raw: unknown): { checks: CheckSpec[]; issues: InputIssue[] } {
  const checks: CheckSpec[] = [];
  const issues: InputIssue[] = [];
  if (!Array.isArray(raw)) return { checks, issues };
  for (const [index, item] of raw.entries()) {
    if (!item || typeof item !== "object" || Array.isArray(item)) continue;
    const { type, value } = item as { type?: unknown; value?: unknown };
    if (!isOneOf(CHECK_TYPES, type)) continue; // the schema reports it
    const at = [...path, index, "value"];
    const problem = checkValueProblem(type, value);
    if (problem !== null) {
      issues.push(issueAt(source, at, `${type}: ${problem}`));
      continue;
    }
    checks.push(value === undefined || value === null ? { type, value: null } : { type, value: value as CheckSpec["value"] });
  }
  return { checks, issues };
}

/** Why a check's value does not suit its type (a regex that does not compile, a negative number...), or null. */
function checkValueProblem(type: CheckType, value: unknown): string | null {
  if ((TEXT_CHECKS as readonly string[]).includes(type)) {
    if (typeof value !== "string" || value === "") return `value must be ${expectedValue(type)}`;
  } else if ((PATTERN_CHECKS as readonly string[]).includes(type)) {
    if (typeof value !== "string" || value === "") return `value must be ${expectedValue(type)}`;
    try {
      new RegExp(value);
    } catch (error) {
      return `invalid regular expression: ${(error as Error).message.replace(/^Invalid regular expression: /, "")}`;
    }
  } else if ((NUMBER_CHECKS as readonly string[]).includes(type)) {
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) return `value must be ${expectedValue(type)}`;
  } else if (type === "json-schema") {
    if (!value || typeof value !== "object" || Array.isArray(value)) return `value must be ${expectedValue(type)}`;
    try {
      schemaValidator(value);
    } catch (error) {
      return `invalid JSON Schema: ${(error as Error).message}`;
    }
  } else if (value !== undefined && value !== null) {
    return `value must be ${expectedValue(type)}`;
  }
  return null;
}

/** What a check sees of a pair: its first successful output, that generation's cost and latency, the files read. */
export interface CheckSubject {
  output: string;
  costUsd: number | null;
  latencyMs: number | null;
  /** Null when not known (a stored output): files-read is then not decided. */
  filesRead: readonly string[] | null;
}

function short(text: string): string {
  const flat = text.replace(/\s+/g, " ");
  return flat.length > 60 ? `${flat.slice(0, 60)}…` : flat;
}

/** Runs one check. Never throws: a check whose input is unusable fails with a message that says why. */
export function runCheck(spec: CheckSpec, subject: CheckSubject): CheckResult {
  const { type, value } = spec;
  const result = (passed: boolean | null, message: string): CheckResult => ({ type, value, passed, message });
  const { output } = subject;
  const text = typeof value === "string" ? value : "";
  const limit = typeof value === "number" ? value : 0;
  switch (type) {
    case "contains":
      return output.includes(text) ? result(true, `contains "${short(text)}"`) : result(false, `does not contain "${short(text)}"`);
    case "icontains":
      return output.toLowerCase().includes(text.toLowerCase())
        ? result(true, `contains "${short(text)}" (ignoring case)`)
        : result(false, `does not contain "${short(text)}" (ignoring case)`);
    case "not-contains":
      return output.includes(text) ? result(false, `contains "${short(text)}"`) : result(true, `does not contain "${short(text)}"`);
    case "equals":
      return output.trim() === text.trim() ? result(true, "equals the value") : result(false, `is "${short(output)}", not "${short(text)}"`);
    case "starts-with":
      return output.trimStart().startsWith(text)
        ? result(true, `starts with "${short(text)}"`)
        : result(false, `starts with "${short(output.trimStart())}", not "${short(text)}"`);
    case "regex":
    case "not-regex": {
      const match = new RegExp(text).exec(output);
      const found = match === null ? `no match of /${short(text)}/` : `matches /${short(text)}/ at "${short(match[0])}"`;
      return result(type === "regex" ? match !== null : match === null, found);
    }
    case "is-json":
    case "json-schema": {
      let data: unknown;
      try {
        data = JSON.parse(jsonText(output));
      } catch (error) {
        return result(false, `is not JSON (${(error as Error).message})`);
      }
      if (type === "is-json") return result(true, "is JSON");
      const validate = schemaValidator(value as object);
      if (validate(data)) return result(true, "fits the JSON Schema");
      const problems = (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? "is invalid"}`).slice(0, 3);
      return result(false, `does not fit the JSON Schema: ${problems.join("; ")}`);
    }
    case "max-length":
    case "min-length": {
      const length = [...output].length;
      const ok = type === "max-length" ? length <= limit : length >= limit;
      return result(ok, `${length} characters (${type === "max-length" ? "at most" : "at least"} ${limit})`);
    }
    case "max-cost-usd":
      if (subject.costUsd === null) return result(null, "cost unknown (no price for the model, or a stored output): not checked");
      return result(subject.costUsd <= limit + 1e-12, `cost $${subject.costUsd.toFixed(6)} (at most $${limit})`);
    case "max-latency-ms":
      if (subject.latencyMs === null) return result(null, "latency unknown (a stored output): not checked");
      return result(subject.latencyMs <= limit, `latency ${subject.latencyMs} ms (at most ${limit} ms)`);
    case "files-read": {
      if (subject.filesRead === null) return result(null, "files read unknown (a stored output): not checked");
      const read = subject.filesRead.includes(text);
      const list = subject.filesRead.length === 0 ? "none" : subject.filesRead.join(", ");
      return result(read, read ? `read ${text}` : `did not read ${text} (read: ${list})`);
    }
  }
}

/** A JSON answer as models often wrap it: inside one fenced code block. */
function jsonText(output: string): string {
  const fenced = /^\s*```(?:json)?\s*\n([\s\S]*?)\n\s*```\s*$/i.exec(output);
  return fenced?.[1] ?? output;
}

export function runChecks(specs: readonly CheckSpec[], subject: CheckSubject): CheckResult[] {
  return specs.map((spec) => runCheck(spec, subject));
}

/** The key that matches a check across runs (type and value). */
export function checkKey(check: Pick<CheckSpec, "type" | "value">): string {
  return JSON.stringify([check.type, check.value]);
}

/** Share (0-1) of decided items that passed; null when none was decided. */
export function passFraction(items: readonly { passed: boolean | null }[] | undefined): number | null {
  const decided = (items ?? []).filter((item) => item.passed !== null);
  return decided.length === 0 ? null : decided.filter((item) => item.passed === true).length / decided.length;
}

/**
 * The per-case pass fraction change (points, head minus base) over the items both sides graded, matched by `key`;
 * null when they share none. Comparing only common items keeps an added or removed check from looking like a change.
 */
export function pairedPassDelta<T extends { passed: boolean | null }>(
  head: readonly T[] | undefined,
  base: readonly T[] | undefined,
  key: (item: T) => string,
): { head: number; base: number } | null {
  const before = new Map<string, boolean>();
  for (const item of base ?? []) if (item.passed !== null) before.set(key(item), item.passed);
  let now = 0;
  let then = 0;
  let n = 0;
  for (const item of head ?? []) {
    if (item.passed === null) continue;
    const was = before.get(key(item));
    if (was === undefined) continue;
    n += 1;
    if (item.passed) now += 1;
    if (was) then += 1;
  }
  return n === 0 ? null : { head: (now / n) * 100, base: (then / n) * 100 };
}

/** Mean over results of their per-case pass fractions (0-1); null when no result has a decided item. */
export function passRate(results: readonly CaseResult[], field: "expectations" | "checks"): number | null {
  const fractions = results
    .map((result) => passFraction(field === "expectations" ? result.expectations : result.checks))
    .filter((f): f is number => f !== null);
  return fractions.length === 0 ? null : fractions.reduce((a, b) => a + b, 0) / fractions.length;
}

/** Expectations that passed on the base and fail on the head, with the head's evidence. */
export function flippedExpectations(
  head: readonly ExpectationGrade[] | undefined,
  base: readonly { text: string; passed: boolean }[] | undefined,
): ExpectationGrade[] {
  const passedBefore = new Set((base ?? []).filter((e) => e.passed).map((e) => e.text));
  return (head ?? []).filter((e) => !e.passed && passedBefore.has(e.text));
}

/**
 * What a baseline entry keeps of a result's grades and checks (for the per-item pairing of pass rates): expectation
 * texts with passed, check types and values with passed; absent fields when the result has none.
 */
export function storedPassItems(result: Pick<CaseResult, "expectations" | "checks">): {
  expectations?: { text: string; passed: boolean }[];
  checks?: { type: CheckType; value: CheckSpec["value"]; passed: boolean | null }[];
} {
  return {
    ...(result.expectations && result.expectations.length > 0
      ? { expectations: result.expectations.map(({ text, passed }) => ({ text, passed })) }
      : {}),
    ...(result.checks && result.checks.length > 0 ? { checks: result.checks.map(({ type, value, passed }) => ({ type, value, passed })) } : {}),
  };
}

/** Whether a value read from a baseline file is a list of stored expectation grades. */
export function isStoredExpectations(value: unknown): value is { text: string; passed: boolean }[] {
  return Array.isArray(value) && value.every((e) => !!e && typeof e === "object" && typeof e.text === "string" && typeof e.passed === "boolean");
}

/** Whether a value read from a baseline file is a list of stored check outcomes. */
export function isStoredChecks(value: unknown): value is { type: CheckType; value: CheckSpec["value"]; passed: boolean | null }[] {
  return (
    Array.isArray(value) &&
    value.every((c) => !!c && typeof c === "object" && isOneOf(CHECK_TYPES, c.type) && (typeof c.passed === "boolean" || c.passed === null))
  );
}
