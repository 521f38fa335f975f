// The HTML report: one self-contained file (inline CSS, script and SVG charts; no network) for a reviewer who
// opens it from a workflow artifact. It shows the verdict, a table per skill, the quality trend, and for every
// case the base and head outputs side by side with a word diff, the judge's notes and any error, the skill's
// uplift over the without-skill control (with the control's output per case), and the trigger evaluations
// (recall, false triggers, confusion, every query's samples). Filters (regressed only, skill, model) are plain JS
// over data attributes.
//
// Outputs, notes, errors and even skill names are untrusted text: every text goes through `esc`, the script is
// a constant (no data is interpolated into it), and a Content-Security-Policy allows only that script (by its
// hash) and inline styles, so an output holding `<script>` or `onerror=` is shown, never run.

import { createHash } from "node:crypto";
import type { CaseResult, HistoryPoint, ModelSummary, Report, SkillReport, SkillTriggers, TriggerModelSummary, TriggerQueryResult, TriggerSample, Uplift, UpliftMetric, Verdict } from "../types.js";
import { DIMENSIONS, METRICS } from "../types.js";
import { mean } from "../stats.js";
import { type BaseCase, baseCaseKey } from "./base-cases.js";
import { wordDiff } from "./diff.js";
import { NOT_AVAILABLE, formatMs, formatMsDelta, formatPercent, formatPoints, formatScore, formatUsd } from "./format.js";
import { NO_SKILL } from "../triggers.js";
import { confusionText, triggerCounts, withBase } from "./triggers.js";
import { HELPS_LABEL, noLongerHelpsLines, upliftText } from "./uplift.js";

// Shared with the markdown views; re-exported so existing imports keep working.
export { type BaseCase, baseCaseKey, baseCasesFromSnapshot } from "./base-cases.js";

