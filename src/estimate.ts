// The dry run's estimate: how many calls a plan makes and roughly what it costs, before anything is called.
import { JUDGE_SYSTEM_PROMPT } from "./judge.js";
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
const ZERO_PRICE = { input: 0, output: 0, cacheWrite5m: 0, cacheWrite1h: 0, cacheRead: 0 };

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

/** `options.batched`: price every call as a Message Batches call (half price), as the run will when batch is on. */
export function estimateCost(plan: PlanItem[], config: Config, options: { batched?: boolean } = {}): CostEstimate {
  const batched = options.batched === true;
  const unpriced = new Set<string>();
  let priced = 0;
  const judgePrice = priceFor(config.judge.model, config.pricing);
  const samples = Math.max(1, config.samples);
  const judgeSamples = Math.max(1, config.judge.samples);
  for (const item of plan) {
    const answer = Math.min(
      config.maxTokens,
      item.testCase.expected === null ? DEFAULT_ANSWER_TOKENS : approxTokens(item.testCase.expected),
    );
    // A control pair sends the bare input; its judge still reads the skill's instructions.
    const prompt = (item.control ? 0 : approxTokens(item.skill.instructions)) + approxTokens(item.testCase.input);
    const price = priceFor(item.model, config.pricing);
    if (price) priced += samples * costOf(usage(prompt, answer), price, { batched });
    else unpriced.add(item.model);
    const judgeInput = approxTokens(JUDGE_SYSTEM_PROMPT) + approxTokens(item.skill.instructions) + approxTokens(item.testCase.input) + answer + approxTokens(item.testCase.expected ?? "");
    // A repeated judgement is the same request: the first writes the prompt cache, the repeats read it.
    const judging =
      judgeSamples === 1
        ? costOf(usage(judgeInput, JUDGE_ANSWER_TOKENS), judgePrice ?? ZERO_PRICE, { batched })
        : costOf(usage(0, JUDGE_ANSWER_TOKENS, judgeInput), judgePrice ?? ZERO_PRICE, { batched }) +
          (judgeSamples - 1) * costOf(usage(0, JUDGE_ANSWER_TOKENS, 0, judgeInput), judgePrice ?? ZERO_PRICE, { batched });
    if (judgePrice) priced += samples * judging;
    else unpriced.add(config.judge.model);
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
