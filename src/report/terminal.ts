// The CLI's closing summary: plain text for a terminal or a CI log, one block per skill.
import { triggerOnlyHead, triggerTerminalLines } from "./triggers.js";
import { markdownTable } from "markdown-table";
import { METRICS, type ModelSummary, type Report } from "../types.js";
import { formatInterval, formatMs, formatPercent, formatPoints, formatScore, formatUsd } from "./format.js";
import { notGatedText, regressionLabel } from "./markdown.js";
import { noLongerHelpsLines, upliftTerminalLines } from "./uplift.js";

function withDelta(value: number | null, delta: number | null | undefined): string {
  if (value === null) return formatScore(value);
  return delta === null || delta === undefined ? formatScore(value) : `${formatScore(value)} (${formatPoints(delta)})`;
}

function row(m: ModelSummary): string[] {
  return [
    m.model +
      (m.verdict === "error"
        ? " NOT MEASURED"
        : m.regressed
          ? " REGRESSED"
          : m.verdict === "inconclusive"
            ? m.pairedCases > 0
              ? " INCONCLUSIVE"
              : " (not gated)"
            : ""),
    ...METRICS.map((metric) => withDelta(m[metric], m.delta?.[metric])),
    formatUsd(m.costUsd) + (m.delta?.costPct != null ? ` (${formatPercent(m.delta.costPct)})` : ""),
    formatMs(m.latencyMsP50),
    `${m.errors}/${m.unjudged}`,
  ];
}

/** The closing verdict: the failure's cause, a regression, what was not gated, or no regression. */
function headline(report: Report): string {
  if (report.cancelled) return `Cancelled (${report.cancelled.signal}): partial results, no verdict, baseline not written.`;
  if (report.failure) return `FAILED: ${report.failure.cause}.`;
  const notGated = notGatedText(report);
  const notGatedNote = notGated ? ` Not gated: ${notGated.charAt(0).toLowerCase()}${notGated.slice(1)}.` : "";
  if (report.regressed) return `${regressionLabel(report)}.${notGatedNote}`;
  if (report.verdict === "error") return `Not measured: some models had nothing judged.${notGatedNote}`;
  if (notGated) return notGatedNote.trim();
  return "No regression.";
}

export function renderTerminalSummary(report: Report): string {
  const lines: string[] = [];
  const t = report.totals;
  if (report.skills.length === 0 && (report.triggers ?? []).length > 0) {
    lines.push(...triggerTerminalLines(report), "", `${triggerOnlyHead(report).replace(/^\S+ /, "")}; cost ${formatUsd(t.costUsd)}; ${(t.durationMs / 1000).toFixed(1)} s`);
    return `${lines.join("\n")}\n`;
  }
  if (report.skills.length === 0) {
    lines.push("Nothing to benchmark: no skill was selected.");
    for (const s of report.skipped) lines.push(`  skipped ${s.skill}: ${s.reason}`);
    return `${lines.join("\n")}\n`;
  }
  for (const skill of report.skills) {
    const label = skill.verdict === "error" ? "NOT MEASURED " : skill.regressed ? "REGRESSED " : "";
    lines.push("", `${label}${skill.name} (${skill.skill}, ${skill.results.length / Math.max(skill.models.length, 1)} cases)`);
    lines.push(
      markdownTable([
        ["model", "quality", "faithful", "relevant", "precise", "recall", "cost/case", "p50", "err/unjudged"],
        ...skill.models.map(row),
      ]),
    );
    if (skill.best.quality) {
      lines.push(`best: ${skill.best.quality}; cheapest: ${skill.best.cheapest ?? "n/a"}; best quality per dollar: ${skill.best.qualityPerDollar ?? "n/a"}`);
    }
    for (const m of skill.models) {
      if (m.n === 0) continue;
      const delta = m.delta?.quality ?? null;
      const parts = [`${m.verdict}`, `n ${m.n}`];
      if (delta !== null) parts.push(`quality ${formatPoints(delta)}${m.qualityInterval ? ` ${formatInterval(m.qualityInterval)}` : ""}`);
      if (m.spread !== null) parts.push(`spread ${formatPoints(m.spread).replace(/^\+/, "")}`);
      if (m.detectableDrop !== null) parts.push(`detectable drop ${formatPoints(m.detectableDrop).replace(/^\+/, "")}`);
      if (m.casesNeeded !== null) parts.push(`about ${m.casesNeeded} more case(s) would decide`);
      lines.push(`  ${m.model}: ${parts.join("; ")}`);
    }
    for (const m of skill.models) for (const reason of m.regressions) lines.push(`  ${m.model}: ${reason}`);
    for (const m of skill.models) {
      if (m.verdict !== "inconclusive" || m.pairedCases === 0) continue;
      for (const reason of m.verdictReasons) lines.push(`  ${m.model}: inconclusive: ${reason}`);
    }
    if (skill.baselineError) lines.push(`  baseline unreadable: ${skill.baselineError}`);
    lines.push(...upliftTerminalLines(skill));
  }
  lines.push(...triggerTerminalLines(report));
  for (const line of noLongerHelpsLines(report)) lines.push("", `warning: ${line}`);
  lines.push(
    "",
    `${headline(report)} ${report.skills.length} skill(s), ${t.cases} case x model pair(s), ` +
      `${t.errors} error(s), ${t.unjudged} unjudged; cost ${formatUsd(t.costUsd)} ` +
      `(candidates ${formatUsd(t.candidateCostUsd)}, judge ${formatUsd(t.judgeCostUsd)})` +
      (t.unpricedModels.length ? `; no price for ${t.unpricedModels.join(", ")}` : "") +
      `; ${(t.durationMs / 1000).toFixed(1)} s`,
  );
  return `${lines.join("\n")}\n`;
}
