import { describe, expect, it } from "vitest";
import { BUILTIN_PRICING, costOf, missingPriceHint, priceFor, tierFromRates } from "../src/pricing.js";
import type { Usage } from "../src/types.js";

const usage = (u: Partial<Usage>): Usage => ({
  inputTokens: 0,
  outputTokens: 0,
  cacheCreationInputTokens: 0,
  cacheReadInputTokens: 0,
  ...u,
});

describe("price table", () => {
  it.each([
    ["claude-opus-4-8", 5, 25],
    ["claude-sonnet-5", 2, 10],
    ["claude-sonnet-4-5", 3, 15],
    ["claude-haiku-4-5", 1, 5],
    ["claude-fable-5-2", 10, 50],
  ])("%s costs %d in / %d out per million", (model, input, output) => {
    const price = priceFor(model, BUILTIN_PRICING);
    expect(price?.input).toBe(input);
    expect(price?.output).toBe(output);
  });

  it("prices dated ids like their alias", () => {
    expect(priceFor("claude-haiku-4-5-20251001", BUILTIN_PRICING)).toEqual(BUILTIN_PRICING["claude-haiku-4-5"]);
    expect(priceFor("claude-sonnet-4-5-20250929", BUILTIN_PRICING)).toEqual(BUILTIN_PRICING["claude-sonnet-4-5"]);
  });

  it("returns null for an unknown model instead of throwing", () => {
    expect(priceFor("claude-unknown-9", BUILTIN_PRICING)).toBeNull();
    expect(priceFor("", BUILTIN_PRICING)).toBeNull();
    expect(missingPriceHint("my-model")).toMatch(/pricing:\n\s+my-model: \{ input: 3, output: 15 \}/);
  });

  it("derives cache prices from the input price by the published multiples", () => {
    expect(tierFromRates(4, 20)).toEqual({ input: 4, output: 20, cacheWrite5m: 5, cacheWrite1h: 8, cacheRead: 0.4 });
    expect(BUILTIN_PRICING["claude-opus-4-8"]).toMatchObject({ cacheWrite5m: 6.25, cacheWrite1h: 10, cacheRead: 0.5 });
    // Opus 5.5's cache read is listed at 0.20, not 0.1x input: the table keeps the listed figure.
    expect(BUILTIN_PRICING["claude-opus-5-5"]?.cacheRead).toBe(0.2);
  });
});

describe("costOf", () => {
  it("adds input, output, cache writes and cache reads at their own rates", () => {
    const price = BUILTIN_PRICING["claude-sonnet-4-5"];
    if (!price) throw new Error("missing price");
    // 1,000 x 3 + 500 x 15 + 2,000 x 3.75 + 10,000 x 0.30 = 3,000 + 7,500 + 7,500 + 3,000 micro-dollars
    const cost = costOf(usage({ inputTokens: 1000, outputTokens: 500, cacheCreationInputTokens: 2000, cacheReadInputTokens: 10_000 }), price);
    expect(cost).toBeCloseTo(0.021, 10);
  });

  it("switches Haiku 5.5 to its long-context tier on the whole prompt, cache tokens included", () => {
    const price = BUILTIN_PRICING["claude-haiku-5-5"];
    if (!price) throw new Error("missing price");
    const short = costOf(usage({ inputTokens: 100_000, outputTokens: 1000 }), price);
    expect(short).toBeCloseTo((100_000 * 0.1 + 1000 * 0.5) / 1e6, 12);
    const long = costOf(usage({ inputTokens: 1, cacheReadInputTokens: 100_000, outputTokens: 1000 }), price);
    expect(long).toBeCloseTo((1 * 0.5 + 100_000 * 0.05 + 1000 * 2.5) / 1e6, 12);
  });

  it("is zero for an empty usage", () => {
    const price = BUILTIN_PRICING["claude-haiku-4-5"];
    if (!price) throw new Error("missing price");
    expect(costOf(usage({}), price)).toBe(0);
  });
});