export interface HtmlRenderContext {
  /** Baseline history, oldest first (for the trend charts). */
  history?: HistoryPoint[];
  /** Link to the workflow run. */
  runUrl?: string | null;
  /** Base results keyed by baseCaseKey(skill, caseId, model). */
  baseCases?: ReadonlyMap<string, BaseCase>;
  /** History runs shown per chart before this run (default 20). */
  maxPoints?: number;
}

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Text as HTML text or attribute value (double or single quoted). */
export function esc(value: unknown): string {
  return String(value ?? "").replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

const PALETTE = ["#2563eb", "#ea580c", "#16a34a", "#dc2626", "#9333ea", "#92400e", "#ca8a04", "#111827"];

const VERDICT_LABEL: Record<Verdict, string> = {
  pass: "pass",
  regressed: "regressed",
  inconclusive: "inconclusive",
  error: "error",
};

function badge(verdict: Verdict, id?: string): string {
  return `<span class="badge v-${verdict}"${id ? ` id="${id}"` : ""}>${esc(VERDICT_LABEL[verdict])}</span>`;
}

function list(items: string[], cls = ""): string {
  if (items.length === 0) return "";
  return `<ul${cls ? ` class="${cls}"` : ""}>${items.map((i) => `<li>${esc(i)}</li>`).join("")}</ul>`;
}

function shortSha(sha: string | null): string {
  return sha ? sha.slice(0, 7) : "n/a";
}

/** A link only to http(s) URLs: a `javascript:` run URL would be a script. */
function safeUrl(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Trend chart (inline SVG)

interface TrendSeries {
  model: string;
  values: (number | null)[];
}

/** Per model of the skill: its quality in each of the last history runs, then this run. */
function skillTrend(history: HistoryPoint[], skill: SkillReport, maxPoints: number): { labels: string[]; series: TrendSeries[] } | null {
  const models = skill.models.map((m) => m.model);
  const runs = new Map<string, { time: string; order: number; points: HistoryPoint[] }>();
  history.forEach((point, order) => {
    if (point.skill !== skill.skill || !models.includes(point.model)) return;
    const run = runs.get(point.runId);
    if (run) run.points.push(point);
    else runs.set(point.runId, { time: point.time, order, points: [point] });
  });
  const ordered = [...runs.values()].sort((a, b) => (Date.parse(a.time) || 0) - (Date.parse(b.time) || 0) || a.order - b.order);
  const shown = ordered.slice(Math.max(0, ordered.length - Math.max(1, maxPoints)));
  if (shown.length === 0) return null;
  const labels = shown.map((run, i) => {
    const ms = Date.parse(run.time);
    return Number.isNaN(ms) ? `run ${i + 1}` : new Date(ms).toISOString().slice(5, 10);
  });
  const series = skill.models.map((summary) => ({
    model: summary.model,
    values: [...shown.map((run) => mean(run.points.filter((p) => p.model === summary.model).map((p) => p.metrics.quality))), summary.quality],
  }));
  const withHistory = series.filter((s) => s.values.slice(0, -1).some((v) => v !== null));
  return withHistory.length === 0 ? null : { labels: [...labels, "this run"], series: withHistory };
}

function trendSvg(title: string, labels: string[], series: TrendSeries[]): string {
  const width = 640;
  const height = 220;
  const left = 36;
  const right = 12;
  const top = 24;
  const bottom = 40;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const x = (i: number) => left + (labels.length === 1 ? plotW / 2 : (plotW * i) / (labels.length - 1));
  const y = (v: number) => top + plotH - (plotH * Math.max(0, Math.min(100, v))) / 100;
  const grid = [0, 25, 50, 75, 100]
    .map((v) => `<line x1="${left}" x2="${width - right}" y1="${y(v)}" y2="${y(v)}" class="grid"/><text x="${left - 4}" y="${y(v) + 4}" class="axis" text-anchor="end">${v}</text>`)
    .join("");
  const step = Math.max(1, Math.ceil(labels.length / 10));
  const xLabels = labels
    .map((label, i) => (i % step === 0 || i === labels.length - 1 ? `<text x="${x(i)}" y="${height - bottom + 16}" class="axis" text-anchor="${i === labels.length - 1 && labels.length > 1 ? "end" : "middle"}">${esc(label)}</text>` : ""))
    .join("");
  const lines = series
    .map((s, index) => {
      const color = PALETTE[index % PALETTE.length] ?? "#000";
      const segments: string[][] = [[]];
      s.values.forEach((v, i) => {
        if (v === null) segments.push([]);
        else segments[segments.length - 1]?.push(`${x(i).toFixed(1)},${y(v).toFixed(1)}`);
      });
      const polylines = segments
        .filter((seg) => seg.length > 1)
        .map((seg) => `<polyline fill="none" stroke="${color}" stroke-width="2" points="${seg.join(" ")}"/>`)
        .join("");
      const dots = s.values
        .map((v, i) =>
          v === null
            ? ""
            : `<circle cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="3" fill="${color}"><title>${esc(s.model)} · ${esc(labels[i])}: ${formatScore(v)}</title></circle>`,
        )
        .join("");
      return `<g data-model="${esc(s.model)}">${polylines}${dots}</g>`;
    })
    .join("");
  const legend = series
    .map((s, index) => `<span class="legend"><i style="background:${PALETTE[index % PALETTE.length] ?? "#000"}"></i>${esc(s.model)}</span>`)
    .join(" ");
  return (
    `<figure class="trend"><svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${esc(title)}">` +
    `<text x="${left}" y="14" class="title">${esc(title)}</text>${grid}${xLabels}${lines}</svg>` +
    `<figcaption>${legend}</figcaption></figure>`
  );
}

// ---------------------------------------------------------------------------------------------------------
// Tables and cases

function cell(value: string, delta: string | null, cls = ""): string {
  return `<td${cls ? ` class="${cls}"` : ""}>${esc(value)}${delta !== null && delta !== "n/a" ? ` <small>(${esc(delta)})</small>` : ""}</td>`;
}

function worse(delta: number | null, threshold: number): string {
  if (delta === null) return "";
  if (delta <= -threshold) return "worse";
  if (delta >= threshold) return "better";
  return "";
}

function modelRow(skillIndex: number, summary: ModelSummary, report: Report): string {
  const d = summary.delta;
  const th = report.thresholds;
  const interval = summary.qualityInterval
    ? `[${formatPoints(summary.qualityInterval.low)}, ${formatPoints(summary.qualityInterval.high)}]`
    : "n/a";
  const dims = METRICS.filter((m) => m !== "quality")
    .map((m) => cell(formatScore(summary[m]), d ? formatPoints(d[m]) : null, worse(d?.[m] ?? null, th.dimension)))
    .join("");
  const costClass = d?.costPct != null && d.costPct > th.cost ? "worse" : "";
  return (
    `<tr class="model-row" data-skill="${skillIndex}" data-model="${esc(summary.model)}" data-regressed="${summary.verdict === "regressed"}">` +
    `<th scope="row">${esc(summary.model)}</th><td>${badge(summary.verdict)}</td>` +
    cell(formatScore(summary.quality), d ? formatPoints(d.quality) : null, worse(d?.quality ?? null, th.quality)) +
    `<td>${esc(interval)}</td>${dims}` +
    cell(formatUsd(summary.costUsd), d ? formatPercent(d.costPct) : null, costClass) +
    cell(formatMs(summary.latencyMsP50), d ? formatMsDelta(d.latencyMs) : null) +
    `<td>${summary.judged}/${summary.cases}${summary.errors > 0 ? ` <small>(${summary.errors} failed)</small>` : ""}${summary.unjudged > 0 ? ` <small>(${summary.unjudged} unjudged)</small>` : ""}</td>` +
    `</tr>`
  );
}

function diffPanes(base: string, head: string): string {
  const parts = wordDiff(base, head);
  const left = parts.map((p) => (p.op === "same" ? esc(p.text) : p.op === "del" ? `<del>${esc(p.text)}</del>` : "")).join("");
  const right = parts.map((p) => (p.op === "same" ? esc(p.text) : p.op === "ins" ? `<ins>${esc(p.text)}</ins>` : "")).join("");
  return `<div class="pane base"><h4>base output</h4><pre class="out">${left}</pre></div><div class="pane head"><h4>head output</h4><pre class="out">${right}</pre></div>`;
}

/** Extra per-case data later versions of the report may carry (expectations, checks): shown as they are. */
function extraChecks(result: CaseResult): string {
  const extra = result as unknown as Record<string, unknown>;
  const blocks: string[] = [];
  for (const field of ["expectations", "checks", "assertions"]) {
    const value = extra[field];
    if (!Array.isArray(value) || value.length === 0) continue;
    const items = value.map((item) => {
      if (typeof item === "string") return `<li>${esc(item)}</li>`;
      if (item && typeof item === "object") {
        const o = item as Record<string, unknown>;
        const passed = o.passed ?? o.pass ?? o.met;
        const mark = passed === true ? "✔ " : passed === false ? "✘ " : "";
        const text = o.text ?? o.expectation ?? o.type ?? "";
        const detail = o.value ?? o.evidence ?? o.reason ?? o.message;
        return `<li class="${passed === false ? "worse" : ""}">${esc(mark)}${esc(text)}${detail !== undefined ? `: ${esc(typeof detail === "string" ? detail : JSON.stringify(detail))}` : ""}</li>`;
      }
      return `<li>${esc(JSON.stringify(item))}</li>`;
    });
    blocks.push(`<div class="checks"><h4>${esc(field)}</h4><ul>${items.join("")}</ul></div>`);
  }
  return blocks.join("");
}

/** The without-skill control's answer for the same case and model (control: without-skill), collapsed. */
function controlBlock(result: CaseResult, control: CaseResult): string {
  const uplift = result.quality !== null && control.quality !== null ? result.quality - control.quality : null;
  const status = control.error ? "failed" : control.judged ? formatScore(control.quality) : "unjudged";
  const output =
    control.output === null
      ? `<p class="error">no output${control.error ? `: ${esc(control.error)}` : ""}</p>`
      : `<pre class="out">${esc(control.output)}</pre>`;
  return (
    `<details class="control"><summary>without skill (control): quality ${esc(status)}` +
    `${uplift !== null ? ` <span class="${uplift < 0 ? "worse" : uplift > 0 ? "better" : ""}">(skill ${esc(formatPoints(uplift))})</span>` : ""}</summary>` +
    `<div class="pane control"><h4>output without the skill</h4>${output}</div>` +
    (control.output !== null && control.error ? `<p class="error">error: ${esc(control.error)}</p>` : "") +
    (control.judgeError ? `<p class="error">not judged: ${esc(control.judgeError)}</p>` : "") +
    (control.judgeNotes ? `<div class="notes"><h4>judge notes</h4><p>${esc(control.judgeNotes)}</p></div>` : "") +
    extraChecks(control) +
    `</details>`
  );
}

function caseBlock(skillIndex: number, skill: SkillReport, result: CaseResult, regressed: boolean, base: BaseCase | undefined, open: boolean, control?: CaseResult): string {
  const baseQuality = base?.quality ?? null;
  const delta = result.quality !== null && baseQuality !== null ? result.quality - baseQuality : null;
  const head = result.output ?? "";
  let body: string;
  if (result.output === null) {
    body = `<div class="pane head"><h4>head output</h4><p class="error">no output${result.error ? `: ${esc(result.error)}` : ""}</p></div>`;
    if (base?.output != null) body = `<div class="pane base"><h4>base output</h4><pre class="out">${esc(base.output)}</pre></div>${body}`;
  } else if (base?.output != null) {
    body = diffPanes(base.output, head);
  } else {
    body =
      `<div class="pane base"><h4>base output</h4><p class="muted">base output not stored</p></div>` +
      `<div class="pane head"><h4>head output</h4><pre class="out">${esc(head)}</pre></div>`;
  }
  const scores = METRICS.map((m) => `${m} ${formatScore(result[m])}`).join(" · ");
  const facts = [
    result.error ? `<p class="error">error: ${esc(result.error)}</p>` : "",
    result.judgeError ? `<p class="error">not judged: ${esc(result.judgeError)}</p>` : "",
    result.judgeNotes ? `<div class="notes"><h4>judge notes</h4><p>${esc(result.judgeNotes)}</p></div>` : "",
    result.matchesExpected === null ? "" : `<p>matches the expected answer: ${result.matchesExpected ? "yes" : "no"}</p>`,
    extraChecks(result),
    control ? controlBlock(result, control) : "",
    `<p class="muted">${esc(scores)} · cost ${esc(formatUsd(result.costUsd))} · latency ${esc(formatMs(result.latencyMs))}${result.stopReason ? ` · stop ${esc(result.stopReason)}` : ""}</p>`,
  ].join("");
  const status = result.error ? "failed" : result.judged ? formatScore(result.quality) : "unjudged";
  return (
    `<details class="case" data-skill="${skillIndex}" data-model="${esc(result.model)}" data-regressed="${regressed}"${open ? " open" : ""}>` +
    `<summary><code>${esc(result.caseId)}</code> · ${esc(result.model)} · quality ${esc(status)}` +
    `${delta !== null ? ` <span class="${delta < 0 ? "worse" : delta > 0 ? "better" : ""}">(${esc(formatPoints(delta))})</span>` : ""}</summary>` +
    `<div class="panes">${body}</div>${facts}</details>`
  );
}

function skillSection(report: Report, skill: SkillReport, skillIndex: number, context: HtmlRenderContext): string {
  const regressedModels = new Set(skill.models.filter((m) => m.verdict === "regressed").map((m) => m.model));
  const baseCases = context.baseCases ?? new Map<string, BaseCase>();
  const controls = new Map((skill.controlResults ?? []).map((c) => [baseCaseKey(skill.skill, c.caseId, c.model), c]));
  const rows = skill.models.map((m) => modelRow(skillIndex, m, report)).join("");
  const trend = skillTrend(context.history ?? [], skill, context.maxPoints ?? 20);
  const chart = trend ? trendSvg(`Quality: ${skill.name}`, trend.labels, trend.series) : `<p class="muted">No trend yet: the baseline branch has no history for this skill.</p>`;
  // The cases that dropped most first, so a reviewer starts where the change hurt.
  const ranked = skill.results
    .map((result, order) => {
      const base = baseCases.get(baseCaseKey(skill.skill, result.caseId, result.model));
      const delta = result.quality !== null && base?.quality != null ? result.quality - base.quality : null;
      return { result, base, order, delta };
    })
    .sort((a, b) => (a.delta ?? Infinity) - (b.delta ?? Infinity) || a.order - b.order);
  let opened = 0;
  const cases = ranked
    .map(({ result, base }) => {
      const regressed = regressedModels.has(result.model);
      const open = regressed && opened < 5;
      if (open) opened += 1;
      return caseBlock(skillIndex, skill, result, regressed, base, open, controls.get(baseCaseKey(skill.skill, result.caseId, result.model)));
    })
    .join("");
  const changes = [
    skill.cases.added.length > 0 ? `new cases: ${skill.cases.added.join(", ")}` : "",
    skill.cases.changed.length > 0 ? `changed cases: ${skill.cases.changed.join(", ")}` : "",
    skill.cases.removed.length > 0 ? `removed cases: ${skill.cases.removed.join(", ")}` : "",
  ].filter((s) => s !== "");
  return (
    `<section class="skill" data-skill="${skillIndex}" data-regressed="${skill.verdict === "regressed"}">` +
    `<h2>${esc(skill.name)} ${badge(skill.verdict)}</h2>` +
    `<p class="muted"><code>${esc(skill.skill)}</code> · benchmark <code>${esc(skill.benchmark)}</code> · ${esc(skill.format)}</p>` +
    (skill.baselineError ? `<p class="error">baseline unreadable: ${esc(skill.baselineError)}</p>` : "") +
    list(skill.verdictReasons, "reasons") +
    list(changes) +
    `<div class="scroll"><table><thead><tr><th>model</th><th>verdict</th><th>quality</th><th>95% interval</th>` +
    `${DIMENSIONS.map((d) => `<th>${d}</th>`).join("")}<th>cost/case</th><th>latency p50</th><th>judged</th></tr></thead>` +
    `<tbody>${rows}</tbody></table></div>${upliftTable(skill, skillIndex)}${chart}<h3>Cases</h3>${cases}</section>`
  );
}

// ---------------------------------------------------------------------------------------------------------
// Uplift over the without-skill control (advisory)

function upliftCell(metric: UpliftMetric | null): string {
  if (!metric) return `<td>${esc(NOT_AVAILABLE)}</td>`;
  const cls = metric.delta === null ? "" : metric.interval && metric.interval.low > 0 ? "better" : metric.delta <= 0 ? "worse" : "";
  return `<td${cls ? ` class="${cls}"` : ""}>${esc(upliftText(metric))}</td>`;
}

function upliftRow(skillIndex: number, summary: ModelSummary, uplift: Uplift): string {
  const problems = [
    uplift.controlErrors > 0 ? `${uplift.controlErrors} failed` : "",
    uplift.controlUnjudged > 0 ? `${uplift.controlUnjudged} unjudged` : "",
  ].filter((p) => p !== "");
  const helps = uplift.helps === true ? "better" : uplift.helps === false ? "worse" : "";
  return (
    `<tr class="model-row uplift-row" data-skill="${skillIndex}" data-model="${esc(summary.model)}" data-regressed="${summary.verdict === "regressed"}">` +
    `<th scope="row">${esc(summary.model)}</th>${upliftCell(uplift.quality)}${upliftCell(uplift.expectations)}${upliftCell(uplift.checks)}` +
    `<td>${esc(formatScore(uplift.controlQuality))}${problems.length > 0 ? ` <small>(${esc(problems.join(", "))})</small>` : ""}</td>` +
    `<td${helps ? ` class="${helps}"` : ""}>${esc(HELPS_LABEL(uplift.helps))}</td></tr>`
  );
}

/** Per model: quality (and pass-rate) uplift over no skill with its interval; empty when no control ran. */
function upliftTable(skill: SkillReport, skillIndex: number): string {
  const rows = skill.models.flatMap((m) => (m.uplift ? [upliftRow(skillIndex, m, m.uplift)] : []));
  if (rows.length === 0) return "";
  return (
    `<h3>Uplift over no skill</h3><p class="muted">With the skill minus without it (control: without-skill), paired per case, ` +
    `in points with the 95% interval. Advisory: it does not change the verdict.</p>` +
    `<div class="scroll"><table class="uplift"><thead><tr><th>model</th><th>quality uplift</th><th>expectations</th><th>checks</th>` +
    `<th>control quality</th><th>skill</th></tr></thead><tbody>${rows.join("")}</tbody></table></div>`
  );
}

// ---------------------------------------------------------------------------------------------------------
// Trigger evaluations (report.triggers)

/** The filter index of every skill: the benchmarked skills first, then skills that only ran trigger queries. */
function skillIndexes(report: Report): { index: Map<string, number>; names: string[] } {
  const index = new Map<string, number>();
  const names: string[] = [];
  for (const skill of report.skills) {
    if (!index.has(skill.skill)) index.set(skill.skill, names.length);
    names.push(skill.name);
  }
  for (const t of report.triggers ?? []) {
    if (index.has(t.skill)) continue;
    index.set(t.skill, names.length);
    names.push(t.name);
  }
  return { index, names };
}

function triggerModelRow(skillIndex: number, m: TriggerModelSummary): string {
  const recallDrop = m.base && m.recall !== null && m.base.recall !== null && m.recall < m.base.recall;
  const falseRise = m.base && m.falseTriggerRate !== null && m.base.falseTriggerRate !== null && m.falseTriggerRate > m.base.falseTriggerRate;
  const confusion = confusionText(m);
  return (
    `<tr class="model-row trigger-row" data-skill="${skillIndex}" data-model="${esc(m.model)}" data-regressed="${m.verdict === "regressed"}">` +
    `<th scope="row">${esc(m.model)}</th><td>${badge(m.verdict)}</td>` +
    `<td${recallDrop ? ` class="worse"` : ""}>${esc(withBase(m.recall, m.base?.recall))}</td>` +
    `<td${falseRise ? ` class="worse"` : ""}>${esc(withBase(m.falseTriggerRate, m.base?.falseTriggerRate))}</td>` +
    `<td>${m.n.should} + ${m.n.shouldNot}</td><td>${m.errors}</td>` +
    `<td class="wrap">${confusion === null ? `<span class="muted">none missed</span>` : esc(confusion)}</td></tr>`
  );
}

/** "2/3 invoked it; pdf-tools ×1" for one query's samples, or "not run". */
function samplesText(samples: TriggerSample[] | undefined, name: string): string {
  if (!samples || samples.length === 0) return "not run";
  const ok = samples.filter((s) => s.error === null);
  const counts = new Map<string, number>();
  for (const s of ok) if (s.invoked !== name) counts.set(s.invoked ?? NO_SKILL, (counts.get(s.invoked ?? NO_SKILL) ?? 0) + 1);
  const others = [...counts].sort((a, b) => b[1] - a[1]).map(([skill, n]) => `${skill === NO_SKILL ? "no skill" : skill} ×${n}`);
  const errors = samples.length - ok.length;
  return [
    `${ok.filter((s) => s.invoked === name).length}/${ok.length} invoked it`,
    ...others,
    errors > 0 ? `${errors} failed` : "",
  ]
    .filter((p) => p !== "")
    .join("; ");
}

function queryRow(skillIndex: number, t: SkillTriggers, q: TriggerQueryResult, regressedModels: Set<string>, compared: boolean): string {
  const wanted = q.kind === "should";
  const rate = (samples: TriggerSample[] | undefined): number | null => {
    const ok = (samples ?? []).filter((s) => s.error === null);
    return ok.length === 0 ? null : ok.filter((s) => s.invoked === t.name).length / ok.length;
  };
  const head = rate(q.samples);
  const base = rate(q.baseSamples);
  // Worse: a should query invoked less, or a should-not query invoked more, than on the base.
  const worseThanBase = head !== null && base !== null && (wanted ? head < base : head > base);
  return (
    `<tr class="model-row query-row" data-skill="${skillIndex}" data-model="${esc(q.model)}" data-regressed="${regressedModels.has(q.model)}">` +
    `<td>${esc(q.kind)}</td><td>${esc(q.model)}</td><td class="wrap query">${esc(q.query)}</td>` +
    `<td${worseThanBase ? ` class="worse"` : ""}>${esc(samplesText(q.samples, t.name))}</td>` +
    (compared ? `<td>${esc(samplesText(q.baseSamples, t.name))}</td>` : "") +
    `</tr>`
  );
}

function triggerBlock(t: SkillTriggers, skillIndex: number): string {
  const compared =
    t.compared === "base-catalogue" ? "compared with the base commit's catalogue" : t.compared === "unchanged" ? "catalogue unchanged" : "not compared";
  const withBaseSamples = t.queries.some((q) => q.baseSamples !== undefined);
  const regressedModels = new Set(t.models.filter((m) => m.verdict === "regressed").map((m) => m.model));
  const queries = [...t.queries.filter((q) => q.kind === "should"), ...t.queries.filter((q) => q.kind !== "should")]
    .map((q) => queryRow(skillIndex, t, q, regressedModels, withBaseSamples))
    .join("");
  return (
    `<section class="skill trigger-skill" data-skill="${skillIndex}" data-regressed="${t.verdict === "regressed"}">` +
    `<h3>Triggers: ${esc(t.name)} ${badge(t.verdict)}</h3>` +
    `<p class="muted"><code>${esc(t.skill)}</code> · benchmark <code>${esc(t.benchmark)}</code> · ${esc(t.reason)} · ` +
    `${t.samples} sample(s) per query and model · ${esc(compared)} · ${t.calls} call(s), ${esc(formatUsd(t.costUsd))}</p>` +
    (t.verdict === "pass" ? "" : list(t.verdictReasons, "reasons")) +
    `<div class="scroll"><table class="triggers"><thead><tr><th>model</th><th>verdict</th><th>recall</th><th>false triggers</th>` +
    `<th>n (should + should-not)</th><th>errors</th><th>should queries that missed</th></tr></thead>` +
    `<tbody>${t.models.map((m) => triggerModelRow(skillIndex, m)).join("")}</tbody></table></div>` +
    (t.queries.length === 0
      ? ""
      : `<details class="trigger-queries"><summary>${t.queries.length} query result(s), per model</summary>` +
        `<div class="scroll"><table><thead><tr><th>kind</th><th>model</th><th>query</th><th>head</th>${withBaseSamples ? "<th>base</th>" : ""}</tr></thead>` +
        `<tbody>${queries}</tbody></table></div></details>`) +
    `</section>`
  );
}

/** Every trigger evaluation, regressed first; empty when none ran. */
function triggersSection(report: Report, indexes: Map<string, number>): string {
  const triggers = report.triggers ?? [];
  if (triggers.length === 0) return "";
  const ordered = [...triggers.filter((t) => t.verdict === "regressed"), ...triggers.filter((t) => t.verdict !== "regressed")];
  return (
    `<section class="triggers" id="triggers"><h2>Triggers</h2>` +
    `<p class="muted">Each query is sent with the catalogue of every skill (name and description) and a Skill tool. ` +
    `Recall: should queries that invoked the skill. False triggers: should-not queries that invoked it.</p>` +
    ordered.map((t) => triggerBlock(t, indexes.get(t.skill) ?? 0)).join("") +
    `</section>`
  );
}

// ---------------------------------------------------------------------------------------------------------
// Page

const STYLE = `
:root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#fff;--soft:#f6f8fa}
*{box-sizing:border-box}body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg);margin:0 auto;max-width:1200px;padding:16px 24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 4px;padding-top:12px;border-top:1px solid var(--line)}h3{font-size:15px;margin:16px 0 6px}h4{font-size:12px;margin:0 0 4px;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}
.muted{color:var(--muted)}.error{color:#b42318}.worse{color:#b42318;font-weight:600}.better{color:#1a7f37}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;vertical-align:middle;color:#fff}
.v-pass{background:#1a7f37}.v-regressed{background:#cf222e}.v-inconclusive{background:#9a6700}.v-error{background:#6e7781}
.verdict{font-size:16px;margin:8px 0}.filters{position:sticky;top:0;background:var(--soft);border:1px solid var(--line);border-radius:6px;padding:8px 12px;margin:12px 0;display:flex;gap:16px;flex-wrap:wrap;align-items:center;z-index:1}
table{border-collapse:collapse;margin:8px 0;font-variant-numeric:tabular-nums}th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;white-space:nowrap}thead th{background:var(--soft)}
.scroll{overflow-x:auto}small{color:var(--muted)}
details.case{border:1px solid var(--line);border-radius:6px;margin:6px 0;padding:4px 10px}details.case summary{cursor:pointer}
.panes{display:grid;grid-template-columns:1fr 1fr;gap:12px;margin:8px 0}.pane{min-width:0}
pre.out{white-space:pre-wrap;word-break:break-word;background:var(--soft);border:1px solid var(--line);border-radius:4px;padding:8px;margin:0;max-height:480px;overflow:auto;font-size:13px}
del{background:#ffebe9;color:#82071e}ins{background:#dafbe1;color:#116329;text-decoration:none}
.notes p{margin:0 0 6px}.trend{margin:8px 0}.trend svg{max-width:100%;height:auto}.grid{stroke:#eaeef2}.axis{font-size:10px;fill:var(--muted)}.title{font-size:12px;font-weight:600}
.legend{margin-right:12px}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px}
td.wrap{white-space:normal;min-width:220px}td.query{white-space:pre-wrap;word-break:break-word;max-width:520px}
details.control{margin:6px 0;padding:4px 8px;border:1px dashed var(--line);border-radius:4px}details.control summary{cursor:pointer}
[hidden]{display:none!important}
`;

// Constant: no report data is ever interpolated here (the CSP allows this script by its hash only).
const SCRIPT = `(function(){
var only=document.getElementById("f-regressed"),skill=document.getElementById("f-skill"),model=document.getElementById("f-model"),count=document.getElementById("f-count");
function apply(){
  var s=skill.value,m=model.value,r=only.checked,shown=0;
  document.querySelectorAll("[data-model].model-row,details.case").forEach(function(el){
    var ok=(s===""||el.getAttribute("data-skill")===s)&&(m===""||el.getAttribute("data-model")===m)&&(!r||el.getAttribute("data-regressed")==="true");
    el.hidden=!ok;if(ok&&el.tagName==="DETAILS")shown++;
  });
  document.querySelectorAll("section.skill").forEach(function(el){
    el.hidden=(s!==""&&el.getAttribute("data-skill")!==s)||(r&&el.getAttribute("data-regressed")!=="true");
  });
  count.textContent=shown+" case(s) shown";
}
[only,skill,model].forEach(function(el){el.addEventListener("change",apply);});
apply();
})();`;

const SCRIPT_HASH = createHash("sha256").update(SCRIPT, "utf8").digest("base64");
const CSP = `default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${SCRIPT_HASH}'; img-src data:; base-uri 'none'; form-action 'none'`;

function headerSection(report: Report, context: HtmlRenderContext): string {
  const run = safeUrl(context.runUrl);
  const baseline = report.baseline
    ? report.baseline.found
      ? `baseline ${report.baseline.branch} @ ${shortSha(report.baseline.commit)}`
      : `no baseline yet on ${report.baseline.branch}`
    : "no baseline compared";
  const facts = [
    `${report.mode} mode`,
    `commit ${shortSha(report.commit)}`,
    baseline,
    `judge ${report.judgeModel}`,
    `gate ${report.gate}`,
    `total ${formatUsd(report.totals.costUsd)}`,
    `${report.totals.cases} case(s), ${report.totals.errors} failed, ${report.totals.unjudged} unjudged`,
    ...(triggerCounts(report) === null ? [] : [triggerCounts(report) as string]),
    `generated ${report.generatedAt}`,
    `${report.tool.name} ${report.tool.version}`,
  ];
  const th = report.thresholds;
  const notes: string[] = [];
  if (report.cancelled) notes.push(`<p class="error">Cancelled by ${esc(report.cancelled.signal)}: the results are partial.</p>`);
  if (report.failure) notes.push(`<p class="error">Run failed: ${esc(report.failure.cause)}</p>`);
  const changes = report.configChanges;
  if (changes && (changes.trusted.length > 0 || changes.gate.length > 0)) {
    const items = [
      ...changes.trusted.map((c) => `trusted key ${c.key} changed by the pull request; the ${c.used ?? "base"} value was used`),
      ...changes.gate.map((c) => `gate key ${c.key} changed by the pull request: ${String(c.base)} → ${String(c.head)}`),
    ];
    notes.push(`<div class="config-changes"><h4>skillbench.yml changes</h4>${list(items)}</div>`);
  }
  const noLongerHelps = noLongerHelpsLines(report);
  if (noLongerHelps.length > 0) notes.push(`<div class="warnings uplift-flags"><h4>skills that no longer help</h4>${list(noLongerHelps, "worse")}</div>`);
  if (report.warnings.length > 0) notes.push(`<div class="warnings"><h4>warnings</h4>${list(report.warnings)}</div>`);
  if (report.skipped.length > 0) notes.push(`<div class="skipped"><h4>not benchmarked</h4>${list(report.skipped.map((s) => `${s.skill}: ${s.reason}`))}</div>`);
  return (
    `<header><h1>skillbench report</h1>` +
    `<p class="verdict">Verdict: ${badge(report.verdict, "verdict")}</p>` +
    list(report.verdictReasons, "reasons") +
    `<p class="muted">${facts.map(esc).join(" · ")}${run ? ` · <a href="${esc(run)}">workflow run</a>` : ""}</p>` +
    `<p class="muted">Regression when quality drops more than ${th.quality} points, a dimension more than ${th.dimension} points, ` +
    `cost per case rises more than ${th.cost}% or more than ${th.errors}% of a model's cases fail or go unjudged.</p>` +
    notes.join("") +
    `</header>`
  );
}

function filters(report: Report, skillNames: string[]): string {
  const models = [...new Set([...report.skills.flatMap((s) => s.models.map((m) => m.model)), ...(report.triggers ?? []).flatMap((t) => t.models.map((m) => m.model))])];
  const skillOptions = skillNames.map((name, i) => `<option value="${i}">${esc(name)}</option>`).join("");
  const modelOptions = models.map((m) => `<option value="${esc(m)}">${esc(m)}</option>`).join("");
  return (
    `<form class="filters" id="filters"><label><input type="checkbox" id="f-regressed"> regressed only</label>` +
    `<label>skill <select id="f-skill"><option value="">all</option>${skillOptions}</select></label>` +
    `<label>model <select id="f-model"><option value="">all</option>${modelOptions}</select></label>` +
    `<span class="muted" id="f-count"></span></form>`
  );
}

/** The whole report as one HTML document (no external resource). Redact the report before rendering it. */
export function renderHtmlReport(report: Report, context: HtmlRenderContext = {}): string {
  const skills = report.skills.map((skill, i) => skillSection(report, skill, i, context)).join("");
  const indexes = skillIndexes(report);
  return (
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8">` +
    `<meta http-equiv="Content-Security-Policy" content="${CSP}">` +
    `<meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<title>skillbench: ${esc(report.verdict)} · ${esc(shortSha(report.commit))}</title><style>${STYLE}</style></head><body>` +
    headerSection(report, context) +
    filters(report, indexes.names) +
    (report.skills.length > 0
      ? skills
      : (report.triggers ?? []).length > 0
        ? `<p class="muted">Only trigger queries ran in this run (a description or trigger-query change).</p>`
        : `<p class="muted">No skill was benchmarked in this run.</p>`) +
    triggersSection(report, indexes.index) +
    `<script>${SCRIPT}</script></body></html>\n`
  );
}
