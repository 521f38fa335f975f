import { describe, expect, it } from "vitest";
import { summarizeModel, summarizeSkill, totalsOf } from "../src/aggregate.js";
import type { Benchmark, CaseResult, Skill, Usage } from "../src/types.js";

// ---- small typed factories (local on purpose: shared test support is being written concurrently)

function usage(input: number, output: number, cacheCreation = 0, cacheRead = 0): Usage {
  return { inputTokens: input, outputTokens: output, cacheCreationInputTokens: cacheCreation, cacheReadInputTokens: cacheRead };
}

/** A judged result with uniform scores; override anything. */
function judged(caseId: string, model: string, score: number, overrides: Partial<CaseResult> = {}): CaseResult {
  return {
    caseId,
    caseHash: `hash-${caseId}`,
    model,
    key: `key-${caseId}-${model}`,
    output: `output of ${caseId}`,
    quality: score,
    faithfulness: score,
    relevancy: score,
    precision: score,
    recall: score,
    matchesExpected: null,
    judgeNotes: "ok",
    error: null,
    judgeError: null,
    judged: true,
    costUsd: 0.01,
    judgeCostUsd: 0.002,
    latencyMs: 1000,
    usage: usage(100, 50),
    judgeUsage: usage(300, 40),
    stopReason: "end_turn",
    generations: 1,
    judgements: 1,
    qualitySamples: [score],
    ...overrides,
  };
}

/** An output the judge failed on: no scores. */
function unjudged(caseId: string, model: string, overrides: Partial<CaseResult> = {}): CaseResult {
  return judged(caseId, model, 0, {
    quality: null,
    faithfulness: null,
    relevancy: null,
    precision: null,
    recall: null,
    judgeNotes: null,
    judged: false,
    judgeError: "judge answer was not valid JSON",
    judgeCostUsd: 0.001,
    judgements: 0,
    qualitySamples: [],
    ...overrides,
  });
}

/** A generation that failed: no output, nothing judged. */
function failed(caseId: string, model: string, overrides: Partial<CaseResult> = {}): CaseResult {
  return unjudged(caseId, model, {
    output: null,
    error: "rate limited after 3 attempts",
    judgeError: null,
    costUsd: null,
    judgeCostUsd: null,
    usage: null,
    judgeUsage: null,
    stopReason: null,
    generations: 0,
    ...overrides,
  });
}

const skill: Skill = {
  path: "skills/summarize/SKILL.md",
  dir: "skills/summarize",
  name: "summarize",
  description: "Summarizes threads",
  format: "agent-skill",
  instructions: "Summarize.",
  hash: "skillhash",
};
const benchmark: Benchmark = { path: "benchmarks/summarize.yml", skillPath: skill.path, models: null, cases: [] };

