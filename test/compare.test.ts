import { describe, expect, it } from "vitest";
import { summarizeSkill } from "../src/aggregate.js";
import { applyComparison, compareSkill, compareSkillWithNotes, isBorderline, type CompareOptions, type Finding } from "../src/compare.js";
import { describeFinding } from "../src/report/reasons.js";
import { seededRandom } from "../src/stats.js";
import type {
  BaselineEntry,
  BaselineSnapshot,
  Benchmark,
  CaseResult,
  Gate,
  Metric,
  Report,
  Skill,
  SkillBaseline,
  SkillReport,
} from "../src/types.js";

// ---- small typed factories (local on purpose: shared test support is being written concurrently)

const JUDGE = "judge-key-1";
const NOW = new Date("2026-03-01T12:00:00.000Z");
const RECENT = "2026-02-27T03:00:00.000Z";

function daysBefore(days: number): string {
  return new Date(NOW.getTime() - days * 24 * 60 * 60 * 1000).toISOString();
}

type ScoreInput = number | Partial<Record<Metric, number | null>>;

function scoresOf(score: ScoreInput): Record<Metric, number | null> {
  const base = typeof score === "number" ? score : 70;
  const all = { quality: base, faithfulness: base, relevancy: base, precision: base, recall: base };
  return typeof score === "number" ? all : { ...all, ...score };
}

function result(caseId: string, model: string, score: ScoreInput, overrides: Partial<CaseResult> = {}): CaseResult {
  return {
    caseId,
    caseHash: `hash-${caseId}`,
    model,
    key: `key-${caseId}-${model}`,
    output: "an answer",
    ...scoresOf(score),
    matchesExpected: null,
    judgeNotes: "fine",
    error: null,
    judgeError: null,
    judged: true,
    costUsd: 0.01,
    judgeCostUsd: 0.001,
    latencyMs: 1000,
    usage: { inputTokens: 10, outputTokens: 10, cacheCreationInputTokens: 0, cacheReadInputTokens: 0 },
    judgeUsage: null,
    stopReason: "end_turn",
    generations: 1,
    judgements: 1,
    qualitySamples: [scoresOf(score).quality ?? 0],
    ...overrides,
  };
}

function entry(caseId: string, model: string, score: ScoreInput, overrides: Partial<BaselineEntry> = {}): BaselineEntry {
  return {
    key: `old-key-${caseId}-${model}`,
    caseId,
    caseHash: `hash-${caseId}`,
    model,
    skillHash: "old-skill-hash",
    judgeKey: JUDGE,
    ...scoresOf(score),
    matchesExpected: null,
    costUsd: 0.01,
    latencyMs: 1000,
    error: null,
    recordedAt: RECENT,
    commit: "abc123",
    ...overrides,
  };
}

function skillReport(path: string, results: CaseResult[], models?: string[]): SkillReport {
  const skill: Skill = {
    path,
    dir: null,
    name: path,
    description: null,
    format: "prompt",
    instructions: "Do the thing.",
    hash: "new-skill-hash",
  };
  const benchmark: Benchmark = { path: `benchmarks/${path}.yml`, skillPath: path, models: null, cases: [] };
  const modelList = models ?? [...new Set(results.map((r) => r.model))];
  return summarizeSkill({ skill, benchmark, results, models: modelList });
}

function baselineOf(path: string, entries: BaselineEntry[]): SkillBaseline {
  return { skill: path, skillHash: "old-skill-hash", updatedAt: RECENT, commit: "abc123", entries };
}

function options(overrides: Partial<CompareOptions> = {}): CompareOptions {
  return {
    judgeKey: JUDGE,
    thresholds: { quality: 5, dimension: 10, cost: 25, errors: 20 },
    gate: "significant",
    staleAfterDays: 90,
    now: NOW,
    describe: describeFinding,
    ...overrides,
  };
}

/** One model "m", case i scored current[i] now and baseline[i] before. */
function paired(current: number[], baseline: number[], path = "skills/s.md"): { report: SkillReport; base: SkillBaseline } {
  const results = current.map((score, i) => result(`c${i}`, "m", score));
  const entries = baseline.map((score, i) => entry(`c${i}`, "m", score));
  return { report: skillReport(path, results), base: baselineOf(path, entries) };
}

function onlyModel(report: SkillReport) {
  const model = report.models[0];
  if (model === undefined) throw new Error("expected a model summary");
  return model;
}

describe("pairing", () => {
  it("ignores baseline entries with another judge key or case hash, and notes the judge mismatch", () => {
    const path = "skills/s.md";
    const current = skillReport(path, [result("a", "m", 90), result("b", "m", 90), result("c", "m", 90)]);
    const base = baselineOf(path, [
      entry("a", "m", 80),
      entry("b", "m", 10, { judgeKey: "older-judge" }),
      entry("c", "m", 10, { caseHash: "hash-of-old-c" }),
    ]);
    const { skill, notes } = compareSkillWithNotes(current, base, options());
    const model = onlyModel(skill);
    expect(model.pairedCases).toBe(1);
    expect(model.delta?.quality).toBe(10);
    expect(model.baseline?.quality).toBe(80);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/^skills\/s\.md: 1 result not compared .*other judge settings/);
  });

  it("pairs by model: another model's entry for the same case is not a pair", () => {
    const current = skillReport("s", [result("a", "m", 90)]);
    const model = onlyModel(compareSkill(current, baselineOf("s", [entry("a", "other", 10)]), options()));
    expect(model.pairedCases).toBe(0);
    expect(model.baseline).toBeNull();
    expect(model.delta).toBeNull();
  });

  it("uses the most recent of several entries with the same key", () => {
    const current = skillReport("s", [result("a", "m", 90)]);
    const base = baselineOf("s", [
      entry("a", "m", 50, { recordedAt: daysBefore(20) }),
      entry("a", "m", 85, { recordedAt: daysBefore(2) }),
      entry("a", "m", 40, { recordedAt: daysBefore(10) }),
    ]);
    expect(onlyModel(compareSkill(current, base, options())).delta?.quality).toBe(5);
  });

  it("counts only pairs judged on both sides, while cost and latency use every pair", () => {
    const current = skillReport("s", [
      result("a", "m", 80, { costUsd: 0.02 }),
      result("b", "m", 0, { judged: false, quality: null, faithfulness: null, relevancy: null, precision: null, recall: null, judgeError: "bad json", costUsd: 0.02 }),
      result("c", "m", 60, { costUsd: 0.02 }),
    ]);
    const base = baselineOf("s", [
      entry("a", "m", 70),
      entry("b", "m", 20),
      entry("c", "m", { quality: null, faithfulness: null, relevancy: null, precision: null, recall: null }),
    ]);
    const model = onlyModel(compareSkill(current, base, options()));
    expect(model.pairedCases).toBe(1);
    expect(model.delta?.quality).toBe(10);
    expect(model.baseline?.quality).toBe(70);
    expect(model.delta?.costPct).toBeCloseTo(100, 9);
    expect(model.baseline?.costUsd).toBeCloseTo(0.01, 12);
  });
});

