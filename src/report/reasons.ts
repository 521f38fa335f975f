// The comparison's findings in words: the text of a report's `regressions` and `verdictReasons` for a gated test,
// the cost and an old baseline. src/compare.ts decides with data (Finding) and calls describeFinding through its
// options; the wording uses the report's own formatters, so a reason and the table cell beside it show the same
// number.

import { MIN_PAIRS, type Finding } from "../compare.js";
import type { Interval, MetricTest } from "../types.js";
import { formatInterval, formatPercent, formatPoints } from "./format.js";

function intervalText(interval: Interval): string {
  return `${Math.round(interval.level * 100)}% CI ${formatInterval(interval)}`;
}

function formatP(p: number): string {
  return p < 0.001 ? "< 0.001" : p.toFixed(3);
}

function hoursText(hours: number): string {
  return hours >= 48 ? `${Math.round(hours / 24)} days` : `${Math.round(hours)} h`;
}

function testFacts(test: MetricTest): string {
  const facts = [`n ${test.n}`];
  if (test.spread !== null) facts.push(`spread ${formatPoints(test.spread).replace(/^\+/, "")}`);
  if (test.detectableDrop !== null) facts.push(`detectable drop ${formatPoints(test.detectableDrop).replace(/^\+/, "")}`);
  return facts.join(", ");
}

/** Why a gated test regressed, or why it could not be decided. */
function testReason({ test, gate, drift }: Extract<Finding, { kind: "metric" }>): string {
  const { delta, interval, threshold } = test;
  const metric = test.metric === "expectations" ? "expectation pass rate" : test.metric === "checks" ? "check pass rate" : test.metric;
  const deltaText = delta === null ? "" : ` ${formatPoints(delta)} points`;
  if (test.outcome === "regressed") {
    const detail = interval === null ? "" : `; ${intervalText(interval)}`;
    if (gate === "threshold") return `${metric}${deltaText} (threshold ${threshold}${detail})`;
    const p = test.adjustedPValue === null ? "" : `; p ${formatP(test.adjustedPValue)} adjusted`;
    return `${metric}${deltaText} (threshold ${threshold}${detail}${p}; ${testFacts(test)})`;
  }
  const more = test.casesNeeded === null ? "" : `; about ${test.casesNeeded} more case${test.casesNeeded === 1 ? "" : "s"} would decide`;
  switch (test.inconclusiveBecause) {
    case "too-few-pairs":
      return `${metric}: only ${test.n} judged pair${test.n === 1 ? "" : "s"} (at least ${MIN_PAIRS} are needed to test a drop)${more}`;
    case "baseline-drift":
      return (
        `${metric}${deltaText}: within the drift between nightly baselines (${formatPoints(drift ?? 0).replace(/^\+/, "")} points) ` +
        "and the baseline is older than max-age-hours: not called a regression"
      );
    default:
      return (
        `${metric}${deltaText}${interval === null ? "" : `, ${intervalText(interval)}`}: too wide to decide against ` +
        `the threshold ${threshold} (${testFacts(test)})${more}`
      );
  }
}

/** A finding of the comparison as the sentence the report shows. */
export function describeFinding(finding: Finding): string {
  switch (finding.kind) {
    case "metric":
      return testReason(finding);
    case "cost":
      return `cost ${formatPercent(finding.costPct)} (threshold ${finding.threshold}%)`;
    case "baseline-age":
      return `the baseline was recorded ${hoursText(finding.ageHours)} ago (max-age-hours ${finding.maxAgeHours})`;
  }
}