describe("summarizeModel", () => {
  // Hand-checked set for model "m": three judged, one unjudged, one error, plus another model's result.
  const results: CaseResult[] = [
    judged("a", "m", 60, { latencyMs: 100, costUsd: 0.01, matchesExpected: true, usage: usage(100, 10, 1000, 0) }),
    judged("b", "m", 70, { latencyMs: 300, costUsd: 0.03, matchesExpected: false, usage: usage(200, 20, 0, 500) }),
    judged("c", "m", 95, { latencyMs: 1000, costUsd: 0.02, faithfulness: 40, usage: usage(300, 30) }),
    unjudged("d", "m", { latencyMs: 200, costUsd: 0.04, usage: usage(400, 40) }),
    failed("e", "m", { latencyMs: 99_999 }),
    judged("a", "other", 10, { latencyMs: 5, costUsd: 9, usage: usage(1_000_000, 1_000_000) }),
  ];
  const summary = summarizeModel("m", results);

  it("averages scores over judged results only: unjudged and errors are counted, never scored 0", () => {
    expect(summary.quality).toBeCloseTo((60 + 70 + 95) / 3, 9);
    expect(summary.faithfulness).toBeCloseTo((60 + 70 + 40) / 3, 9);
    expect(summary.recall).toBeCloseTo((60 + 70 + 95) / 3, 9);
    expect(summary).toMatchObject({ model: "m", cases: 5, judged: 3, unjudged: 1, errors: 1 });
  });

  it("takes latency percentiles over successful generations only", () => {
    // successful latencies: 100, 200, 300, 1000 -> p50 = 250; p95 rank 2.85 -> 300 + 0.85 * 700 = 895
    expect(summary.latencyMsP50).toBeCloseTo(250, 9);
    expect(summary.latencyMsP95).toBeCloseTo(895, 9);
  });

  it("means cost per case over known costs and sums the totals", () => {
    expect(summary.costUsd).toBeCloseTo((0.01 + 0.03 + 0.02 + 0.04) / 4, 12);
    expect(summary.totalCostUsd).toBeCloseTo(0.1, 12);
    expect(summary.judgeCostUsd).toBeCloseTo(0.002 * 3 + 0.001, 12);
  });

  it("means cost per case over one generation each, so more samples never read as a cost rise; totals keep the spend", () => {
    const summary = summarizeModel("m", [
      judged("a", "m", 80, { costUsd: 0.03, generations: 3, calls: 6 }),
      judged("b", "m", 80, { costUsd: 0.01 }),
    ]);
    expect(summary.costUsd).toBeCloseTo(0.01, 12);
    expect(summary.totalCostUsd).toBeCloseTo(0.04, 12);
  });

  it("counts every call of a result with samples in the totals", () => {
    const skill = summarizeSkill({
      skill: { path: "s.md", dir: null, name: "s", description: null, format: "prompt", instructions: "x", hash: "h" },
      benchmark: { path: "b.yml", skillPath: "s.md", models: null, cases: [] },
      results: [judged("a", "m", 80, { generations: 2, judgements: 6, calls: 8 }), judged("b", "m", 80)],
      models: ["m"],
    });
    expect(totalsOf([skill], 0).calls).toBe(8 + 2);
  });

  it("counts cache creation and cache reads as input tokens", () => {
    expect(summary.inputTokens).toBe(100 + 1000 + 200 + 500 + 300 + 400);
    expect(summary.outputTokens).toBe(10 + 20 + 30 + 40);
  });

  it("rates expected-answer matches over judged results that had an expected answer", () => {
    expect(summary.matchesExpectedRate).toBe(0.5);
  });

  it("leaves every comparison field empty", () => {
    expect(summary).toMatchObject({
      baseline: null,
      delta: null,
      qualityInterval: null,
      pairedCases: 0,
      stale: false,
      baselineRecordedAt: null,
      regressed: false,
      regressions: [],
    });
  });

  it("reports an unknown price as a null cost, not 0", () => {
    const unpriced = summarizeModel("local", [
      judged("a", "local", 80, { costUsd: null }),
      judged("b", "local", 90, { costUsd: null }),
    ]);
    expect(unpriced.costUsd).toBeNull();
    expect(unpriced.totalCostUsd).toBeNull();
    expect(unpriced.quality).toBe(85);
  });

  it("gives null scores, rates and latencies when nothing was judged or generated", () => {
    const empty = summarizeModel("m", [failed("a", "m"), failed("b", "m")]);
    expect(empty).toMatchObject({
      quality: null,
      faithfulness: null,
      relevancy: null,
      precision: null,
      recall: null,
      matchesExpectedRate: null,
      latencyMsP50: null,
      latencyMsP95: null,
      judgeCostUsd: null,
      cases: 2,
      errors: 2,
      judged: 0,
      unjudged: 0,
    });
    const onlyUnjudged = summarizeModel("m", [unjudged("a", "m")]);
    expect(onlyUnjudged.quality).toBeNull();
    expect(onlyUnjudged.unjudged).toBe(1);
  });
});

