// The one table of Claude models: list prices (USD per million tokens, from Anthropic's public price list), the
// smallest prompt prefix each model caches, the families, and how ids are checked (known, dated alias, typo).
// Data, not logic: users extend or override the prices with `pricing:` in skillbench.yml.
import { editDistance } from "./hints.js";
import type { Price, PriceTier } from "./types.js";

export const PRICES_AS_OF = "2026-11";

/** Every Claude family name: the judge's blinding redacts them all, and an id built on one is plausible. */
export const CLAUDE_FAMILIES = ["opus", "sonnet", "haiku", "fable", "mythos"] as const;

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

export interface ModelInfo {
  price: Price;
  /** Smallest prompt prefix (tokens) the model caches; shorter prefixes are silently not cached. */
  minCacheableTokens: number;
}

/** The smallest cacheable prefix of a model this table does not name. */
export const DEFAULT_MIN_CACHEABLE_TOKENS = 1024;

const fable = tierFromRates(10, 50);
const opus = tierFromRates(5, 25);
const sonnet5 = tierFromRates(2, 10);
const sonnet4 = tierFromRates(3, 15);

/** Known model ids (aliases; a dated id such as claude-haiku-4-5-20251001 is its alias). */
export const MODELS: Readonly<Record<string, ModelInfo>> = {
  "claude-fable-5": { price: fable, minCacheableTokens: 512 },
  "claude-fable-5-1": { price: fable, minCacheableTokens: 512 },
  "claude-fable-5-2": { price: fable, minCacheableTokens: 512 },
  "claude-opus-5": { price: opus, minCacheableTokens: 512 },
  "claude-opus-5-5": { price: tierFromRates(4, 20, { cacheRead: 0.2 }), minCacheableTokens: 512 },
  "claude-opus-4-8": { price: opus, minCacheableTokens: 1024 },
  "claude-opus-4-7": { price: opus, minCacheableTokens: 2048 },
  "claude-opus-4-6": { price: opus, minCacheableTokens: 4096 },
  "claude-opus-4-5": { price: opus, minCacheableTokens: 4096 },
  "claude-sonnet-5-5": { price: sonnet5, minCacheableTokens: 1024 },
  "claude-sonnet-5": { price: sonnet5, minCacheableTokens: 1024 },
  "claude-sonnet-4-6": { price: sonnet4, minCacheableTokens: 1024 },
  "claude-sonnet-4-5": { price: sonnet4, minCacheableTokens: 1024 },
  "claude-haiku-5-5": {
    price: {
      ...tierFromRates(0.1, 0.5, { cacheWrite5m: 0.125, cacheWrite1h: 0.2, cacheRead: 0.01 }),
      above: { tokens: 100_000, ...tierFromRates(0.5, 2.5, { cacheWrite5m: 0.625, cacheWrite1h: 1, cacheRead: 0.05 }) },
    },
    minCacheableTokens: 1024,
  },
  "claude-haiku-4-5": { price: tierFromRates(1, 5), minCacheableTokens: 4096 },
};

export const BUILTIN_PRICING: Readonly<Record<string, Price>> = Object.fromEntries(
  Object.entries(MODELS).map(([id, info]) => [id, info.price]),
);

const DATED_SUFFIX = /-\d{8}$/;

/** The price of a model id, or null when unknown. Dated ids (claude-haiku-4-5-20251001) price like their alias. */
export function priceFor(model: string, table: Readonly<Record<string, Price>>): Price | null {
  return table[model] ?? table[model.replace(DATED_SUFFIX, "")] ?? null;
}

/**
 * Smallest prompt prefix a model caches: that of the longest known id the model id starts with (a dated id, or a
 * newer point release of a known line such as claude-opus-5-9), else DEFAULT_MIN_CACHEABLE_TOKENS.
 */
export function minCacheableTokens(model: string): number {
  let best: string | null = null;
  for (const id of Object.keys(MODELS)) {
    if (model.startsWith(id) && (best === null || id.length > best.length)) best = id;
  }
  return best === null ? DEFAULT_MIN_CACHEABLE_TOKENS : (MODELS[best]?.minCacheableTokens ?? DEFAULT_MIN_CACHEABLE_TOKENS);
}

const FAMILY = `(?:${CLAUDE_FAMILIES.join("|")})`;

/**
 * Ids shaped like Anthropic's (claude-<family>-<version>[-YYYYMMDD], or the older claude-<version>-<family>[-...]):
 * not in the table, they are probably newer than it, not typos.
 */
const PLAUSIBLE_MODEL_ID = new RegExp(`^claude-(?:${FAMILY}-\\d(?:-\\d)*|\\d(?:-\\d)*-${FAMILY})(?:-\\d{8})?$`);

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
