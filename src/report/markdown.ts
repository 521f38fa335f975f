// The markdown views of a Report: the sticky PR comment, the job summary and the CLI's --markdown file.
// The Report is already compared with the baseline; this module only presents it, within a character budget.

import { triggerCounts, triggerOnlyHead, triggerSection } from "./triggers.js";
import { markdownTable } from "markdown-table";
import { messageOf } from "../errors.js";
import { GITHUB_COMMENT_LIMIT } from "../util.js";
import { METRICS, type CaseResult, type ChartKind, type HistoryPoint, type Metric, type ModelSummary, type Report, type SkillReport } from "../types.js";
import { ALPHA } from "../compare.js";
import { NOT_RUN } from "../run.js";
import { ERRORS_REASON, UNJUDGED_REASON, isErrorGateReason } from "../verdict.js";
import { type BaseCase, baseCaseKey } from "./base-cases.js";
import { trendChart } from "./chart.js";
import { noLongerHelpsBlock, upliftTable } from "./uplift.js";
import {
  NOT_AVAILABLE,
  escapeHtml,
  escapeInline,
  formatInterval,
  formatMs,
  formatMsDelta,
  formatPercent,
  formatPoints,
  formatScore,
  formatUsd,
  markdownUrl,
  plural,
  shortSha,
  truncate,
} from "./format.js";

export const COMMENT_MARKER = "<!-- skillbench:report -->";
/** GitHub rejects longer issue and PR comment bodies with a 422. */
export const COMMENT_LIMIT = GITHUB_COMMENT_LIMIT;
/** GitHub allows 1 MiB per step summary; stay a little below it. */
export const SUMMARY_LIMIT = 1_000_000;

export interface RenderContext {
  /** Link to the workflow run. */
  runUrl?: string | null;
  /** Baseline history, oldest first (for the trend chart). */
  history?: HistoryPoint[];
  /** Default "quickchart". */
  chart?: ChartKind;
  /** Default https://quickchart.io. */
  quickchartUrl?: string;
  /** Default COMMENT_LIMIT for comments, SUMMARY_LIMIT for summaries, unlimited for the markdown file. */
  maxChars?: number;
  /** Show model outputs in the per-case details; default true only in the markdown file (they are long). */
  outputs?: boolean;
  /** Where the full JSON report was written, named when the body had to be shortened. */
  reportPath?: string | null;
  /** An HTML report was written (html-report-path): the footer links the run, whose artifact holds it. */
  htmlReport?: boolean;
  /**
   * Base results keyed by baseCaseKey(skill, caseId, model) (baseCasesFromSnapshot): with them, each regressed
   * (skill, model) shows the cases that dropped most with their base and head outputs.
   */
  baseCases?: ReadonlyMap<string, BaseCase>;
}

/** Judge notes and outputs are cut to this many characters in the first shortening step. */
const SHORT_NOTE_CHARS = 200;
const SHORT_OUTPUT_CHARS = 300;
/** Error messages can embed whole API responses; a table cell only needs the gist. */
const ERROR_CELL_CHARS = 240;
const LIST_PREVIEW = 5;

// ---------------------------------------------------------------------------------------------------------
// Verdict

function distinctModels(report: Report): string[] {
  return [...new Set(report.skills.flatMap((s) => s.models.map((m) => m.model)))];
}

/**
 * What the reader must not miss beside the verdict: a cancelled run's results are partial, and a pull request
 * that changes how it is gated (or tries to change where requests go) says so on the verdict line itself.
 */
export function verdictNotes(report: Report): string[] {
  const notes: string[] = [];
  const changes = report.configChanges;
  for (const change of changes?.trusted ?? []) {
    const used = change.used === "workflow" ? "the workflow's setting" : "the base branch's value";
    notes.push(`⚠️ this PR changes ${change.key}; ${used} is used`);
  }
  if (changes && changes.gate.length > 0) {
    const list = changes.gate.map((c) => `${c.key} ${c.base ?? "unset"} -> ${c.head ?? "unset"}`).join(", ");
    notes.push(`⚠️ this PR changes the gate: ${list}`);
  }
  if (changes?.base.status === "unavailable") notes.push("⚠️ the base commit's config could not be read: gate changes unknown");
  const unloaded = report.skipped.filter((s) => s.reason.startsWith(UNLOADED_REASON));
  if (unloaded.length > 0) notes.push(`⚠️ ${plural(unloaded.length, "skill")} skipped: could not be loaded (${unloaded.map((s) => s.skill).join(", ")})`);
  return notes;
}

/** How report.skipped names a skill that could not be loaded (src/project.ts). */
const UNLOADED_REASON = "could not be loaded";

function withNotes(line: string, report: Report): string {
  return [line, ...verdictNotes(report)].join(" · ");
}

