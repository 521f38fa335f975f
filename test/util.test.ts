import { describe, expect, it } from "vitest";
import { mean } from "../src/stats.js";
import { byMetric, escapeRegExp, isInside, isRecord } from "../src/util.js";

describe("shared helpers", () => {
  it("byMetric keeps the report's key order: quality, then the four dimensions", () => {
    expect(Object.keys(byMetric(() => 0))).toEqual(["quality", "faithfulness", "relevancy", "precision", "recall"]);
    expect(byMetric((m) => m.length)).toMatchObject({ quality: 7, recall: 6 });
  });

  it("isInside: a repository path inside a folder, the root holding all", () => {
    expect(isInside("skills/a/SKILL.md", "skills/a")).toBe(true);
    expect(isInside("skills/ab/SKILL.md", "skills/a")).toBe(false);
    expect(isInside("skills/a", "skills/a")).toBe(false);
    expect(isInside("x.md", ".")).toBe(true);
    expect(isInside("skills/a/x", "./skills/a/")).toBe(true);
  });

  it("escapeRegExp, isRecord, mean", () => {
    expect(new RegExp(`^${escapeRegExp("a.b*[c]/(d)")}$`).test("a.b*[c]/(d)")).toBe(true);
    expect(new RegExp(escapeRegExp("a.b")).test("axb")).toBe(false);
    expect([isRecord({}), isRecord([]), isRecord(null), isRecord("x")]).toEqual([true, false, false, false]);
    expect(mean([1, null, 3, Number.NaN])).toBe(2);
    expect(mean([null])).toBeNull();
  });
});
