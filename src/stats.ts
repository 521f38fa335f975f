// Small, dependency-free statistics for the report: means and percentiles that skip missing values, and a
// reproducible bootstrap interval for paired per-case deltas (the noise estimate behind the regression gate).

import type { Interval } from "./types.js";

/** Sum of the known values; null when there are none (an unknown total is not zero). */
export function sum(values: readonly (number | null)[]): number | null {
  let total = 0;
  let count = 0;
  for (const value of values) {
    if (value === null) continue;
    total += value;
    count += 1;
  }
  return count === 0 ? null : total;
}

/** Mean of the known (finite) values; null when there are none (missing values are never counted as 0). */
export function mean(values: readonly (number | null)[]): number | null {
  const known = values.filter((value): value is number => value !== null && Number.isFinite(value));
  if (known.length === 0) return null;
  let total = 0;
  for (const value of known) total += value;
  return total / known.length;
}

/**
 * The p-th percentile (p from 0 to 100) of the known values, interpolating linearly between the two nearest
 * ranks (the usual "type 7" definition: p50 of [1, 2, 3, 4] is 2.5). Null when there are no values.
 */
export function percentile(values: readonly (number | null)[], p: number): number | null {
  if (!Number.isFinite(p) || p < 0 || p > 100) {
    throw new RangeError(`percentile: p must be a number from 0 to 100, got ${String(p)}.`);
  }
  const known = values.filter((value): value is number => value !== null).sort((a, b) => a - b);
  if (known.length === 0) return null;
  return quantileOfSorted(known, p / 100);
}

/** q from 0 to 1 over an ascending, non-empty array. */
function quantileOfSorted(sorted: ArrayLike<number>, q: number): number {
  const rank = q * (sorted.length - 1);
  const below = Math.floor(rank);
  const above = Math.min(below + 1, sorted.length - 1);
  const low = sorted[below] as number;
  const high = sorted[above] as number;
  return low + (high - low) * (rank - below);
}

/** 32-bit FNV-1a over the UTF-8 bytes, so the same seed string gives the same stream on every platform. */
export function hashSeed(seed: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(seed)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/**
 * A seeded generator of floats in [0, 1) (mulberry32). Not cryptographic; chosen because it is tiny, fast and
 * gives the same sequence in every JavaScript engine, which is what makes a rerun reproduce an interval.
 */
export function seededRandom(seed: string | number): () => number {
  let state = (typeof seed === "string" ? hashSeed(seed) : seed) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), state | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

export interface BootstrapOptions {
  /** Any string; the same seed and values always give the same interval. */
  seed: string;
  /** Confidence level; default 0.95. */
  level?: number;
  /** Number of resamples; default 2000. */
  resamples?: number;
}

/**
 * Percentile-bootstrap confidence interval for the mean of `values` (paired per-case deltas): resample the
 * values with replacement, take each resample's mean, and read the interval off the sorted means.
 *
 * Why percentile bootstrap: it makes no normality assumption (judge scores are bounded and lumpy) and is easy to
 * explain in a PR comment. Its known weakness is under-coverage for very small n (with 2-4 pairs the interval is
 * too narrow, and BCa or a t-interval would be wider); the regression gate therefore only trusts the interval
 * from 5 pairs up and falls back to the plain threshold below that. Null with fewer than 2 values, where no
 * spread can be estimated. Deterministic: the resampling stream is seeded from `seed`.
 */
export function bootstrapInterval(values: readonly number[], options: BootstrapOptions): Interval | null {
  const level = options.level ?? 0.95;
  const resamples = options.resamples ?? 2000;
  if (!Number.isFinite(level) || level <= 0 || level >= 1) {
    throw new RangeError(`bootstrapInterval: level must be between 0 and 1 (exclusive), got ${String(level)}.`);
  }
  if (!Number.isInteger(resamples) || resamples < 1) {
    throw new RangeError(`bootstrapInterval: resamples must be a positive integer, got ${String(resamples)}.`);
  }
  values.forEach((value, index) => {
    if (!Number.isFinite(value)) {
      throw new RangeError(`bootstrapInterval: value ${index} is not a finite number (${String(value)}).`);
    }
  });
  const n = values.length;
  if (n < 2) return null;

  const random = seededRandom(options.seed);
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r += 1) {
    let total = 0;
    for (let i = 0; i < n; i += 1) total += values[Math.floor(random() * n)] as number;
    means[r] = total / n;
  }
  means.sort();
  const tail = (1 - level) / 2;
  return { low: quantileOfSorted(means, tail), high: quantileOfSorted(means, 1 - tail), level, n };
}

