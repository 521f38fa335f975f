// The adaptive loop's decisions (which (skill, model)s get what, when it stops), over typed fakes of the run's
// extra rounds and of the comparison; the calls themselves are covered in test/samples.test.ts.
import { describe, expect, it } from "vitest";
import { adaptiveRounds, bestNarrowing, couldDecide } from "../src/adaptive.js";
import type { PlanItem } from "../src/plan.js";
import type { MoreSamples } from "../src/run.js";
import type { Benchmark, CaseResult, Interval, ModelSummary, Report, Thresholds } from "../src/types.js";
import { isErrorGateReason } from "../src/verdict.js";
import { caseResult, modelSummary, report, skillReport } from "./support/report-factory.js";

const benchmarkOf = (name: string): Benchmark => ({ path: `benchmarks/${name}.yml`, skillPath: `skills/${name}/SKILL.md`, models: null, cases: [] });
const interval = (low: number, high: number): Interval => ({ low, high, level: 0.95, n: 6 });

/**
 * The fakes' borderline rule, instead of compare.ts's isBorderline (which needs the comparison's tests): the quality
 * interval straddles -thresholds.quality, and the verdict is neither error nor a regression by the errors gate.
 */
function straddlesThreshold(summary: ModelSummary, thresholds: Pick<Thresholds, "quality">): boolean {
  const found = summary.qualityInterval;
  if (found === null || summary.verdict === "error") return false;
  if (summary.regressions.some(isErrorGateReason)) return false;
  return found.low < -thresholds.quality && found.high > -thresholds.quality;
}

/**
 * Two skills x one model, two cases each; `width(round)` gives the "wide" skill's interval, placed so that it
 * straddles -5 (borderline) while narrowing it by bestNarrowing(4) around its centre would decide it.
 */
function scenario(width: (round: number) => number, budgetUsd: number | null = null, below = 0.05, maxSamples = 4) {
  const benchmarks = [benchmarkOf("wide"), benchmarkOf("clear")];
  const plan = benchmarks.flatMap((benchmark) =>
    [1, 2].map((n) => ({ benchmark, model: "claude-sonnet-5", testCase: { id: `case-${n}` } }) as unknown as PlanItem),
  );
  const results: CaseResult[] = plan.map((_, i) => caseResult({ caseId: `case-${i}`, costUsd: 0.01, judgeCostUsd: 0.02 }));
  const calls: string[] = [];
  let round = 0;
  // Records what was asked and bills it as the run would: $0.02 a judgement, $0.01 + $0.02 a judged generation.
  const bill = (indices: readonly number[], usd: number) => {
    for (const i of indices) {
      const r = results[i];
      if (r) results[i] = { ...r, judgeCostUsd: (r.judgeCostUsd ?? 0) + usd };
    }
  };
  const more: MoreSamples = {
    judgements: async (indices, count) => {
      if (indices.length > 0) calls.push(`judgements ${indices.join(",")} +${count}`);
      bill(indices, 0.02 * count);
    },
    generations: async (indices, count) => {
      if (indices.length > 0) calls.push(`generations ${indices.join(",")} +${count}`);
      bill(indices, 0.03 * count);
    },
  };
  const compose = (): Report => {
    const w = width(round);
    return report({
      skills: [
        skillReport({ skill: "skills/wide/SKILL.md", models: [modelSummary({ qualityInterval: interval(-5 - below * w, -5 + (1 - below) * w) })] }),
        skillReport({ skill: "skills/clear/SKILL.md", models: [modelSummary({ qualityInterval: interval(-1, 1) })] }),
      ],
    });
  };
  const log: string[] = [];
  const run = () =>
    adaptiveRounds(
      {
        plan,
        results,
        more,
        config: { samples: 1, maxSamples, judge: { model: "j", maxTokens: 1, pairwise: false, samples: 1 }, thresholds: { quality: 5, dimension: 10, cost: 25, errors: 20 } },
        compare: () => {
          round += 1;
          return compose();
        },
        budgetUsd,
        log: (m) => log.push(m),
        borderline: straddlesThreshold,
      },
      compose(),
    );
  return { run, calls, log };
}

describe("adaptiveRounds", () => {
  it("while the interval keeps narrowing: judgements up to max-samples, then generations up to max-samples, then stops", async () => {
    const { run, calls, log } = scenario((round) => 10 * 0.8 ** round);
    const outcome = await run();
    // Only the borderline skill's plan items (0 and 1); the clear one (interval -1..1) never gets more.
    expect(calls).toEqual([
      "judgements 0,1 +1",
      "judgements 0,1 +1",
      "judgements 0,1 +1",
      "generations 0,1 +1",
      "generations 0,1 +1",
      "generations 0,1 +1",
    ]);
    expect(outcome).toMatchObject({ rounds: 6, stopped: "max-samples reached" });
    expect(log.at(-1)).toBe("adaptive: 1 (skill, model) borderline, but each is at max-samples (4): stopping");
  });

  it("stops a (skill, model) whose interval narrowed by less than 10% in its last round", async () => {
    const { run, calls } = scenario((round) => (round === 0 ? 10 : 9.5));
    expect(await run()).toMatchObject({ rounds: 1, stopped: "samples cannot decide" });
    expect(calls).toEqual(["judgements 0,1 +1"]);
  });

  it("adds nothing where even the narrowest interval head-side samples could reach would still straddle the threshold", async () => {
    expect(bestNarrowing(4)).toBeCloseTo(Math.sqrt(0.625), 12);
    expect(couldDecide(interval(-10, 0), 5, 4)).toBe(false);
    expect(couldDecide(interval(-5.5, 4.5), 5, 4)).toBe(true);
    // Centred on the threshold: borderline, but no number of head-side samples would decide it.
    const { run, calls, log } = scenario(() => 10, null, 0.5);
    expect(await run()).toMatchObject({ rounds: 0, stopped: "samples cannot decide" });
    expect(calls).toEqual([]);
    expect(log.at(-1)).toMatch(/more samples could not decide it/);
  });

  it("stops before a round that would pass the budget", async () => {
    // Spent first: 4 pairs x $0.03; each judgement round for the 2 borderline pairs costs about 2 x $0.02 (the
    // estimate: each pair's judge cost so far over its judgements, which the fake leaves at 1, so it grows).
    const { run, calls, log } = scenario((round) => 10 * 0.8 ** round, 4 * 0.03 + 2 * 0.02 + 0.001);
    expect(await run()).toMatchObject({ rounds: 1, stopped: "budget" });
    expect(calls).toEqual(["judgements 0,1 +1"]);
    expect(log.at(-1)).toMatch(/would pass max-cost-usd/);
  });

  it("the fakes' borderline rule: the interval straddles -threshold; never an error verdict or an errors-gate regression", () => {
    const t = { quality: 5 };
    expect(straddlesThreshold(modelSummary({ qualityInterval: interval(-8, 2) }), t)).toBe(true);
    expect(straddlesThreshold(modelSummary({ qualityInterval: interval(-4, 2) }), t)).toBe(false);
    expect(straddlesThreshold(modelSummary({ qualityInterval: interval(-12, -6) }), t)).toBe(false);
    expect(straddlesThreshold(modelSummary({ qualityInterval: null }), t)).toBe(false);
    expect(straddlesThreshold(modelSummary({ qualityInterval: interval(-8, 2), verdict: "error" }), t)).toBe(false);
    expect(
      straddlesThreshold(modelSummary({ qualityInterval: interval(-8, 2), verdict: "regressed", regressions: ["errors: 3 of 6 pairs failed"] }), t),
    ).toBe(false);
  });
});
