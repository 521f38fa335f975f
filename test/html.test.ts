import { describe, expect, it } from "vitest";
import { tokenize, wordDiff } from "../src/report/diff.js";
import { baseCaseKey, baseCasesFromSnapshot, esc, renderHtmlReport } from "../src/report/html.js";
import { Redactor } from "../src/redact.js";
import { writeHtmlReport } from "../src/report/write.js";
import type { BaselineSnapshot } from "../src/types.js";
import { caseResult, compared, historyRuns, report, skillReport } from "./support/report-factory.js";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

const SKILL = "skills/summarize-thread/SKILL.md";
const ATTACK = `<script>window.__pwned=1</script> "><img src=x onerror="window.__pwned=2"> '><svg onload=alert(1)>`;

function join2(parts: { op: string; text: string }[], keep: string): string {
  return parts.filter((p) => p.op === "same" || p.op === keep).map((p) => p.text).join("");
}

describe("wordDiff", () => {
  const cases: [string, string][] = [
    ["the quick brown fox", "the slow brown fox"],
    ["", "new text"],
    ["old text", ""],
    ["a b c d e", "a c e f"],
    ["same\n\nlines", "same\n\nlines"],
    ["word  spacing changed", "word spacing changed"],
    ["  leading space", "leading space "],
    ["end.", "end. more"],
  ];
  it.each(cases)("gives both texts back: %j -> %j", (base, head) => {
    const parts = wordDiff(base, head);
    expect(join2(parts, "del")).toBe(base);
    expect(join2(parts, "ins")).toBe(head);
  });

  it("marks only the changed words", () => {
    expect(wordDiff("the quick brown fox", "the slow brown fox")).toEqual([
      { op: "same", text: "the " },
      { op: "del", text: "quick " },
      { op: "ins", text: "slow " },
      { op: "same", text: "brown fox" },
    ]);
  });

  it("finds a common subsequence in the middle", () => {
    const parts = wordDiff("a b c d e", "a c e f");
    expect(parts.filter((p) => p.op === "del").map((p) => p.text.trim())).toEqual(["b", "d"]);
    expect(parts.filter((p) => p.op === "ins").map((p) => p.text.trim())).toEqual(["f"]);
  });

  it("replaces a middle too large for the table instead of building it", () => {
    const base = Array.from({ length: 50 }, (_, i) => `a${i}`).join(" ");
    const head = Array.from({ length: 50 }, (_, i) => `b${i}`).join(" ");
    const parts = wordDiff(`start ${base} end`, `start ${head} end`, 100);
    expect(parts.map((p) => p.op)).toEqual(["same", "del", "ins", "same"]);
    expect(tokenize("a  b\nc").join("")).toBe("a  b\nc");
  });
});

