import { describe, expect, it } from "vitest";
import { trendChart } from "../src/report/chart.js";
import type { HistoryPoint, Report } from "../src/types.js";
import { compared, historyRuns, modelSummary, report, skillReport } from "./support/report-factory.js";

const SKILL_A = "skills/a/SKILL.md";
const SKILL_B = "skills/b/SKILL.md";
const SONNET = "claude-sonnet-5";
const HAIKU = "claude-haiku-4-5";

interface ChartConfig {
  type: string;
  data: { labels: string[]; datasets: { label: string; data: (number | null)[]; yAxisID?: string }[] };
  options: { title: { text: string } };
}

/** The image URL out of the markdown `![alt](url)`. */
function imageUrl(markdown: string | null): URL {
  const match = /^!\[[^\]]*\]\(([^)\s]+)\)/.exec(markdown ?? "");
  if (!match?.[1]) throw new Error(`not an image: ${markdown}`);
  return new URL(match[1]);
}

/** quickchart-js writes the config as a JavaScript object literal (unquoted keys, single quotes), not JSON. */
function configOf(url: URL): ChartConfig {
  const source = url.searchParams.get("c");
  if (!source) throw new Error("no c parameter");
  return new Function(`return (${source});`)() as ChartConfig;
}

function twoSkillReport(mode: Report["mode"] = "pr"): Report {
  return report({
    mode,
    skills: [
      skillReport({ skill: SKILL_A, models: [modelSummary({ model: SONNET, quality: 60 }), modelSummary({ model: HAIKU, quality: 50 })] }),
      skillReport({ skill: SKILL_B, models: [modelSummary({ model: SONNET, quality: 90 }), modelSummary({ model: HAIKU, quality: 70 })] }),
    ],
  });
}

/** Quality = 2 * run + (skill a: 0, b: 20) + (sonnet: 5, haiku: 0): each run's mean is easy to state. */
function history(runs: number): HistoryPoint[] {
  return historyRuns({
    runs,
    skills: [SKILL_A, SKILL_B],
    models: [SONNET, HAIKU],
    quality: (run, skill, model) => run * 2 + (skill === SKILL_B ? 20 : 0) + (model === SONNET ? 5 : 0),
  });
}

