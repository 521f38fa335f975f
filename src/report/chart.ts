// The quality trend chart under the report: a QuickChart image URL (built locally, no network) or a mermaid
// xychart block. Both show, per model of this report, the mean quality of the report's skills in each of the
// last history runs, plus this run as the last point.

import QuickChartNs from "quickchart-js";
import type { ChartKind, HistoryPoint, Report } from "../types.js";
import { escapeInline } from "./format.js";
import { mean } from "../stats.js";

// quickchart-js's types describe its CommonJS namespace; at runtime the ESM default export is the class.
const QuickChart = QuickChartNs as unknown as typeof QuickChartNs.default;

export interface TrendChartOptions {
  kind: ChartKind;
  /** Replaces https://quickchart.io (a self-hosted QuickChart); any path is kept in front of /chart. */
  quickchartUrl?: string;
  /** History runs shown before this run (default 20). */
  maxPoints?: number;
  /** The QuickChart URL stays strictly below this (default 4000): GitHub's camo proxy doubles it. */
  maxUrlLength?: number;
}

export const DEFAULT_QUICKCHART_URL = "https://quickchart.io";
const DEFAULT_MAX_POINTS = 20;
const DEFAULT_MAX_URL_LENGTH = 4000;

/** Line colours, shared by both renderers so the mermaid legend can name them with matching squares. */
const PALETTE = [
  { hex: "#2563eb", square: "🟦" },
  { hex: "#ea580c", square: "🟧" },
  { hex: "#16a34a", square: "🟩" },
  { hex: "#dc2626", square: "🟥" },
  { hex: "#9333ea", square: "🟪" },
  { hex: "#92400e", square: "🟫" },
  { hex: "#ca8a04", square: "🟨" },
  { hex: "#111827", square: "⬛" },
] as const;

function colorAt(index: number): (typeof PALETTE)[number] {
  return PALETTE[index % PALETTE.length] ?? PALETTE[0];
}

interface Series {
  model: string;
  /** One value per label; null where the model has no judged result in that run. */
  quality: (number | null)[];
  cost: (number | null)[];
}

interface Trend {
  title: string;
  labels: string[];
  series: Series[];
}

function dayLabel(time: string, fallback: string): string {
  const ms = Date.parse(time);
  if (Number.isNaN(ms)) return fallback;
  return new Date(ms).toISOString().slice(5, 10);
}

/** Same-day runs would share a label; numbering them keeps the categories distinct. */
function dedupeLabels(labels: string[]): string[] {
  const seen = new Map<string, number>();
  return labels.map((label) => {
    const count = (seen.get(label) ?? 0) + 1;
    seen.set(label, count);
    return count === 1 ? label : `${label} #${count}`;
  });
}

/** Models of the report, the regressed ones first: when the chart has to shed lines, those stay. */
function reportModels(report: Report): string[] {
  const regressed: string[] = [];
  const others: string[] = [];
  for (const skill of report.skills) {
    for (const summary of skill.models) {
      if (regressed.includes(summary.model) || others.includes(summary.model)) continue;
      const isRegressed = report.skills.some((s) => s.models.some((m) => m.model === summary.model && m.regressed));
      (isRegressed ? regressed : others).push(summary.model);
    }
  }
  return [...regressed, ...others];
}

