import { describe, expect, it } from "vitest";
import {
  COMMENT_LIMIT,
  COMMENT_MARKER,
  SUMMARY_BYTE_LIMIT,
  SUMMARY_LIMIT,
  renderComment,
  renderMarkdownReport,
  renderSummary,
  verdictLine,
} from "../src/report/markdown.js";
import { renderTerminalSummary } from "../src/report/terminal.js";
import type { CaseResult, ModelSummary, Report, SkillReport } from "../src/types.js";
import {
  caseResult,
  compared,
  historyRuns,
  modelSummary,
  report,
  skillReport,
  totals,
} from "./support/report-factory.js";

const SONNET = "claude-sonnet-5";
const HAIKU = "claude-haiku-4-5";
const OPUS = "claude-opus-4-8";
const RUN_URL = "https://github.com/acme/skills/actions/runs/42";

/** Table rows (after the delimiter row) of the markdown table that follows `heading`. */
function tableAfter(markdown: string, heading: string): string[] {
  const lines = markdown.split("\n");
  const start = lines.findIndex((l) => l.startsWith(heading));
  expect(start).toBeGreaterThanOrEqual(0);
  const header = lines.findIndex((l, i) => i > start && l.startsWith("| "));
  const rows: string[] = [];
  for (let i = header + 2; i < lines.length && lines[i]?.startsWith("| "); i += 1) rows.push(lines[i] ?? "");
  return rows;
}

/** Cells of a table row; escaped pipes (&#124;) stay inside their cell. */
function cells(row: string): string[] {
  return row.replace(/^\| /, "").replace(/ \|$/, "").split(" | ");
}

function rowFor(rows: string[], model: string): string[] {
  const row = rows.find((r) => cells(r)[0]?.startsWith(model));
  if (!row) throw new Error(`no row for ${model} in\n${rows.join("\n")}`);
  return cells(row);
}

/** A two-skill report: one regressed skill with notes of every kind, one improved skill. */
function smallReport(): Report {
  const regressedSummary = compared(
    SONNET,
    { quality: 72.2, faithfulness: 70, costUsd: 0.006, latencyMsP50: 1800 },
    { quality: 78.4, faithfulness: 82, costUsd: 0.004, latencyMsP50: 1500 },
    {
      regressed: true,
      regressions: ["quality −6.2 points (threshold 5; 95% CI [−9.1, −2.0])", "cost +50% (threshold 25%)"],
      qualityInterval: { low: -9.1, high: -2.0, level: 0.95, n: 5 },
    },
  );
  const staleSummary = compared(HAIKU, { quality: 70, recall: null, costUsd: 0.001 }, { quality: 69, costUsd: 0.004 }, {
    stale: true,
    unjudged: 1,
    errors: 1,
    baselineRecordedAt: "2026-05-01T00:00:00.000Z",
  });
  const results: CaseResult[] = [
    caseResult({ caseId: "short-thread", model: SONNET, judgeNotes: "Missed | the <b>decision</b>\nsee `code` @alice #12" }),
    caseResult({ caseId: "short-thread", model: HAIKU }),
    caseResult({ caseId: "long-thread", model: HAIKU, output: null, error: "HTTP 529: overloaded", quality: null, judgeNotes: null, judged: false }),
    caseResult({ caseId: "edge", model: HAIKU, judged: false, judgeError: "judge answer was not valid JSON", quality: null, judgeNotes: null }),
    caseResult({ caseId: "short-thread", model: OPUS }),
  ];
  const summarize = skillReport({
    skill: "skills/summarize-thread/SKILL.md",
    name: "summarize-thread",
    models: [regressedSummary, staleSummary, modelSummary({ model: OPUS, quality: null })],
    results,
    best: { quality: SONNET, cheapest: HAIKU, qualityPerDollar: HAIKU },
    cases: { added: ["new-a", "new|b"], changed: ["edge"], removed: ["gone"] },
  });
  const translate = skillReport({
    skill: "prompts/translate.md",
    name: "translate",
    models: [compared(SONNET, { quality: 90, costUsd: 0.002 }, { quality: 80, costUsd: 0.004 })],
    baselineError: "baseline/skills/translate.json: Unexpected token } in JSON at position 10",
  });
  return report({
    skills: [translate, summarize],
    totals: totals({ errors: 1, unjudged: 1, costUsd: 0.4213 }),
    skipped: [{ skill: "skills/other/SKILL.md", reason: "unchanged" }],
  });
}

