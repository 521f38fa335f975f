// The comment's "Cases that dropped most": per regressed (skill, model) the worst cases with base and head outputs,
// inside the comment's budget, escaped so an output cannot break the markup.

import { describe, expect, it } from "vitest";
import { type BaseCase, baseCaseKey, baseCasesFromSnapshot } from "../src/report/base-cases.js";
import { COMMENT_LIMIT, COMMENT_MARKER, renderComment, renderMarkdownReport, renderSummary, verdictLine } from "../src/report/markdown.js";
import type { BaselineEntry, BaselineSnapshot, CaseResult, Report } from "../src/types.js";
import { caseResult, compared, report, skillReport } from "./support/report-factory.js";

const SKILL = "skills/summarize-thread/SKILL.md";
const SONNET = "claude-sonnet-5";
const HAIKU = "claude-haiku-4-5";
const RUN_URL = "https://github.com/acme/skills/actions/runs/42";
const SECTION = "#### Cases that dropped most";

/** Sonnet regressed on four cases (drops of 40, 30, 10 and 5 points; one case improved); Haiku passed. */
function regressedReport(headOutputs: Record<string, string> = {}): Report {
  const head = (caseId: string, quality: number): CaseResult =>
    caseResult({ caseId, model: SONNET, quality, output: headOutputs[caseId] ?? `head answer for ${caseId}` });
  return report({
    skills: [
      skillReport({
        skill: SKILL,
        models: [
          compared(SONNET, { quality: 60 }, { quality: 80 }, { regressed: true, regressions: ["quality −20.0 points (threshold 5)"] }),
          compared(HAIKU, { quality: 80 }, { quality: 80 }),
        ],
        results: [
          head("c-small", 75),
          head("c-worst", 40),
          head("c-better", 95),
          head("c-second", 50),
          head("c-third", 70),
          caseResult({ caseId: "c-worst", model: HAIKU, quality: 10, output: "haiku answer" }),
        ],
      }),
    ],
  });
}

function baseCases(outputs: Record<string, string | null> = {}): Map<string, BaseCase> {
  const cases = new Map<string, BaseCase>();
  for (const caseId of ["c-small", "c-worst", "c-better", "c-second", "c-third"]) {
    cases.set(baseCaseKey(SKILL, caseId, SONNET), { quality: 80, output: outputs[caseId] ?? `base answer for ${caseId}` });
    cases.set(baseCaseKey(SKILL, caseId, HAIKU), { quality: 80, output: "haiku base" });
  }
  return cases;
}

/** The outputs section: from its heading up to the next block that is not part of it (per-case results, footer). */
function section(markdown: string): string {
  const start = markdown.indexOf(SECTION);
  expect(start).toBeGreaterThanOrEqual(0);
  const ends = ["<details>\n<summary>Per-case results", "#### Quality trend", "<sub>"]
    .map((marker) => markdown.indexOf(marker, start))
    .filter((i) => i >= 0);
  return markdown.slice(start, Math.min(...ends));
}

/** Every <details> block of the outputs section, by its summary line. */
function caseBlocks(markdown: string): string[] {
  return section(markdown).split("<details>\n").slice(1);
}