/** "No baseline for 2 of 3 models" (or "No usable baseline" when some baseline exists but could not be used). */
export function notGatedText(report: Report): string | null {
  const summaries = report.skills.flatMap((s) => s.models);
  const inconclusive = summaries.filter((m) => m.verdict === "inconclusive");
  if (inconclusive.length === 0) return null;
  const plain = inconclusive.every((m) => m.verdictReasons.every((r) => /^no baseline\b/.test(r)));
  // A compared model the tests could not decide (too few pairs, too wide) is inconclusive, not short of a baseline.
  const undecided = inconclusive.some((m) => m.tests.length > 0 && m.pairedCases > 0);
  const label = plain ? "No baseline" : undecided ? "Inconclusive" : "No usable baseline";
  return `${label} for ${inconclusive.length} of ${plural(summaries.length, "model")}`;
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The regression label: a measured drop is a quality regression; the errors gate alone is about failed pairs. */
export function regressionLabel(report: Report): string {
  const reasons = report.skills.flatMap((s) => s.models.flatMap((m) => m.regressions));
  return reasons.every(isErrorGateReason) ? "Too many failed or unjudged pairs" : "Quality regression";
}

/** One line of plain text (no markdown), also used in logs and the failed check's message. */
export function verdictLine(report: Report): string {
  return withNotes(verdictHead(report), report);
}

function verdictHead(report: Report): string {
  const skills = report.skills.length;
  if (report.cancelled) {
    const results = report.skills.flatMap((s) => s.results);
    const finished = results.filter((r) => r.error !== NOT_RUN).length;
    return `⏹️ Cancelled (${report.cancelled.signal}): partial results, ${finished} of ${plural(results.length, "pair")} run; not a verdict, baseline not written`;
  }
  if (skills === 0 && (report.triggers ?? []).length > 0) {
    const t = report.totals;
    return `${triggerOnlyHead(report)} · ${formatUsd(t.costUsd)} total cost`;
  }
  if (skills === 0) {
    return report.mode === "pr"
      ? "⏭️ Nothing to benchmark: no skill changed"
      : "⏭️ Nothing to benchmark: no benchmarked skill found";
  }
  const models = distinctModels(report).length;
  const regressed = report.skills.filter((s) => s.regressed).length;
  const notGated = notGatedText(report);
  const summaries = report.skills.flatMap((s) => s.models);
  const unmeasured = summaries.filter((m) => m.verdict === "error").length;
  let head: string;
  if (report.failure) {
    // Nothing was measured (or a baseline run recorded nothing): the cause, once.
    head = `❌ ${capitalized(report.failure.cause)}`;
  } else if (report.mode === "baseline") {
    // A baseline (nightly) run records what it measured; a drop against the previous baseline is drift, not a gate.
    head = report.regressed
      ? `📉 Drift since the previous baseline in ${regressed} of ${plural(skills, "skill")} (${plural(models, "model")}); new baseline recorded`
      : `✅ Baseline recorded: ${plural(skills, "skill")}, ${plural(models, "model")} benchmarked, ` +
        (notGated ? `nothing to compare with for ${notGated.replace(/^No (usable )?baseline for /, "")}` : "no drift beyond the thresholds");
  } else if (report.regressed && regressed === 0) {
    // Only trigger evaluations regressed (report.triggers).
    head = `❌ ${triggerOnlyHead(report).replace(/^❌ /, "").replace(/ \(trigger queries only\)$/, "")}`;
  } else if (report.regressed) {
    head = `❌ ${regressionLabel(report)} in ${regressed} of ${plural(skills, "skill")} (${plural(models, "model")})`;
    if (notGated) head += `; not gated: ${notGated.charAt(0).toLowerCase()}${notGated.slice(1)}`;
  } else if (unmeasured > 0) {
    head = `❌ Could not measure ${unmeasured} of ${plural(summaries.length, "model")}: nothing of it was judged`;
  } else if (notGated) {
    const compared = summaries.length - summaries.filter((m) => m.verdict === "inconclusive").length;
    head = `⚠️ ${notGated}: not gated${compared > 0 ? ` (${compared} compared: no regression)` : ""}`;
  } else {
    head = `✅ No regression: ${plural(skills, "skill")}, ${plural(models, "model")} benchmarked`;
  }
  const t = report.totals;
  const unpriced = t.unpricedModels.length > 0 ? ` (no price for ${t.unpricedModels.join(", ")})` : "";
  const triggerNote = triggerCounts(report);
  const counts = (report.failure || report.mode === "baseline" ? "" : ` · ${verdictCounts(report)}`) + (triggerNote ? ` · ${triggerNote}` : "");
  return `${head}${counts} · ${plural(t.errors, "error")} · ${t.unjudged} unjudged · ${formatUsd(t.costUsd)} total cost${unpriced}`;
}

/** "3 pass, 1 regressed, 2 inconclusive, 0 error": the (skill, model) verdicts of the run. */
export function verdictCounts(report: Report): string {
  const summaries = report.skills.flatMap((s) => s.models);
  const count = (v: string) => summaries.filter((m) => m.verdict === v).length;
  return `verdicts: ${count("pass")} pass, ${count("regressed")} regressed, ${count("inconclusive")} inconclusive, ${count("error")} error`;
}

// ---------------------------------------------------------------------------------------------------------
// Cells

type Mark = "🔻" | "🔺" | "";

/** 🔻 = worse beyond the threshold, 🔺 = better beyond it. For cost, `higherIsBetter` is false. */
function markOf(delta: number, threshold: number, higherIsBetter: boolean): Mark {
  const change = higherIsBetter ? delta : -delta;
  if (change < -threshold) return "🔻";
  if (change > threshold) return "🔺";
  return "";
}

function withMark(text: string, mark: Mark): string {
  return mark ? `${text} ${mark}` : text;
}

function scoreCell(summary: ModelSummary, metric: Metric, threshold: number): string {
  const value = summary[metric];
  if (value === null) return NOT_AVAILABLE;
  const text = formatScore(value);
  if (summary.baseline === null) return `${text} (new)`;
  const delta = summary.delta?.[metric] ?? null;
  if (delta === null) return text;
  let cell = `${text} (${withMark(formatPoints(delta), markOf(delta, threshold, true))})`;
  if (metric === "quality" && summary.qualityInterval) cell += ` ${formatInterval(summary.qualityInterval)}`;
  return cell;
}

function costCell(summary: ModelSummary, thresholdPct: number): string {
  if (summary.costUsd === null) return NOT_AVAILABLE;
  const text = formatUsd(summary.costUsd);
  if (summary.baseline === null) return `${text} (new)`;
  const pct = summary.delta?.costPct ?? null;
  if (pct === null) return text;
  return `${text} (${withMark(formatPercent(pct), markOf(pct, thresholdPct, false))})`;
}

function latencyCell(summary: ModelSummary): string {
  if (summary.latencyMsP50 === null) return NOT_AVAILABLE;
  const delta = summary.delta?.latencyMs ?? null;
  const text = formatMs(summary.latencyMsP50);
  return delta === null ? text : `${text} (${formatMsDelta(delta)})`;
}

function modelCell(summary: ModelSummary): string {
  const mark = summary.verdict === "error" ? " ⛔" : summary.regressed ? " ❌" : "";
  return `${escapeInline(summary.model)}${mark}${summary.stale ? " ⏳" : ""}`;
}

const VERDICT_LABEL: Record<ModelSummary["verdict"], string> = {
  pass: "✅ pass",
  regressed: "❌ regressed",
  inconclusive: "⚠️ inconclusive",
  error: "⛔ error",
};

function unsigned(value: number | null): string {
  return value === null ? NOT_AVAILABLE : formatPoints(value).replace(/^[+\u2212-]/, "");
}

/** Verdict, n, the quality change with its t-interval, spread, detectable drop and cases to decide. */
function statsRow(m: ModelSummary): string[] {
  const delta = m.delta?.quality ?? null;
  const change =
    delta === null ? NOT_AVAILABLE : `${formatPoints(delta)}${m.qualityInterval ? ` ${formatInterval(m.qualityInterval)}` : ""}`;
  const advisory = m.tests.filter((t) => !t.gated && t.adjustedPValue !== null && t.adjustedPValue < ALPHA && (t.delta ?? 0) < -t.threshold);
  const more =
    m.casesNeeded !== null
      ? `+${m.casesNeeded}`
      : m.verdict === "inconclusive" && m.n > 0
        ? "more than 10,000"
        : "–";
  return [
    escapeInline(m.model),
    VERDICT_LABEL[m.verdict] + (advisory.length > 0 ? ` (advisory: ${advisory.map((t) => t.metric).join(", ")} dropped)` : ""),
    String(m.n),
    change,
    m.pValue === null ? NOT_AVAILABLE : m.pValue < 0.001 ? "< 0.001" : m.pValue.toFixed(3),
    unsigned(m.spread),
    unsigned(m.detectableDrop),
    more,
  ];
}

function statsTable(skill: SkillReport): string | null {
  if (!skill.models.some((m) => m.n > 0)) return null;
  const rows = [
    ["Model", "Verdict", "n", "Δ quality (95% CI)", "p (adj.)", "Spread", "Detectable drop", "Cases to decide"],
    ...skill.models.map(statsRow),
  ];
  return table(rows, ["l", "l", "r", "r", "r", "r", "r", "r"]);
}

function table(rows: string[][], align: string[]): string {
  return markdownTable(rows, { align, alignDelimiters: false });
}

// ---------------------------------------------------------------------------------------------------------
// Per-skill sections

function skillIcon(skill: SkillReport): string {
  if (skill.verdict === "error") return "⛔";
  if (skill.regressed) return "❌";
  if (skill.baselineError !== null || skill.verdict === "inconclusive") return "⚠️";
  return "✅";
}

function idList(ids: string[]): string {
  const shown = ids.slice(0, LIST_PREVIEW).map(escapeInline).join(", ");
  return ids.length > LIST_PREVIEW ? `${shown} and ${ids.length - LIST_PREVIEW} more` : shown;
}

function firstMessage(results: CaseResult[], model: string, pick: (r: CaseResult) => string | null): string | null {
  for (const r of results) {
    if (r.model !== model) continue;
    const message = pick(r);
    if (message) return message;
  }
  return null;
}

function skillNotes(skill: SkillReport): string[] {
  const notes: string[] = [];
  for (const m of skill.models) {
    const icon = m.verdict === "error" ? "⛔" : "❌";
    if (m.regressions.length > 0) notes.push(`${icon} **${escapeInline(m.model)}**: ${m.regressions.map(escapeInline).join("; ")}`);
  }
  // Not gated: say why, once per reason (no baseline, baseline unreadable, judge changed).
  const notGated = new Map<string, string[]>();
  for (const m of skill.models) {
    if (m.verdict !== "inconclusive" || skill.baselineError !== null) continue;
    const why = m.verdictReasons.join("; ");
    notGated.set(why, [...(notGated.get(why) ?? []), m.model]);
  }
  for (const [why, models] of notGated) {
    const undecided = skill.models.some((m) => models.includes(m.model) && m.tests.length > 0 && m.pairedCases > 0);
    notes.push(`⚠️ ${undecided ? "Inconclusive" : "Not gated"} for ${models.map((m) => `**${escapeInline(m)}**`).join(", ")}: ${escapeInline(why)}`);
  }
  if (skill.baselineError !== null) {
    notes.push(`⚠️ The baseline could not be read, so nothing was compared: ${escapeInline(truncate(skill.baselineError, ERROR_CELL_CHARS))}`);
  }
  const stale = skill.models.filter((m) => m.stale);
  if (stale.length > 0) {
    const when = stale.map((m) => m.baselineRecordedAt).filter((t): t is string => t !== null).sort()[0];
    notes.push(
      `⏳ Stale baseline for ${stale.map((m) => escapeInline(m.model)).join(", ")}` +
        `${when ? ` (recorded ${escapeInline(when.slice(0, 10))})` : ""}: older than the stale-after-days setting; ` +
        "a scheduled baseline run refreshes it.",
    );
  }
  // The errors gate's reason already counts a model's failed or unjudged pairs and names their cause.
  const gated = (m: ModelSummary, prefix: string) => m.regressions.some((r) => r.startsWith(prefix));
  for (const m of skill.models) {
    if (m.unjudged > 0 && !gated(m, UNJUDGED_REASON)) {
      const why = firstMessage(skill.results, m.model, (r) => (r.output !== null && !r.judged ? r.judgeError : null));
      notes.push(
        `⚖️ **${escapeInline(m.model)}**: ${m.unjudged} of ${m.cases} outputs unjudged (the judge failed; left out of the means)` +
          (why ? `: ${escapeInline(truncate(why, ERROR_CELL_CHARS))}` : ""),
      );
    }
  }
  for (const m of skill.models) {
    if (m.errors > 0 && !gated(m, ERRORS_REASON)) {
      const first = firstMessage(skill.results, m.model, (r) => r.error);
      notes.push(
        `⚠️ **${escapeInline(m.model)}**: ${m.errors} of ${m.cases} cases failed` +
          (first ? `; first error: ${escapeInline(truncate(first, ERROR_CELL_CHARS))}` : ""),
      );
    }
  }
  for (const m of skill.models) {
    const flipped = m.flippedExpectations ?? [];
    for (const f of flipped.slice(0, FLIPPED_SHOWN)) {
      notes.push(
        `🔻 **${escapeInline(m.model)}** · ${escapeInline(f.caseId)}: "${escapeInline(truncate(f.text, SHORT_NOTE_CHARS))}" ` +
          `passed on the base and now fails: ${escapeInline(truncate(f.evidence, SHORT_NOTE_CHARS))}`,
      );
    }
    if (flipped.length > FLIPPED_SHOWN) notes.push(`🔻 **${escapeInline(m.model)}**: ${flipped.length - FLIPPED_SHOWN} more expectations flipped to failed`);
  }
  const { added, changed, removed } = skill.cases;
  const changes = [
    added.length > 0 ? `${added.length} added (${idList(added)})` : null,
    changed.length > 0 ? `${changed.length} changed (${idList(changed)})` : null,
    removed.length > 0 ? `${removed.length} removed (${idList(removed)})` : null,
  ].filter((c): c is string => c !== null);
  if (changes.length > 0) notes.push(`Cases since the baseline: ${changes.join(", ")}`);
  // An edited file no model read: the scores cannot have seen the change.
  for (const file of skill.untestedChanges ?? []) {
    notes.push(`🙈 ${escapeInline(file)} changed but was not read in any of ${skill.results.length} cases: this change is untested`);
  }
  return notes;
}

/** Flipped expectations listed per model before the rest are counted. */
const FLIPPED_SHOWN = 5;

/** "Pass rates: model expectations 80% (-20 points), checks 100%" when any model has graded expectations or checks. */
function passRateLine(skill: SkillReport): string | null {
  const cells: string[] = [];
  for (const m of skill.models) {
    const parts: string[] = [];
    for (const [label, rate, metric] of [
      ["expectations", m.expectationPassRate, "expectations"],
      ["checks", m.checkPassRate, "checks"],
    ] as const) {
      if (rate === undefined || rate === null) continue;
      const test = m.tests.find((t) => t.metric === metric);
      const delta = test?.delta ?? null;
      const change = delta === null ? "" : ` (${formatPoints(delta)} points${test?.outcome === "regressed" && test.gated ? ", regressed" : ""})`;
      parts.push(`${label} ${Math.round(rate * 100)}%${change}`);
    }
    if (parts.length > 0) cells.push(`**${escapeInline(m.model)}** ${parts.join(", ")}`);
  }
  return cells.length === 0 ? null : `Pass rates: ${cells.join(" · ")}`;
}

function skillHeading(skill: SkillReport): string {
  return `#### ${skillIcon(skill)} ${escapeInline(skill.name)} · ${escapeInline(skill.skill)}`;
}

function skillTable(skill: SkillReport, report: Report): string {
  const th = report.thresholds;
  const rows = [
    ["Model", "Quality", "Faithfulness", "Relevancy", "Precision", "Recall", "Cost/case", "p50 latency"],
    ...skill.models.map((m) => [
      modelCell(m),
      ...METRICS.map((metric) => scoreCell(m, metric, metric === "quality" ? th.quality : th.dimension)),
      costCell(m, th.cost),
      latencyCell(m),
    ]),
  ];
  const parts = [skillHeading(skill)];
  parts.push(skill.models.length > 0 ? table(rows, ["l", "r", "r", "r", "r", "r", "r", "r"]) : "_No model ran for this skill._");
  const stats = statsTable(skill);
  if (stats !== null) {
    parts.push(stats);
    parts.push(
      "_n: judged pairs compared; spread: standard deviation of the per-case quality change; detectable drop: the " +
        "smallest true drop this run catches 4 times in 5 (one-sided test at 5%); cases to decide: more judged " +
        "cases that would make an inconclusive verdict decisive._",
    );
  }
  const rates = passRateLine(skill);
  if (rates !== null) parts.push(rates);
  const uplift = upliftTable(skill);
  if (uplift !== null) parts.push(uplift);
  const { quality, cheapest, qualityPerDollar } = skill.best;
  if (quality !== null || cheapest !== null || qualityPerDollar !== null) {
    const name = (m: string | null): string => (m === null ? NOT_AVAILABLE : `**${escapeInline(m)}**`);
    parts.push(`Best quality: ${name(quality)} · cheapest: ${name(cheapest)} · best quality per dollar: ${name(qualityPerDollar)}`);
  }
  const notes = skillNotes(skill);
  if (notes.length > 0) parts.push(notes.map((n) => `- ${n}`).join("\n"));
  return parts.join("\n\n");
}

/** The one-line form a skill's table collapses to when the body is over budget. */
function skillLine(skill: SkillReport): string {
  const head = `- ${skillIcon(skill)} **${escapeInline(skill.name)}** · ${escapeInline(skill.skill)}`;
  const reasons = skill.models.filter((m) => m.regressions.length > 0);
  if (reasons.length > 0) {
    return `${head}: ${reasons.map((m) => `${escapeInline(m.model)}: ${m.regressions.map(escapeInline).join("; ")}`).join(" · ")}`;
  }
  const best = skill.models.find((m) => m.model === skill.best.quality);
  const bestText = best
    ? `best ${escapeInline(best.model)} ${formatScore(best.quality)}` +
      (best.delta?.quality != null ? ` (${formatPoints(best.delta.quality)})` : "")
    : "no judged result";
  const errors = skill.models.reduce((n, m) => n + m.errors, 0);
  return `${head}: ${bestText}, ${plural(skill.models.length, "model")}, ${plural(errors, "error")}`;
}

function matchCell(value: boolean | null): string {
  if (value === null) return "–";
  return value ? "✅" : "❌";
}

function problemOf(r: CaseResult): string {
  if (r.error !== null) return r.error;
  if (r.output !== null && !r.judged) return `unjudged: ${r.judgeError ?? "the judge gave no scores"}`;
  return "";
}

/** The collapsed per-case block. `short` applies the first shortening step (notes and outputs cut). */
function skillDetails(skill: SkillReport, options: { short: boolean; outputs: boolean }): string | null {
  if (skill.results.length === 0) return null;
  const cell = (v: number | null): string => formatScore(v);
  const rows = [
    ["Case", "Model", "Quality", "Faithfulness", "Relevancy", "Precision", "Recall", "Matches expected", "Cost", "Latency", "Error"],
    ...skill.results.map((r) => [
      escapeInline(r.caseId),
      escapeInline(r.model),
      ...METRICS.map((metric) => cell(r[metric])),
      matchCell(r.matchesExpected),
      formatUsd(r.costUsd),
      formatMs(r.latencyMs),
      escapeInline(truncate(problemOf(r), ERROR_CELL_CHARS)),
    ]),
  ];
  const parts = [
    `<details>\n<summary>Per-case results: ${escapeInline(skill.name)} (${plural(skill.results.length, "result")})</summary>`,
    table(rows, ["l", "l", "r", "r", "r", "r", "r", "c", "r", "r", "l"]),
  ];
  const noted = skill.results.filter((r) => r.judgeNotes !== null && r.judgeNotes.trim() !== "");
  if (noted.length > 0) {
    const lines = noted.map((r) => {
      const notes = options.short ? truncate(r.judgeNotes ?? "", SHORT_NOTE_CHARS) : (r.judgeNotes ?? "");
      return `- **${escapeInline(r.caseId)}** · ${escapeInline(r.model)}: ${escapeInline(notes)}`;
    });
    parts.push(`Judge notes:\n\n${lines.join("\n")}`);
  }
  if (options.outputs) {
    const withOutput = skill.results.filter((r) => r.output !== null);
    if (withOutput.length > 0) {
      const blocks = withOutput.map((r) => {
        const output = options.short ? truncate(r.output ?? "", SHORT_OUTPUT_CHARS) : (r.output ?? "");
        // <pre> is an HTML block that ends only at </pre>: blank lines and markdown in the output stay literal.
        return `**${escapeInline(r.caseId)}** · ${escapeInline(r.model)}\n<pre>${escapeHtml(output)}</pre>`;
      });
      parts.push(`Outputs:\n\n${blocks.join("\n\n")}`);
    }
  }
  parts.push("</details>");
  return parts.join("\n\n");
}

function hasLongText(skill: SkillReport, outputs: boolean): boolean {
  return skill.results.some(
    (r) => (r.judgeNotes?.length ?? 0) > SHORT_NOTE_CHARS || (outputs && (r.output?.length ?? 0) > SHORT_OUTPUT_CHARS),
  );
}

// ---------------------------------------------------------------------------------------------------------
// The cases that dropped most, with their outputs

/** Cases shown per regressed (skill, model). */
export const WORST_CASES = 3;
/** Below this many characters per output, the outputs are left out rather than cut further. */
const MIN_OUTPUT_CHARS = 200;

interface WorstCase {
  result: CaseResult;
  base: BaseCase;
  baseQuality: number;
  delta: number;
}

interface WorstGroup {
  skill: SkillReport;
  model: string;
  cases: WorstCase[];
}

/** Per regressed (skill, model): the cases whose quality fell most below their base score, worst first. */
function worstCases(skills: SkillReport[], baseCases: ReadonlyMap<string, BaseCase>): WorstGroup[] {
  const groups: WorstGroup[] = [];
  for (const skill of skills) {
    for (const summary of skill.models) {
      if (!summary.regressed) continue;
      const dropped: WorstCase[] = [];
      for (const result of skill.results) {
        if (result.model !== summary.model || result.quality === null) continue;
        const base = baseCases.get(baseCaseKey(skill.skill, result.caseId, result.model));
        if (base?.quality == null) continue;
        const delta = result.quality - base.quality;
        if (delta < 0) dropped.push({ result, base, baseQuality: base.quality, delta });
      }
      dropped.sort((a, b) => a.delta - b.delta);
      if (dropped.length > 0) groups.push({ skill, model: summary.model, cases: dropped.slice(0, WORST_CASES) });
    }
  }
  return groups;
}

/**
 * An untrusted output inside <pre>: HTML-escaped, so neither `</pre>` nor `</details>` nor a code fence in it can
 * end the block (a <pre> HTML block ends only at a literal `</pre>`); cut to `cap` characters with a note.
 */
function outputBlock(label: string, output: string | null | undefined, cap: number): string {
  if (output === undefined) return `${label}: _not stored in the baseline (recorded before outputs were kept)_`;
  if (output === null) return `${label}: _none_`;
  const cut = output.length > cap;
  const shown = cut ? truncate(output, cap) : output;
  const more = cut ? `\n✂️ ${(output.length - shown.length + 1).toLocaleString("en-US")} more characters not shown` : "";
  return `${label}:\n\n<pre>${escapeHtml(shown)}${more}</pre>`;
}

function caseOutputs(worst: WorstCase, cap: number): string {
  const r = worst.result;
  return [
    `<details>\n<summary>${escapeInline(r.caseId)}: quality ${formatScore(worst.baseQuality)} → ${formatScore(r.quality)} ` +
      `(${formatPoints(worst.delta)})</summary>`,
    outputBlock("Base output", worst.base.output, cap),
    outputBlock("Head output", r.output, cap),
    "</details>",
  ].join("\n\n");
}

function htmlReportLink(context: RenderContext): string | null {
  return context.runUrl && context.htmlReport ? `[HTML report: artifact of this run](${markdownUrl(`${context.runUrl}#artifacts`)})` : null;
}

/** The outputs section; `cap` is the most characters shown per output (Infinity: all). */
function outputsSection(groups: WorstGroup[], context: RenderContext, cap: number): string {
  const link = htmlReportLink(context);
  const parts = [
    "#### Cases that dropped most",
    `Per regressed model, up to ${WORST_CASES} cases whose quality fell most below their baseline score, with the base ` +
      `and head outputs.${link ? ` Every case side by side with a word diff: ${link}.` : ""}`,
  ];
  for (const group of groups) {
    parts.push(`**${escapeInline(group.skill.name)}** · **${escapeInline(group.model)}**`);
    parts.push(...group.cases.map((c) => caseOutputs(c, cap)));
  }
  return parts.join("\n\n");
}

// ---------------------------------------------------------------------------------------------------------
// Head, chart and footer

function contextLine(report: Report): string {
  const th = report.thresholds;
  const base = report.baseline;
  let compared: string;
  if (base === null) compared = "No baseline was compared";
  else if (!base.found) compared = `No baseline yet on branch ${escapeInline(base.branch)}: every result is new`;
  else compared = `Compared with the baseline on ${escapeInline(base.branch)}${base.commit ? ` @ ${escapeInline(shortSha(base.commit) ?? "")}` : ""}`;
  return (
    `${compared} · judge ${escapeInline(report.judgeModel)} · regression when quality drops more than ${th.quality} points, ` +
    `a dimension more than ${th.dimension} points, cost per case rises more than ${th.cost}% ` +
    `or more than ${th.errors}% of a model's cases fail or go unjudged (gate: ${report.gate})`
  );
}

const LEGEND =
  "Cells: value (change vs the baseline). 🔻 worse and 🔺 better beyond the threshold (for cost a rise is worse); " +
  "[low, high] is the 95% interval of the quality change; ⏳ stale baseline; ⛔ nothing judged.";

function skippedLine(report: Report): string | null {
  if (report.skipped.length === 0) return null;
  const byReason = new Map<string, string[]>();
  for (const s of report.skipped) byReason.set(s.reason, [...(byReason.get(s.reason) ?? []), s.skill]);
  const groups = [...byReason].map(([reason, skills]) => `${skills.length} ${escapeInline(reason)} (${idList(skills)})`);
  return `Not benchmarked: ${groups.join("; ")}`;
}

function warningLines(report: Report): string | null {
  if (report.warnings.length === 0) return null;
  const shown = report.warnings.slice(0, 10).map((w) => `- ⚠️ ${escapeInline(truncate(w, 500))}`);
  if (report.warnings.length > 10) shown.push(`- …and ${report.warnings.length - 10} more warnings (see the JSON report)`);
  return shown.join("\n");
}

function chartSection(report: Report, context: RenderContext): string | null {
  const kind = context.chart ?? "quickchart";
  if (kind === "none" || report.skills.length === 0) return null;
  let chart: string | null;
  try {
    chart = trendChart(context.history ?? [], report, {
      kind,
      ...(context.quickchartUrl !== undefined ? { quickchartUrl: context.quickchartUrl } : {}),
    });
  } catch (error) {
    return `#### Quality trend\n\n_Trend chart unavailable: ${escapeInline(messageOf(error))}_`;
  }
  if (chart === null) {
    return "#### Quality trend\n\n_No trend yet: the chart appears once the baseline branch has history for these skills and models._";
  }
  return `#### Quality trend\n\n${chart}`;
}

function footer(report: Report, context: RenderContext): string {
  const parts: string[] = [];
  if (context.runUrl) parts.push(`[Workflow run](${markdownUrl(context.runUrl)})`);
  const link = htmlReportLink(context);
  if (link !== null) parts.push(link);
  parts.push(`generated ${escapeInline(report.generatedAt)}`);
  if (report.commit) parts.push(`commit ${escapeInline(shortSha(report.commit) ?? "")}`);
  parts.push(`${escapeInline(report.tool.name)} ${escapeInline(report.tool.version)}`);
  return `<sub>${parts.join(" · ")}</sub>`;
}

// ---------------------------------------------------------------------------------------------------------
// Budget

interface Target {
  marker: boolean;
  maxChars: number;
  /** Names the limit in the shortening note. */
  limitName: string;
  outputs: boolean;
}

interface SkillParts {
  regressed: boolean;
  table: string;
  line: string;
  details: string | null;
  detailsShort: string | null;
}

/** What was left out, in the order the steps apply. */
interface Cuts {
  /** Most characters shown per output in the cases that dropped most (Infinity: all). */
  outputCap: number;
  outputsDropped: boolean;
  notesTruncated: boolean;
  droppedDetails: Set<number>;
  chartDropped: boolean;
  /** Skills (by display index) whose table became one line. */
  collapsed: Set<number>;
  /** Collapsed lines of skills without regression, counted from the end, that are not shown at all. */
  hiddenLines: number;
}

const SEPARATOR = "\n\n";

class Body {
  private readonly skills: SkillParts[];
  private readonly headTop: string;
  private readonly headRest: string[];
  private readonly chart: string | null;
  private readonly triggers: string | null;
  private readonly foot: string;
  private readonly worst: WorstGroup[];

  constructor(
    report: Report,
    private readonly context: RenderContext,
    private readonly target: Target,
  ) {
    // Regressed skills first: they are what the reader needs, and the last to be shortened.
    const ordered = [...report.skills.filter((s) => s.regressed), ...report.skills.filter((s) => !s.regressed)];
    this.skills = ordered.map((skill) => ({
      regressed: skill.regressed,
      table: skillTable(skill, report),
      line: skillLine(skill),
      details: skillDetails(skill, { short: false, outputs: target.outputs }),
      detailsShort: hasLongText(skill, target.outputs) ? skillDetails(skill, { short: true, outputs: target.outputs }) : null,
    }));
    this.headTop = `${target.marker ? `${COMMENT_MARKER}\n` : ""}### ${verdictLine(report)}`;
    this.headRest = [
      report.skills.length > 0 ? `${contextLine(report)}\n\n${LEGEND}` : null,
      noLongerHelpsBlock(report),
      skippedLine(report),
      warningLines(report),
    ].filter((p): p is string => p !== null);
    this.chart = chartSection(report, context);
    this.triggers = triggerSection(report);
    this.foot = footer(report, context);
    this.worst = worstCases(ordered, context.baseCases ?? new Map());
  }

  hasOutputs(): boolean {
    return this.worst.length > 0;
  }

  /** The longest output in the outputs section: a cap at or above it cuts nothing. */
  longestOutput(): number {
    const lengths = this.worst.flatMap((g) => g.cases.flatMap((c) => [c.result.output?.length ?? 0, c.base.output?.length ?? 0]));
    return Math.max(0, ...lengths);
  }

  get skillCount(): number {
    return this.skills.length;
  }

  canTruncateNotes(): boolean {
    return this.skills.some((s) => s.detailsShort !== null);
  }

  skill(index: number): SkillParts {
    const parts = this.skills[index];
    if (!parts) throw new Error(`internal: no skill at index ${index}`);
    return parts;
  }

  private details(index: number, cuts: Cuts): string | null {
    if (cuts.droppedDetails.has(index)) return null;
    const parts = this.skill(index);
    return cuts.notesTruncated && parts.detailsShort !== null ? parts.detailsShort : parts.details;
  }

  detailsLength(index: number, cuts: Cuts): number {
    return this.details(index, cuts)?.length ?? 0;
  }

  private note(cuts: Cuts): string | null {
    const said: string[] = [];
    if (cuts.outputsDropped) said.push("the outputs of the cases that dropped most left out");
    else if (Number.isFinite(cuts.outputCap)) {
      said.push(`the outputs of the cases that dropped most cut to ${cuts.outputCap.toLocaleString("en-US")} characters each`);
    }
    // Cut notes are only worth mentioning while some per-case block still shows them.
    const detailsLeft = [...Array(this.skillCount).keys()].some((i) => this.details(i, cuts) !== null);
    if (cuts.notesTruncated && detailsLeft) said.push(`judge notes${this.target.outputs ? " and outputs" : ""} cut to ${SHORT_NOTE_CHARS} characters`);
    if (cuts.droppedDetails.size > 0) {
      said.push(`per-case results left out for ${cuts.droppedDetails.size} of ${plural(this.skillCount, "skill")}`);
    }
    if (cuts.chartDropped) said.push("the trend chart left out");
    if (cuts.collapsed.size > 0) said.push(`${plural(cuts.collapsed.size, "skill")} shown as one line instead of a table`);
    if (cuts.hiddenLines > 0) said.push(`${plural(cuts.hiddenLines, "skill")} without regression not listed`);
    if (said.length === 0) return null;
    const where = [
      this.context.reportPath ? `The JSON report (${escapeInline(this.context.reportPath)})` : "The JSON report",
      this.context.runUrl ? (this.context.htmlReport ? "the workflow run's HTML report" : "the workflow run") : null,
    ].filter((w): w is string => w !== null);
    return (
      `> ✂️ Shortened to fit the ${this.target.limitName} limit of ${this.target.maxChars.toLocaleString("en-US")} characters: ` +
      `${said.join("; ")}. ${where.join(" and ")} ${where.length > 1 ? "have" : "has"} everything.`
    );
  }

  /** The body as blocks joined by SEPARATOR; collapsed skills are one list block. */
  blocks(cuts: Cuts): string[] {
    const blocks = [this.headTop];
    const note = this.note(cuts);
    if (note !== null) blocks.push(note);
    blocks.push(...this.headRest);
    const lines: string[] = [];
    let hiddenLeft = cuts.hiddenLines;
    for (let i = this.skills.length - 1; i >= 0; i -= 1) {
      if (!cuts.collapsed.has(i)) continue;
      const parts = this.skill(i);
      if (!parts.regressed && hiddenLeft > 0) {
        hiddenLeft -= 1;
        continue;
      }
      lines.unshift(parts.line);
    }
    for (let i = 0; i < this.skills.length; i += 1) {
      if (!cuts.collapsed.has(i)) blocks.push(this.skill(i).table);
    }
    if (lines.length > 0 || cuts.hiddenLines > 0) {
      const more = cuts.hiddenLines > 0 ? `\n- …and ${plural(cuts.hiddenLines, "more skill")} without regression` : "";
      blocks.push(`#### ${cuts.collapsed.size === this.skills.length ? "Skills" : "Other skills"}\n\n${lines.join("\n")}${more}`);
    }
    if (this.triggers !== null) blocks.push(this.triggers);
    if (this.worst.length > 0 && !cuts.outputsDropped) blocks.push(outputsSection(this.worst, this.context, cuts.outputCap));
    for (let i = 0; i < this.skills.length; i += 1) {
      const details = this.details(i, cuts);
      if (details !== null) blocks.push(details);
    }
    if (this.chart !== null && !cuts.chartDropped) blocks.push(this.chart);
    blocks.push(this.foot);
    return blocks;
  }

  length(cuts: Cuts): number {
    const blocks = this.blocks(cuts);
    return blocks.reduce((n, b) => n + b.length, 0) + SEPARATOR.length * (blocks.length - 1);
  }

  hasChart(): boolean {
    return this.chart !== null;
  }
}

/**
 * All of every output, or else the largest per-output cap (at least MIN_OUTPUT_CHARS) with which the body fits under
 * the other cuts, by bisection (the body grows with the cap); false, with the outputs left out, when none fits.
 */
function fitOutputs(body: Body, cuts: Cuts, fits: () => boolean): boolean {
  cuts.outputsDropped = false;
  cuts.outputCap = Number.POSITIVE_INFINITY;
  if (fits()) return true;
  const longest = body.longestOutput();
  cuts.outputCap = MIN_OUTPUT_CHARS;
  if (longest <= MIN_OUTPUT_CHARS || !fits()) {
    cuts.outputsDropped = true;
    cuts.outputCap = Number.POSITIVE_INFINITY;
    return false;
  }
  let low = MIN_OUTPUT_CHARS; // fits
  let high = longest; // all of every output: did not fit
  for (let step = 0; step < 64 && high - low > 1; step += 1) {
    cuts.outputCap = Math.floor((low + high) / 2);
    if (fits()) low = cuts.outputCap;
    else high = cuts.outputCap;
  }
  cuts.outputCap = low;
  return true;
}

/** Shortens in the documented order until the body fits; the verdict always stays. */
function fit(body: Body, maxChars: number): Cuts {
  const cuts: Cuts = {
    outputCap: Number.POSITIVE_INFINITY,
    outputsDropped: false,
    notesTruncated: false,
    droppedDetails: new Set(),
    chartDropped: false,
    collapsed: new Set(),
    hiddenLines: 0,
  };
  const fits = (): boolean => body.length(cuts) <= maxChars;
  if (fits()) return cuts;
  // First the outputs of the cases that dropped most: cut, then left out (and put back at the end if room is left).
  if (body.hasOutputs() && fitOutputs(body, cuts, fits)) return cuts;
  const done = (): Cuts => {
    if (body.hasOutputs()) fitOutputs(body, cuts, fits);
    return cuts;
  };

  if (body.canTruncateNotes()) {
    cuts.notesTruncated = true;
    if (fits()) return done();
  }

  const bySize = [...Array(body.skillCount).keys()]
    .filter((i) => body.detailsLength(i, cuts) > 0)
    .sort((a, b) => body.detailsLength(b, cuts) - body.detailsLength(a, cuts));
  for (const index of bySize) {
    cuts.droppedDetails.add(index);
    if (fits()) return done();
  }

  if (body.hasChart()) {
    cuts.chartDropped = true;
    if (fits()) return done();
  }

  // Tables of skills without regression collapse from the bottom up, then (only if needed) regressed ones.
  for (const regressed of [false, true]) {
    for (let i = body.skillCount - 1; i >= 0; i -= 1) {
      if (body.skill(i).regressed !== regressed) continue;
      cuts.collapsed.add(i);
      if (fits()) return done();
    }
  }

  const unregressed = [...Array(body.skillCount).keys()].filter((i) => !body.skill(i).regressed).length;
  while (cuts.hiddenLines < unregressed) {
    cuts.hiddenLines += 1;
    if (fits()) return done();
  }
  return done();
}

function render(report: Report, context: RenderContext, target: Target): string {
  const body = new Body(report, context, target);
  const cuts = fit(body, target.maxChars);
  const text = body.blocks(cuts).join(SEPARATOR);
  if (text.length <= target.maxChars) return text;
  // Only reachable with thousands of regressed skills or a tiny budget: cut the tail, keep the verdict on top.
  const suffix = "\n\n✂️ …cut here to fit the character limit; the JSON report has everything.";
  return truncate(text, Math.max(0, target.maxChars - suffix.length)) + suffix;
}

// ---------------------------------------------------------------------------------------------------------
// Entry points

/** The sticky PR comment: starts with COMMENT_MARKER and stays within maxChars (default 65,536). */
export function renderComment(report: Report, context: RenderContext = {}): string {
  return render(report, context, {
    marker: true,
    maxChars: context.maxChars ?? COMMENT_LIMIT,
    limitName: "PR comment",
    outputs: context.outputs ?? false,
  });
}

/** GitHub's job summary limit is 1 MiB of UTF-8 (an overflow loses the summary); a little is kept in reserve. */
export const SUMMARY_BYTE_LIMIT = 1_048_576 - 8_192;

/**
 * The job summary: the comment's content with the summary's larger budget. The budget is in characters but
 * GitHub counts bytes, so a summary full of non-ASCII text is rendered again with a proportionally smaller
 * character budget (bounded: a few tries, then a budget that fits even at 3 bytes per character).
 */
export function renderSummary(report: Report, context: RenderContext = {}): string {
  const summary = (maxChars: number) =>
    render(report, context, { marker: false, maxChars, limitName: "job summary", outputs: context.outputs ?? false });
  let maxChars = context.maxChars ?? SUMMARY_LIMIT;
  for (let attempt = 0; attempt < 4; attempt += 1) {
    const text = summary(maxChars);
    const bytes = Buffer.byteLength(text, "utf8");
    if (bytes <= SUMMARY_BYTE_LIMIT) return text;
    maxChars = Math.floor((maxChars * SUMMARY_BYTE_LIMIT * 0.97) / bytes);
  }
  return summary(Math.floor(SUMMARY_BYTE_LIMIT / 3));
}

/** The CLI's --markdown file: everything, including model outputs, unless maxChars is given. */
export function renderMarkdownReport(report: Report, context: RenderContext = {}): string {
  const maxChars = context.maxChars ?? Number.POSITIVE_INFINITY;
  const text = render(report, context, { marker: false, maxChars, limitName: "markdown report", outputs: context.outputs ?? true });
  return text.length < maxChars ? `${text}\n` : text;
}