function buildTrend(history: HistoryPoint[], report: Report, maxPoints: number): Trend | null {
  const skills = new Set(report.skills.map((s) => s.skill));
  const models = reportModels(report);
  if (skills.size === 0 || models.length === 0) return null;

  const runs = new Map<string, { time: string; order: number; points: HistoryPoint[] }>();
  history.forEach((point, order) => {
    if (!skills.has(point.skill) || !models.includes(point.model)) return;
    const run = runs.get(point.runId);
    if (run) run.points.push(point);
    else runs.set(point.runId, { time: point.time, order, points: [point] });
  });
  // History arrives oldest first; sort by time anyway (stable on ties) so a merged file cannot scramble the axis.
  const ordered = [...runs.values()].sort((a, b) => {
    const diff = (Date.parse(a.time) || 0) - (Date.parse(b.time) || 0);
    return diff !== 0 ? diff : a.order - b.order;
  });
  const shown = ordered.slice(Math.max(0, ordered.length - Math.max(1, Math.floor(maxPoints))));
  if (shown.length === 0) return null;

  const series: Series[] = models.map((model) => {
    const quality: (number | null)[] = [];
    const cost: (number | null)[] = [];
    for (const run of shown) {
      const points = run.points.filter((p) => p.model === model);
      quality.push(mean(points.map((p) => p.metrics.quality)));
      cost.push(mean(points.map((p) => p.metrics.costUsd)));
    }
    const current = report.skills.flatMap((s) => s.models.filter((m) => m.model === model));
    quality.push(mean(current.map((m) => m.quality)));
    cost.push(mean(current.map((m) => m.costUsd)));
    return { model, quality, cost };
  });
  // A line needs history to be a trend: models without any past value are left out.
  const withHistory = series.filter((s) => s.quality.slice(0, -1).some((v) => v !== null));
  if (withHistory.length === 0) return null;

  const thisRun = report.mode === "pr" ? "this PR" : "this run";
  const labels = dedupeLabels(shown.map((run, i) => dayLabel(run.time, `run ${i + 1}`)));
  const only = report.skills.length === 1 ? report.skills[0] : undefined;
  const title = only ? `Quality: ${only.name}` : `Mean quality of ${report.skills.length} skills`;
  return { title, labels: [...labels, thisRun], series: withHistory };
}

function round(value: number | null, decimals: number): number | null {
  if (value === null) return null;
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

function roundCost(value: number | null): number | null {
  return value === null ? null : Number(value.toPrecision(2));
}

/** "claude-sonnet-5" -> "sonnet-5": the legend is the widest part of a small chart. */
function shortModel(model: string): string {
  return model.startsWith("claude-") ? model.slice("claude-".length) : model;
}

interface Variant {
  models: number;
  points: number;
  cost: boolean;
  decimals: number;
}

function quickchartConfig(trend: Trend, variant: Variant): Record<string, unknown> {
  const keepFrom = trend.labels.length - variant.points;
  const labels = trend.labels.slice(keepFrom);
  const series = trend.series.slice(0, variant.models);
  const datasets: Record<string, unknown>[] = series.map((s, i) => ({
    label: shortModel(s.model),
    data: s.quality.slice(keepFrom).map((v) => round(v, variant.decimals)),
    borderColor: colorAt(i).hex,
  }));
  const yAxes: Record<string, unknown>[] = [{ ticks: { min: 0, max: 100 } }];
  if (variant.cost) {
    series.forEach((s, i) => {
      datasets.push({
        label: `${shortModel(s.model)} $`,
        data: s.cost.slice(keepFrom).map(roundCost),
        borderColor: colorAt(i).hex,
        borderDash: [4, 4],
        yAxisID: "c",
      });
    });
    yAxes.push({ id: "c", position: "right", scaleLabel: { display: true, labelString: "$/case" } });
  }
  return {
    type: "line",
    data: { labels, datasets },
    options: {
      title: { display: true, text: trend.title },
      // Chart.js 2 fills under lines by default, which hides overlapping models; gaps are runs without a score.
      elements: { line: { fill: false } },
      spanGaps: true,
      scales: { yAxes },
    },
  };
}

/** Why `value` cannot be the QuickChart host (not a URL, not http or https), or null when it can. */
export function quickchartUrlProblem(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `quickchart-url "${value}" is not a valid URL (expected e.g. ${DEFAULT_QUICKCHART_URL}).`;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return `quickchart-url "${value}" must use http or https, not ${url.protocol.replace(/:$/, "")}.`;
  }
  return null;
}

function parseQuickchartUrl(value: string): URL {
  const problem = quickchartUrlProblem(value);
  if (problem !== null) throw new Error(problem);
  return new URL(value);
}

