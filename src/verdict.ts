// Verdicts: how each (skill, model), each skill and the run end (pass, regressed, inconclusive, error), the
// errors gate (thresholds.errors), and the run-level operational failure, with pair errors grouped by cause so a
// failure is named once, not once per pair. Data only: report/ turns it into sentences around it.

import type { CaseResult, ModelSummary, Report, RunFailure, SkillReport, Verdict } from "./types.js";

// ---------------------------------------------------------------------------------------------------------
// Causes

const NOT_RUN = /^not (?:run|judged): ([\s\S]*) \(on an earlier call\)$/;

/** The error a pair ends with when its call was not sent because an earlier call showed it could not succeed. */
export function notRunError(cause: string, what: "run" | "judged" = "run"): string {
  return `not ${what}: ${cause} (on an earlier call)`;
}

/**
 * The cause of a pair error or judge error, without what differs from pair to pair (request ids, attempt
 * counts, answer previews), so that equal causes group. Recognises the messages of src/anthropic.ts.
 */
export function causeOf(message: string): string {
  const notRun = NOT_RUN.exec(message.trim());
  if (notRun?.[1]) return notRun[1];
  const text = message
    .replace(/\s*\(request-id [^)]*\)/g, "")
    .replace(/\s*\((?:after )?\d+ attempts?\)/g, "")
    .replace(/ after \d+ attempt(?:s|\(s\))?/g, "")
    .trim();
  const http = /HTTP (\d{3}|\?) ([a-z_]+)/.exec(text);
  const status = http ? `HTTP ${http[1]}` : null;
  const judge = /^judge call failed\b/.test(text) ? "judge " : "";
  const model = /model (\S+) was not found/.exec(text);
  if (model?.[1]) return `${judge}model ${model[1]} was not found (${status ?? "HTTP 404"})`;
  if (/rejected the key/.test(text)) {
    return `the API rejected the key (${http ? `${status} ${http[2]}` : "HTTP 401"}): check anthropic-api-key / ANTHROPIC_API_KEY`;
  }
  if (/spend limit was reached/.test(text)) {
    return "the API's spend limit was reached: raise it in the Anthropic Console or wait for it to reset";
  }
  if (http) return `${judge}${status} ${http[2]}`;
  const connection = /could not reach the Anthropic API[^:]*?(?: for \S+)?: ([\s\S]*)$/.exec(text);
  if (connection?.[1]) return `could not reach the Anthropic API: ${connection[1]}`;
  if (/timed out/.test(text)) return `${judge}calls timed out`;
  // Judge answers that did not parse carry a preview of the answer after a colon: the kind is the cause.
  if (/^judge answer is not valid JSON/.test(text)) return "judge answer is not valid JSON";
  const schema = /^judge answer does not fit the rubric schema/.exec(text);
  if (schema) return schema[0];
  const kind = /^(refusal|truncated|invalid-request|internal error):/.exec(text);
  if (kind?.[1] === "refusal") return "the model refused to answer";
  if (kind?.[1] === "truncated") return "answers were cut off at max_tokens";
  return text.length > 160 ? `${text.slice(0, 159)}…` : text;
}

/** Why a pair has no scores: its generation error, else its judge error; null when it was judged. */
export function problemOf(result: CaseResult): string | null {
  if (result.error !== null) return result.error;
  if (!result.judged) return result.judgeError ?? "the judge gave no scores";
  return null;
}

/** Causes of the given results' problems, most frequent first (ties in order of appearance). */
export function groupCauses(results: readonly CaseResult[]): { cause: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const result of results) {
    const problem = problemOf(result);
    if (problem === null) continue;
    const cause = causeOf(problem);
    counts.set(cause, (counts.get(cause) ?? 0) + 1);
  }
  return [...counts].map(([cause, count]) => ({ cause, count })).sort((a, b) => b.count - a.count);
}

/** "HTTP 500 api_error" or "8 × HTTP 500 api_error; 4 × model x was not found (HTTP 404)"; at most 3 causes. */
export function causesText(results: readonly CaseResult[]): string {
  const groups = groupCauses(results);
  if (groups.length === 0) return "";
  if (groups.length === 1) return groups[0]?.cause ?? "";
  const shown = groups.slice(0, 3).map((g) => `${g.count} × ${g.cause}`);
  if (groups.length > 3) shown.push(`${groups.length - 3} other cause(s)`);
  return shown.join("; ");
}

