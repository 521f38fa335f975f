// The files on the baseline branch: what an older skillbench wrote still reads, writing it again gives the same
// bytes, and a damaged file is named with the field that is wrong.

import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { contributionFromReport } from "../src/baseline/contribution.js";
import { emptyBranchData, filesForWrite, historyFileFor, skillFileFor } from "../src/baseline/format.js";
import { applyRun } from "../src/baseline/merge.js";
import { parseBranch, toSnapshot } from "../src/baseline/read.js";
import { FIXTURE_HISTORY_LIMIT, FIXTURE_SKILL_A, FIXTURE_SKILL_B, fixtureRuns } from "./support/baseline-fixture.js";

const FIXTURE_DIR = join(import.meta.dirname, "fixtures", "baseline-v1");

/** The fixture branch: repository-relative POSIX path -> text. */
function fixtureFiles(): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string, depth: number): void => {
    if (depth > 3) throw new Error(`fixture nested too deep at ${dir}`);
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full, depth + 1);
      else files.set(relative(FIXTURE_DIR, full).split("\\").join("/"), readFileSync(full, "utf8"));
    }
  };
  walk(FIXTURE_DIR, 0);
  return files;
}

describe("baseline files written before the layout split", () => {
  it("read back without problems, with every kind of entry intact", () => {
    const files = fixtureFiles();
    expect([...files.keys()].sort()).toEqual(
      [
        "README.md",
        "runs.json",
        skillFileFor(FIXTURE_SKILL_A),
        skillFileFor(FIXTURE_SKILL_B),
        historyFileFor(FIXTURE_SKILL_A),
        historyFileFor(FIXTURE_SKILL_B),
      ].sort(),
    );
    const parsed = parseBranch(files);
    expect(parsed.problems).toEqual([]);
    expect([...parsed.data.runs.keys()]).toEqual(["run-2026-10-01", "run-2026-10-02", "run-2026-10-03"]);
    expect(parsed.data.maxSeq).toBe(3);

    const a = parsed.data.skills.get(FIXTURE_SKILL_A);
    expect(a?.entries.map((e) => [e.caseId, e.model, e.recordedAt, e.error])).toEqual([
      ["case-1", "claude-haiku-4-5", "2026-10-03T03:00:00.000Z", "HTTP 500 from the API"],
      ["case-1", "claude-sonnet-5", "2026-10-03T03:00:00.000Z", null],
      ["case-2", "claude-haiku-4-5", "2026-10-02T03:00:00.000Z", null],
      ["case-2", "claude-sonnet-5", "2026-10-03T03:00:00.000Z", null],
    ]);
    const rich = a?.entries[1];
    expect(rich?.output).toBe('Résumé: ✓ done "quoted"\nsecond line');
    expect(rich?.expectations).toEqual([
      { text: "names the owner", passed: true },
      { text: "gives a date", passed: false },
    ]);
    expect(rich?.checks?.map((c) => [c.type, c.value, c.passed])).toEqual([
      ["contains", "Résumé", true],
      ["max-latency-ms", 2000, null],
      ["is-json", null, false],
      ["json-schema", { type: "object", required: ["a"] }, false],
    ]);
    expect(a?.entries[3]).toMatchObject({ outputTruncated: true, quality: 61.25, latencyMs: 1234.5 });
    expect(Buffer.byteLength(a?.entries[3]?.output ?? "", "utf8")).toBeLessThanOrEqual(16 * 1024);
    expect(a?.entries[0]).toMatchObject({ output: null, judgements: 0, quality: null, costUsd: null });
    expect(parsed.data.skills.get(FIXTURE_SKILL_B)?.entries[0]).toMatchObject({ model: "vendor/claude-x", judgements: 3 });

    const snapshot = toSnapshot("skillbench-baseline", "abc", parsed);
    const haiku = snapshot.history.filter((p) => p.skill === FIXTURE_SKILL_A && p.model === "claude-haiku-4-5");
    expect(haiku.map((p) => [p.runId, p.metrics.quality, p.metrics.costUsd])).toEqual([
      ["run-2026-10-01", 70.1, 0.004],
      ["run-2026-10-03", null, null],
    ]);
    const sql = snapshot.history.filter((p) => p.skill === FIXTURE_SKILL_B);
    expect(sql.map((p) => [p.runId, p.model, p.metrics.costUsd, p.metrics.latencyMsP50])).toEqual([
      ["run-2026-10-01", "vendor/claude-x", 0, 1500],
      ["run-2026-10-03", "vendor/claude-x", 0.000123457, 813],
    ]);
  });

  it("are written back byte for byte", () => {
    const files = fixtureFiles();
    const parsed = parseBranch(files);
    const written = filesForWrite(parsed.data, [FIXTURE_SKILL_A, FIXTURE_SKILL_B]);
    expect([...written.keys()].sort()).toEqual([...files.keys()].sort());
    for (const [file, text] of written) expect(text, file).toBe(files.get(file));
  });

  it("are what recording the same runs writes today", () => {
    let data = emptyBranchData();
    const touched = new Set<string>();
    for (const [runId, report] of fixtureRuns()) {
      const contribution = contributionFromReport(report, runId);
      data = applyRun(data, data, contribution, FIXTURE_HISTORY_LIMIT);
      for (const item of contribution.skills) touched.add(item.skill);
    }
    const files = fixtureFiles();
    const written = filesForWrite(data, touched);
    expect([...written.keys()].sort()).toEqual([...files.keys()].sort());
    for (const [file, text] of written) expect(text, file).toBe(files.get(file));
  });
});

