// The sign test for pairwise preferences: under "neither side is better", each decided case (a win or a loss;
// ties are left out) is a fair coin. Exact binomial probabilities, no normal approximation: the counts are small.

/** log(n choose k), exact enough for n up to millions (sums of logs, no overflow). */
function logChoose(n: number, k: number): number {
  let sum = 0;
  const m = Math.min(k, n - k);
  for (let i = 1; i <= m; i++) sum += Math.log(n - m + i) - Math.log(i);
  return sum;
}

/** P(X <= k) for X ~ Binomial(n, 1/2). */
export function binomialHalfCdf(k: number, n: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  let total = 0;
  for (let i = 0; i <= k; i++) total += Math.exp(logChoose(n, i) - n * Math.LN2);
  return Math.min(1, total);
}

/**
 * Two-sided exact sign test: the probability, with a fair coin per decided case, of a split at least as uneven
 * as `wins` against `losses`. 1 when nothing was decided. Counts must be whole numbers, 0 or more.
 */
export function signTestPValue(wins: number, losses: number): number {
  for (const [name, value] of [["wins", wins], ["losses", losses]] as const) {
    if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be a whole number, 0 or more (got ${value})`);
  }
  const n = wins + losses;
  if (n === 0) return 1;
  return Math.min(1, 2 * binomialHalfCdf(Math.min(wins, losses), n));
}
