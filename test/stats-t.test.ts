// Student t quantiles, p-values, multiplicity corrections and the planning numbers behind the verdicts.
import { describe, expect, it } from "vitest";
import {
  benjaminiHochberg,
  casesToDecide,
  detectableDrop,
  dropPValue,
  holm,
  tCdf,
  tInterval,
  tQuantile,
} from "../src/stats.js";

// t(0.975, df) and t(0.95, df) from the standard table (df 1..30), to 3 decimals.
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11,
  2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];
const T95 = [
  6.314, 2.92, 2.353, 2.132, 2.015, 1.943, 1.895, 1.86, 1.833, 1.812, 1.796, 1.782, 1.771, 1.761, 1.753, 1.746, 1.74,
  1.734, 1.729, 1.725, 1.721, 1.717, 1.714, 1.711, 1.708, 1.706, 1.703, 1.701, 1.699, 1.697,
];

describe("Student t", () => {
  it.each(T975.map((t, i) => ({ df: i + 1, t975: t, t95: T95[i] as number })))("matches the table at df $df", ({ df, t975, t95 }) => {
    expect(tQuantile(0.975, df)).toBeCloseTo(t975, 2);
    expect(tQuantile(0.95, df)).toBeCloseTo(t95, 2);
    expect(tQuantile(0.025, df)).toBeCloseTo(-t975, 2);
    expect(tCdf(tQuantile(0.975, df), df)).toBeCloseTo(0.975, 10);
  });

  it("matches the table and the normal limit at large df, and exact closed forms", () => {
    expect(tQuantile(0.975, 60)).toBeCloseTo(2.0003, 3);
    expect(tQuantile(0.975, 120)).toBeCloseTo(1.9799, 3);
    expect(tQuantile(0.975, 1e7)).toBeCloseTo(1.959964, 5);
    expect(tQuantile(0.995, 1e7)).toBeCloseTo(2.575829, 5);
    // df 1 is Cauchy: quantile tan(pi (p - 1/2)); df 2: t = (2p-1) / sqrt(2p(1-p)).
    expect(tQuantile(0.9, 1)).toBeCloseTo(Math.tan(Math.PI * 0.4), 8);
    expect(tQuantile(0.9, 2)).toBeCloseTo(0.8 / Math.sqrt(2 * 0.9 * 0.1), 8);
    expect(tCdf(0, 7)).toBe(0.5);
    expect(() => tQuantile(1, 3)).toThrow(/p must be between 0 and 1/);
  });

  it("gives a one-sided p-value of a drop and a t-interval", () => {
    // t = mean / (sd / sqrt n) = -2 / (sqrt(2.5) / sqrt(5)) = -2.828 on 4 df: p = 0.0237.
    expect(dropPValue([-4, -3, -2, -1, 0])).toBeCloseTo(0.02374, 4);
    expect(dropPValue([1, 2, 3])).toBeGreaterThan(0.9);
    expect(dropPValue([-5, -5, -5])).toBe(0);
    expect(dropPValue([2])).toBeNull();
    const interval = tInterval([-4, -3, -2, -1, 0]);
    expect(interval?.low).toBeCloseTo(-2 - 2.776445 * Math.sqrt(0.5), 5);
    expect(interval?.high).toBeCloseTo(-2 + 2.776445 * Math.sqrt(0.5), 5);
  });
});

describe("multiplicity corrections", () => {
  it("Benjamini-Hochberg and Holm match hand-computed adjustments, in input order", () => {
    const p = [0.01, 0.04, 0.03, 0.5];
    expect(benjaminiHochberg(p)).toEqual([0.04, expect.closeTo(0.053333, 5), expect.closeTo(0.053333, 5), 0.5]);
    expect(holm(p)).toEqual([0.04, expect.closeTo(0.09, 9), expect.closeTo(0.09, 9), 0.5]);
    expect(benjaminiHochberg([])).toEqual([]);
    expect(holm([0.6, 0.6])).toEqual([1, 1]);
  });
});

describe("planning numbers", () => {
  it("states the detectable drop at alpha 0.05 one-sided and 80% power", () => {
    // (t(0.95, 5) + t(0.8, 5)) * 14.14 / sqrt(6) = (2.015 + 0.920) * 5.773
    expect(detectableDrop(6, 14.14)).toBeCloseTo((2.015048 + 0.919544) * (14.14 / Math.sqrt(6)), 4);
    expect(detectableDrop(1, 10)).toBeNull();
    expect(detectableDrop(30, 10)).toBeLessThan(detectableDrop(10, 10) ?? 0);
  });

  it("counts the pairs that would decide: the interval fits between mean and threshold, or the detectable drop reaches it", () => {
    const n = casesToDecide(10, 14.14, 5); // far above -5: a narrow interval decides
    expect(n).not.toBeNull();
    const total = n ?? 0;
    expect(tQuantile(0.975, total - 1) * (14.14 / Math.sqrt(total))).toBeLessThanOrEqual(15);
    expect(tQuantile(0.975, total - 2) * (14.14 / Math.sqrt(total - 1))).toBeGreaterThan(15);
    // On the threshold the interval never fits: the detectable drop reaching 5 points decides the count.
    const onThreshold = casesToDecide(-5, 14.14, 5) ?? 0;
    expect(detectableDrop(onThreshold, 14.14) ?? Infinity).toBeLessThanOrEqual(5);
    expect(detectableDrop(onThreshold - 1, 14.14) ?? 0).toBeGreaterThan(5);
    expect(casesToDecide(0, 14.14, 0)).toBeNull(); // mean on a zero threshold: nothing decides
  });
});