// ---------------------------------------------------------------------------------------------------------
// The errors gate

/** How the errors gate's reasons start, so views can tell them from measured drops. */
export const ERRORS_REASON = "errors:";
export const UNJUDGED_REASON = "unjudged:";

export function isErrorGateReason(reason: string): boolean {
  return reason.startsWith(ERRORS_REASON) || reason.startsWith(UNJUDGED_REASON);
}

/**
 * Reasons a model's failed or unjudged pairs count as a regression in their own right: when the share of its
 * pairs that failed (or went unjudged) exceeds `thresholdPct`, with or without a baseline.
 */
/** A pair not run or not judged because the run's budget (max-cost-usd) was reached: see budgetNotRun in src/run.ts. */
const BUDGET_NOT_RUN = /^not (?:run|judged): budget of \$[0-9.]+ reached$/;

export function isBudgetNotRun(result: Pick<CaseResult, "error" | "judgeError">): boolean {
  return BUDGET_NOT_RUN.test(result.error ?? "") || (result.error === null && BUDGET_NOT_RUN.test(result.judgeError ?? ""));
}

/**
 * The report once the budget stopped the run: pairs not run make their model inconclusive (not pass, not error: the
 * pairs that ran may still show a regression, which stands), and the report is partial.
 */
export function withBudgetStop(report: Report): Report {
  const skills = report.skills.map((skill) => {
    const models = skill.models.map((model): ModelSummary => {
      const own = skill.results.filter((r) => r.model === model.model);
      const notRun = own.filter(isBudgetNotRun).length;
      if (notRun === 0) return model;
      const reason = `${notRun} of ${own.length} pairs were not run: ${own.find(isBudgetNotRun)?.error ?? own.find(isBudgetNotRun)?.judgeError ?? "budget reached"}`.replace(/: not (run|judged): /, ": ");
      const verdict: Verdict = model.verdict === "regressed" ? model.verdict : "inconclusive";
      return { ...model, verdict, verdictReasons: [...model.verdictReasons, reason] };
    });
    return { ...skill, models, ...skillVerdict(models) };
  });
  const judgedSomething = report.skills.some((s) => s.results.some((r) => r.judged));
  const next = withRunVerdict({ ...report, skills });
  // Nothing judged only because nothing was run is not a failure of the API: it is inconclusive.
  if (!judgedSomething && next.verdict === "error") return { ...next, verdict: "inconclusive", failure: null, partial: true };
  return { ...next, partial: true };
}

export function errorGateReasons(summary: ModelSummary, results: readonly CaseResult[], thresholdPct: number): string[] {
  // Pairs the budget kept from running say nothing about the model: they make it inconclusive, not regressed.
  const own = results.filter((r) => r.model === summary.model && !isBudgetNotRun(r));
  const cases = own.length;
  if (cases === 0) return [];
  const reasons: string[] = [];
  const check = (prefix: string, verb: string, picked: CaseResult[]) => {
    const pct = (picked.length / cases) * 100;
    if (picked.length === 0 || !(pct > thresholdPct + 1e-9)) return;
    reasons.push(
      `${prefix} ${picked.length} of ${cases} pairs ${verb} (${Math.round(pct)}%, ` +
        `threshold ${thresholdPct}%): ${causesText(picked)}`,
    );
  };
  check(ERRORS_REASON, "failed", own.filter((r) => r.error !== null));
  check(UNJUDGED_REASON, "went unjudged", own.filter((r) => r.error === null && !r.judged));
  return reasons;
}

// ---------------------------------------------------------------------------------------------------------
// Verdicts

/**
 * A model's verdict from its compared summary: error when nothing of it was judged, regressed when a regression
 * reason exists (a gated drop, cost, or the errors gate: too many failed or unjudged pairs regress a model even
 * when the rest would be inconclusive), inconclusive when no judged pair was compared with the baseline or when a
 * gated test could not decide (`undecided`: too few pairs, an interval too wide, a drop within the drift between
 * nightly baselines), else pass. `noBaseline` names why nothing was compared, for the reason.
 */
