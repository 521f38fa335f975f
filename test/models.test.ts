import { describe, expect, it } from "vitest";
import { BUILTIN_PRICING, CLAUDE_FAMILIES, DEFAULT_MIN_CACHEABLE_TOKENS, MODELS, checkModelId, minCacheableTokens } from "../src/models.js";
import { BUILTIN_PRICING as PRICING_REEXPORT, priceFor } from "../src/pricing.js";

describe("the models table", () => {
  it.each([
    ["claude-opus-5", 512],
    ["claude-opus-5-5", 512],
    ["claude-fable-5-2", 512],
    ["claude-opus-4-8", 1024],
    ["claude-opus-4-7", 2048],
    ["claude-opus-4-7-20260101", 2048],
    ["claude-opus-4-6", 4096],
    ["claude-opus-4-5", 4096],
    ["claude-haiku-4-5-20251001", 4096],
    ["claude-haiku-5-5", 1024],
    ["claude-sonnet-5", 1024],
    ["claude-sonnet-4-5", 1024],
    // Newer point releases of a known line cache like it; anything else gets the default.
    ["claude-opus-5-9", 512],
    ["claude-fable-5-7", 512],
    ["claude-mythos-1", DEFAULT_MIN_CACHEABLE_TOKENS],
    ["my-proxy-model", DEFAULT_MIN_CACHEABLE_TOKENS],
  ])("%s caches prefixes of %d tokens and more", (model, tokens) => {
    expect(minCacheableTokens(model)).toBe(tokens);
  });

  it("holds the prices pricing.ts serves, one row a known id", () => {
    expect(PRICING_REEXPORT).toBe(BUILTIN_PRICING);
    expect(Object.keys(BUILTIN_PRICING)).toEqual(Object.keys(MODELS));
    for (const [id, info] of Object.entries(MODELS)) expect(priceFor(id, BUILTIN_PRICING)).toBe(info.price);
    expect(priceFor("claude-opus-4-8", BUILTIN_PRICING)).toMatchObject({ input: 5, output: 25, cacheRead: 0.5 });
  });

  it("knows dated aliases, tells typos from ids newer than the table", () => {
    expect(checkModelId("claude-sonnet-4-5-20250929", BUILTIN_PRICING)).toEqual({ status: "known" });
    expect(checkModelId("claude-sonet-4-5", BUILTIN_PRICING)).toEqual({ status: "typo", suggestion: "claude-sonnet-4-5" });
    expect(checkModelId("claude-sonnet-4-7", BUILTIN_PRICING)).toMatchObject({ status: "unknown", plausible: true });
    for (const family of CLAUDE_FAMILIES) {
      expect(checkModelId(`claude-${family}-9`, BUILTIN_PRICING)).toMatchObject({ status: "unknown", plausible: true });
    }
  });
});