describe("case changes", () => {
  it("lists added, changed and removed case ids", () => {
    const current = skillReport("s", [
      result("same", "m", 70),
      result("same", "n", 70),
      result("edited", "m", 70),
      result("new", "m", 70),
    ]);
    const base = baselineOf("s", [
      entry("same", "m", 70),
      entry("edited", "m", 70, { caseHash: "hash-before-edit" }),
      entry("gone", "m", 70),
      entry("gone", "n", 70),
      entry("also-gone", "n", 70, { judgeKey: "older-judge" }),
    ]);
    expect(compareSkill(current, base, options()).cases).toEqual({
      added: ["new"],
      changed: ["edited"],
      removed: ["gone", "also-gone"],
    });
  });

  it("reports every case as added when there is no baseline, and nothing regresses", () => {
    const current = skillReport("s", [result("a", "m", 10), result("b", "m", 10)]);
    const compared = compareSkill(current, undefined, options());
    expect(compared.cases).toEqual({ added: ["a", "b"], changed: [], removed: [] });
    expect(compared.regressed).toBe(false);
    expect(onlyModel(compared)).toMatchObject({ baseline: null, delta: null, pairedCases: 0, regressed: false });
  });
});

describe("deltas", () => {
  it("computes paired score deltas, baseline means, cost percent and latency change", () => {
    const path = "skills/s.md";
    const current = skillReport(path, [
      result("a", "m", { quality: 80, recall: 50 }, { costUsd: 0.02, latencyMs: 100 }),
      result("b", "m", { quality: 90, recall: 60 }, { costUsd: 0.02, latencyMs: 200 }),
      result("c", "m", { quality: 70, recall: 70 }, { costUsd: 0.02, latencyMs: 300 }),
      // unpaired: must not move anything
      result("d", "m", { quality: 0, recall: 0 }, { costUsd: 5, latencyMs: 99_999 }),
    ]);
    const base = baselineOf(path, [
      entry("a", "m", { quality: 85, recall: 70 }, { costUsd: 0.01, latencyMs: 150 }),
      entry("b", "m", { quality: 80, recall: 70 }, { costUsd: 0.01, latencyMs: 150 }),
      entry("c", "m", { quality: 75, recall: 70 }, { costUsd: 0.02, latencyMs: 400 }),
    ]);
    const model = onlyModel(compareSkill(current, base, options()));
    expect(model.pairedCases).toBe(3);
    expect(model.delta?.quality).toBeCloseTo(0, 9); // (-5 + 10 - 5) / 3
    expect(model.delta?.recall).toBeCloseTo(-10, 9); // (-20 - 10 + 0) / 3
    expect(model.delta?.faithfulness).toBeCloseTo(0, 9); // 70 vs 70 everywhere
    expect(model.baseline?.quality).toBeCloseTo(80, 9);
    expect(model.baseline?.recall).toBeCloseTo(70, 9);
    // 0.02 / (0.04 / 3) - 1 = +50%
    expect(model.delta?.costPct).toBeCloseTo(50, 9);
    expect(model.baseline?.costUsd).toBeCloseTo(0.04 / 3, 12);
    // p50 200 now vs 150 before
    expect(model.delta?.latencyMs).toBe(50);
    expect(model.baseline?.latencyMsP50).toBe(150);
    expect(model.qualityInterval?.n).toBe(3);
  });

  it("leaves costPct null when either side's cost is unknown or the baseline cost is 0", () => {
    const unknownNow = compareSkill(
      skillReport("s", [result("a", "m", 70, { costUsd: null })]),
      baselineOf("s", [entry("a", "m", 70)]),
      options(),
    );
    const freeBefore = compareSkill(
      skillReport("s", [result("a", "m", 70)]),
      baselineOf("s", [entry("a", "m", 70, { costUsd: 0 })]),
      options(),
    );
    expect(onlyModel(unknownNow).delta?.costPct).toBeNull();
    expect(onlyModel(freeBefore).delta?.costPct).toBeNull();
  });

  it("compares cost over the same cases only: a pair with one unknown side is left out of both means", () => {
    const compared = compareSkill(
      skillReport("s", [result("a", "m", 70, { costUsd: 0.02 }), result("b", "m", 70, { costUsd: null })]),
      baselineOf("s", [entry("a", "m", 70, { costUsd: 0.01 }), entry("b", "m", 70, { costUsd: 0.03 })]),
      options(),
    );
    expect(onlyModel(compared).delta?.costPct).toBeCloseTo(100, 9);
  });
});