describe("cases that dropped most, in the comment", () => {
  it("shows a regressed model's worst cases, worst first, with base and head outputs in <details>", () => {
    const comment = renderComment(regressedReport(), { baseCases: baseCases(), runUrl: RUN_URL, htmlReport: true });
    const blocks = caseBlocks(comment);
    expect(blocks).toHaveLength(3);
    expect(blocks.map((b) => b.split(":")[0])).toEqual(["<summary>c-worst", "<summary>c-second", "<summary>c-third"]);
    expect(blocks[0]).toContain("quality 80.0 → 40.0 (−40.0)");
    expect(blocks[0]).toContain("Base output:\n\n<pre>base answer for c-worst</pre>");
    expect(blocks[0]).toContain("Head output:\n\n<pre>head answer for c-worst</pre>");
    // Only the regressed model: Haiku passed, though its case dropped.
    expect(section(comment)).toContain(`**summarize-thread** · **${SONNET}**`);
    expect(section(comment)).not.toContain("haiku answer");
    // The tables come first, and the section links the artifact holding the HTML report.
    expect(comment.indexOf("| Model |")).toBeLessThan(comment.indexOf(SECTION));
    expect(section(comment)).toContain(`[HTML report: artifact of this run](${RUN_URL}#artifacts)`);
    // Balanced markup.
    expect(comment.match(/<details>/g)?.length).toBe(comment.match(/<\/details>/g)?.length);
  });

  it("says when the baseline stored no output for a case", () => {
    const cases = baseCases();
    cases.set(baseCaseKey(SKILL, "c-worst", SONNET), { quality: 80 });
    const comment = renderComment(regressedReport(), { baseCases: cases });
    expect(caseBlocks(comment)[0]).toContain("Base output: _not stored in the baseline");
    expect(section(comment)).not.toContain("HTML report");
  });

  it("escapes outputs so ``` and </details> cannot break out of the block", () => {
    const evil = "```\n</pre></details>\n\n# Injected heading\n\n<details><summary>fake</summary>\n@alice <img src=x onerror=alert(1)>\n````";
    const comment = renderComment(regressedReport({ "c-worst": evil }), { baseCases: baseCases({ "c-worst": evil }) });
    const block = caseBlocks(comment)[0] ?? "";
    expect(block).toContain("&lt;/pre&gt;&lt;/details&gt;");
    expect(block).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(block).toContain("@\u200balice");
    // The only raw tags are ours: one <details>/<summary> and two <pre> per case, all closed.
    const raw = section(comment);
    expect(raw.match(/<details>/g)).toHaveLength(3);
    expect(raw.match(/<\/details>/g)).toHaveLength(3);
    expect(raw.match(/<pre>/g)).toHaveLength(6);
    expect(raw.match(/<\/pre>/g)).toHaveLength(6);
    expect(raw).not.toContain("<img");
    // The injected heading and fences sit inside a <pre> (an HTML block that ends only at </pre>), so stay literal.
    const pres = raw.match(/<pre>[\s\S]*?<\/pre>/g) ?? [];
    expect(pres.filter((p) => p.includes("\n# Injected heading\n") && p.includes("```"))).toHaveLength(2);
    for (const pre of pres) expect(pre.slice(5, -6)).not.toMatch(/<\/?(pre|details|summary|img)\b/);
  });

  it("trims huge outputs to fit 65,536 characters, verdict first, and says what was trimmed", () => {
    const huge = "x".repeat(200_000);
    const r = regressedReport({ "c-worst": huge, "c-second": huge });
    const comment = renderComment(r, { baseCases: baseCases({ "c-worst": huge }), runUrl: RUN_URL });
    expect(comment.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(comment.startsWith(`${COMMENT_MARKER}\n### ${verdictLine(r)}`)).toBe(true);
    const cap = /the outputs of the cases that dropped most cut to ([\d,]+) characters each/.exec(comment);
    expect(cap).not.toBeNull();
    const chars = Number(cap?.[1]?.replace(/,/g, ""));
    // The budget is used: the outputs are cut to thousands of characters, not to the minimum.
    expect(chars).toBeGreaterThan(5_000);
    expect(comment.length).toBeGreaterThan(COMMENT_LIMIT - 1_000);
    // The shortening note comes right after the verdict, before the tables.
    expect(comment.indexOf("✂️ Shortened")).toBeLessThan(comment.indexOf("| Model |"));
    expect(caseBlocks(comment)[0]).toMatch(/✂️ [\d,]+ more characters not shown<\/pre>/);
    // Per-case results and the tables are kept: only the outputs gave way.
    expect(comment).toContain("<summary>Per-case results: summarize-thread");
  });

  it("leaves the outputs out, and says so, when even cut ones do not fit", () => {
    const r = report({
      skills: [
        skillReport({
          skill: SKILL,
          models: [compared(SONNET, { quality: 60 }, { quality: 80 }, { regressed: true, regressions: ["quality −20.0 points"] })],
          results: [caseResult({ caseId: "c-worst", model: SONNET, quality: 40, output: "h".repeat(5_000) })],
        }),
      ],
    });
    const cases = new Map([[baseCaseKey(SKILL, "c-worst", SONNET), { quality: 80, output: "b".repeat(5_000) }]]);
    // Exactly the room of the comment without outputs: two outputs of even 200 characters cannot fit.
    const maxChars = renderComment(r).length;
    const comment = renderComment(r, { baseCases: cases, maxChars });
    expect(comment.length).toBeLessThanOrEqual(maxChars);
    expect(comment).not.toContain(SECTION);
    expect(comment).toContain("the outputs of the cases that dropped most left out");
    expect(comment.startsWith(`${COMMENT_MARKER}\n### ${verdictLine(r)}`)).toBe(true);
    // With room for them, the same outputs are shown, cut.
    const roomy = renderComment(r, { baseCases: cases, maxChars: maxChars + 3_000 });
    expect(roomy).toMatch(/the outputs of the cases that dropped most cut to [\d,]+ characters each/);
    expect(section(roomy)).toContain("<pre>bbbb");
  });

  it("has no outputs section for a passing report", () => {
    const passing = report({ skills: [skillReport({ skill: SKILL, models: [compared(SONNET, { quality: 80 }, { quality: 80 })] })] });
    const cases = new Map([[baseCaseKey(SKILL, "case-1", SONNET), { quality: 99, output: "base" }]]);
    expect(passing.regressed).toBe(false);
    expect(renderComment(passing, { baseCases: cases })).not.toContain(SECTION);
    expect(renderSummary(passing, { baseCases: cases })).not.toContain(SECTION);
  });

  it("gives the job summary the same outputs section as the comment, and the --markdown file too", () => {
    const context = { baseCases: baseCases(), runUrl: RUN_URL, htmlReport: true };
    const r = regressedReport();
    const comment = section(renderComment(r, context));
    expect(section(renderSummary(r, context))).toBe(comment);
    // The markdown file also lists per-case outputs after the section; the section itself is the same.
    const file = renderMarkdownReport(r, context);
    expect(file.slice(file.indexOf(SECTION), file.indexOf(SECTION) + comment.length)).toBe(comment);
  });

  it("reads base scores and outputs from a baseline snapshot", () => {
    const entry = (caseId: string, output?: string | null): BaselineEntry => ({
      key: `k-${caseId}`, caseId, caseHash: "h", model: SONNET, skillHash: "s", judgeKey: "j", matchesExpected: null,
      costUsd: null, latencyMs: null, error: null, recordedAt: "", commit: null,
      quality: 80, faithfulness: null, relevancy: null, precision: null, recall: null,
      ...(output !== undefined ? { output } : {}),
    });
    const snapshot: BaselineSnapshot = {
      branch: "b", commit: null, found: true, history: [], errors: [],
      skills: new Map([[SKILL, { skill: SKILL, skillHash: "s", updatedAt: "", commit: null, entries: [entry("c-worst", "stored base answer"), entry("c-second")] }]]),
    };
    const comment = renderComment(regressedReport(), { baseCases: baseCasesFromSnapshot(snapshot) });
    const blocks = caseBlocks(comment);
    expect(blocks).toHaveLength(2);
    expect(blocks[0]).toContain("<pre>stored base answer</pre>");
    expect(blocks[1]).toContain("not stored in the baseline");
  });
});