describe("renderHtmlReport", () => {
  const regressed = compared("claude-sonnet-5", { quality: 60 }, { quality: 80 }, { regressed: true, regressions: ["quality −20.0 (threshold 5)"] });
  const fine = compared("claude-haiku-4-5", { quality: 81 }, { quality: 80 });
  const theReport = report({
    skills: [
      skillReport({
        skill: SKILL,
        models: [regressed, fine],
        results: [
          caseResult({ caseId: "c1", model: "claude-sonnet-5", output: `The answer is wrong now. ${ATTACK}`, quality: 40, judgeNotes: `Dropped the date. ${ATTACK}` }),
          caseResult({ caseId: "c1", model: "claude-haiku-4-5", output: "Fine answer.", quality: 82 }),
          caseResult({ caseId: "c2", model: "claude-haiku-4-5", output: null, error: `HTTP 500 ${ATTACK}`, judged: false, quality: null }),
        ],
      }),
    ],
  });
  const baseCases = new Map([
    [baseCaseKey(SKILL, "c1", "claude-sonnet-5"), { output: "The answer is right.", quality: 85 }],
    [baseCaseKey(SKILL, "c1", "claude-haiku-4-5"), { quality: 80 }],
  ]);

  it("escapes every untrusted text: outputs, notes and errors are shown, never parsed as markup", () => {
    const html = renderHtmlReport(theReport, { baseCases });
    // One script element (ours) and no element an output could have introduced.
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).not.toMatch(/<img|<svg onload|onerror="/);
    expect(html).toContain("&lt;script&gt;window.__pwned=1&lt;/script&gt;");
    expect(html).toContain("&quot;&gt;&lt;img src=x onerror=&quot;window.__pwned=2&quot;&gt;");
    expect(esc(`<a href="x" title='y'>&`)).toBe("&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;");
  });

  it("allows only its own script, by hash, and no network", () => {
    const html = renderHtmlReport(theReport);
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1] ?? "";
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(csp).not.toMatch(/unsafe-inline'[^;]*script|script-src[^;]*unsafe-inline/);
    expect(html).not.toMatch(/(src|href)="https?:/);
  });

  it("shows the base output beside the head output with a word diff, or says it was not stored", () => {
    const html = renderHtmlReport(theReport, { baseCases });
    expect(html).toContain("<del>right.</del>");
    expect(html).toMatch(/<ins>wrong now\. /);
    expect(wordDiff("end.", "end. more")).toEqual([{ op: "same", text: "end." }, { op: "ins", text: " more" }]);
    expect(html).toContain("base output not stored");
    expect(html).toContain('id="verdict">regressed<');
    // The case that dropped most comes first and is open.
    expect(html.indexOf("quality 40.0")).toBeLessThan(html.indexOf("quality 82.0"));
    expect(html).toMatch(/<details class="case" data-skill="0" data-model="claude-sonnet-5" data-regressed="true" open>/);
  });

  it("draws the trend as inline SVG when the history has the skill", () => {
    const history = historyRuns({ runs: 3, skills: [SKILL], models: ["claude-sonnet-5", "claude-haiku-4-5"] });
    const html = renderHtmlReport(theReport, { history });
    expect(html).toContain("<svg viewBox");
    expect(html.match(/<polyline/g)).toHaveLength(2);
    expect(renderHtmlReport(theReport)).toContain("No trend yet");
  });

  it("reads base outputs from a baseline snapshot when its entries carry them", () => {
    const entry = { key: "k", caseId: "c1", caseHash: "h", model: "m", skillHash: "s", judgeKey: "j", matchesExpected: null, costUsd: null, latencyMs: null, error: null, recordedAt: "", commit: null, quality: 70, faithfulness: null, relevancy: null, precision: null, recall: null };
    const snapshot: BaselineSnapshot = {
      branch: "b", commit: null, found: true, history: [], errors: [],
      skills: new Map([[SKILL, { skill: SKILL, skillHash: "s", updatedAt: "", commit: null, entries: [{ ...entry, output: "old answer" } as typeof entry, { ...entry, caseId: "c2" }] }]]),
    };
    const cases = baseCasesFromSnapshot(snapshot);
    expect(cases.get(baseCaseKey(SKILL, "c1", "m"))).toEqual({ quality: 70, output: "old answer" });
    expect(cases.get(baseCaseKey(SKILL, "c2", "m"))).toEqual({ quality: 70 });
  });

  it("redacts secrets before escaping, so a secret with markup characters cannot slip through", async () => {
    const secret = "sk-ant-<secret>&123456";
    const leaky = report({ skills: [skillReport({ results: [caseResult({ output: `key is ${secret}` })] })] });
    const path = join(await mkdtemp(join(tmpdir(), "html-")), "r.html");
    await writeHtmlReport(path, leaky, { baseCases: new Map([["x", { output: secret }]]) }, new Redactor([secret]));
    const html = await readFile(path, "utf8");
    expect(html).not.toContain(esc(secret));
    expect(html).toContain("key is [redacted]");
  });
});
