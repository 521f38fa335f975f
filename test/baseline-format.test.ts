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
