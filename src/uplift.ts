// Skill uplift: what a skill adds over the same model answering the bare input with no skill (control:
// without-skill). Both sides of a case are judged the same way (same judge prompt, the skill's instructions as the
// rubric), so the per-case difference is the skill's effect on that case. Advisory: it never gates a pull request.
import { pairedPassDelta } from "./checks.js";
import { mean, tInterval } from "./stats.js";
import type { CaseResult, CheckResult, ExpectationGrade, Uplift, UpliftMetric } from "./types.js";

/** A metric's uplift from per-case differences (points): mean, n, 95% t-interval (null below 2 pairs). */
function metricOf(differences: readonly number[]): UpliftMetric {
  return { delta: mean(differences), n: differences.length, interval: tInterval(differences) };
}

const checkKey = (check: CheckResult): string => `${check.type}\u0000${JSON.stringify(check.value)}`;
const expectationKey = (grade: ExpectationGrade): string => grade.text;

/**
 * Whether the skill still helps on this model, from the quality uplift:
 * - true: the 95% interval lies above zero (shown to help);
 * - false: the mean uplift is zero or below (the skill no longer helps: what the nightly flags);
 * - null: undecided, a positive mean whose interval reaches zero, or fewer than 2 pairs.
 * "No longer helps" needs the measured uplift itself to be gone, not merely an interval too wide to prove it: with
 * the few cases a benchmark has, the interval's low end reaches zero for many skills that help, and a nightly alarm
 * that fires on noise is soon ignored.
 */
export function helpsOf(quality: UpliftMetric): boolean | null {
  if (quality.n < 2 || quality.delta === null) return null;
  if (quality.delta <= 0) return false;
  return quality.interval !== null && quality.interval.low > 0 ? true : null;
}

/**
 * The uplift of one model: head results against control results of the same model, paired by case id. A pair
 * counts for quality when both sides were judged; for a pass rate when both sides graded (decided) a common item.
 * Null when no control result of this model exists (no control ran). Errored or unjudged control pairs are
 * counted, never scored 0.
 */
export function upliftOf(model: string, results: readonly CaseResult[], control: readonly CaseResult[]): Uplift | null {
  const own = control.filter((result) => result.model === model);
  if (own.length === 0) return null;
  const heads = new Map(results.filter((result) => result.model === model).map((result) => [result.caseId, result]));
  const quality: number[] = [];
  const expectations: number[] = [];
  const checks: number[] = [];
  for (const bare of own) {
    const head = heads.get(bare.caseId);
    if (!head) continue;
    if (head.judged && bare.judged && head.quality !== null && bare.quality !== null) quality.push(head.quality - bare.quality);
    const graded = head.judged && bare.judged ? pairedPassDelta(head.expectations, bare.expectations, expectationKey) : null;
    if (graded) expectations.push(graded.head - graded.base);
    const checked = head.error === null && bare.error === null ? pairedPassDelta(head.checks, bare.checks, checkKey) : null;
    if (checked) checks.push(checked.head - checked.base);
  }
  const qualityUplift = metricOf(quality);
  return {
    quality: qualityUplift,
    expectations: expectations.length > 0 ? metricOf(expectations) : null,
    checks: checks.length > 0 ? metricOf(checks) : null,
    controlQuality: mean(own.filter((result) => result.judged).map((result) => result.quality)),
    controlErrors: own.filter((result) => result.error !== null).length,
    controlUnjudged: own.filter((result) => result.error === null && !result.judged).length,
    helps: helpsOf(qualityUplift),
  };
}
