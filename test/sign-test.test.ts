// The exact sign test, pairwise agreement, and the size cap of stored outputs.
import { describe, expect, it } from "vitest";
import { storedOutput, STORED_OUTPUT_MAX_BYTES } from "../src/baseline/contribution.js";
import { serializeSkillBaseline } from "../src/baseline/format.js";
import { parseSkillBaseline } from "../src/baseline/read.js";
import { pairwisePreference } from "../src/judge.js";
import { binomialHalfCdf, signTestPValue } from "../src/sign-test.js";

describe("signTestPValue (two-sided, exact binomial, ties left out)", () => {
  it.each([
    [0, 0, 1],
    [5, 0, 0.0625],
    [0, 5, 0.0625],
    [6, 1, 0.125],
    [10, 2, 158 / 4096],
    [3, 3, 1],
    [20, 0, 2 / 2 ** 20],
  ])("%i wins, %i losses -> %f", (wins, losses, p) => {
    expect(signTestPValue(wins, losses)).toBeCloseTo(p, 12);
  });

  it("matches a large n computed by hand within float precision and rejects bad counts", () => {
    // P(X <= 40) for n = 100: 0.02844396682049039 (exact binomial).
    expect(binomialHalfCdf(40, 100)).toBeCloseTo(0.02844396682049039, 12);
    expect(() => signTestPValue(-1, 2)).toThrow(/wins/);
    expect(() => signTestPValue(1, 0.5)).toThrow(/losses/);
  });
});

describe("pairwisePreference", () => {
  it.each([
    ["B", "A", "win"],
    ["A", "B", "loss"],
    ["A", "A", "tie"],
    ["B", "B", "tie"],
    ["tie", "A", "tie"],
    ["tie", "tie", "tie"],
  ] as const)("base first says %s, head first says %s -> %s", (baseFirst, headFirst, expected) => {
    expect(pairwisePreference(baseFirst, headFirst)).toBe(expected);
  });
});

describe("stored outputs on the baseline branch", () => {
  it("are capped at 16 KB of UTF-8 at a character boundary and marked truncated", () => {
    expect(storedOutput("short")).toEqual({ output: "short", truncated: false });
    const long = "é".repeat(STORED_OUTPUT_MAX_BYTES); // 2 bytes each
    const cut = storedOutput(long);
    expect(cut.truncated).toBe(true);
    expect(Buffer.byteLength(cut.output ?? "", "utf8")).toBe(STORED_OUTPUT_MAX_BYTES);
    expect(storedOutput("😀😀", 6)).toEqual({ output: "😀", truncated: true });
  });

  it("older files without outputs read as no output and one judgement; new ones round-trip", () => {
    const entry = {
      key: "k", caseId: "c", caseHash: "h", model: "m", skillHash: "s", judgeKey: "j",
      quality: 80, faithfulness: 80, relevancy: 80, precision: 80, recall: 80, matchesExpected: null,
      costUsd: null, latencyMs: null, error: null, recordedAt: "2026-01-01T00:00:00.000Z", commit: null,
    };
    const old = JSON.stringify({ schemaVersion: 1, skill: "a.md", skillHash: "s", updatedAt: entry.recordedAt, commit: null, entries: [entry] });
    const parsed = parseSkillBaseline(old);
    expect(parsed.ok && parsed.value.entries[0]).toMatchObject({ output: null, judgements: 1 });
    const written = serializeSkillBaseline({ skill: "a.md", skillHash: "s", updatedAt: entry.recordedAt, commit: null, entries: [{ ...entry, output: "x", outputTruncated: true, judgements: 3 }] });
    const back = parseSkillBaseline(written);
    expect(back.ok && back.value.entries[0]).toMatchObject({ output: "x", outputTruncated: true, judgements: 3 });
    const bad = parseSkillBaseline(written.replace('"judgements":3', '"judgements":-1'));
    expect(bad.ok ? "" : bad.message).toMatch(/entries\[0\]\.judgements must be a whole number/);
  });
});
