import { describe, expect, it } from "vitest";
import { tokenize, wordDiff } from "../src/report/diff.js";
import { baseCaseKey, baseCasesFromSnapshot, esc, renderHtmlReport } from "../src/report/html.js";
import { Redactor } from "../src/redact.js";
import { writeHtmlReport } from "../src/report/write.js";
import { summarizeModel } from "../src/triggers.js";
import type { BaselineSnapshot, Report, SkillReport, SkillTriggers, TriggerQueryResult, TriggerSample } from "../src/types.js";
import { upliftOf } from "../src/uplift.js";
import { upliftText } from "../src/report/uplift.js";
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

describe("renderHtmlReport: uplift over the without-skill control and trigger evaluations", () => {
  const SONNET = "claude-sonnet-5";
  const HAIKU = "claude-haiku-4-5";
  // A hostile skill name and queries: shown as text, never parsed.
  const EVIL_NAME = `pdf<b onmouseover="x">"tools'`;
  const EVIL_SKILL = "skills/evil/SKILL.md";
  const s = (invoked: string | null, error: string | null = null): TriggerSample => ({ invoked, error, costUsd: 0.001, latencyMs: 100 });

  function upliftReport(): Report {
    const results = [
      caseResult({ caseId: "c1", model: SONNET, output: "With the skill: the breaking change is X.", quality: 90 }),
      caseResult({ caseId: "c2", model: SONNET, output: "With the skill again.", quality: 80 }),
      caseResult({ caseId: "c3", model: SONNET, output: "With the skill, third.", quality: 88 }),
      caseResult({ caseId: "c1", model: HAIKU, output: "Haiku with skill.", quality: 60 }),
      caseResult({ caseId: "c2", model: HAIKU, output: "Haiku with skill 2.", quality: 55 }),
      caseResult({ caseId: "c3", model: HAIKU, output: "Haiku with skill 3.", quality: 50 }),
    ];
    const controlResults = [
      caseResult({ caseId: "c1", model: SONNET, output: `Bare answer ${ATTACK}`, quality: 70, judgeNotes: `control notes ${ATTACK}` }),
      caseResult({ caseId: "c2", model: SONNET, output: "Bare answer 2.", quality: 66 }),
      caseResult({ caseId: "c3", model: SONNET, output: "Bare answer 3.", quality: 70 }),
      caseResult({ caseId: "c1", model: HAIKU, output: "Haiku bare.", quality: 70 }),
      caseResult({ caseId: "c2", model: HAIKU, output: "Haiku bare 2.", quality: 60 }),
      caseResult({ caseId: "c3", model: HAIKU, output: null, quality: null, judged: false, error: `HTTP 500 ${ATTACK}` }),
    ];
    const models = [SONNET, HAIKU].map((model) => ({ ...compared(model, { quality: 85 }, { quality: 85 }), uplift: upliftOf(model, results, controlResults) }));
    return report({ mode: "baseline", skills: [skillReport({ skill: SKILL, models, results, controlResults })] });
  }

  function triggerReport(skills: SkillReport[] = []): Report {
    const queries: TriggerQueryResult[] = [
      { query: `Merge these PDFs <img src=x onerror="window.__pwned=3">`, kind: "should", model: SONNET, samples: [s(EVIL_NAME), s("pdf-tools"), s(null)], baseSamples: [s(EVIL_NAME), s(EVIL_NAME), s(EVIL_NAME)] },
      { query: "Split this PDF by page", kind: "should", model: SONNET, samples: [s("pdf-tools"), s(EVIL_NAME), s(null, "HTTP 529")], baseSamples: [s(EVIL_NAME), s(EVIL_NAME), s(EVIL_NAME)] },
      { query: "What's the weather?", kind: "should-not", model: SONNET, samples: [s(EVIL_NAME), s(null), s(null)], baseSamples: [s(null), s(null), s(null)] },
    ];
    const sonnet = { ...summarizeModel(EVIL_NAME, SONNET, queries, 10), verdict: "regressed" as const, verdictReasons: [`recall dropped <script>x</script>`] };
    const triggers: SkillTriggers = {
      skill: EVIL_SKILL, name: EVIL_NAME, benchmark: "benchmarks/evil.yml", samples: 3, reason: "description changed",
      compared: "base-catalogue", models: [sonnet], queries, verdict: "regressed", verdictReasons: sonnet.verdictReasons, costUsd: 0.02, calls: 18,
    };
    return report({ skills, triggers: [triggers] });
  }

  it("shows the uplift per model with its interval and whether the skill helps, and flags a skill that no longer helps", () => {
    const theReport = upliftReport();
    const html = renderHtmlReport(theReport);
    const table = /<table class="uplift">[\s\S]*?<\/table>/.exec(html)?.[0] ?? "";
    const sonnet = theReport.skills[0]?.models[0]?.uplift;
    expect(sonnet).toMatchObject({ quality: { n: 3 }, helps: true });
    expect(table).toContain(`<th scope="row">${SONNET}</th><td class="better">${esc(upliftText(sonnet!.quality))}</td>`);
    expect(table).toMatch(/\+17\.3 \[\+\d+\.\d, \+\d+\.\d\], n=3/);
    expect(table).toContain('<td class="better">helps</td>');
    // Haiku: -7.5 on the two judged pairs; the skill no longer helps it; the failed control pair is counted.
    expect(table).toMatch(/<td class="worse">−7\.5 \[[^\]]+\], n=2<\/td>/);
    expect(table).toContain('<td class="worse">no longer helps</td>');
    expect(table).toContain("(1 failed)");
    expect(html).toContain(`skills that no longer help`);
    expect(html).toContain(`this skill no longer helps ${HAIKU}`);
    expect(renderHtmlReport(report({ skills: [skillReport()] }))).not.toContain("Uplift over no skill");
  });

  it("puts the control's output, escaped, in a without-skill block of the case it belongs to", () => {
    const html = renderHtmlReport(upliftReport());
    const cases = html.split('<details class="case"').slice(1);
    const sonnetC1 = cases.find((c) => c.includes(`<code>c1</code> · ${SONNET}`)) ?? "";
    expect(sonnetC1).toContain('<details class="control"><summary>without skill (control): quality 70.0 <span class="better">(skill +20.0)</span>');
    expect(sonnetC1).toContain(`<pre class="out">Bare answer ${esc(ATTACK)}</pre>`);
    expect(sonnetC1).toContain(`control notes ${esc(ATTACK)}`);
    const haikuC3 = cases.find((c) => c.includes(`<code>c3</code> · ${HAIKU}`)) ?? "";
    expect(haikuC3).toContain("without skill (control): quality failed");
    expect(haikuC3).toContain(`no output: HTTP 500 ${esc(ATTACK)}`);
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).not.toMatch(/<img|<svg onload|onerror="/);
  });

  it("shows recall and false triggers against the base, the confusion and every query's samples, all escaped", () => {
    const html = renderHtmlReport(triggerReport());
    expect(html).toContain('<section class="triggers" id="triggers"><h2>Triggers</h2>');
    expect(html).toContain(`Triggers: ${esc(EVIL_NAME)} <span class="badge v-regressed">`);
    // Recall 2/5 (one error left out) against 6/6; false triggers 1/3 against 0/3.
    expect(html).toContain(`<td class="worse">40% (base 100%, −60.0)</td>`);
    expect(html).toContain(`<td class="worse">33% (base 0%, +33.3)</td>`);
    expect(html).toContain("<td>5 + 3</td><td>1</td>");
    expect(html).toContain("2/5 went to pdf-tools, 1/5 to no skill");
    expect(html).toContain(esc("recall dropped <script>x</script>"));
    const queries = /<details class="trigger-queries">[\s\S]*?<\/details>/.exec(html)?.[0] ?? "";
    expect(queries).toContain("3 query result(s), per model");
    expect(queries).toContain(`<td class="wrap query">Merge these PDFs &lt;img src=x onerror=&quot;window.__pwned=3&quot;&gt;</td>`);
    expect(queries).toContain(`<td class="worse">1/3 invoked it; pdf-tools ×1; no skill ×1</td><td>3/3 invoked it</td>`);
    expect(queries).toContain("1/2 invoked it; pdf-tools ×1; 1 failed");
    expect(queries).toContain(`<td class="worse">1/3 invoked it; no skill ×2</td><td>0/3 invoked it; no skill ×3</td>`);
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).not.toMatch(/<img|<b onmouseover|onerror="/);
  });

  it("lists trigger-only skills and trigger models in the filters and says only trigger queries ran", () => {
    const html = renderHtmlReport(triggerReport());
    expect(html).toContain("Only trigger queries ran in this run");
    expect(html).toContain(`<option value="0">${esc(EVIL_NAME)}</option>`);
    expect(html).toContain(`<option value="${SONNET}">${SONNET}</option>`);
    expect(html).toContain(`<section class="skill trigger-skill" data-skill="0" data-regressed="true">`);
    expect(html).toMatch(/triggers: 1 regressed of 1 skill/);
    // With benchmarked skills, a skill that is benchmarked and triggered shares its filter index; others follow.
    const both = renderHtmlReport(triggerReport([skillReport({ skill: SKILL }), skillReport({ skill: EVIL_SKILL, name: EVIL_NAME })]));
    expect(both).toContain(`<section class="skill trigger-skill" data-skill="1"`);
    expect(both).not.toContain("Only trigger queries ran");
    expect(both.match(/<option value="\d">/g)).toHaveLength(2);
  });
});