// ---------------------------------------------------------------------------------------------------------
// Student's t distribution, for the paired test and interval behind the verdicts. Computed from the
// regularized incomplete beta function (continued fraction, as in Numerical Recipes' betacf), accurate to
// about 1e-10, so no table is needed and any degrees of freedom work.

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos approximation, g = 7). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let sumTerms = LANCZOS[0] as number;
  for (let i = 1; i < 9; i += 1) sumTerms += (LANCZOS[i] as number) / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sumTerms);
}

/** Continued fraction of the incomplete beta function (modified Lentz); converges for x < (a+1)/(a+b+2). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 1000; m += 1) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < 1e-15) break;
  }
  return h;
}

/** The regularized incomplete beta function I_x(a, b), for a, b > 0 and x in [0, 1]. */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (!(a > 0) || !(b > 0) || Number.isNaN(x)) throw new RangeError(`incompleteBeta: bad arguments (${x}, ${a}, ${b}).`);
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(a, b, x)) / a;
  return 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** P(T <= t) for Student's t with `df` degrees of freedom (df > 0, need not be whole). */
export function tCdf(t: number, df: number): number {
  if (!(df > 0)) throw new RangeError(`tCdf: df must be positive, got ${String(df)}.`);
  if (Number.isNaN(t)) return Number.NaN;
  if (t === Infinity) return 1;
  if (t === -Infinity) return 0;
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t > 0 ? 1 - tail : tail;
}

/** The p-quantile of Student's t with `df` degrees of freedom (0 < p < 1): bisection on tCdf to ~1e-12. */
export function tQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`tQuantile: p must be between 0 and 1 (exclusive), got ${String(p)}.`);
  if (!(df > 0)) throw new RangeError(`tQuantile: df must be positive, got ${String(df)}.`);
  if (p === 0.5) return 0;
  if (p < 0.5) return -tQuantile(1 - p, df);
  let low = 0;
  let high = 1;
  for (let i = 0; i < 2000 && tCdf(high, df) < p; i += 1) high *= 2;
  for (let i = 0; i < 200 && high - low > 1e-12 * Math.max(1, high); i += 1) {
    const middle = (low + high) / 2;
    if (tCdf(middle, df) < p) low = middle;
    else high = middle;
  }
  return (low + high) / 2;
}

/** Sample standard deviation (n - 1 in the denominator); null with fewer than 2 values. */
export function standardDeviation(values: readonly number[]): number | null {
  if (values.length < 2) return null;
  let total = 0;
  for (const value of values) total += value;
  const average = total / values.length;
  let squares = 0;
  for (const value of values) squares += (value - average) ** 2;
  return Math.sqrt(squares / (values.length - 1));
}

/**
 * Two-sided t-interval for the mean of `values` (paired per-case deltas): mean ± t(1 - (1-level)/2, n-1) · sd/√n.
 * Honest coverage at small n when the deltas are roughly normal (the percentile bootstrap under-covers: 84-91% at
 * 5-10 pairs for a nominal 95%). Null with fewer than 2 values.
 */
export function tInterval(values: readonly number[], level = 0.95): Interval | null {
  if (!Number.isFinite(level) || level <= 0 || level >= 1) {
    throw new RangeError(`tInterval: level must be between 0 and 1 (exclusive), got ${String(level)}.`);
  }
  const n = values.length;
  const sd = standardDeviation(values);
  const average = mean(values);
  if (sd === null || average === null) return null;
  const half = tQuantile(1 - (1 - level) / 2, n - 1) * (sd / Math.sqrt(n));
  return { low: average - half, high: average + half, level, n };
}