describe("verdictLine", () => {
  it("counts regressed skills, skills and distinct models, with errors, unjudged and total cost", () => {
    expect(verdictLine(smallReport())).toBe(
      "❌ Quality regression in 1 of 2 skills (3 models); not gated: no baseline for 1 of 4 models · verdicts: 2 pass, 1 regressed, 1 inconclusive, 0 error · 1 error · 1 unjudged · $0.421 total cost",
    );
  });

  it("never says no regression for models compared with nothing: not gated, naming how many", () => {
    const r = report({
      skills: [skillReport({ models: [compared(SONNET, {}, {}), modelSummary({ model: HAIKU }), modelSummary({ model: OPUS })] })],
      totals: totals({ errors: 0, unjudged: 0, costUsd: 1.5 }),
    });
    expect(r.verdict).toBe("inconclusive");
    expect(verdictLine(r)).toBe("⚠️ No baseline for 2 of 3 models: not gated (1 compared: no regression) · verdicts: 1 pass, 0 regressed, 2 inconclusive, 0 error · 0 errors · 0 unjudged · $1.50 total cost");
    expect(renderComment(r)).toMatch(/⚠️ Not gated for \*\*claude-haiku-4-5\*\*, \*\*claude-opus-4-8\*\*: no baseline was compared/);
    expect(renderTerminalSummary(r)).toContain("Not gated: no baseline for 2 of 3 models.");
    expect(renderTerminalSummary(r)).not.toContain("No regression");
  });

  it("names a run failure's cause once, in place of any other verdict", () => {
    const cause = "nothing could be measured: all 12 calls failed: HTTP 500 api_error";
    const r = report({ verdict: "error", failure: { cause, failed: 12, pairs: 12 } });
    expect(verdictLine(r)).toMatch(/^❌ Nothing could be measured: all 12 calls failed: HTTP 500 api_error · /);
    expect(renderTerminalSummary(r)).toContain(`FAILED: ${cause}.`);
  });

  it("says no regression, and nothing to benchmark when no skill ran", () => {
    const ok = report({ skills: [skillReport({ models: [compared(SONNET, {}, {}), compared(HAIKU, {}, {})] })], totals: totals({ errors: 0, unjudged: 2, costUsd: 1.5 }) });
    expect(verdictLine(ok)).toBe("✅ No regression: 1 skill, 2 models benchmarked · verdicts: 2 pass, 0 regressed, 0 inconclusive, 0 error · 0 errors · 2 unjudged · $1.50 total cost");
    expect(verdictLine(report({ skills: [] }))).toBe("⏭️ Nothing to benchmark: no skill changed");
    expect(verdictLine(report({ skills: [], mode: "baseline" }))).toMatch(/^⏭️ Nothing to benchmark/);
  });

  it("calls a baseline run's drop drift, and says the baseline was recorded", () => {
    expect(verdictLine({ ...smallReport(), mode: "baseline" })).toMatch(
      /^📉 Drift since the previous baseline in 1 of 2 skills \(3 models\); new baseline recorded · 1 error/,
    );
    const ok = report({ mode: "baseline", skills: [skillReport({ models: [compared(SONNET, {}, {})] })] });
    expect(verdictLine(ok)).toMatch(/^✅ Baseline recorded: 1 skill, 1 model benchmarked, no drift beyond the thresholds · /);
    const first = report({ mode: "baseline", skills: [skillReport({ models: [modelSummary({ model: SONNET })] })] });
    expect(verdictLine(first)).toMatch(/^✅ Baseline recorded: 1 skill, 1 model benchmarked, nothing to compare with for 1 of 1 model · /);
  });

  it("names models without a price", () => {
    const r = report({ totals: totals({ unpricedModels: ["my-model"] }) });
    expect(verdictLine(r)).toContain("no price for my-model");
  });
});