describe("trendChart: quickchart", () => {
  it("draws the mean quality per model for each history run, then this PR, as a quickchart.io URL", () => {
    const markdown = trendChart(history(3), twoSkillReport(), { kind: "quickchart" });
    const url = imageUrl(markdown);
    expect(url.origin).toBe("https://quickchart.io");
    expect(url.pathname).toBe("/chart");
    const config = configOf(url);
    expect(config.type).toBe("line");
    expect(config.data.labels).toEqual(["10-01", "10-02", "10-03", "this PR"]);
    const sonnet = config.data.datasets.find((d) => d.label === "sonnet-5" && d.yAxisID === undefined);
    const haiku = config.data.datasets.find((d) => d.label === "haiku-4-5" && d.yAxisID === undefined);
    // mean over skills a and b: run*2 + 10 (+5 for sonnet); this PR: (60+90)/2 and (50+70)/2
    expect(sonnet?.data).toEqual([15, 17, 19, 75]);
    expect(haiku?.data).toEqual([10, 12, 14, 60]);
    expect(config.options.title.text).toBe("Mean quality of 2 skills");
  });

  it("adds a cost axis when it fits, and names the only skill in the title", () => {
    const single = report({ skills: [skillReport({ skill: SKILL_A, name: "alpha", models: [modelSummary({ model: SONNET, costUsd: 0.0123 })] })] });
    const points = historyRuns({ runs: 2, skills: [SKILL_A], models: [SONNET], costUsd: (run) => 0.01 + run * 0.001 });
    const config = configOf(imageUrl(trendChart(points, single, { kind: "quickchart" })));
    const cost = config.data.datasets.find((d) => d.yAxisID === "c");
    expect(cost?.data).toEqual([0.01, 0.011, 0.012]);
    expect(config.options.title.text).toBe("Quality: alpha");
  });

  it("uses a self-hosted QuickChart, keeping its path prefix and scheme", () => {
    const markdown = trendChart(history(2), twoSkillReport(), { kind: "quickchart", quickchartUrl: "http://charts.internal:8080/qc/" });
    const url = imageUrl(markdown);
    expect(url.origin).toBe("http://charts.internal:8080");
    expect(url.pathname).toBe("/qc/chart");
    expect(markdown).not.toContain("quickchart.io");
  });

  it("rejects a quickchart-url that is not an http(s) URL, naming the input", () => {
    expect(() => trendChart(history(2), twoSkillReport(), { kind: "quickchart", quickchartUrl: "not a url" })).toThrow(/quickchart-url/);
    expect(() => trendChart([], twoSkillReport(), { kind: "quickchart", quickchartUrl: "ftp://charts" })).toThrow(/http or https/);
  });

  it("keeps the last maxPoints runs (default 20) before this run", () => {
    const byDefault = configOf(imageUrl(trendChart(history(30), twoSkillReport(), { kind: "quickchart" })));
    expect(byDefault.data.labels).toHaveLength(21);
    expect(byDefault.data.labels[0]).toBe("10-11"); // runs 10..29 start on Oct 11
    const five = configOf(imageUrl(trendChart(history(30), twoSkillReport(), { kind: "quickchart", maxPoints: 5 })));
    expect(five.data.labels).toEqual(["10-26", "10-27", "10-28", "10-29", "10-30", "this PR"]);
  });

  it("stays under the URL limit with many models, long names and a long history, by shedding detail", () => {
    const models = Array.from({ length: 8 }, (_, i) => `claude-experimental-model-with-a-long-name-${i}`);
    const big = report({
      skills: [SKILL_A, SKILL_B].map((skill) =>
        skillReport({ skill, models: models.map((model, i) => modelSummary({ model, quality: 40 + i * 7.77, costUsd: 0.001234 * (i + 1) })) }),
      ),
    });
    const points = historyRuns({ runs: 40, skills: [SKILL_A, SKILL_B], models, quality: (run, _s, m) => 33.33 + run + models.indexOf(m) * 3.21 });
    const markdown = trendChart(points, big, { kind: "quickchart" });
    const url = imageUrl(markdown);
    expect(url.href.length).toBeLessThan(4000);
    const config = configOf(url);
    expect(config.data.labels.at(-1)).toBe("this PR");
    expect(config.data.labels.length).toBeGreaterThanOrEqual(2);
    // Something had to give: the full chart (8 models x 2 datasets x 21 points) does not fit.
    const full = config.data.datasets.length === 16 && config.data.labels.length === 21;
    expect(full).toBe(false);

    const tight = trendChart(points, big, { kind: "quickchart", maxUrlLength: 1500 });
    expect(imageUrl(tight).href.length).toBeLessThan(1500);
    expect(trendChart(points, big, { kind: "quickchart", maxUrlLength: 200 })).toBeNull();
  });

  it("labels the last point 'this run' in baseline mode and numbers same-day runs", () => {
    const points = [
      ...historyRuns({ runs: 1, skills: [SKILL_A], models: [SONNET] }),
      ...historyRuns({ runs: 1, skills: [SKILL_A], models: [SONNET] }).map((p) => ({ ...p, runId: "run-again", time: "2026-10-01T20:00:00.000Z" })),
    ];
    const single = report({ mode: "baseline", skills: [skillReport({ skill: SKILL_A, models: [modelSummary({ model: SONNET })] })] });
    const config = configOf(imageUrl(trendChart(points, single, { kind: "quickchart" })));
    expect(config.data.labels).toEqual(["10-01", "10-01 #2", "this run"]);
  });
});

