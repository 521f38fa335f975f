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

/** Mean of the known values; null when there are none (missing values are never counted as 0). */
export function mean(values: readonly (number | null)[]): number | null {
  const known = values.filter((value): value is number => value !== null);
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
