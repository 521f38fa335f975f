// The dry run's estimate: how many calls a plan makes and roughly what it costs, before anything is called.
import { JUDGE_SYSTEM_PROMPT } from "./judge.js";
import { minCacheableTokens } from "./models.js";
import { costOf, priceFor } from "./pricing.js";
import type { PlanItem } from "./plan.js";
import type { CallRequest, Config, Price } from "./types.js";

export interface CostEstimate {
  pairs: number;
  /** Per pair: `samples` generations, each judged `judge.samples` times (before any adaptive round). */
  calls: number;
  /** Null when some model has no price (see unpricedModels); the priced part is in pricedUsd. */
  usd: number | null;
  pricedUsd: number;
  unpricedModels: string[];
  /** The estimate assumes Message Batches (half the input and output price). */
  batched: boolean;
}

// Rough characters per token for English prose; answers assumed ~400 tokens unless an expected answer says otherwise.
const CHARS_PER_TOKEN = 4;
const DEFAULT_ANSWER_TOKENS = 400;
const JUDGE_ANSWER_TOKENS = 350;

/** A rough token count for planning (cache eligibility, estimates); real counts come from the API's usage. */
export function approxTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}
const usage = (input: number, output: number, cacheCreation = 0, cacheRead = 0) => ({
  inputTokens: input,
  outputTokens: output,
  cacheCreationInputTokens: cacheCreation,
  cacheReadInputTokens: cacheRead,
});

/** Rough USD of one request before it is sent (a batch's budget admission): its prompt, and a typical answer. */
export function estimateCallUsd(request: CallRequest, price: Price, options: { batched?: boolean } = {}): number {
  const text = [
    request.system,
    request.messages ? JSON.stringify(request.messages) : request.userBlocks ? request.userBlocks.map((b) => b.text).join("\n\n") : request.user,
  ].join("\n");
  const answer = Math.min(request.maxTokens, request.outputSchema ? JUDGE_ANSWER_TOKENS : DEFAULT_ANSWER_TOKENS);
  return costOf(usage(approxTokens(text), answer), price, options);
}

/**
 * `options.batched`: price every call as a Message Batches call (half price), as the run will when batch is on.
 * Caching is priced as the run caches (src/run.ts): a skill's instructions, when over the model's cache minimum,
 * are written by the first case of each (skill, model) and read by the others; the judge's prefix (its system
 * prompt and the skill) is written by the skill's first judgement and read by the rest; a case's input and reference
 * are written by an output's first judgement and read by its repeats. Without this the estimate was the uncached
 * price, several times the bill for long skills, and max-cost-usd refused runs it would have allowed.
 */
export function estimateCost(plan: PlanItem[], config: Config, options: { batched?: boolean } = {}): CostEstimate {
  const batched = options.batched === true;
  const unpriced = new Set<string>();
  let priced = 0;
  const judgePrice = priceFor(config.judge.model, config.pricing);
  const samples = Math.max(1, config.samples);
  const judgeSamples = Math.max(1, config.judge.samples);
  const judgeSystem = approxTokens(JUDGE_SYSTEM_PROMPT);
  const written = new Set<string>();
  /** True the first time `key` is seen: that call writes the cache, later ones read it. */
  const firstWrite = (key: string): boolean => {
    if (written.has(key)) return false;
    written.add(key);
    return true;
  };
  for (const item of plan) {
    const answer = Math.min(
      config.maxTokens,
      item.testCase.expected === null ? DEFAULT_ANSWER_TOKENS : approxTokens(item.testCase.expected),
    );
    const skillTokens = approxTokens(item.skill.instructions);
    const inputTokens = approxTokens(item.testCase.input);
    const price = priceFor(item.model, config.pricing);
    if (price) {
      // A control pair sends the bare input: nothing to cache.
      const cached = !item.control && skillTokens >= minCacheableTokens(item.model);
      for (let sample = 0; sample < samples; sample += 1) {
        const call = !cached
          ? usage((item.control ? 0 : skillTokens) + inputTokens, answer)
          : firstWrite(`candidate\u0000${item.skill.hash}\u0000${item.model}`)
            ? usage(inputTokens, answer, skillTokens)
            : usage(inputTokens, answer, 0, skillTokens);
        priced += costOf(call, price, { batched });
      }
    } else unpriced.add(item.model);

    if (!judgePrice) {
      unpriced.add(config.judge.model);
      continue;
    }
    // The judge reads the skill's instructions for a control pair too: same prefix.
    const prefix = judgeSystem + skillTokens;
    const prefixCached = prefix >= minCacheableTokens(config.judge.model);
    const caseTokens = inputTokens + approxTokens(item.testCase.expected ?? "");
    for (let sample = 0; sample < samples; sample += 1) {
      for (let judgement = 0; judgement < judgeSamples; judgement += 1) {
        let call;
        if (judgement > 0) {
          // A repeated judgement is the same request: it reads the prefix and the case, and sends the output again.
          call = usage(answer, JUDGE_ANSWER_TOKENS, 0, prefix + caseTokens);
        } else if (prefixCached) {
          const writesPrefix = firstWrite(`judge\u0000${item.skill.hash}`);
          // The case block is marked too (a later judgement, or an adaptive round, reads it).
          call = usage(answer, JUDGE_ANSWER_TOKENS, (writesPrefix ? prefix : 0) + caseTokens, writesPrefix ? 0 : prefix);
        } else {
          // Under the minimum the prefix is not cached; the first judgement of several still marks the case.
          call = judgeSamples > 1 ? usage(answer, JUDGE_ANSWER_TOKENS, prefix + caseTokens) : usage(prefix + caseTokens + answer, JUDGE_ANSWER_TOKENS);
        }
        priced += costOf(call, judgePrice, { batched });
      }
    }
  }
  return {
    pairs: plan.length,
    calls: plan.length * samples * (1 + judgeSamples),
    usd: unpriced.size === 0 ? priced : null,
    pricedUsd: priced,
    unpricedModels: [...unpriced].sort(),
    batched,
  };
}
