// What a call costs, from the models table (src/models.ts) and the config's `pricing` overrides.
import type { Price, PriceTier, Usage } from "./types.js";

export { BUILTIN_PRICING, PRICES_AS_OF, checkModelId, priceFor, tierFromRates, type ModelIdCheck } from "./models.js";

/** Every input token of a request: the uncached remainder plus cache writes and reads. */
export function totalInputTokens(usage: Usage): number {
  return usage.inputTokens + usage.cacheCreationInputTokens + usage.cacheReadInputTokens;
}

/** Message Batches: every token of a batched call (input, output, cache writes and reads) at half price. */
export const BATCH_PRICE_FACTOR = 0.5;

/**
 * USD cost of one call. Cache writes are priced at the 5-minute rate: skillbench only writes 5-minute entries.
 * A tiered price (Haiku 5.5) switches tier on the whole prompt size, as the price list says. A batched call pays
 * BATCH_PRICE_FACTOR of all of it: the batch discount stacks with the cache multipliers (1.25x write, 0.1x read).
 */
export function costOf(usage: Usage, price: Price, options: { batched?: boolean } = {}): number {
  const tier: PriceTier = price.above && totalInputTokens(usage) > price.above.tokens ? price.above : price;
  const micro =
    usage.inputTokens * tier.input +
    usage.outputTokens * tier.output +
    usage.cacheCreationInputTokens * tier.cacheWrite5m +
    usage.cacheReadInputTokens * tier.cacheRead;
  return ((options.batched ? BATCH_PRICE_FACTOR : 1) * micro) / 1_000_000;
}

/** The sentence a warning uses when a model has no price. */
export function missingPriceHint(model: string): string {
  return (
    `No price is known for model "${model}": its cost is reported as unknown. ` +
    `Add it to skillbench.yml, e.g.\n  pricing:\n    ${model}: { input: 3, output: 15 }   # USD per million tokens`
  );
}