describe("trendChart: mermaid", () => {
  it("writes an xychart-beta block with one line per model and a legend in the same order", () => {
    const markdown = trendChart(history(3), twoSkillReport(), { kind: "mermaid" }) ?? "";
    const lines = markdown.split("\n");
    expect(lines[0]).toBe("```mermaid");
    const close = lines.indexOf("```", 1);
    expect(close).toBeGreaterThan(0);
    const block = lines.slice(1, close);
    expect(block).toContain("xychart-beta");
    expect(block).toContain('  title "Mean quality of 2 skills"');
    expect(block).toContain('  x-axis ["10-01", "10-02", "10-03", "this PR"]');
    expect(block).toContain('  y-axis "quality" 0 --> 100');
    expect(block.filter((l) => l.startsWith("  line "))).toEqual(["  line [15, 17, 19, 75]", "  line [10, 12, 14, 60]"]);
    const legend = lines.slice(close + 1).join("\n");
    expect(legend).toMatch(/claude-sonnet-5.*claude-haiku-4-5/);
    expect(block.find((l) => l.includes("plotColorPalette"))).toMatch(/"#[0-9a-f]{6}, #[0-9a-f]{6}"/);
  });

  it("fills a run without a score with the previous value and says so; regressed models come first", () => {
    const points = history(3).filter((p) => !(p.runId === "run-1" && p.model === HAIKU));
    const r = twoSkillReport();
    const haikuA = r.skills[0]?.models[1];
    if (haikuA) Object.assign(haikuA, { regressed: true });
    const markdown = trendChart(points, r, { kind: "mermaid" }) ?? "";
    const lineRows = markdown.split("\n").filter((l) => l.startsWith("  line "));
    expect(lineRows).toEqual(["  line [10, 10, 14, 60]", "  line [15, 17, 19, 75]"]);
    expect(markdown).toMatch(/claude-haiku-4-5.*claude-sonnet-5/);
    expect(markdown).toContain("repeats the previous value");
  });

  it("keeps quotes and newlines in a skill name out of the mermaid source", () => {
    const r = report({ skills: [skillReport({ skill: SKILL_A, name: 'say "hi"\n  line [1]', models: [modelSummary({ model: SONNET })] })] });
    const markdown = trendChart(historyRuns({ runs: 2, skills: [SKILL_A], models: [SONNET] }), r, { kind: "mermaid" }) ?? "";
    const title = markdown.split("\n").find((l) => l.startsWith("  title "));
    expect(title).toBe('  title "Quality: say hi  line 1"');
    expect(markdown.split("\n").filter((l) => l.startsWith("  line "))).toHaveLength(1);
  });
});

describe("trendChart: nothing to draw", () => {
  it("is null for kind none, without history, or with history of other skills and models only", () => {
    expect(trendChart(history(3), twoSkillReport(), { kind: "none" })).toBeNull();
    expect(trendChart([], twoSkillReport(), { kind: "quickchart" })).toBeNull();
    expect(trendChart([], twoSkillReport(), { kind: "mermaid" })).toBeNull();
    const elsewhere = historyRuns({ runs: 3, skills: ["skills/other/SKILL.md"], models: [SONNET] });
    const otherModel = historyRuns({ runs: 3, skills: [SKILL_A], models: ["claude-opus-4-8"] });
    expect(trendChart([...elsewhere, ...otherModel], twoSkillReport(), { kind: "quickchart" })).toBeNull();
    expect(trendChart(history(3), report({ skills: [] }), { kind: "mermaid" })).toBeNull();
  });

  it("ignores history of skills not in the report when averaging", () => {
    const r = report({ skills: [skillReport({ skill: SKILL_A, models: [compared(SONNET, { quality: 40 }, { quality: 45 })] })] });
    const points = [
      ...historyRuns({ runs: 1, skills: [SKILL_A], models: [SONNET], quality: () => 30 }),
      ...historyRuns({ runs: 1, skills: ["skills/other/SKILL.md"], models: [SONNET], quality: () => 90 }),
    ];
    const config = configOf(imageUrl(trendChart(points, r, { kind: "quickchart" })));
    expect(config.data.datasets[0]?.data).toEqual([30, 40]);
  });
});