/** Marks a field to delete rather than set. */
const REMOVE = Symbol("remove");

/** A damage to one fixture file: the field at `path` of its JSON set to `value` (or removed), and the message. */
type Damage = [name: string, file: string, path: (string | number)[], value: unknown, message: string];

/** Sets (or removes) the field at `path` inside parsed JSON, in place. */
function damage(json: unknown, path: (string | number)[], value: unknown): void {
  let node = json;
  for (const [i, step] of path.entries()) {
    if (typeof node !== "object" || node === null) throw new Error(`no ${path.slice(0, i).join(".")} in the fixture`);
    if (i < path.length - 1) node = Reflect.get(node, step);
    else if (value === REMOVE) Reflect.deleteProperty(node, step);
    else Reflect.set(node, step, value);
  }
}

const SKILL_A_FILE = skillFileFor(FIXTURE_SKILL_A);
const HISTORY_A_FILE = historyFileFor(FIXTURE_SKILL_A);
const HISTORY_B_FILE = historyFileFor(FIXTURE_SKILL_B);

const DAMAGES: Damage[] = [
  ["a time that is not one", SKILL_A_FILE, ["entries", 2, "recordedAt"], "yesterday", 'entries[2].recordedAt must be an ISO time, found "yesterday"'],
  ["a missing field", SKILL_A_FILE, ["entries", 0, "caseHash"], REMOVE, "entries[0].caseHash must be a string, found nothing"],
  ["a wrong header field", SKILL_A_FILE, ["commit"], 7, "commit must be a string or null, found 7"],
  ["entries not a list", SKILL_A_FILE, ["entries"], {}, "entries must be a list of entries, found an object"],
  ["a fractional judgement count", SKILL_A_FILE, ["entries", 3, "judgements"], 1.5, "entries[3].judgements must be a whole number, 0 or more, found 1.5"],
  ["an unknown check type", SKILL_A_FILE, ["entries", 1, "checks", 2, "type"], "bogus", "entries[1].checks[2].type must be one of contains, icontains,"],
  ["a check value of the wrong kind", SKILL_A_FILE, ["entries", 1, "checks", 3, "value"], [1, 2], "entries[1].checks[3].value must be a string, a number, an object or null, found a list of 2"],
  ["an expectation grade that is not a boolean", SKILL_A_FILE, ["entries", 1, "expectations", 0, "passed"], "yes", 'entries[1].expectations[0].passed must be true or false, found "yes"'],
  ["a long string where a score belongs", SKILL_A_FILE, ["entries", 0, "quality"], `secret-${"x".repeat(500)}`, 'entries[0].quality must be a number or null, found "secret-xxxx'],
  ["a score that is not a number", HISTORY_A_FILE, ["models", "claude-sonnet-5", "quality", 1], "high", 'models["claude-sonnet-5"].quality[1] must be a number or null, found "high"'],
  ["a scale of zero", HISTORY_A_FILE, ["scale", "costUsd"], 0, "scale.costUsd must be a positive number, found 0"],
  ["a missing column", HISTORY_A_FILE, ["models", "claude-haiku-4-5", "recall"], REMOVE, 'models["claude-haiku-4-5"].recall must be a list of numbers or nulls, found nothing'],
  ["a column of the wrong length", HISTORY_A_FILE, ["models", "claude-sonnet-5", "quality"], [800], 'models["claude-sonnet-5"].quality must hold 3 numbers or nulls (one per run in "at")'],
  ["an empty run span", HISTORY_A_FILE, ["runs"], [[1, 0]], "runs[0][1] must be a whole number, 1 or more, found 0"],
  ["a span that is not a pair, under a model id with a slash", HISTORY_B_FILE, ["models", "vendor/claude-x", "at"], [[0]], 'models["vendor/claude-x"].at[0] must be a [first, count] pair, found a list of 1'],
  ["an unknown mode", "runs.json", ["runs", 1, 4], "nightly", 'runs[1][4] must be "pr" or "baseline", found "nightly"'],
  ["a short row", "runs.json", ["runs", 0], [1, "x"], "runs[0] must be a row of 5 values (seq, id, commit, time, mode), found a list of 2"],
  ["a run seq used twice", "runs.json", ["runs", 2, 0], 1, "runs[2][0] must be a run seq no other row has, found 1 again"],
  ["other columns", "runs.json", ["columns"], ["seq"], 'columns must be ["seq","id","commit","time","mode"], found a list of 1'],
];

