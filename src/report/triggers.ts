// Trigger evaluations (report.triggers, src/triggers.ts) in words: a compact table per skill (recall and false-
// trigger rate per model, against the base catalogue when compared) and which sibling skills took its queries.
import { formatPoints } from "./format.js";
import type { MetricTest, Report, SkillTriggers, TriggerModelSummary } from "../types.js";
import { ALPHA, MIN_PAIRS } from "../compare.js";
import { NO_SKILL } from "../triggers.js";

const QUERIES_SHOWN = 5;

/** A 0-1 rate as "67%", "–" when null. */
export function percent(rate: number | null): string {
  return rate === null ? "–" : `${Math.round(rate * 100)}%`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

const VERDICT_ICON: Record<SkillTriggers["verdict"], string> = { pass: "✅", regressed: "❌", inconclusive: "⚠️", error: "❌" };

/** "3/9 went to pdf-tools, 1/9 to no skill" for one model's should samples that missed. */
export function confusionText(m: TriggerModelSummary): string | null {
  if (m.confusion.length === 0) return null;
  return m.confusion
    .map((c, i) => `${c.count}/${m.n.should} ${i === 0 ? "went " : ""}to ${c.skill === NO_SKILL ? "no skill" : c.skill}`)
    .join(", ");
}

/** The rate with its change against the base catalogue, e.g. "67% (base 100%, -33.3 points)". */
export function withBase(rate: number | null, base: number | null | undefined): string {
  if (base === undefined || base === null || rate === null) return percent(rate);
  return `${percent(rate)} (base ${percent(base)}, ${formatPoints((rate - base) * 100)})`;
}

function modelRow(m: TriggerModelSummary): string[] {
  return [
    `\`${m.model}\``,
    withBase(m.recall, m.base?.recall),
    withBase(m.falseTriggerRate, m.base?.falseTriggerRate),
    `${m.n.should} + ${m.n.shouldNot}`,
    String(m.errors),
    `${VERDICT_ICON[m.verdict]} ${m.verdict}`,
  ];
}

function skillBlock(t: SkillTriggers): string {
  const compared =
    t.compared === "base-catalogue" ? "compared with the base commit's catalogue" : t.compared === "unchanged" ? "catalogue unchanged" : "not compared";
  const lines = [
    `#### ${VERDICT_ICON[t.verdict]} Triggers: ${t.name} (\`${t.skill}\`)`,
    "",
    `${t.reason}; ${plural(t.samples, "sample")} per query and model; ${compared}.`,
    "",
    "| model | recall | false triggers | n (should + should-not) | errors | verdict |",
    "|---|---|---|---|---|---|",
    ...t.models.map((m) => `| ${modelRow(m).join(" | ")} |`),
  ];
  const confusion = t.models.flatMap((m) => {
    const text = confusionText(m);
    return text === null ? [] : [`- \`${m.model}\`: ${text}`];
  });
  if (confusion.length > 0) lines.push("", "Should queries that missed:", ...confusion);
  const reasons = t.verdictReasons.filter((r) => !/: \d+ trigger call\(s\) failed \(not counted/.test(r) || t.verdict !== "pass");
  if (reasons.length > 0 && t.verdict !== "pass") lines.push("", ...reasons.slice(0, QUERIES_SHOWN).map((r) => `- ${r}`));
  // The should queries that lost most against the base, first model that has a base.
  const lost = t.queries
    .filter((q) => q.kind === "should" && q.baseSamples)
    .map((q) => {
      const rate = (samples: typeof q.samples) => {
        const ok = samples.filter((s) => s.error === null);
        return ok.length === 0 ? null : ok.filter((s) => s.invoked === t.name).length / ok.length;
      };
      const head = rate(q.samples);
      const base = rate(q.baseSamples ?? []);
      return { q, drop: head === null || base === null ? 0 : base - head };
    })
    .filter((x) => x.drop > 0)
    .sort((a, b) => b.drop - a.drop)
    .slice(0, QUERIES_SHOWN);
  if (lost.length > 0) {
    lines.push("", "<details><summary>Should queries invoked less than on the base</summary>", "");
    for (const { q, drop } of lost) lines.push(`- \`${q.model}\` ${formatPoints(-drop * 100)} points: ${q.query.replace(/\s+/g, " ").slice(0, 120)}`);
    lines.push("", "</details>");
  }
  return lines.join("\n");
}

/** The markdown section of every trigger evaluation, regressed first; null when none ran. */
export function triggerSection(report: Report): string | null {
  const triggers = report.triggers ?? [];
  if (triggers.length === 0) return null;
  const ordered = [...triggers.filter((t) => t.verdict === "regressed"), ...triggers.filter((t) => t.verdict !== "regressed")];
  return ordered.map(skillBlock).join("\n\n");
}

/** "triggers: 1 regressed of 2 skills" for the verdict line; null when none ran. */
export function triggerCounts(report: Report): string | null {
  const triggers = report.triggers ?? [];
  if (triggers.length === 0) return null;
  const regressed = triggers.filter((t) => t.verdict === "regressed").length;
  return `triggers: ${regressed > 0 ? `${regressed} regressed of ` : ""}${plural(triggers.length, "skill")}`;
}

/** The verdict head of a run that ran trigger queries only (a description or trigger-query change). */
export function triggerOnlyHead(report: Report): string {
  const triggers = report.triggers ?? [];
  const regressed = triggers.filter((t) => t.verdict === "regressed").length;
  const errors = triggers.filter((t) => t.verdict === "error").length;
  const undecided = triggers.filter((t) => t.verdict === "inconclusive").length;
  if (regressed > 0) return `❌ Trigger regression in ${regressed} of ${plural(triggers.length, "skill")} (trigger queries only)`;
  if (errors > 0) return `❌ Could not measure the triggers of ${errors} of ${plural(triggers.length, "skill")}`;
  if (undecided > 0) return `⚠️ Triggers of ${undecided} of ${plural(triggers.length, "skill")} not gated (trigger queries only)`;
  return `✅ No trigger regression: ${plural(triggers.length, "skill")} (trigger queries only)`;
}

/** Plain-text lines for the terminal summary. */
export function triggerTerminalLines(report: Report): string[] {
  const lines: string[] = [];
  for (const t of report.triggers ?? []) {
    lines.push("", `${t.verdict === "regressed" ? "REGRESSED " : ""}triggers of ${t.name} (${t.skill}; ${t.reason})`);
    for (const m of t.models) {
      const base = m.base ? ` (base recall ${percent(m.base.recall)}, false ${percent(m.base.falseTriggerRate)})` : "";
      lines.push(`  ${m.model}: recall ${percent(m.recall)}, false triggers ${percent(m.falseTriggerRate)}${base}; n ${m.n.should}+${m.n.shouldNot}; ${m.errors} error(s); ${m.verdict}`);
      const confusion = confusionText(m);
      if (confusion) lines.push(`    missed: ${confusion}`);
    }
    for (const reason of t.verdict === "pass" ? [] : t.verdictReasons) lines.push(`  ${reason}`);
  }
  return lines;
}

/** Words for a trigger test that did not pass (a recall drop or a false-trigger rise), or null when it passed. */
export function triggerTestReason(test: MetricTest): string | null {
  const label = test.metric === "false-trigger" ? "false-trigger rate" : "trigger recall";
  // A false-trigger test holds base minus head: the rate rose by -delta points.
  const shown = test.delta === null ? null : test.metric === "false-trigger" ? -test.delta : test.delta;
  const change = shown === null ? "" : ` ${formatPoints(shown)} points`;
  if (test.outcome === "pass") return null;
  if (test.outcome === "regressed") {
    const p = test.adjustedPValue === null ? "" : `; p ${test.adjustedPValue < 0.001 ? "< 0.001" : test.adjustedPValue.toFixed(3)} adjusted (alpha ${ALPHA})`;
    return `${label}${change} against the base catalogue (threshold ${test.threshold}; ${test.n} queries${p})`;
  }
  if (test.inconclusiveBecause === "too-few-pairs") {
    return `${label}${change}: only ${test.n} quer${test.n === 1 ? "y" : "ies"} compared (at least ${MIN_PAIRS} are needed to test a change)`;
  }
  return `${label}${change}: too uncertain to decide against the threshold ${test.threshold} (${test.n} queries)`;
}
