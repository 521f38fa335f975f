import { describe, expect, it } from "vitest";
import { bootstrapInterval, hashSeed, mean, percentile, seededRandom, sum } from "../src/stats.js";

describe("mean and sum", () => {
  const cases: { values: (number | null)[]; mean: number | null; sum: number | null }[] = [
    { values: [1, 2, 3, 6], mean: 3, sum: 12 },
    { values: [1, null, 2, null, 6], mean: 3, sum: 9 },
    { values: [0, 0, 9], mean: 3, sum: 9 },
    { values: [], mean: null, sum: null },
    { values: [null, null], mean: null, sum: null },
    { values: [-4, 4], mean: 0, sum: 0 },
  ];
  it.each(cases)("of $values", ({ values, mean: expectedMean, sum: expectedSum }) => {
    expect(mean(values)).toBe(expectedMean);
    expect(sum(values)).toBe(expectedSum);
  });
});

describe("percentile", () => {
  const cases: { values: (number | null)[]; p: number; expected: number | null }[] = [
    { values: [1, 2, 3, 4], p: 50, expected: 2.5 },
    { values: [4, 1, 3, 2], p: 50, expected: 2.5 },
    { values: [1, 2, 3, 4], p: 0, expected: 1 },
    { values: [1, 2, 3, 4], p: 100, expected: 4 },
    // rank 0.95 * 4 = 3.8: 400 + 0.8 * (1000 - 400)
    { values: [100, 200, 300, 400, 1000], p: 95, expected: 880 },
    { values: [100, null, 300, 200], p: 50, expected: 200 },
    { values: [7], p: 95, expected: 7 },
    { values: [], p: 50, expected: null },
    { values: [null], p: 50, expected: null },
  ];
  it.each(cases)("p$p of $values", ({ values, p, expected }) => {
    const result = percentile(values, p);
    if (expected === null) expect(result).toBeNull();
    else expect(result).toBeCloseTo(expected, 9);
  });

  it("rejects p outside 0..100 with a message naming the value", () => {
    expect(() => percentile([1], 101)).toThrow(/p must be a number from 0 to 100, got 101/);
    expect(() => percentile([1], -1)).toThrow(/got -1/);
    expect(() => percentile([1], Number.NaN)).toThrow(/got NaN/);
  });

  it("does not reorder its input", () => {
    const values = [3, 1, 2];
    percentile(values, 50);
    expect(values).toEqual([3, 1, 2]);
  });
});

describe("seeded random", () => {
  function draw(seed: string, count: number): number[] {
    const random = seededRandom(seed);
    return Array.from({ length: count }, () => random());
  }

  it("repeats the same stream for the same seed and differs for another", () => {
    expect(draw("skill/a", 50)).toEqual(draw("skill/a", 50));
    expect(draw("skill/a", 50)).not.toEqual(draw("skill/b", 50));
    expect(hashSeed("skill/a")).toBe(hashSeed("skill/a"));
    expect(hashSeed("skill/a")).not.toBe(hashSeed("skill/b"));
  });

  it("yields floats in [0, 1) spread over the range", () => {
    const values = draw("spread", 10_000);
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    const m = mean(values) as number;
    expect(m).toBeGreaterThan(0.45);
    expect(m).toBeLessThan(0.55);
    const lowShare = values.filter((v) => v < 0.1).length / values.length;
    expect(lowShare).toBeGreaterThan(0.07);
    expect(lowShare).toBeLessThan(0.13);
  });
});

describe("bootstrapInterval", () => {
  const deltas = [-12, -3, 4, -8, -15, 2, -6, -9, 1, -7];

  it("is null with fewer than 2 values", () => {
    expect(bootstrapInterval([], { seed: "x" })).toBeNull();
    expect(bootstrapInterval([-5], { seed: "x" })).toBeNull();
  });

  it("is reproducible for the same seed and input, and changes with the seed", () => {
    const first = bootstrapInterval(deltas, { seed: "skills/a.md\nmodel\njudge" });
    const again = bootstrapInterval([...deltas], { seed: "skills/a.md\nmodel\njudge" });
    const other = bootstrapInterval(deltas, { seed: "skills/b.md\nmodel\njudge" });
    expect(first).not.toBeNull();
    expect(again).toEqual(first);
    expect(other).not.toEqual(first);
  });

  it("brackets the sample mean and reports its level and n", () => {
    const interval = bootstrapInterval(deltas, { seed: "s" });
    const m = mean(deltas) as number;
    expect(interval).not.toBeNull();
    if (interval === null) return;
    expect(interval.low).toBeLessThan(m);
    expect(interval.high).toBeGreaterThan(m);
    expect(interval.low).toBeGreaterThanOrEqual(Math.min(...deltas));
    expect(interval.high).toBeLessThanOrEqual(Math.max(...deltas));
    expect(interval.level).toBe(0.95);
    expect(interval.n).toBe(deltas.length);
  });

  it("collapses to the value when every delta is equal", () => {
    expect(bootstrapInterval([-4, -4, -4], { seed: "s" })).toEqual({ low: -4, high: -4, level: 0.95, n: 3 });
  });

  it("matches the exact resampling distribution for two values", () => {
    // Means of resamples of [0, 10] are 0, 5, 10 with probabilities 1/4, 1/2, 1/4.
    const wide = bootstrapInterval([0, 10], { seed: "two" });
    expect(wide).toMatchObject({ low: 0, high: 10, n: 2 });
    const narrow = bootstrapInterval([0, 10], { seed: "two", level: 0.4 });
    expect(narrow).toMatchObject({ low: 5, high: 5, level: 0.4 });
  });

  it("is narrower at a lower level and wider for noisier data", () => {
    const width = (values: number[], level?: number): number => {
      const interval = bootstrapInterval(values, { seed: "w", ...(level === undefined ? {} : { level }) });
      if (interval === null) throw new Error("expected an interval");
      return interval.high - interval.low;
    };
    expect(width(deltas, 0.5)).toBeLessThan(width(deltas));
    expect(width(deltas.map((d) => d * 3))).toBeGreaterThan(width(deltas));
  });

  it("covers the true mean about as often as its level says (n = 30)", () => {
    // Bounded simulation: 150 samples from a skewed distribution with a known mean of 1.
    const random = seededRandom("coverage");
    const trials = 150;
    let covered = 0;
    for (let trial = 0; trial < trials; trial += 1) {
      const sample = Array.from({ length: 30 }, () => -Math.log(1 - random()));
      const interval = bootstrapInterval(sample, { seed: `trial-${trial}`, resamples: 1000 });
      if (interval !== null && interval.low <= 1 && interval.high >= 1) covered += 1;
    }
    expect(covered / trials).toBeGreaterThan(0.85);
    expect(covered / trials).toBeLessThanOrEqual(0.99);
  });

  it("rejects bad options and non-finite values with a message naming them", () => {
    expect(() => bootstrapInterval([1, 2], { seed: "s", level: 1 })).toThrow(/level must be between 0 and 1.*got 1/);
    expect(() => bootstrapInterval([1, 2], { seed: "s", resamples: 0 })).toThrow(/resamples .* got 0/);
    expect(() => bootstrapInterval([1, Number.NaN], { seed: "s" })).toThrow(/value 1 is not a finite number/);
  });
});