describe("summarizeSkill", () => {
  it("keeps the given model order, fills skill fields and leaves comparison empty", () => {
    const results = [judged("a", "x", 50), judged("a", "y", 60)];
    const report = summarizeSkill({ skill, benchmark, results, models: ["y", "x", "z"] });
    expect(report.models.map((m) => m.model)).toEqual(["y", "x", "z"]);
    expect(report.models[2]).toMatchObject({ cases: 0, quality: null });
    expect(report).toMatchObject({
      skill: skill.path,
      benchmark: benchmark.path,
      name: "summarize",
      format: "agent-skill",
      skillHash: "skillhash",
      cases: { added: [], changed: [], removed: [] },
      baselineError: null,
      regressed: false,
    });
    expect(report.results).toEqual(results);
  });

  const bestCases: {
    name: string;
    results: CaseResult[];
    models: string[];
    best: { quality: string | null; cheapest: string | null; qualityPerDollar: string | null };
  }[] = [
    {
      name: "distinct picks",
      // a: q 90 at 0.10 (900/$), b: q 80 at 0.02 (4000/$), c: q 50 at 0.01 (5000/$)
      results: [
        judged("1", "a", 90, { costUsd: 0.1 }),
        judged("1", "b", 80, { costUsd: 0.02 }),
        judged("1", "c", 50, { costUsd: 0.01 }),
      ],
      models: ["a", "b", "c"],
      best: { quality: "a", cheapest: "c", qualityPerDollar: "c" },
    },
    {
      name: "quality tie goes to the cheaper model",
      results: [judged("1", "a", 80, { costUsd: 0.05 }), judged("1", "b", 80, { costUsd: 0.02 })],
      models: ["a", "b"],
      best: { quality: "b", cheapest: "b", qualityPerDollar: "b" },
    },
    {
      name: "cost tie for cheapest goes to the higher quality",
      results: [judged("1", "a", 70, { costUsd: 0.02 }), judged("1", "b", 85, { costUsd: 0.02 })],
      models: ["a", "b"],
      best: { quality: "b", cheapest: "b", qualityPerDollar: "b" },
    },
    {
      name: "unpriced and never-judged models are not cheapest",
      results: [
        judged("1", "free", 95, { costUsd: null }),
        failed("1", "broken", { costUsd: 0.0001 }),
        judged("1", "paid", 60, { costUsd: 0.05 }),
      ],
      models: ["free", "broken", "paid"],
      best: { quality: "free", cheapest: "paid", qualityPerDollar: "paid" },
    },
    {
      name: "nothing judged: no picks",
      results: [failed("1", "a"), unjudged("1", "b", { costUsd: null })],
      models: ["a", "b"],
      best: { quality: null, cheapest: null, qualityPerDollar: null },
    },
  ];
  it.each(bestCases)("best: $name", ({ results, models, best }) => {
    expect(summarizeSkill({ skill, benchmark, results, models }).best).toEqual(best);
  });
});

describe("totalsOf", () => {
  it("sums costs, counts results and calls, and names unpriced models", () => {
    const one = summarizeSkill({
      skill,
      benchmark,
      models: ["m", "local"],
      results: [
        judged("a", "m", 80, { costUsd: 0.01, judgeCostUsd: 0.002 }),
        unjudged("b", "m", { costUsd: 0.03, judgeCostUsd: 0.001 }),
        failed("c", "m"),
        judged("a", "local", 70, { costUsd: null, judgeCostUsd: 0.004 }),
      ],
    });
    const two = summarizeSkill({
      skill: { ...skill, path: "skills/other.md" },
      benchmark: { ...benchmark, path: "benchmarks/other.yml" },
      models: ["m"],
      results: [judged("z", "m", 90, { costUsd: 0.05, judgeCostUsd: 0.003 })],
    });
    const totals = totalsOf([one, two], 1234);
    expect(totals.candidateCostUsd).toBeCloseTo(0.09, 12);
    expect(totals.judgeCostUsd).toBeCloseTo(0.01, 12);
    expect(totals.costUsd).toBeCloseTo(0.1, 12);
    expect(totals.unpricedModels).toEqual(["local"]);
    // 5 generations; judge asked for 4 (3 judged + 1 judge failure)
    expect(totals).toMatchObject({ calls: 9, cases: 5, errors: 1, unjudged: 1, durationMs: 1234 });
  });

  it("is all zeros for no skills", () => {
    expect(totalsOf([], 0)).toEqual({
      costUsd: 0,
      candidateCostUsd: 0,
      judgeCostUsd: 0,
      unpricedModels: [],
      calls: 0,
      cases: 0,
      errors: 0,
      unjudged: 0,
      durationMs: 0,
    });
  });
});