export function modelVerdict(
  summary: ModelSummary,
  noBaseline: string | null,
  undecided: readonly string[] = [],
): { verdict: Verdict; verdictReasons: string[] } {
  if (summary.cases > 0 && summary.judged === 0) {
    return { verdict: "error", verdictReasons: summary.regressions.length > 0 ? [...summary.regressions] : ["no pair was judged"] };
  }
  if (summary.regressions.length > 0) return { verdict: "regressed", verdictReasons: [...summary.regressions] };
  if (summary.cases === 0) return { verdict: "inconclusive", verdictReasons: ["no results"] };
  if (summary.pairedCases === 0) {
    const why =
      noBaseline ??
      (summary.baseline === null
        ? "no baseline for this model"
        : "no judged pair to compare with the baseline (its entries for these cases have errors)");
    return { verdict: "inconclusive", verdictReasons: [why] };
  }
  if (undecided.length > 0) return { verdict: "inconclusive", verdictReasons: [...undecided] };
  return { verdict: "pass", verdictReasons: [] };
}

/** Worst first: a measured regression anywhere wins, then an error, then inconclusive. */
const SEVERITY: Record<Verdict, number> = { regressed: 3, error: 2, inconclusive: 1, pass: 0 };

export function worstVerdict(verdicts: Iterable<Verdict>, empty: Verdict): Verdict {
  let worst: Verdict | null = null;
  for (const verdict of verdicts) if (worst === null || SEVERITY[verdict] > SEVERITY[worst]) worst = verdict;
  return worst ?? empty;
}

export function skillVerdict(models: readonly ModelSummary[]): { verdict: Verdict; verdictReasons: string[] } {
  return {
    verdict: worstVerdict(models.map((m) => m.verdict), "inconclusive"),
    verdictReasons:
      models.length === 0
        ? ["no model ran for this skill"]
        : models.flatMap((m) => m.verdictReasons.map((reason) => `${m.model}: ${reason}`)),
  };
}

/**
 * The run-level failure when no pair at all was judged: nothing was measured, whatever the baseline says.
 * Null when something was judged or nothing ran.
 */
export function nothingJudgedFailure(skills: readonly SkillReport[]): RunFailure | null {
  const results = skills.flatMap((s) => s.results);
  if (results.length === 0 || results.some((r) => r.judged)) return null;
  const calls = results.every((r) => r.error !== null) ? "calls" : "pairs";
  const all = results.length === 1 ? `the only ${calls.slice(0, -1)}` : `all ${results.length} ${calls}`;
  return {
    cause: `nothing could be measured: ${all} failed: ${causesText(results)}`,
    failed: results.length,
    pairs: results.length,
  };
}

/** Share of a baseline run's pairs that may fail or go unjudged before it records nothing. */
export const BASELINE_MAX_FAILED_SHARE = 0.5;

/** A baseline run where most pairs failed or went unjudged must not record: the failure to report instead. */
export function baselineRecordingFailure(report: Report): RunFailure | null {
  const results = report.skills.flatMap((s) => s.results);
  const failed = results.filter((r) => problemOf(r) !== null);
  if (results.length === 0 || failed.length / results.length <= BASELINE_MAX_FAILED_SHARE) return null;
  return {
    cause:
      `baseline not recorded: ${failed.length} of ${results.length} pairs failed or went unjudged ` +
      `(more than ${BASELINE_MAX_FAILED_SHARE * 100}%): ${causesText(failed)}; the previous baseline is kept`,
    failed: failed.length,
    pairs: results.length,
  };
}

/** The report with its run-level verdict, reasons and failure derived from its skills. Returns a new object. */
export function withRunVerdict(report: Report): Report {
  const failure = nothingJudgedFailure(report.skills);
  const verdict = failure ? "error" : worstVerdict(report.skills.map((s) => s.verdict), "pass");
  const verdictReasons = failure
    ? [failure.cause]
    : report.skills.flatMap((s) => s.verdictReasons.map((reason) => `${s.skill}: ${reason}`));
  return { ...report, verdict, verdictReasons, failure };
}