describe("regression rules", () => {
  const thresholdCases: {
    name: string;
    now: ScoreInput;
    before: ScoreInput;
    costNow?: number;
    regressed: boolean;
    reason?: RegExp;
  }[] = [
    { name: "quality drop of exactly the threshold", now: 75, before: { quality: 80, faithfulness: 75, relevancy: 75, precision: 75, recall: 75 }, regressed: false },
    { name: "quality drop beyond the threshold", now: 74, before: { quality: 80, faithfulness: 74, relevancy: 74, precision: 74, recall: 74 }, regressed: true, reason: /^quality \u22126\.0 points \(threshold 5; 95% CI \[\u22126\.0, \u22126\.0\]\)$/ },
    { name: "quality gain", now: 90, before: 60, regressed: false },
    { name: "dimension drop within its threshold", now: { recall: 61 }, before: { recall: 70 }, regressed: false },
    { name: "dimension drop beyond its threshold", now: { recall: 59 }, before: { recall: 70 }, regressed: true, reason: /^recall \u221211\.0 points \(threshold 10;/ },
    { name: "cost rise beyond the threshold", now: 70, before: 70, costNow: 0.013, regressed: true, reason: /^cost \+30% \(threshold 25%\)$/ },
    { name: "cost rise within the threshold", now: 70, before: 70, costNow: 0.012, regressed: false },
    { name: "cost fall", now: 70, before: 70, costNow: 0.001, regressed: false },
  ];
  it.each(thresholdCases)("$name", ({ now, before, costNow, regressed, reason }) => {
    const results = [0, 1, 2].map((i) => result(`c${i}`, "m", now, { costUsd: costNow ?? 0.01 }));
    const entries = [0, 1, 2].map((i) => entry(`c${i}`, "m", before, { costUsd: 0.01 }));
    const compared = compareSkill(skillReport("s", results), baselineOf("s", entries), options({ gate: "threshold" }));
    const model = onlyModel(compared);
    expect(model.regressed).toBe(regressed);
    expect(compared.regressed).toBe(regressed);
    if (reason) {
      expect(model.regressions).toHaveLength(1);
      expect(model.regressions[0]).toMatch(reason);
    } else {
      expect(model.regressions).toEqual([]);
    }
  });

  // Per-case quality deltas: baseline 70 everywhere, current 70 + delta.
  const noisyDrop = [-40, -40, 30, 20, -10, -30]; // mean -11.7, but cases disagree
  const consistentDrop = [-8, -9, -10, -7, -8, -9]; // mean -8.5, every case worse

  function gateRun(deltas: number[], gate: Gate) {
    const { report, base } = paired(
      deltas.map((d) => 70 + d),
      deltas.map(() => 70),
    );
    return onlyModel(compareSkill(report, base, options({ gate })));
  }

  it("significant gate: a drop beyond the threshold whose interval straddles 0 does not regress, and has no reason", () => {
    const model = gateRun(noisyDrop, "significant");
    expect(model.delta?.quality).toBeLessThan(-5);
    expect(model.qualityInterval?.low).toBeLessThan(0);
    expect(model.qualityInterval?.high).toBeGreaterThan(0);
    expect(model.pairedCases).toBe(6);
    expect(model.regressed).toBe(false);
    expect(model.regressions).toEqual([]);
  });

  it("threshold gate: the same noisy drop regresses", () => {
    const model = gateRun(noisyDrop, "threshold");
    expect(model.regressed).toBe(true);
    expect(model.regressions.some((r) => r.startsWith("quality \u221211.7 points (threshold 5; 95% CI ["))).toBe(true);
  });

  it("significant gate: a consistent drop regresses, with its interval in the reason", () => {
    const model = gateRun(consistentDrop, "significant");
    expect(model.qualityInterval?.high).toBeLessThan(0);
    expect(model.regressed).toBe(true);
    const low = model.qualityInterval?.low ?? Number.NaN;
    const high = model.qualityInterval?.high ?? Number.NaN;
    const fmt = (v: number) => `\u2212${Math.abs(Math.round(v * 10) / 10).toFixed(1).replace(/\.0$/, "")}`;
    expect(model.verdict).toBe("regressed");
    expect(model.regressions).toHaveLength(1);
    expect(model.regressions[0]).toContain(`quality \u22128.5 points (threshold 5; 95% CI [${fmt(low)}, ${fmt(high)}]; p `);
    expect(model.regressions[0]).toMatch(/adjusted; n 6, spread [\d.]+, detectable drop [\d.]+\)$/);
  });

  it("significant gate with few pairs: never a silent threshold-only fallback", () => {
    const fewNoisy = [-40, 30, -40, 10]; // mean -10, interval straddles 0
    const model = gateRun(fewNoisy, "significant");
    expect(model.pairedCases).toBe(4);
    expect(model.qualityInterval?.low).toBeLessThan(0);
    expect(model.qualityInterval?.high).toBeGreaterThan(0);
    expect(model.regressed).toBe(false);
    expect(model.verdict).toBe("inconclusive");
    expect(model.verdictReasons[0]).toMatch(/^quality \u221210\.0 points, 95% CI \[.*\]: too wide to decide against the threshold 5 \(n 4,/);
    // Two pairs, however consistent, are not tested at all.
    const two = gateRun([-30, -31], "significant");
    expect(two).toMatchObject({ verdict: "inconclusive", regressed: false, n: 2, casesNeeded: 1 });
    expect(two.verdictReasons[0]).toMatch(/^quality: only 2 judged pairs \(at least 3 are needed to test a drop\)/);
    // The old threshold gate, for users who chose it, still decides on the mean alone.
    expect(gateRun([-30, -31], "threshold")).toMatchObject({ verdict: "regressed", regressed: true });
  });

  it("significant gate applies to dimensions too", () => {
    const deltas = [-40, -40, 30, 20, -10, -30];
    const results = deltas.map((d, i) => result(`c${i}`, "m", { recall: 70 + d }));
    const entries = deltas.map((_, i) => entry(`c${i}`, "m", { recall: 70 }));
    const significant = onlyModel(compareSkill(skillReport("s", results), baselineOf("s", entries), options()));
    const threshold = onlyModel(
      compareSkill(skillReport("s", results), baselineOf("s", entries), options({ gate: "threshold" })),
    );
    expect(significant.delta?.recall).toBeLessThan(-10);
    expect(significant.regressed).toBe(false);
    expect(threshold.regressed).toBe(true);
    expect(threshold.regressions[0]).toMatch(/^recall \u221211.7 points \(threshold 10; 95% CI/);
  });

  it("cost rises gate on the threshold alone, even with the significant gate and many pairs", () => {
    const results = [0, 1, 2, 3, 4, 5].map((i) => result(`c${i}`, "m", 70, { costUsd: i === 0 ? 0.1 : 0.01 }));
    const entries = [0, 1, 2, 3, 4, 5].map((i) => entry(`c${i}`, "m", 70, { costUsd: 0.01 }));
    const model = onlyModel(compareSkill(skillReport("s", results), baselineOf("s", entries), options()));
    expect(model.delta?.costPct).toBeCloseTo(150, 9);
    expect(model.regressions).toEqual(["cost +150% (threshold 25%)"]);
  });

  it("decides with data: the findings handed to describe carry metric, delta, threshold, interval and outcome", () => {
    const findings: Finding[] = [];
    const describe = (finding: Finding) => {
      findings.push(finding);
      return `finding ${findings.length}`;
    };
    const deltas = [-8, -9, -8, -9, -8.5, -8.5];
    const results = deltas.map((d, i) => result(`c${i}`, "m", 70 + d, { costUsd: i === 0 ? 0.1 : 0.01 }));
    const entries = deltas.map((_, i) => entry(`c${i}`, "m", 70, { costUsd: 0.01 }));
    const model = onlyModel(compareSkill(skillReport("s", results), baselineOf("s", entries), options({ describe })));
    // The report holds whatever the wording says, in the order of the findings: the words are not compare's.
    expect(model.regressions).toEqual(["finding 1", "finding 2"]);
    expect(findings).toHaveLength(2);
    const [drop, cost] = findings;
    expect(drop).toMatchObject({ kind: "metric", gate: "significant", drift: null, test: { metric: "quality", outcome: "regressed", threshold: 5, n: 6 } });
    expect(drop?.kind === "metric" && drop.test.delta).toBeCloseTo(-8.5, 9);
    expect(drop?.kind === "metric" && drop.test.interval?.high).toBeLessThan(-5);
    expect(cost).toMatchObject({ kind: "cost", threshold: 25 });
    expect(cost?.kind === "cost" && cost.costPct).toBeCloseTo(150, 9);
  });

  it("a model with no pairs never regresses, another model in the same skill can", () => {
    const results = [result("a", "m", 10), result("a", "n", 10), result("b", "n", 11), result("c", "n", 12)];
    const entries = [entry("a", "n", 90), entry("b", "n", 90), entry("c", "n", 90)];
    const compared = compareSkill(skillReport("s", results), baselineOf("s", entries), options());
    const [m, n] = compared.models;
    expect(m).toMatchObject({ model: "m", regressed: false, pairedCases: 0, baseline: null });
    expect(n).toMatchObject({ model: "n", regressed: true, pairedCases: 3 });
    expect(compared.regressed).toBe(true);
  });
});

describe("interval", () => {
  it("is the textbook t-interval of the paired deltas, the same for the same inputs whatever the skill path", () => {
    const deltas = [-12, -3, 4, -8, -15, 2, -6];
    const a1 = paired(deltas.map((d) => 70 + d), deltas.map(() => 70), "skills/a.md");
    const b = paired(deltas.map((d) => 70 + d), deltas.map(() => 70), "skills/b.md");
    const first = onlyModel(compareSkill(a1.report, a1.base, options()));
    const other = onlyModel(compareSkill(b.report, b.base, options())).qualityInterval;
    // mean -5.428571, sd 6.972736, t(0.975, 6) = 2.446912 (table): half-width 6.448706
    expect(first.qualityInterval?.low).toBeCloseTo(-5.428571 - 6.448706, 4);
    expect(first.qualityInterval?.high).toBeCloseTo(-5.428571 + 6.448706, 4);
    expect(first.spread).toBeCloseTo(6.972736, 5);
    expect(other).toEqual(first.qualityInterval);
    expect(first.qualityInterval?.n).toBe(7);
  });
});

describe("staleness", () => {
  const cases: { name: string; recorded: string[]; stale: boolean; oldest: string }[] = [
    { name: "recent baseline", recorded: [daysBefore(10), daysBefore(3)], stale: false, oldest: daysBefore(10) },
    { name: "one old entry makes it stale", recorded: [daysBefore(3), daysBefore(100)], stale: true, oldest: daysBefore(100) },
    { name: "just inside the limit", recorded: [daysBefore(89)], stale: false, oldest: daysBefore(89) },
  ];
  it.each(cases)("$name", ({ recorded, stale, oldest }) => {
    const results = recorded.map((_, i) => result(`c${i}`, "m", 70));
    const entries = recorded.map((at, i) => entry(`c${i}`, "m", 70, { recordedAt: at }));
    const model = onlyModel(compareSkill(skillReport("s", results), baselineOf("s", entries), options()));
    expect(model.stale).toBe(stale);
    expect(model.baselineRecordedAt).toBe(oldest);
  });

  it("a stale baseline still gates", () => {
    const results = [0, 1, 2].map((i) => result(`c${i}`, "m", 50));
    const entries = [0, 1, 2].map((i) => entry(`c${i}`, "m", 80, { recordedAt: daysBefore(200) }));
    const model = onlyModel(compareSkill(skillReport("s", results), baselineOf("s", entries), options()));
    expect(model.stale).toBe(true);
    expect(model.regressed).toBe(true);
  });
});

describe("compareSkill", () => {
  it("returns a new object and leaves its input untouched", () => {
    const { report, base } = paired([50, 50, 50], [80, 80, 80]);
    const before = structuredClone(report);
    const compared = compareSkill(report, base, options());
    expect(compared).not.toBe(report);
    expect(compared.regressed).toBe(true);
    expect(report).toEqual(before);
  });

  it("recomputes from scratch when given an already compared skill", () => {
    const { report, base } = paired([50, 50, 50], [80, 80, 80]);
    const compared = compareSkill(report, base, options());
    const again = compareSkill(compared, undefined, options());
    expect(again.regressed).toBe(false);
    expect(onlyModel(again)).toMatchObject({ regressed: false, regressions: [], baseline: null, delta: null });
  });
});

describe("applyComparison", () => {
  function reportOf(skills: SkillReport[]): Report {
    return {
      schemaVersion: 1,
      tool: { name: "skillbench", version: "0.0.0-test" },
      mode: "pr",
      commit: "def456",
      baseRef: "main",
      generatedAt: NOW.toISOString(),
      judgeModel: "judge-model",
      judgeKey: JUDGE,
      gate: "significant",
      thresholds: { quality: 5, dimension: 10, cost: 25, errors: 20 },
      regressed: false,
      verdict: "pass",
      verdictReasons: [],
      failure: null,
      totals: {
        costUsd: 0,
        candidateCostUsd: 0,
        judgeCostUsd: 0,
        unpricedModels: [],
        calls: 0,
        cases: 0,
        errors: 0,
        unjudged: 0,
        durationMs: 0,
      },
      skills,
      skipped: [],
      warnings: ["an earlier warning"],
      baseline: null,
    };
  }

  function snapshotOf(baselines: SkillBaseline[], errors: BaselineSnapshot["errors"] = []): BaselineSnapshot {
    return {
      branch: "skillbench-baseline",
      commit: "feedbeef",
      found: true,
      skills: new Map(baselines.map((b) => [b.skill, b])),
      history: [],
      errors,
    };
  }

  const worse = paired([50, 50, 50], [80, 80, 80], "skills/worse.md");
  const same = paired([80, 80, 80], [80, 80, 80], "skills/same.md");

  it("marks the report regressed when any skill regresses, and names the baseline read", () => {
    const compared = applyComparison(reportOf([same.report, worse.report]), snapshotOf([same.base, worse.base]), options());
    expect(compared.skills.map((s) => s.regressed)).toEqual([false, true]);
    expect(compared.regressed).toBe(true);
    expect(compared.baseline).toEqual({ branch: "skillbench-baseline", commit: "feedbeef", found: true });
  });

  it("is not regressed when no skill regresses", () => {
    const compared = applyComparison(reportOf([same.report]), snapshotOf([same.base, worse.base]), options());
    expect(compared.regressed).toBe(false);
    expect(compared.skills[0]?.regressed).toBe(false);
  });

  it("sets baselineError from the snapshot's errors for that skill and compares nothing for it", () => {
    const compared = applyComparison(
      reportOf([worse.report, same.report]),
      snapshotOf(
        [worse.base, same.base],
        [
          { file: "skills/worse.md.json", skill: "skills/worse.md", message: "skills/worse.md.json: not valid JSON" },
          { file: "history.json", skill: null, message: "history.json: not valid JSON" },
        ],
      ),
      options(),
    );
    const [broken, fine] = compared.skills;
    expect(broken?.baselineError).toBe("skills/worse.md.json: not valid JSON");
    expect(broken?.regressed).toBe(false);
    expect(broken?.cases).toEqual({ added: [], changed: [], removed: [] });
    expect(broken?.models[0]).toMatchObject({ baseline: null, pairedCases: 0 });
    expect(fine?.baselineError).toBeNull();
    expect(fine?.models[0]?.pairedCases).toBe(3);
    expect(compared.regressed).toBe(false);
  });

  it("appends judge-mismatch notes to the warnings and compares skills missing from the snapshot with nothing", () => {
    const mismatch = paired([70, 70], [70, 70], "skills/judge.md");
    const oldJudge = baselineOf("skills/judge.md", mismatch.base.entries.map((e) => ({ ...e, judgeKey: "old" })));
    const fresh = paired([70], [], "skills/fresh.md");
    const compared = applyComparison(reportOf([mismatch.report, fresh.report]), snapshotOf([oldJudge]), options());
    expect(compared.warnings[0]).toBe("an earlier warning");
    expect(compared.warnings[1]).toMatch(/^skills\/judge\.md: 2 results not compared/);
    expect(compared.warnings).toHaveLength(2);
    expect(compared.skills[1]?.cases.added).toEqual(["c0"]);
  });
});

describe("verdicts and the errors gate", () => {
  const failed = (caseId: string, model: string, error = "server: the call to m failed after 3 attempts: HTTP 500 api_error: Internal server error (simulated). (request-id req_1)") =>
    result(caseId, model, 0, { ...scoresOf({ quality: null, faithfulness: null, relevancy: null, precision: null, recall: null }), output: null, judged: false, error });
  const unjudged = (caseId: string, model: string) =>
    result(caseId, model, 0, { ...scoresOf({ quality: null, faithfulness: null, relevancy: null, precision: null, recall: null }), judged: false, judgeError: "judge answer is not valid JSON (Unexpected token): Here is my" });

  it("passes a compared model with no drop, and is inconclusive without a baseline (never a silent pass)", () => {
    const { report, base } = paired([80, 80, 80], [80, 80, 80]);
    expect(onlyModel(compareSkill(report, base, options()))).toMatchObject({ verdict: "pass", verdictReasons: [], regressed: false });
    const alone = compareSkill(report, undefined, options());
    expect(onlyModel(alone)).toMatchObject({ verdict: "inconclusive", verdictReasons: ["no baseline for this skill"], regressed: false });
    expect(alone).toMatchObject({ verdict: "inconclusive", regressed: false });
  });

  it("is inconclusive when the baseline's entries for these cases have errors: no judged pair", () => {
    const report = skillReport("s", [result("a", "m", 80), result("b", "m", 80)]);
    const base = baselineOf("s", [
      entry("a", "m", { quality: null, faithfulness: null, relevancy: null, precision: null, recall: null }, { error: "server: HTTP 500" }),
      entry("b", "m", { quality: null, faithfulness: null, relevancy: null, precision: null, recall: null }, { error: "server: HTTP 500" }),
    ]);
    const model = onlyModel(compareSkill(report, base, options()));
    expect(model.verdict).toBe("inconclusive");
    expect(model.verdictReasons[0]).toMatch(/no judged pair to compare with the baseline/);
  });

  it("regresses a model whose error rate exceeds thresholds.errors, against a clean baseline, naming the cause once", () => {
    const results = [result("a", "m", 80), result("b", "m", 80), failed("c", "m"), failed("d", "m"), failed("e", "m"), failed("f", "m")];
    const base = baselineOf("s", ["a", "b", "c", "d", "e", "f"].map((id) => entry(id, "m", 80)));
    const model = onlyModel(compareSkill(skillReport("s", results), base, options()));
    expect(model.regressed).toBe(true);
    expect(model.verdict).toBe("regressed");
    expect(model.regressions).toEqual(["errors: 4 of 6 pairs failed (67%, threshold 20%): HTTP 500 api_error"]);
    expect(model.delta?.quality).toBe(0);
  });

  it("regresses on errors without any baseline too, and on the unjudged rate alone", () => {
    const errors = onlyModel(compareSkill(skillReport("s", [result("a", "m", 80), failed("b", "m")]), undefined, options()));
    expect(errors).toMatchObject({ verdict: "regressed", regressed: true });
    expect(errors.regressions[0]).toMatch(/^errors: 1 of 2 pairs failed \(50%, threshold 20%\)/);
    const judgeFailed = onlyModel(compareSkill(skillReport("s", [result("a", "m", 80), unjudged("b", "m")]), undefined, options()));
    expect(judgeFailed.regressions).toEqual(["unjudged: 1 of 2 pairs went unjudged (50%, threshold 20%): judge answer is not valid JSON"]);
  });

  it("keeps rates at the threshold, and with threshold 0 any failed pair counts", () => {
    const five = ["a", "b", "c", "d"].map((id) => result(id, "m", 80));
    const atThreshold = skillReport("s", [...five, failed("e", "m")]);
    expect(onlyModel(compareSkill(atThreshold, undefined, options())).regressed).toBe(false);
    const strict = options({ thresholds: { quality: 5, dimension: 10, cost: 25, errors: 0 } });
    expect(onlyModel(compareSkill(atThreshold, undefined, strict)).regressions[0]).toMatch(/^errors: 1 of 5 pairs failed \(20%, threshold 0%\)/);
  });

  it("is error when nothing of a model was judged; the skill is error, but a measured regression elsewhere wins", () => {
    const { report: fine } = paired([80, 80, 80], [80, 80, 80]);
    const dead = [failed("c0", "dead"), failed("c1", "dead")];
    const base = baselineOf("skills/s.md", [entry("c0", "m", 80), entry("c1", "m", 80), entry("c2", "m", 80), entry("c0", "dead", 80), entry("c1", "dead", 80)]);
    const skill = compareSkill(skillReport("skills/s.md", [...fine.results, ...dead]), base, options());
    expect(skill.models.map((m) => m.verdict)).toEqual(["pass", "error"]);
    expect(skill.verdict).toBe("error");
    expect(skill.regressed).toBe(true);
    expect(skill.verdictReasons).toEqual(["dead: errors: 2 of 2 pairs failed (100%, threshold 20%): HTTP 500 api_error"]);

    const worse = skillReport("skills/s.md", [result("c0", "m", 40), result("c1", "m", 40), result("c2", "m", 40), ...dead]);
    const worseBase = baselineOf("skills/s.md", [...["c0", "c1", "c2"].map((id) => entry(id, "m", 80)), ...base.entries.slice(3)]);
    expect(compareSkill(worse, worseBase, options({ gate: "threshold" })).verdict).toBe("regressed");
  });

  it("sets the run verdict and a run failure, cause named once, when no pair at all was judged", () => {
    const authError = "auth: the API rejected the key for m (HTTP 401 authentication_error: invalid x-api-key (request-id req_9)); check anthropic-api-key / ANTHROPIC_API_KEY";
    const dead = skillReport("skills/a.md", ["a", "b", "c"].map((id) => failed(id, "m", authError)));
    const alsoDead = skillReport("skills/b.md", ["a", "b", "c"].map((id) => failed(id, "n", authError.replaceAll(" m ", " n "))));
    const run = applyComparison(reportOf([dead, alsoDead]), null, options());
    expect(run.verdict).toBe("error");
    expect(run.failure).toEqual({
      cause: "nothing could be measured: all 6 calls failed: the API rejected the key (HTTP 401 authentication_error): check anthropic-api-key / ANTHROPIC_API_KEY",
      failed: 6,
      pairs: 6,
    });
    expect(run.baseline).toBeNull();
    expect(run.regressed).toBe(true);
  });

  it("without a snapshot compares nothing: every model inconclusive, the run too, no failure", () => {
    const { report } = paired([80, 80], [80, 80]);
    const run = applyComparison(reportOf([report]), null, options());
    expect(run).toMatchObject({ verdict: "inconclusive", failure: null, regressed: false, baseline: null });
    expect(run.verdictReasons).toEqual(["skills/s.md: m: no baseline was read"]);
  });

  it("a run with one regressed skill and one inconclusive skill is regressed", () => {
    const worse = paired([50, 50, 50], [80, 80, 80], "skills/worse.md");
    const fresh = paired([70], [], "skills/fresh.md");
    const run = applyComparison(reportOf([worse.report, fresh.report]), snapshotOf([worse.base]), options());
    expect(run.skills.map((s) => s.verdict)).toEqual(["regressed", "inconclusive"]);
    expect(run.verdict).toBe("regressed");
  });

  function snapshotOf(baselines: SkillBaseline[]): BaselineSnapshot {
    return { branch: "skillbench-baseline", commit: "feedbeef", found: true, skills: new Map(baselines.map((b) => [b.skill, b])), history: [], errors: [] };
  }
  function reportOf(skills: SkillReport[]): Report {
    return {
      schemaVersion: 1,
      tool: { name: "skillbench", version: "0.0.0-test" },
      mode: "pr",
      commit: "def456",
      baseRef: "main",
      generatedAt: NOW.toISOString(),
      judgeModel: "judge-model",
      judgeKey: JUDGE,
      gate: "significant",
      thresholds: { quality: 5, dimension: 10, cost: 25, errors: 20 },
      regressed: false,
      verdict: "pass",
      verdictReasons: [],
      failure: null,
      totals: { costUsd: 0, candidateCostUsd: 0, judgeCostUsd: 0, unpricedModels: [], calls: 0, cases: 0, errors: 0, unjudged: 0, durationMs: 0 },
      skills,
      skipped: [],
      warnings: [],
      baseline: null,
    };
  }
});

describe("noise-aware verdicts (issue 8)", () => {
  const failedPair = (caseId: string, model: string) =>
    result(caseId, model, { quality: null, faithfulness: null, relevancy: null, precision: null, recall: null }, {
      output: null, judged: false, error: "server: HTTP 500 api_error (simulated)",
    });
  function reportOf(skills: SkillReport[]): Report {
    return {
      schemaVersion: 1, tool: { name: "skillbench", version: "0.0.0-test" }, mode: "pr", commit: "def456", baseRef: "main",
      generatedAt: NOW.toISOString(), judgeModel: "judge-model", judgeKey: JUDGE, gate: "significant",
      thresholds: { quality: 5, dimension: 10, cost: 25, errors: 20 }, regressed: false, verdict: "pass", verdictReasons: [],
      failure: null,
      totals: { costUsd: 0, candidateCostUsd: 0, judgeCostUsd: 0, unpricedModels: [], calls: 0, cases: 0, errors: 0, unjudged: 0, durationMs: 0 },
      skills, skipped: [], warnings: [], baseline: null,
    };
  }
  function snapshotOf(baselines: SkillBaseline[], history: BaselineSnapshot["history"] = []): BaselineSnapshot {
    return { branch: "skillbench-baseline", commit: "feedbeef", found: true, skills: new Map(baselines.map((b) => [b.skill, b])), history, errors: [] };
  }
  /** Deltas per model for one skill: baseline 60 per case, head 60 + delta. */
  function skillWith(path: string, deltasByModel: Record<string, number[]>) {
    const results: CaseResult[] = [];
    const entries: BaselineEntry[] = [];
    for (const [model, deltas] of Object.entries(deltasByModel)) {
      deltas.forEach((d, i) => {
        results.push(result(`c${i}`, model, { quality: 60 + d, faithfulness: 60, relevancy: 60, precision: 60, recall: 60 }));
        entries.push(entry(`c${i}`, model, 60));
      });
    }
    return { report: skillReport(path, results), base: baselineOf(path, entries) };
  }
  /** Judge noise sd 10 on each side, one judgement per side: per-case delta noise sd ~14. */
  function noisyDeltas(random: () => number, n: number, trueDelta: number): number[] {
    const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    return Array.from({ length: n }, () => trueDelta + 10 * Math.SQRT2 * gauss());
  }

  it("pass: the interval shows the drop smaller than the threshold; the report carries n, spread, p, detectable drop", () => {
    const { report, base } = skillWith("s", { m: [1, -1, 0, 2, -2, 1, 0, -1] });
    const model = onlyModel(compareSkill(report, base, options()));
    expect(model).toMatchObject({ verdict: "pass", n: 8, casesNeeded: null, regressed: false });
    expect(model.qualityInterval?.low).toBeGreaterThan(-5);
    expect(model.spread).toBeGreaterThan(0);
    expect(model.pValue).toBeGreaterThan(0.05);
    expect(model.detectableDrop).toBeGreaterThan(0);
    expect(model.tests.map((t) => [t.metric, t.gated])).toEqual([
      ["quality", true], ["faithfulness", false], ["relevancy", false], ["precision", false], ["recall", false],
    ]);
  });

  it("inconclusive from a wide interval: says how many more cases would decide, and is borderline", () => {
    const { report, base } = skillWith("s", { m: [-30, 20, -25, 15, -10, 5] });
    const model = onlyModel(compareSkill(report, base, options()));
    expect(model.verdict).toBe("inconclusive");
    expect(model.casesNeeded).toBeGreaterThan(0);
    expect(model.verdictReasons[0]).toMatch(/too wide to decide against the threshold 5 \(n 6, spread [\d.]+, detectable drop [\d.]+\); about \d+ more cases would decide$/);
    expect(isBorderline(model)).toBe(true);
    const noBase = onlyModel(compareSkill(report, undefined, options()));
    expect(noBase.verdict).toBe("inconclusive");
    expect(isBorderline(noBase)).toBe(false);
  });

  it("inconclusive with 2 judged pairs, however large the drop; not borderline (more judgements add no pairs)", () => {
    const { report, base } = skillWith("s", { m: [-40, -41] });
    const model = onlyModel(compareSkill(report, base, options()));
    expect(model).toMatchObject({ verdict: "inconclusive", n: 2, pValue: null, casesNeeded: 1 });
    expect(isBorderline(model)).toBe(false);
  });

  it("50% errors: the errors gate regresses it (default 20%); with the errors gate above 50% the 3 judged pairs decide", () => {
    const results = [result("a", "m", 60), result("b", "m", 61), result("c", "m", 59), failedPair("d", "m"), failedPair("e", "m"), failedPair("f", "m")];
    const base = baselineOf("s", ["a", "b", "c", "d", "e", "f"].map((id) => entry(id, "m", 60)));
    const gated = onlyModel(compareSkill(skillReport("s", results), base, options()));
    expect(gated.verdict).toBe("regressed");
    expect(gated.regressions).toEqual([expect.stringMatching(/^errors: 3 of 6 pairs failed \(50%, threshold 20%\)/)]);
    const lenient = options({ thresholds: { quality: 5, dimension: 10, cost: 25, errors: 60 } });
    const tested = onlyModel(compareSkill(skillReport("s", results), base, lenient));
    expect(tested.n).toBe(3);
    expect(tested.verdict).toBe("pass"); // 3 judged pairs within ±1: the interval decides
    const twoLeft = [result("a", "m", 60), result("b", "m", 61), failedPair("c", "m"), failedPair("d", "m")];
    const few = onlyModel(compareSkill(skillReport("s", twoLeft), baselineOf("s", ["a", "b", "c", "d"].map((id) => entry(id, "m", 60))), lenient));
    expect(few.verdict).toBe("inconclusive");
    expect(few.verdictReasons[0]).toMatch(/only 2 judged pairs/);
  });

  it("dimensions are tested and shown but advisory, and gate with gateDimensions", () => {
    const results = [0, 1, 2, 3, 4, 5].map((i) => result(`c${i}`, "m", { quality: 60, recall: 30 + (i % 2) }));
    const entries = [0, 1, 2, 3, 4, 5].map((i) => entry(`c${i}`, "m", 60));
    const advisory = onlyModel(compareSkill(skillReport("s", results), baselineOf("s", entries), options()));
    expect(advisory.verdict).toBe("pass");
    expect(advisory.tests.find((t) => t.metric === "recall")).toMatchObject({ gated: false, outcome: "regressed" });
    const gated = onlyModel(compareSkill(skillReport("s", results), baselineOf("s", entries), options({ gateDimensions: true })));
    expect(gated.verdict).toBe("regressed");
    expect(gated.regressions[0]).toMatch(/^recall \u221229\.5 points \(threshold 10;/);
  });

  it("corrects across the run: 40 null (skill, model) tests raise no false regression, one real drop among them is caught", () => {
    const random = seededRandom("family");
    const skills = Array.from({ length: 20 }, (_, s) =>
      skillWith(`skills/s${s}.md`, { m1: noisyDeltas(random, 6, 0), m2: noisyDeltas(random, 6, 0) }),
    );
    const raw = skills.flatMap(({ report, base }) => compareSkill(report, base, options()).models);
    const run = applyComparison(reportOf(skills.map((s) => s.report)), snapshotOf(skills.map((s) => s.base)), options());
    const models = run.skills.flatMap((s) => s.models);
    expect(models).toHaveLength(40);
    expect(models.filter((m) => m.verdict === "regressed")).toEqual([]);
    // Adjusted p-values are never below the raw ones, and the correction is over all 40.
    for (const m of models) expect(m.pValue ?? 0).toBeGreaterThanOrEqual(m.tests[0]?.pValue ?? 1);
    expect(raw.some((m, i) => (m.pValue ?? 1) < (models[i]?.pValue ?? 0))).toBe(true);

    const drop = skillWith("skills/drop.md", { m1: noisyDeltas(random, 10, -25), m2: noisyDeltas(random, 10, -25) });
    const withDrop = applyComparison(
      reportOf([...skills.map((s) => s.report), drop.report]),
      snapshotOf([...skills.map((s) => s.base), drop.base]),
      options(),
    );
    const dropped = withDrop.skills.find((s) => s.skill === "skills/drop.md");
    expect(dropped?.verdict).toBe("regressed");
    expect(withDrop.verdict).toBe("regressed");
    expect(withDrop.skills.filter((s) => s.verdict === "regressed")).toHaveLength(1);
    // Deciding again (an updated report) gives the same verdicts.
    const again = applyComparison(withDrop, snapshotOf([...skills.map((s) => s.base), drop.base]), options());
    expect(again.skills.map((s) => s.models.map((m) => [m.verdict, m.pValue]))).toEqual(
      withDrop.skills.map((s) => s.models.map((m) => [m.verdict, m.pValue])),
    );
  });

  it("Holm is at least as strict as Benjamini-Hochberg", () => {
    const random = seededRandom("holm");
    const skills = Array.from({ length: 5 }, (_, s) => skillWith(`skills/h${s}.md`, { m: noisyDeltas(random, 8, -12) }));
    const run = (correction: "holm" | "benjamini-hochberg") =>
      applyComparison(reportOf(skills.map((s) => s.report)), snapshotOf(skills.map((s) => s.base)), options({ correction }))
        .skills.map((s) => s.models[0]?.pValue ?? 0);
    const bh = run("benjamini-hochberg");
    for (const [i, p] of run("holm").entries()) expect(p).toBeGreaterThanOrEqual((bh[i] ?? 1) - 1e-12);
    expect(run("holm").some((p, i) => p > (bh[i] ?? 1) + 1e-6)).toBe(true);
  });

  it("baseline older than max-age-hours: the verdict says so, and a drop within the nightly drift is inconclusive", () => {
    const old = new Date(NOW.getTime() - 80 * 3600 * 1000).toISOString();
    const deltas = [-9, -10, -11, -10, -9, -11];
    const results = deltas.map((d, i) => result(`c${i}`, "m", 60 + d));
    const base = baselineOf("s", deltas.map((_, i) => entry(`c${i}`, "m", 60, { recordedAt: old })));
    const point = (day: number, quality: number) => ({
      runId: `r${day}`, commit: null, time: daysBefore(10 - day), mode: "baseline" as const, skill: "s", model: "m",
      metrics: { quality, faithfulness: null, relevancy: null, precision: null, recall: null, costUsd: null, latencyMsP50: null },
    });
    const history = [point(1, 60), point(2, 72), point(3, 61)]; // nightly means moved by up to 12 points
    const run = (maxAgeHours: number | null) =>
      onlyModel(applyComparison(reportOf([skillReport("s", results)]), snapshotOf([base], history), options({ maxAgeHours, history })).skills[0] as SkillReport);
    expect(run(null).verdict).toBe("regressed");
    const tooOld = run(48);
    expect(tooOld.verdict).toBe("inconclusive");
    expect(tooOld.baselineDrift).toBe(12);
    expect(tooOld.verdictReasons).toEqual([
      expect.stringMatching(/^quality \u221210\.0 points: within the drift between nightly baselines \(12\.0 points\)/),
      "the baseline was recorded 3 days ago (max-age-hours 48)",
    ]);
    expect(run(100).verdict).toBe("regressed");
  });
});
