// List prices in USD per million tokens, from Anthropic's public price list (see ../shared/facts/anthropic-api.md).
// Data, not logic: users extend or override it with `pricing:` in skillbench.yml.
import { editDistance } from "./schemas.js";
import type { Price, PriceTier, Usage } from "./types.js";

export const PRICES_AS_OF = "2026-11";

/** Cache prices follow fixed multiples of the input price: 5-minute write 1.25x, 1-hour write 2x, read 0.1x. */
export function tierFromRates(input: number, output: number, cache: Partial<PriceTier> = {}): PriceTier {
  return {
    input,
    output,
    cacheWrite5m: cache.cacheWrite5m ?? round(input * 1.25),
    cacheWrite1h: cache.cacheWrite1h ?? round(input * 2),
    cacheRead: cache.cacheRead ?? round(input * 0.1),
  };
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

const fable = tierFromRates(10, 50);
const opus = tierFromRates(5, 25);
const sonnet5 = tierFromRates(2, 10);
const sonnet4 = tierFromRates(3, 15);

export const BUILTIN_PRICING: Readonly<Record<string, Price>> = {
  "claude-fable-5": fable,
  "claude-fable-5-1": fable,
  "claude-fable-5-2": fable,
  "claude-opus-5": opus,
  "claude-opus-5-5": tierFromRates(4, 20, { cacheRead: 0.2 }),
  "claude-opus-4-8": opus,
  "claude-opus-4-7": opus,
  "claude-opus-4-6": opus,
  "claude-opus-4-5": opus,
  "claude-sonnet-5-5": sonnet5,
  "claude-sonnet-5": sonnet5,
  "claude-sonnet-4-6": sonnet4,
  "claude-sonnet-4-5": sonnet4,
  "claude-haiku-5-5": {
    ...tierFromRates(0.1, 0.5, { cacheWrite5m: 0.125, cacheWrite1h: 0.2, cacheRead: 0.01 }),
    above: { tokens: 100_000, ...tierFromRates(0.5, 2.5, { cacheWrite5m: 0.625, cacheWrite1h: 1, cacheRead: 0.05 }) },
  },
  "claude-haiku-4-5": tierFromRates(1, 5),
};

const DATED_SUFFIX = /-\d{8}$/;

/** The price of a model id, or null when unknown. Dated ids (claude-haiku-4-5-20251001) price like their alias. */
export function priceFor(model: string, table: Readonly<Record<string, Price>>): Price | null {
  return table[model] ?? table[model.replace(DATED_SUFFIX, "")] ?? null;
}

/**
 * Ids shaped like Anthropic's (claude-<family>-<version>[-YYYYMMDD], or the older claude-<version>-<family>[-...]):
 * not in the table, they are probably newer than it, not typos.
 */
const PLAUSIBLE_MODEL_ID = /^claude-(?:(?:opus|sonnet|haiku|fable)-\d(?:-\d)*|\d(?:-\d)*-(?:opus|sonnet|haiku|fable))(?:-\d{8})?$/;

/** How far (edits) an id may be from a known one to count as its typo. */
const TYPO_DISTANCE = 2;

export type ModelIdCheck =
  | { status: "known" }
  /** Not known and close to a known id without looking like a real one: almost surely a typo. */
  | { status: "typo"; suggestion: string }
  /** Not known; maybe a model newer than the table, or a proxy's own id. `suggestion` when one is close. */
  | { status: "unknown"; suggestion: string | null; plausible: boolean };

/**
 * Checks a model id against the known models: the price table (built-in plus the config's `pricing`), dated ids
 * included (claude-haiku-4-5-20251001 is claude-haiku-4-5). Model ids are case-sensitive in the API.
 */
export function checkModelId(model: string, table: Readonly<Record<string, Price>>): ModelIdCheck {
  if (priceFor(model, table) !== null) return { status: "known" };
  const dated = DATED_SUFFIX.exec(model)?.[0] ?? "";
  const base = model.slice(0, model.length - dated.length);
  let best: { id: string; distance: number } | null = null;
  for (const known of Object.keys(table)) {
    const distance = editDistance(base.toLowerCase(), known.toLowerCase());
    if (distance <= TYPO_DISTANCE && distance < known.length / 2 && (!best || distance < best.distance)) {
      best = { id: known, distance };
    }
  }
  const suggestion = best ? `${best.id}${dated}` : null;
  const plausible = PLAUSIBLE_MODEL_ID.test(model);
  if (suggestion !== null && !plausible) return { status: "typo", suggestion };
  return { status: "unknown", suggestion, plausible };
}

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