describe("renderComment: a small report renders everything", () => {
  const history = historyRuns({ runs: 4, skills: ["skills/summarize-thread/SKILL.md"], models: [SONNET, HAIKU] });
  const body = renderComment(smallReport(), { runUrl: RUN_URL, history });

  it("starts with the marker, then the verdict", () => {
    const lines = body.split("\n");
    expect(lines[0]).toBe(COMMENT_MARKER);
    expect(lines[1]).toBe(`### ${verdictLine(smallReport())}`);
  });

  it("has sections in order: regressed skill, other skill, per-case details, chart, run link", () => {
    const order = [
      body.indexOf("#### ❌ summarize-thread"),
      body.indexOf("#### ⚠️ translate"),
      body.indexOf("<summary>Per-case results: summarize-thread"),
      body.indexOf("#### Quality trend"),
      body.indexOf(`[Workflow run](${RUN_URL})`),
    ];
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(body).toContain("generated 2026-11-02T10:00:00.000Z");
    expect(body).toContain("commit 0123456");
  });

  it("has one table row per model with values, deltas, marks, the interval, n/a and new", () => {
    const rows = tableAfter(body, "#### ❌ summarize-thread");
    expect(rows).toHaveLength(3);
    const sonnet = rowFor(rows, SONNET);
    expect(sonnet).toHaveLength(8);
    expect(sonnet[0]).toBe(`${SONNET} ❌`);
    expect(sonnet[1]).toBe("72.2 (−6.2 🔻) [−9.1, −2.0]");
    expect(sonnet[2]).toBe("70.0 (−12.0 🔻)"); // dimension threshold is 10
    expect(sonnet[6]).toBe("$0.006 (+50% 🔻)"); // a cost rise beyond 25% is the bad direction
    expect(sonnet[7]).toBe("1.8 s (+300 ms)");

    const haiku = rowFor(rows, HAIKU);
    expect(haiku[0]).toBe(`${HAIKU} ⏳`);
    expect(haiku[1]).toBe("70.0 (+1.0)"); // within threshold: no mark
    expect(haiku[5]).toBe("n/a");
    expect(haiku[6]).toBe("$0.001 (−75% 🔺)");

    const opus = rowFor(rows, OPUS);
    expect(opus[1]).toBe("n/a");
    expect(opus[2]).toBe("82.0 (new)");
    expect(opus[6]).toBe("$0.004 (new)");

    const translate = rowFor(tableAfter(body, "#### ⚠️ translate"), SONNET);
    expect(translate[1]).toBe("90.0 (+10.0 🔺)");
  });

  it("lists best models and the notes: regressions, stale baseline, unjudged, errors, baseline error, case changes", () => {
    expect(body).toContain(`Best quality: **${SONNET}** · cheapest: **${HAIKU}** · best quality per dollar: **${HAIKU}**`);
    expect(body).toMatch(/- ❌ \*\*claude-sonnet-5\*\*: quality −6\.2 points .*; cost \+50% \(threshold 25%\)/);
    expect(body).toMatch(/⏳ Stale baseline for claude-haiku-4-5 \(recorded 2026-05-01\)/);
    expect(body).toContain("1 of 5 outputs unjudged (the judge failed; left out of the means): judge answer was not valid JSON");
    expect(body).toContain("1 of 5 cases failed; first error: HTTP 529: overloaded");
    expect(body).toContain("The baseline could not be read, so nothing was compared: baseline/skills/translate.json");
    expect(body).toContain("Cases since the baseline: 2 added (new-a, new&#124;b), 1 changed (edge), 1 removed (gone)");
    expect(body).toContain("Not benchmarked: 1 unchanged (skills/other/SKILL.md)");
  });

  it("shows per-case results in a collapsed block, one row per result", () => {
    const start = body.indexOf("<details>\n<summary>Per-case results: summarize-thread (5 results)</summary>");
    const end = body.indexOf("</details>", start);
    expect(start).toBeGreaterThan(0);
    const block = body.slice(start, end);
    const rows = tableAfter(block, "<summary>");
    expect(rows).toHaveLength(5);
    const failed = cells(rows.find((r) => r.startsWith("| long-thread")) ?? "");
    expect(failed).toHaveLength(11);
    expect(failed[2]).toBe("n/a");
    expect(failed[10]).toBe("HTTP 529: overloaded");
    const unjudged = cells(rows.find((r) => r.startsWith("| edge")) ?? "");
    expect(unjudged[10]).toBe("unjudged: judge answer was not valid JSON");
    expect(block).toContain("Judge notes:");
  });

  it("escapes user content: pipes, HTML, backticks, newlines and mentions cannot break the layout", () => {
    const note = body.split("\n").find((l) => l.startsWith("- **short-thread** · claude-sonnet-5:")) ?? "";
    expect(note).toBe(
      "- **short-thread** · claude-sonnet-5: Missed &#124; the &lt;b&gt;decision&lt;/b&gt;<br>see &#96;code&#96; @\u200balice &#35;12",
    );
    expect(body).not.toContain("<b>decision");
    expect(body).not.toMatch(/(^|[^\u200b])@alice/);
    // every table row has as many cells as its header
    for (const heading of ["#### ❌ summarize-thread", "#### ⚠️ translate"]) {
      for (const row of tableAfter(body, heading)) expect(cells(row)).toHaveLength(8);
    }
  });

  it("draws the trend chart as a QuickChart image by default", () => {
    expect(body).toMatch(/#### Quality trend\n\n!\[[^\]]*\]\(https:\/\/quickchart\.io\/chart\?c=/);
  });

  it("stays whole: nothing was shortened", () => {
    expect(body).not.toContain("Shortened to fit");
    expect(body.length).toBeLessThan(COMMENT_LIMIT);
  });
});

describe("renderComment: marks only beyond the thresholds", () => {
  it("a change exactly at a threshold gets no mark; just beyond it does (quality 5, dimension 10, cost 25%)", () => {
    const at = compared(SONNET, { quality: 75, faithfulness: 72, costUsd: 1.25 }, { quality: 80, faithfulness: 82, costUsd: 1 });
    const beyond = compared(HAIKU, { quality: 74.9, faithfulness: 71.9, costUsd: 1.2501 }, { quality: 80, faithfulness: 82, costUsd: 1 });
    const gain = compared(OPUS, { quality: 85.1, faithfulness: 92.1, costUsd: 0.7499 }, { quality: 80, faithfulness: 82, costUsd: 1 });
    const body = renderComment(report({ skills: [skillReport({ name: "marks", models: [at, beyond, gain] })] }), { chart: "none" });
    const rows = tableAfter(body, "#### ✅ marks");
    expect(rowFor(rows, SONNET).slice(1, 3)).toEqual(["75.0 (−5.0)", "72.0 (−10.0)"]);
    expect(rowFor(rows, SONNET)[6]).toBe("$1.25 (+25%)"); // costs chosen exact in binary: 1.25 / 1 is exactly +25%
    expect(rowFor(rows, HAIKU).slice(1, 3)).toEqual(["74.9 (−5.1 🔻)", "71.9 (−10.1 🔻)"]);
    expect(rowFor(rows, HAIKU)[6]).toBe("$1.25 (+25% 🔻)");
    expect(rowFor(rows, OPUS).slice(1, 3)).toEqual(["85.1 (+5.1 🔺)", "92.1 (+10.1 🔺)"]);
    expect(rowFor(rows, OPUS)[6]).toBe("$0.75 (−25% 🔺)");
  });
});

describe("renderComment: chart options", () => {
  const history = historyRuns({ runs: 3, skills: ["skills/summarize-thread/SKILL.md"], models: [SONNET] });

  it("uses mermaid, a self-hosted QuickChart, or no chart as asked", () => {
    expect(renderComment(smallReport(), { history, chart: "mermaid" })).toContain("```mermaid\n---");
    expect(renderComment(smallReport(), { history, quickchartUrl: "https://charts.example.org" })).toContain(
      "](https://charts.example.org/chart?c=",
    );
    expect(renderComment(smallReport(), { history, chart: "none" })).not.toContain("Quality trend");
  });

  it("says when there is no history yet, and reports a bad quickchart-url instead of failing", () => {
    expect(renderComment(smallReport(), { history: [] })).toContain("_No trend yet:");
    expect(renderComment(smallReport(), { history, quickchartUrl: "::bad::" })).toMatch(/Trend chart unavailable: quickchart-url/);
  });
});

describe("renderSummary and renderMarkdownReport", () => {
  it("the summary has the same content without the marker", () => {
    const summary = renderSummary(smallReport(), { runUrl: RUN_URL });
    expect(summary.startsWith(`### ${verdictLine(smallReport())}`)).toBe(true);
    expect(summary).not.toContain(COMMENT_MARKER);
    expect(summary).toContain("<summary>Per-case results: summarize-thread");
  });

  it("the markdown file includes outputs, HTML-escaped in <pre>", () => {
    const r = smallReport();
    const first = r.skills[1]?.results[0];
    if (first) first.output = "# Title\n\n| a | b |\n</pre><script>x</script>";
    const file = renderMarkdownReport(r);
    expect(file).toContain("<pre># Title\n\n| a | b |\n&lt;/pre&gt;&lt;script&gt;x&lt;/script&gt;</pre>");
    expect(file.endsWith("\n")).toBe(true);
    expect(renderComment(r)).not.toContain("<pre>");
  });

  it("renders an empty report as the verdict and what was skipped", () => {
    const empty = report({ skills: [], skipped: [{ skill: "skills/a/SKILL.md", reason: "unchanged" }] });
    const body = renderComment(empty);
    expect(body.split("\n")[1]).toBe("### ⏭️ Nothing to benchmark: no skill changed");
    expect(body).toContain("Not benchmarked: 1 unchanged (skills/a/SKILL.md)");
    expect(body).not.toContain("Quality trend");
  });
});

// ---------------------------------------------------------------------------------------------------------
// Budget

const LONG_NOTE = "The summary misses the decision taken in the thread | and invents a date <x>. ".repeat(25);

function bigSkill(index: number, regressed: boolean): SkillReport {
  const models: ModelSummary[] = [SONNET, HAIKU, OPUS, "claude-sonnet-4-5"].map((model, m) =>
    compared(
      model,
      { quality: regressed && m === 0 ? 60 : 80 + m, costUsd: 0.004 },
      { quality: 80, costUsd: 0.004 },
      regressed && m === 0 ? { regressed: true, regressions: ["quality −20.0 points (threshold 5)"] } : {},
    ),
  );
  const results = models.flatMap((m) =>
    Array.from({ length: 6 }, (_, c) => caseResult({ caseId: `case-${c}`, model: m.model, judgeNotes: `${index}/${c}: ${LONG_NOTE}` })),
  );
  return skillReport({ skill: `skills/skill-${String(index).padStart(3, "0")}/SKILL.md`, name: `skill-${String(index).padStart(3, "0")}`, models, results });
}

function bigReport(skills: number, regressedEvery: number): Report {
  return report({ skills: Array.from({ length: skills }, (_, i) => bigSkill(i, (i + 1) % regressedEvery === 0)) });
}

describe("renderSummary: GitHub counts bytes", () => {
  it("keeps a summary of non-ASCII notes under 1 MiB of UTF-8, verdict first", () => {
    const cjk = "判断が正しくない。".repeat(40);
    const skills = Array.from({ length: 200 }, (_, i) => {
      const skill = bigSkill(i, i % 20 === 19);
      return { ...skill, results: skill.results.map((r) => ({ ...r, judgeNotes: `${i}: ${cjk}` })) };
    });
    const big = report({ skills });
    const summary = renderSummary(big);
    expect(summary.length).toBeLessThanOrEqual(SUMMARY_LIMIT);
    expect(Buffer.byteLength(summary, "utf8")).toBeLessThanOrEqual(SUMMARY_BYTE_LIMIT);
    expect(summary.startsWith(`### ${verdictLine(big)}`)).toBe(true);
    // Not over-shortened: the same report in ASCII would fit far more characters than this uses bytes.
    expect(Buffer.byteLength(summary, "utf8")).toBeGreaterThan(SUMMARY_BYTE_LIMIT / 2);
  });
});

describe("renderComment: budget", () => {
  it("fits 200 skills x 4 models with long notes in 65,536 characters, keeping the verdict and every regressed skill", () => {
    const big = bigReport(200, 20);
    const regressed = big.skills.filter((s) => s.regressed);
    expect(regressed).toHaveLength(10);
    const history = historyRuns({ runs: 20, skills: big.skills.map((s) => s.skill), models: [SONNET, HAIKU] });
    const body = renderComment(big, { runUrl: RUN_URL, history, reportPath: "skillbench-report.json" });

    expect(body.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(body.split("\n")[0]).toBe(COMMENT_MARKER);
    expect(body.split("\n")[1]).toBe(`### ${verdictLine(big)}`);
    for (const skill of regressed) {
      expect(body).toContain(`#### ❌ ${skill.name} · ${skill.skill}`);
      expect(rowFor(tableAfter(body, `#### ❌ ${skill.name}`), SONNET)[1]).toBe("60.0 (−20.0 🔻)");
    }
    const note = body.split("\n").find((l) => l.startsWith("> ✂️ Shortened to fit the PR comment limit of 65,536 characters")) ?? "";
    expect(note).not.toContain("judge notes cut"); // moot once every per-case block is gone
    expect(note).toMatch(/per-case results left out for 200 of 200 skills/);
    expect(note).toContain("the trend chart left out");
    expect(note).toMatch(/\d+ skills shown as one line instead of a table/);
    expect(note).toContain("skillbench-report.json");
    expect(body).not.toContain("<details>");
    expect(body).not.toContain("Quality trend");
    // Skills without regression are there as one line each (or counted as not listed).
    const lines = body.split("\n").filter((l) => /^- ✅ \*\*skill-\d{3}\*\*/.test(l)).length;
    const hidden = Number(/…and (\d+) more skills? without regression/.exec(body)?.[1] ?? 0);
    const tables = big.skills.filter((s) => !s.regressed && body.includes(`#### ✅ ${s.name} ·`)).length;
    expect(lines + hidden + tables).toBe(190);
    expect(lines).toBeGreaterThan(0);
  });

  it("shortens step by step: notes first, then details largest first, then the chart, then tables", () => {
    const r = bigReport(6, 3);
    const history = historyRuns({ runs: 5, skills: r.skills.map((s) => s.skill), models: [SONNET] });
    const full = renderComment(r, { history, maxChars: Number.POSITIVE_INFINITY });
    expect(full).not.toContain("Shortened");
    expect(full.match(/<details>/g)).toHaveLength(6);

    // Just under the full size: truncating notes is enough.
    const notesOnly = renderComment(r, { history, maxChars: full.length - 1 });
    expect(notesOnly.length).toBeLessThan(full.length);
    expect(notesOnly).toContain("judge notes cut to 200 characters");
    expect(notesOnly).not.toContain("per-case results left out");
    expect(notesOnly.match(/<details>/g)).toHaveLength(6);
    expect(notesOnly).toContain("Quality trend");

    // A budget that fits the tables and the chart but only some details.
    const someDetails = renderComment(r, { history, maxChars: Math.floor(notesOnly.length * 0.6) });
    expect(someDetails.length).toBeLessThanOrEqual(Math.floor(notesOnly.length * 0.6));
    const kept = someDetails.match(/<details>/g)?.length ?? 0;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(6);
    expect(someDetails).toMatch(new RegExp(`per-case results left out for ${6 - kept} of 6 skills`));
    expect(someDetails).toContain("Quality trend");
  });

  it("drops the chart before collapsing any table, and collapses skills without regression before regressed ones", () => {
    const r = bigReport(6, 3);
    const history = historyRuns({ runs: 5, skills: r.skills.map((s) => s.skill), models: [SONNET] });
    const noDetails = renderComment(r, { history, maxChars: 9000 });
    expect(noDetails.length).toBeLessThanOrEqual(9000);
    expect(noDetails).not.toContain("<details>");
    const chartKept = noDetails.includes("Quality trend");
    const collapsed = /shown as one line/.test(noDetails);
    expect(chartKept && collapsed).toBe(false); // never a collapsed table while the chart is still there

    const tight = renderComment(r, { history, maxChars: 4000 });
    expect(tight.length).toBeLessThanOrEqual(4000);
    expect(tight).not.toContain("Quality trend");
    expect(tight).toContain("the trend chart left out");
    for (const s of r.skills.filter((x) => x.regressed)) expect(tight).toContain(`#### ❌ ${s.name}`);
    // Collapsed from the bottom up: the collapsed ones are the last of the skills without regression.
    const unregressed = r.skills.filter((x) => !x.regressed).map((x) => x.name);
    const collapsedNames = [...tight.matchAll(/^- ✅ \*\*(skill-\d{3})\*\* · skills\/skill-\d{3}\/SKILL\.md: best /gm)].map((m) => m[1]);
    expect(collapsedNames.length).toBeGreaterThan(0);
    expect(collapsedNames).toEqual(unregressed.slice(unregressed.length - collapsedNames.length));
    for (const name of unregressed.slice(0, unregressed.length - collapsedNames.length)) expect(tight).toContain(`#### ✅ ${name} ·`);
  });

  it("over a sweep of budgets, each step only happens after the previous ones, and every step is reached", () => {
    const r = bigReport(6, 3);
    const history = historyRuns({ runs: 5, skills: r.skills.map((s) => s.skill), models: [SONNET] });
    const full = renderComment(r, { history, maxChars: Number.POSITIVE_INFINITY }).length;
    const seen = { notes: false, details: false, chart: false, collapsed: false };
    for (let budget = full; budget >= 1500; budget = Math.floor(budget * 0.96)) { // ~140 budgets, finer when small
      const body = renderComment(r, { history, maxChars: budget });
      expect(body.length).toBeLessThanOrEqual(budget);
      const details = body.match(/<details>/g)?.length ?? 0;
      const chart = body.includes("#### Quality trend");
      const collapsed = /shown as one line/.test(body);
      const notesCut = body.includes("judge notes cut");
      if (details < 6) expect(notesCut || details === 0).toBe(true);
      if (!chart) expect(details).toBe(0);
      if (collapsed) expect(chart).toBe(false);
      // Regressed skills stay: as tables, or (only at the tightest budgets) as one line with their reasons.
      for (const s of r.skills.filter((x) => x.regressed)) {
        expect(body.includes(`#### ❌ ${s.name} · `) || body.includes(`- ❌ **${s.name}** · ${s.skill}: ${SONNET}: quality −20.0`)).toBe(true);
      }
      seen.notes ||= notesCut && details === 6;
      seen.details ||= details > 0 && details < 6;
      seen.chart ||= !chart && !collapsed;
      seen.collapsed ||= collapsed;
    }
    expect(seen).toEqual({ notes: true, details: true, chart: true, collapsed: true });
  });

  it("never exceeds a tiny budget and keeps the verdict on top", () => {
    const r = bigReport(3, 2);
    const body = renderComment(r, { maxChars: 300 });
    expect(body.length).toBeLessThanOrEqual(300);
    expect(body.startsWith(`${COMMENT_MARKER}\n### ❌ Quality regression`)).toBe(true);
  });

  it("the summary's budget keeps what the comment had to drop", () => {
    const r = bigReport(12, 4);
    const comment = renderComment(r);
    const summary = renderSummary(r);
    expect(comment.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(comment).toContain("Shortened to fit the PR comment limit");
    expect(summary.length).toBeGreaterThan(comment.length);
    expect(summary).not.toContain("Shortened");
    expect(summary.match(/<details>/g)).toHaveLength(12);
  });
});

describe("per (skill, model) statistics in the comment (issue 8)", () => {
  it("shows verdict, n, the change with its interval, spread, detectable drop and the cases that would decide", () => {
    const undecided = compared(SONNET, { quality: 66 }, { quality: 70 }, {
      verdict: "inconclusive",
      verdictReasons: ["quality \u22124.0 points, 95% CI [\u221219.2, +11.2]: too wide to decide against the threshold 5"],
      n: 6, pairedCases: 6, spread: 14.5, pValue: 0.61, detectableDrop: 17.4, casesNeeded: 31,
      qualityInterval: { low: -19.2, high: 11.2, level: 0.95, n: 6 },
      tests: [{
        metric: "quality", n: 6, delta: -4, spread: 14.5, interval: { low: -19.2, high: 11.2, level: 0.95, n: 6 }, pValue: 0.3,
        adjustedPValue: 0.61, gated: true, threshold: 5, detectableDrop: 17.4, casesNeeded: 31, outcome: "inconclusive",
        inconclusiveBecause: "too-wide",
      }],
    });
    const decided = compared(HAIKU, { quality: 70 }, { quality: 70 }, { n: 12, pairedCases: 12, spread: 2, pValue: 0.5, detectableDrop: 1.6 });
    const r = report({ skills: [skillReport({ models: [undecided, decided] })], totals: totals({ errors: 0, unjudged: 0 }) });
    const comment = renderComment(r);
    expect(comment).toContain("| Model | Verdict | n | Δ quality (95% CI) | p (adj.) | Spread | Detectable drop | Cases to decide |");
    expect(comment).toContain(`| ${SONNET} | ⚠️ inconclusive | 6 | \u22124.0 [\u221219.2, 11.2] | 0.610 | 14.5 | 17.4 | +31 |`);
    expect(comment).toContain(`| ${HAIKU} | ✅ pass | 12 | `);
    expect(comment).toMatch(/\| 2\.0 \| 1\.6 \| – \|/);
    expect(verdictLine(r)).toContain("verdicts: 1 pass, 0 regressed, 1 inconclusive, 0 error");
    expect(comment).toContain(`⚠️ Inconclusive for **${SONNET}**: quality`);
    const terminal = renderTerminalSummary(r);
    expect(terminal).toContain(`${SONNET}: inconclusive; n 6; quality \u22124.0 [\u221219.2, 11.2]; spread 14.5; detectable drop 17.4; about 31 more case(s) would decide`);
  });
});
