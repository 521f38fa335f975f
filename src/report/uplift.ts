// The skill's uplift over the without-skill control (control: without-skill) in words: a short table per skill for
// the comment and the job summary, a line per model for the terminal, and, in baseline (nightly) mode, the
// "this skill no longer helps <model>" lines. Advisory: nothing here touches a verdict.
import { markdownTable } from "markdown-table";
import type { Report, SkillReport, Uplift, UpliftMetric } from "../types.js";
import { NOT_AVAILABLE, escapeInline, formatPoints, formatScore } from "./format.js";

/** "+12.3 [+8.1, +16.5], n=6"; "+4.0, n=1" without an interval; "n/a" with no pair. */
export function upliftText(metric: UpliftMetric): string {
  if (metric.delta === null) return NOT_AVAILABLE;
  const interval = metric.interval ? ` [${formatPoints(metric.interval.low)}, ${formatPoints(metric.interval.high)}]` : "";
  return `${formatPoints(metric.delta)}${interval}, n=${metric.n}`;
}

/** "helps", "no longer helps" or "unclear" (uplift.helps true, false, null). */
export const HELPS_LABEL = (helps: boolean | null): string => (helps === true ? "helps" : helps === false ? "no longer helps" : "unclear");

/** What the control could not measure, e.g. "control: 1 error, 2 unjudged"; null when nothing. */
function controlProblems(uplift: Uplift): string | null {
  const parts: string[] = [];
  if (uplift.controlErrors > 0) parts.push(`${uplift.controlErrors} error(s)`);
  if (uplift.controlUnjudged > 0) parts.push(`${uplift.controlUnjudged} unjudged`);
  return parts.length === 0 ? null : `control: ${parts.join(", ")}`;
}

/** "<skill>: this skill no longer helps <model> (uplift -2.1 [-6.0, +1.8], n=6)", one per (skill, model) flagged. */
export function noLongerHelpsLines(report: Report): string[] {
  if (report.mode !== "baseline") return [];
  return report.skills.flatMap((skill) =>
    skill.models
      .filter((m) => m.uplift?.helps === false)
      .map((m) => `${skill.name}: this skill no longer helps ${m.model} (uplift ${upliftText((m.uplift as Uplift).quality)})`),
  );
}

/** The markdown block of the comment and the job summary: the "no longer helps" flags of a nightly run; null when none. */
export function noLongerHelpsBlock(report: Report): string | null {
  const lines = noLongerHelpsLines(report);
  if (lines.length === 0) return null;
  return `${lines.map((line) => `> ⚠️ ${escapeInline(line)}`).join("\n")}\n\n_Uplift: quality with the skill minus without it, paired per case (95% interval). Advisory: it does not fail the run._`;
}

/** The per-skill uplift table (markdown); null when no control ran for the skill. */
export function upliftTable(skill: SkillReport): string | null {
  const rows = skill.models.filter((m) => m.uplift);
  if (rows.length === 0) return null;
  const body = rows.map((m) => {
    const u = m.uplift as Uplift;
    const rate = (metric: UpliftMetric | null): string => (metric ? upliftText(metric) : NOT_AVAILABLE);
    const problems = controlProblems(u);
    return [
      escapeInline(m.model),
      upliftText(u.quality),
      rate(u.expectations),
      rate(u.checks),
      formatScore(u.controlQuality) + (problems ? ` (${problems})` : ""),
      HELPS_LABEL(u.helps),
    ];
  });
  return (
    "Uplift over no skill (control: without-skill; advisory)\n\n" +
    markdownTable([["Model", "Quality uplift", "Expectations", "Checks", "Control quality", "Skill"], ...body], {
      align: ["l", "r", "r", "r", "r", "l"],
    })
  );
}

/** Terminal lines, one per model with an uplift: "  claude-sonnet-5: uplift +12.3 [...], n=6 (helps)". */
export function upliftTerminalLines(skill: SkillReport): string[] {
  return skill.models.flatMap((m) => {
    const u = m.uplift;
    if (!u) return [];
    const rates = [
      u.expectations ? `expectations ${upliftText(u.expectations)}` : null,
      u.checks ? `checks ${upliftText(u.checks)}` : null,
      controlProblems(u),
    ].filter((part): part is string => part !== null);
    return [`  ${m.model}: uplift over no skill ${upliftText(u.quality)} (${HELPS_LABEL(u.helps)})${rates.length > 0 ? `; ${rates.join("; ")}` : ""}`];
  });
}