/**
 * One-sided p-value of the paired t-test of "the mean dropped" (H0: mean >= 0 against H1: mean < 0).
 * With no spread at all (every delta equal) it is 0 for a drop and 1 otherwise. Null with fewer than 2 values.
 */
export function dropPValue(values: readonly number[]): number | null {
  const sd = standardDeviation(values);
  const average = mean(values);
  if (sd === null || average === null) return null;
  if (sd === 0) return average < 0 ? 0 : 1;
  return tCdf(average / (sd / Math.sqrt(values.length)), values.length - 1);
}

/** Benjamini-Hochberg adjusted p-values (step-up; controls the false discovery rate), in the input's order. */
export function benjaminiHochberg(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((p, index) => ({ p, index })).sort((a, b) => a.p - b.p);
  const adjusted = new Array<number>(m).fill(1);
  let running = 1;
  for (let rank = m; rank >= 1; rank -= 1) {
    const item = order[rank - 1] as { p: number; index: number };
    running = Math.min(running, (item.p * m) / rank);
    // Never below the raw p-value (m/rank >= 1; the max only absorbs floating-point rounding).
    adjusted[item.index] = Math.max(item.p, Math.min(1, running));
  }
  return adjusted;
}

/** Holm adjusted p-values (step-down; controls the family-wise error rate), in the input's order. */
export function holm(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((p, index) => ({ p, index })).sort((a, b) => a.p - b.p);
  const adjusted = new Array<number>(m).fill(1);
  let running = 0;
  order.forEach((item, i) => {
    running = Math.max(running, Math.min(1, (m - i) * item.p));
    adjusted[item.index] = Math.max(item.p, running);
  });
  return adjusted;
}

/**
 * The smallest true mean drop a paired one-sided t-test at `alpha` detects with probability `power`, for n pairs
 * whose deltas spread with standard deviation `sd`: (t(1-alpha, n-1) + t(power, n-1)) · sd/√n (the usual
 * approximation through the central t). Null with fewer than 2 pairs.
 */
export function detectableDrop(n: number, sd: number, alpha = 0.05, power = 0.8): number | null {
  if (n < 2 || !Number.isFinite(sd)) return null;
  return (tQuantile(1 - alpha, n - 1) + tQuantile(power, n - 1)) * (sd / Math.sqrt(n));
}

/** Above this many cases "more cases" stops being advice. */
export const MAX_CASES_NEEDED = 10_000;

/**
 * How many pairs in all (not more) would decide a result with this mean delta and spread against `threshold`
 * (points): the smallest n at which the interval's half-width fits between the observed mean and -threshold, or at
 * which the detectable drop reaches the threshold, whichever comes first. Null when no n up to MAX_CASES_NEEDED
 * does (no spread estimate, or a mean on the threshold with a detectable drop that never reaches it).
 */
export function casesToDecide(
  meanDelta: number,
  sd: number,
  threshold: number,
  options: { level?: number; alpha?: number; power?: number } = {},
): number | null {
  if (!Number.isFinite(sd) || !Number.isFinite(meanDelta)) return null;
  if (sd === 0) return 2;
  const level = options.level ?? 0.95;
  const gap = Math.abs(meanDelta + threshold);
  const fits = (n: number): boolean =>
    tQuantile(1 - (1 - level) / 2, n - 1) * (sd / Math.sqrt(n)) <= gap ||
    (threshold > 0 && (detectableDrop(n, sd, options.alpha, options.power) ?? Infinity) <= threshold);
  if (!fits(MAX_CASES_NEEDED)) return null;
  // Both conditions only get easier with n: binary search for the first n that fits.
  let low = 2;
  let high = MAX_CASES_NEEDED;
  if (fits(low)) return low;
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (fits(middle)) high = middle;
    else low = middle;
  }
  return high;
}