describe("a damaged baseline file is named with the field that is wrong, and left out", () => {
  it.each(DAMAGES)("%s", (_name, file, path, value, message) => {
    const files = fixtureFiles();
    const json: unknown = JSON.parse(files.get(file) ?? "null");
    damage(json, path, value);
    files.set(file, JSON.stringify(json, null, 2));
    const snapshot = toSnapshot("skillbench-baseline", "abc", parseBranch(files));

    expect(snapshot.errors.map((e) => e.file)).toEqual([file]);
    const error = snapshot.errors[0];
    expect(error?.message.startsWith(`skillbench-baseline:${file}: ${message}`), error?.message).toBe(true);
    expect(error?.message).toMatch(/; (the skill is|all history is|the skill's history is) treated as .*next baseline write/);
    expect(error?.message.length).toBeLessThan(400);
    if (file === SKILL_A_FILE) {
      expect(error?.skill).toBe(FIXTURE_SKILL_A);
      expect([...snapshot.skills.keys()]).toEqual([FIXTURE_SKILL_B]);
      expect(snapshot.history).toHaveLength(7);
    } else if (file === "runs.json") {
      expect(error?.skill).toBeNull();
      expect(snapshot.history).toEqual([]);
      expect(snapshot.skills.size).toBe(2);
    } else {
      const damaged = file === HISTORY_A_FILE ? FIXTURE_SKILL_A : FIXTURE_SKILL_B;
      expect(error?.skill).toBe(damaged);
      expect(snapshot.history.some((p) => p.skill === damaged)).toBe(false);
      expect(snapshot.history.length).toBeGreaterThan(0);
      expect(snapshot.skills.size).toBe(2);
    }
  });

  it("reads fields it does not know, and nulls in fields older files lack, as before", () => {
    const files = fixtureFiles();
    const json: unknown = JSON.parse(files.get(SKILL_A_FILE) ?? "null");
    damage(json, ["addedLater"], { by: "a newer skillbench" });
    damage(json, ["entries", 0, "addedLater"], true);
    damage(json, ["entries", 0, "judgements"], null);
    damage(json, ["entries", 0, "outputTruncated"], null);
    damage(json, ["entries", 2, "output"], REMOVE);
    files.set(SKILL_A_FILE, JSON.stringify(json));
    const parsed = parseBranch(files);
    expect(parsed.problems).toEqual([]);
    const entries = parsed.data.skills.get(FIXTURE_SKILL_A)?.entries ?? [];
    expect(entries[0]).not.toHaveProperty("addedLater");
    expect(entries[0]).not.toHaveProperty("outputTruncated");
    expect(entries[0]?.judgements).toBe(1);
    expect(entries[2]?.output).toBeNull();
  });
});