function quickchartUrlFor(trend: Trend, variant: Variant, base: URL): string {
  const chart = new QuickChart();
  // setHost takes anything that follows "scheme://", so a path prefix of a self-hosted instance survives.
  chart.setScheme(base.protocol.replace(/:$/, ""));
  chart.setHost(`${base.host}${base.pathname.replace(/\/+$/, "")}`);
  chart.setWidth(600).setHeight(300).setBackgroundColor("white");
  chart.setConfig(quickchartConfig(trend, variant));
  return chart.getUrl();
}

/** Richest variant first: all models and points with the cost axis, then without it, rounder, fewer points, fewer models. */
function* variants(trend: Trend): Generator<Variant> {
  for (let models = trend.series.length; models >= 1; models -= 1) {
    for (let points = trend.labels.length; points >= 2; points -= 1) {
      yield { models, points, cost: true, decimals: 1 };
      yield { models, points, cost: false, decimals: 1 };
      yield { models, points, cost: false, decimals: 0 };
    }
  }
}

function quickchartMarkdown(trend: Trend, base: URL, options: TrendChartOptions): string | null {
  const limit = options.maxUrlLength ?? DEFAULT_MAX_URL_LENGTH;
  for (const variant of variants(trend)) {
    const url = quickchartUrlFor(trend, variant, base);
    if (url.length < limit) {
      const left = trend.series.length - variant.models;
      const note = left > 0 ? `\n\n_${left} more ${left === 1 ? "model" : "models"} left out of the chart to keep its URL short._` : "";
      return `![${trend.title.replace(/[[\]\r\n]/g, "")}](${url})${note}`;
    }
  }
  return null;
}

/** xychart lines need a number at every label: gaps take the nearest earlier value (or the first later one). */
function fillGaps(values: (number | null)[]): { values: number[]; filled: boolean } {
  let filled = false;
  const firstKnown = values.find((v): v is number => v !== null) ?? 0;
  let last = firstKnown;
  const out = values.map((v) => {
    if (v === null) {
      filled = true;
      return last;
    }
    last = v;
    return v;
  });
  return { values: out, filled };
}

function mermaidText(text: string): string {
  return text.replace(/["\r\n`]/g, "").replace(/[^\p{L}\p{N} .,:/()+#_-]/gu, "");
}

function mermaidMarkdown(trend: Trend): string {
  const lines: string[] = [];
  let filled = false;
  for (const s of trend.series) {
    const gaps = fillGaps(s.quality.map((v) => round(v, 1)));
    filled ||= gaps.filled;
    lines.push(`  line [${gaps.values.join(", ")}]`);
  }
  const palette = trend.series.map((_, i) => colorAt(i).hex).join(", ");
  const legend = trend.series.map((s, i) => `${colorAt(i).square} ${escapeInline(s.model)}`).join(" · ");
  const gapNote = filled ? " (a run without a score repeats the previous value)" : "";
  return [
    "```mermaid",
    "---",
    "config:",
    "  themeVariables:",
    "    xyChart:",
    `      plotColorPalette: "${palette}"`,
    "---",
    "xychart-beta",
    `  title "${mermaidText(trend.title)}"`,
    `  x-axis [${trend.labels.map((l) => `"${mermaidText(l)}"`).join(", ")}]`,
    '  y-axis "quality" 0 --> 100',
    ...lines,
    "```",
    `Lines, in order: ${legend}${gapNote}`,
  ].join("\n");
}

/**
 * Markdown for the trend chart, or null when there is nothing to draw (kind "none", no history for the report's
 * skills and models yet) or when no QuickChart URL fits under maxUrlLength even with one model and two points.
 * Throws when quickchartUrl is not an http(s) URL.
 */
export function trendChart(history: HistoryPoint[], report: Report, options: TrendChartOptions): string | null {
  if (options.kind === "none") return null;
  // Validate the host even when there is nothing to draw yet, so a typo shows up on the first run.
  const base = options.kind === "quickchart" ? parseQuickchartUrl(options.quickchartUrl ?? DEFAULT_QUICKCHART_URL) : null;
  const trend = buildTrend(history, report, options.maxPoints ?? DEFAULT_MAX_POINTS);
  if (trend === null) return null;
  return base === null ? mermaidMarkdown(trend) : quickchartMarkdown(trend, base, options);
}
