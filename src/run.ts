// The scheduler: every (skill, case, model) pair is generated, then judged as soon as its output exists. Every
// model call of the run, generations and judgements alike, goes through one Limiter. Failures stay with their pair.
import { setMaxListeners } from "node:events";
import { setTimeout as delay } from "node:timers/promises";
import { ModelCallError, messageOf } from "./errors.js";
import { contentHash } from "./hash.js";
import { approxTokens } from "./estimate.js";
import { JUDGE_SYSTEM_PROMPT, judgeOutput, type Judgement, type JudgeSettings } from "./judge.js";
import { generate, GenerationError, type Generation } from "./agent.js";
import type { RepoFiles } from "./repo-files.js";
import { Limiter } from "./limiter.js";
import { minCacheableTokens } from "./models.js";
import { byMetric } from "./util.js";
import { costOf, priceFor } from "./pricing.js";
import { BatchCancelledError, Batcher, type BatcherStats, type Strand } from "./batch.js";
import { estimateCallUsd } from "./estimate.js";
import {
  METRICS,
  type Benchmark,
  type CallRequest,
  type CallResult,
  type CaseResult,
  type Config,
  type ExpectationGrade,
  type ModelClient,
  type Skill,
  type Usage,
} from "./types.js";
import { runChecks } from "./checks.js";
import type { PlanItem } from "./plan.js";
import { causeOf, notRunError } from "./verdict.js";

export function resultKey(skillHash: string, caseHash: string, model: string, judgeKey: string): string {
  return contentHash("result", skillHash, caseHash, model, judgeKey).slice(0, 24);
}

/**
 * The content key of a control pair: "control", the case, the model and the judge key, and the skill only through
 * what the judge is shown of it (its instructions, the rubric): the candidate never sees the skill, so an edit to
 * a file of the skill's folder leaves the control's result as it was.
 */
export function controlKey(instructions: string, caseHash: string, model: string, judgeKey: string): string {
  return contentHash("result", "control", contentHash("judge-rubric", instructions), caseHash, model, judgeKey).slice(0, 24);
}

export function modelsFor(benchmark: Benchmark, config: Config): string[] {
  return benchmark.models ?? config.models;
}

/**
 * Whether the without-skill control runs for this benchmark: a `--control` flag or `control` input, else the
 * benchmark's own `control`, else the config's.
 */
export function controlFor(benchmark: Benchmark, config: Pick<Config, "control" | "controlForced">): boolean {
  const chosen = config.controlForced ? config.control : (benchmark.control ?? config.control);
  return (chosen ?? "none") === "without-skill";
}

/**
 * Every pair to run, in a stable order: benchmark, case, model; then the control pairs (control: without-skill) in
 * the same order. The skill's own pairs come first, so their indices are those of a plan without control.
 */
export function planRun(benchmarks: Benchmark[], skills: Map<string, Skill>, config: Config, judgeKey: string): PlanItem[] {
  const items: PlanItem[] = [];
  const controls: PlanItem[] = [];
  for (const benchmark of benchmarks) {
    const skill = skills.get(benchmark.skillPath);
    if (!skill) throw new Error(`internal: skill ${benchmark.skillPath} of ${benchmark.path} was not loaded`);
    const control = controlFor(benchmark, config);
    for (const testCase of benchmark.cases) {
      for (const model of modelsFor(benchmark, config)) {
        items.push({ skill, benchmark, testCase, model, key: resultKey(skill.hash, testCase.hash, model, judgeKey) });
        if (control) {
          const key = controlKey(skill.instructions, testCase.hash, model, judgeKey);
          controls.push({ skill, benchmark, testCase, model, key, control: true });
        }
      }
    }
  }
  return [...items, ...controls];
}

export interface Progress {
  total: number;
  done: number;
  errors: number;
  unjudged: number;
  costUsd: number;
  inFlight: number;
}

export interface RunOptions {
  client: ModelClient;
  config: Config;
  judge: JudgeSettings;
  onProgress?: (progress: Progress) => void;
  onResult?: (result: CaseResult, item: PlanItem) => void;
  /** Cancels the run: no call starts after it fires; calls in flight get graceMs to finish, then are aborted. */
  signal?: AbortSignal;
  /** Default CANCEL_GRACE_MS. */
  graceMs?: number;
  /** The repository the skills' files are read from (read_file); absent: no tool is offered. */
  repo?: RepoFiles | null;
  /** Waits out the grace period; injectable for tests. Default: an unref'd timer. */
  sleep?: (ms: number) => Promise<void>;
  /**
   * max-cost-usd, less what was already spent: no call starts once the calls of this run cost this much; the pairs
   * left end with budgetNotRun's error. Null or absent: no budget.
   */
  budgetUsd?: number | null;
  /**
   * Message Batches for the first pass (src/batch.ts): every first call of a generation or judgement goes into a
   * batch at half price. Null or absent, or a client without a batches API: every call is synchronous. Adaptive
   * rounds (outcome.more) always call synchronously.
   */
  batch?: RunBatchOptions | null;
}

export interface RunBatchOptions {
  /** batch-timeout-minutes in ms, from the first batch's creation. */
  timeoutMs: number;
  /** Default DEFAULT_BATCH_POLL_MS. */
  pollMs?: number;
  /** Injectable for tests; defaults to Date.now and a real timer (ended early by a cancellation). */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** A fallback to synchronous calls (404, timeout), said once. */
  notice?: (message: string) => void;
  /** Progress of a batch while it runs. */
  progress?: (line: string) => void;
}

/** The error of a pair whose call was not started because the run's budget was reached. */
export function budgetNotRun(budgetUsd: number, what: "run" | "judged" = "run"): string {
  return `not ${what}: budget of $${budgetUsd.toFixed(2)} reached`;
}

/** How long calls in flight may finish after a cancellation (a cancelled workflow sends SIGTERM 7.5 s after SIGINT). */
export const CANCEL_GRACE_MS = 5000;
export const NOT_RUN = "cancelled: not run";

/** A call that was not started, or was aborted, because the run was cancelled. */
class Cancelled extends Error {}

export interface RunOutcome {
  /** In plan order, one per item. */
  results: CaseResult[];
  /** The most model calls that were in flight at once. */
  maxInFlight: number;
  calls: number;
  /** Calls stopped because an earlier call showed they could not succeed (404 model, 401/403, spend cap). */
  stops: RunStop[];
  /** Batches sent and calls answered through them; null when the run did not use batches. */
  batch: BatcherStats | null;
  /**
   * Extra rounds for adaptive sampling, through the same limiter, client and stops: `judgements` adds `count`
   * judgements to every generated output of the pairs at these plan indices; `generations` adds `count`
   * generations to each, each judged judge.samples times. `results[index]` is replaced by the pair's result over
   * all its samples; `calls`, `maxInFlight` and `stops` are updated. No call starts after a cancellation.
   */
  more: MoreSamples;
  /**
   * One more candidate call through this run's limiter, stops (404 model, auth, spend cap), budget and cancellation,
   * for work that is not a (case, model) pair (trigger evaluation). Its cost counts against max-cost-usd. Rejects
   * with a ModelCallError, or an Error whose message says why it was not sent (not run, budget, cancelled).
   */
  call(request: CallRequest): Promise<CallResult>;
}

export interface MoreSamples {
  judgements(indices: readonly number[], count: number): Promise<void>;
  generations(indices: readonly number[], count: number): Promise<void>;
}

export interface RunStop {
  /** The candidate model no longer called, or null when the whole run stopped (auth, spend cap, judge 404). */
  model: string | null;
  /** Named once, e.g. "model claude-sonet-5 was not found (HTTP 404)". */
  cause: string;
  /** Pairs that ended without their call being sent (not run or not judged). */
  pairsNotRun: number;
  /** One sentence for the run's warnings. */
  message: string;
}

/** A call not sent because the run's budget was reached. */
class OverBudget extends Error {}

/** A call not sent because an earlier call showed it cannot succeed. */
class NotSent extends Error {
  constructor(readonly stopCause: string) {
    super(stopCause);
  }
}

/**
 * A wrapper for the calls of a run: `gate(work)` is `work`, or a rejection with `reason()` once `signal` aborts.
 * Unlike `Promise.race([work, abortedPromise])`, it keeps nothing once `work` settles: a race against one run-long
 * pending promise adds a reaction to it per call, and each reaction kept that call's whole response alive until the
 * run ended (issue 11: memory at scale). One listener on the signal for all calls (an EventTarget's add and remove
 * walk its listener list: one per call in flight would cost O(n^2) with a batch's thousands of waiting calls).
 */
export function abortGate(signal: AbortSignal, reason: () => Error): <T>(work: Promise<T>) => Promise<T> {
  const waiting = new Set<(error: Error) => void>();
  signal.addEventListener(
    "abort",
    () => {
      const error = reason();
      for (const reject of waiting) reject(error);
      waiting.clear();
    },
    { once: true },
  );
  return <T>(work: Promise<T>): Promise<T> => {
    if (signal.aborted) {
      work.catch(() => undefined);
      return Promise.reject(reason());
    }
    return new Promise<T>((resolve, reject) => {
      waiting.add(reject);
      work.then(resolve, reject).finally(() => waiting.delete(reject));
    });
  };
}

export async function runPlan(items: PlanItem[], options: RunOptions): Promise<RunOutcome> {
  const { config, judge } = options;
  const limiter = new Limiter(config.concurrency);
  const stop = options.signal;
  // Aborts the calls still in flight once the grace period after a cancellation is over.
  const hard = new AbortController();
  // Every call in flight listens on it: more than Node's default of 10 is expected, not a leak.
  setMaxListeners(0, hard.signal);
  const graceMs = options.graceMs ?? CANCEL_GRACE_MS;
  const onStop = () => {
    const wait = options.sleep ?? ((ms: number) => delay(ms, undefined, { ref: false }));
    void wait(graceMs).then(() => hard.abort());
  };
  if (stop?.aborted) onStop();
  else stop?.addEventListener("abort", onStop, { once: true });
  let abortedError: Cancelled | null = null;
  const aborted = abortGate(hard.signal, () => (abortedError ??= new Cancelled(`cancelled: aborted after the ${graceMs} ms grace period`)));
  // Every call, generation or judgement, carries the signal that aborts it (the SDK cancels the HTTP request).
  const client: ModelClient = {
    call: (request) => aborted(options.client.call({ ...request, signal: hard.signal })),
  };
  const progress: Progress = { total: items.length, done: 0, errors: 0, unjudged: 0, costUsd: 0, inFlight: 0 };
  let calls = 0;
  // Spend of the calls that finished; the budget is checked as each call is about to start.
  const budget = options.budgetUsd ?? null;
  let spent = 0;
  const overBudget = (): boolean => budget !== null && spent >= budget;
  const counted = async <T>(task: () => Promise<T>): Promise<T> => {
    // A task reaches this point once it has a slot: after a cancellation it never starts.
    if (stop?.aborted) throw new Cancelled(NOT_RUN);
    calls += 1;
    progress.inFlight = limiter.inFlight;
    return task();
  };

  // A model id the API does not know (404), a rejected key (401/403) or the spend cap fail every call the same
  // way: the first such failure stops further calls for that model (404) or for the whole run, and the pairs
  // left end with one "not run" error naming the cause instead of N calls each failing on their own. The first
  // call of each candidate model, and the first judge call, go alone so that a bad model id costs one call.
  const stoppedModels = new Map<string, string>();
  let stoppedAll: string | null = null;
  const stopOf = (model: string): string | null => stoppedAll ?? stoppedModels.get(model) ?? null;
  const noteFailure = (error: unknown, model: string, role: "candidate" | "judge"): void => {
    if (!(error instanceof ModelCallError)) return;
    // As causeOf names the pair's own judge error, so the cause and the pairs' errors group together.
    const cause = `${role === "judge" && error.kind === "not-found" ? "judge " : ""}${causeOf(error.message)}`;
    if (error.kind === "auth" || error.kind === "spend-cap" || (error.kind === "not-found" && role === "judge")) {
      stoppedAll ??= cause;
    } else if (error.kind === "not-found" && !stoppedModels.has(model)) {
      stoppedModels.set(model, cause);
    }
  };
  const firstCalls = new Map<string, Promise<void>>();
  const firstCallAlone = async <T>(slot: string, task: () => Promise<T>): Promise<T> => {
    const first = firstCalls.get(slot);
    if (first) {
      await first;
      return task();
    }
    let release = (): void => {};
    firstCalls.set(slot, new Promise<void>((resolve) => (release = resolve)));
    try {
      return await task();
    } finally {
      release();
    }
  };
  const judgeClient: ModelClient = {
    call: (request) =>
      client.call(request).catch((error: unknown) => {
        noteFailure(error, request.model, "judge");
        throw error;
      }),
  };

  // A cache entry exists only once the first response for its prefix has started: the first pair of each
  // (skill, model) prefix goes alone, the rest of that prefix wait for it, so they read the cache instead of
  // each writing it. Only for prefixes long enough to be cached at all.
  const warming = new Map<string, Promise<void>>();

  // A repeated judgement sends the same request again: its user block (skill, case, output) is a cache breakpoint
  // too, so the repeats read the prompt cache written by the first.
  const cachingJudgeClient: ModelClient = { call: (request) => judgeClient.call({ ...request, cacheUser: true }) };

  // Message Batches: first calls of generations and judgements are gathered into batches (src/batch.ts). What
  // runs synchronously instead (later read_file turns, fallbacks) goes through the limiter like any call.
  // Polls keep the process alive (a ref'd timer) and end early on a cancellation.
  const pollSleep =
    options.batch?.sleep ?? ((ms: number) => delay(ms, undefined, stop ? { signal: stop } : {}).catch(() => undefined));
  const syncCall = (request: CallRequest): Promise<CallResult> =>
    limiter.run(() => {
      if (stop?.aborted) return Promise.reject(new Cancelled(NOT_RUN));
      progress.inFlight = limiter.inFlight;
      return client.call(request);
    });
  // Estimated cost of the batched requests not answered yet: the budget admits a request while spend plus these is under it.
  let reserved = 0;
  const reservations = new Map<CallRequest, number>();
  const batchApi = options.client.batches;
  let batcher: Batcher | null =
    options.batch && batchApi
      ? new Batcher({
          api: batchApi,
          sync: syncCall,
          timeoutMs: options.batch.timeoutMs,
          ...(options.batch.pollMs !== undefined ? { pollMs: options.batch.pollMs } : {}),
          sleep: pollSleep,
          now: options.batch.now ?? Date.now,
          ...(stop ? { signal: stop } : {}),
          hardSignal: hard.signal,
          admit: (request) => {
            if (budget === null) return null;
            if (spent + reserved >= budget) return new OverBudget();
            const price = priceFor(request.model, config.pricing);
            const usd = price ? estimateCallUsd(request, price, { batched: true }) : 0;
            reserved += usd;
            reservations.set(request, usd);
            return null;
          },
          ...(options.batch.notice ? { notice: options.batch.notice } : {}),
          ...(options.batch.progress ? { progress: options.batch.progress } : {}),
        })
      : null;

  /** What one strand's calls cost (each at its own price: batched or not) and whether any was batched. */
  interface Tracked {
    client: ModelClient;
    costUsd: number | null;
    batched: boolean;
    sent: boolean;
    /** A failure of the run's own making (budget, cancellation), to tell apart from the API's. */
    own: unknown;
  }
  const tracked = (strand: Strand, model: string, role: "candidate" | "judge"): Tracked => {
    const price = priceFor(model, config.pricing);
    const t: Tracked = {
      costUsd: null,
      batched: false,
      sent: false,
      own: null,
      client: {
        call: async (request) => {
          calls += 1;
          t.sent = true;
          try {
            const result = await aborted(strand.call(request));
            if (result.batched) t.batched = true;
            if (price) t.costUsd = (t.costUsd ?? 0) + costOf(result.usage, price, { batched: result.batched === true });
            return result;
          } catch (error) {
            if (error instanceof OverBudget || error instanceof Cancelled || error instanceof BatchCancelledError) {
              if (error instanceof OverBudget) {
                // Refused before it went out: not a call.
                calls -= 1;
                t.sent = false;
              }
              t.own = error;
            } else {
              noteFailure(error, model, role);
            }
            throw error;
          } finally {
            reserved -= reservations.get(request) ?? 0;
            reservations.delete(request);
          }
        },
      },
    };
    return t;
  };

  /**
   * Runs `task` as the first call of a cacheable prefix (the others wait for it), or after that first call, with
   * `warm` true. `prefix` null: not cacheable, no wait.
   */
  const warmFirst = async <T>(prefix: string | null, task: (warm: boolean) => Promise<T>): Promise<T> => {
    if (prefix === null) return task(false);
    const first = warming.get(prefix);
    if (first) {
      await first;
      return task(true);
    }
    let release = (): void => {};
    warming.set(prefix, new Promise<void>((resolve) => (release = resolve)));
    try {
      return await task(false);
    } finally {
      release();
    }
  };
  // The judge's prefix (its system prompt and the skill) is the same for every judgement of a skill.
  const judgeCacheable = (skill: Skill): boolean =>
    approxTokens(JUDGE_SYSTEM_PROMPT) + approxTokens(skill.instructions) >= minCacheableTokens(judge.model);

  /** One generation of a pair: its candidate call, after the cache-warming wait. Never throws. */
  const generateOnce = (item: PlanItem): Promise<GenerationSample> => {
    const fixed = item.fixedOutput;
    // A control request has no system prompt: nothing of it is worth a cache breakpoint.
    const cacheable = fixed === undefined && !item.control && approxTokens(item.skill.instructions) >= minCacheableTokens(item.model);
    // A batch gives no order to warm a cache in: its requests go together.
    if (batcher) return generateNow(item, cacheable, false);
    return warmFirst(cacheable ? `${item.skill.hash}\u0000${item.model}` : null, (warm) => generateNow(item, cacheable, warm));
  };

  const generateNow = async (item: PlanItem, cacheable: boolean, warm: boolean): Promise<GenerationSample> => {
    const fixed = item.fixedOutput;

    const generation = emptyGeneration();
    const price = priceFor(item.model, config.pricing);
    let batchedCost: Tracked | null = null;
    try {
      const generateBatched = async (b: Batcher): Promise<Generation> => {
        const stopped = stopOf(item.model);
        if (stopped !== null) throw new NotSent(stopped);
        if (overBudget()) throw new OverBudget();
        if (stop?.aborted) throw new Cancelled(NOT_RUN);
        const strand = b.strand();
        batchedCost = tracked(strand, item.model, "candidate");
        try {
          return await generate(batchedCost.client, item.skill, item.testCase, item.model, {
            maxTokens: config.maxTokens,
            ...(config.sampling[item.model] ? { sampling: config.sampling[item.model] } : {}),
            cacheSystem: cacheable,
            maxTurns: config.maxTurns,
            repo: options.repo ?? null,
          });
        } catch (error) {
          // The run's own stops (budget, cancellation) are not the generation's failure.
          const own = batchedCost.own;
          throw own ?? error;
        } finally {
          generation.sent = batchedCost.sent;
          strand.close();
        }
      };
      const call = fixed !== undefined ? storedCall(fixed) : batcher ? await generateBatched(batcher) : await firstCallAlone(`candidate\u0000${item.model}`, () =>
        limiter.run(() => {
          const stopped = stopOf(item.model);
          if (stopped !== null) throw new NotSent(stopped);
          if (overBudget()) throw new OverBudget();
          return counted(() => {
            generation.sent = true;
            return generate(client, item.skill, item.testCase, item.model, {
              maxTokens: config.maxTokens,
              ...(config.sampling[item.model] ? { sampling: config.sampling[item.model] } : {}),
              cacheSystem: cacheable,
              maxTurns: config.maxTurns,
              repo: options.repo ?? null,
              ...(item.control ? { withoutSkill: true } : {}),
            });
          });
        }, warm ? "warm" : "normal"),
      );
      const batchedGen = batchedCost as Tracked | null;
      generation.output = call.text;
      generation.stopReason = call.stopReason;
      // A batched call's latency is the batch's queueing, not the model's: not measured.
      generation.latencyMs = batchedGen?.batched ? null : Math.round(call.latencyMs);
      generation.usage = call.usage;
      generation.costUsd = batchedGen ? batchedGen.costUsd : price ? costOf(call.usage, price) : null;
      generation.batched = batchedGen?.batched ?? false;
      spent += generation.costUsd ?? 0;
      generation.filesRead = call.filesRead;
      generation.turns = call.turns;
    } catch (error) {
      if (error instanceof GenerationError) {
        generation.filesRead = error.filesRead;
        generation.turns = error.turns;
      }
      noteFailure(error, item.model, "candidate");
      generation.error =
        error instanceof Cancelled
          ? error.message
          : error instanceof BatchCancelledError
            ? NOT_RUN
          : error instanceof NotSent
            ? notRunError(error.stopCause)
            : error instanceof OverBudget && budget !== null
              ? budgetNotRun(budget)
              : generationError(error);
      const batchedGen = batchedCost as Tracked | null;
      if (batchedGen?.batched) generation.batched = true;
      if (error instanceof ModelCallError) {
        generation.output = error.partialText || null;
        generation.usage = error.usage;
        generation.costUsd = batchedGen ? batchedGen.costUsd : price && error.usage ? costOf(error.usage, price) : null;
        spent += generation.costUsd ?? 0;
        generation.latencyMs = error.latencyMs === null ? null : Math.round(error.latencyMs);
      }
    }
    if (fixed !== undefined) Object.assign(generation, { usage: null, costUsd: null, latencyMs: null, stopReason: null });
    return generation;
  };

  /** One judgement of one output. Never throws but for internal errors. */
  const judgeOnce = async (item: PlanItem, output: string, repeated: boolean): Promise<JudgeAttempt> => {
    const attempt: JudgeAttempt = { judgement: null, error: null, usage: null, costUsd: null, sent: false };
    if (batcher) return judgeBatched(batcher, item, output, attempt, repeated);
    let outcome: Awaited<ReturnType<typeof judgeOutput>>;
    try {
      const prefix = judgeCacheable(item.skill) ? `judge\u0000${item.skill.hash}` : null;
      outcome = await warmFirst(prefix, () => firstCallAlone("judge", () =>
        limiter.run(() => {
          const stopped = stoppedAll;
          if (stopped !== null) return Promise.resolve({ judgement: null, error: notRunError(stopped, "judged"), call: null });
          if (overBudget() && budget !== null) return Promise.resolve({ judgement: null, error: budgetNotRun(budget, "judged"), call: null });
          return counted(() => {
            attempt.sent = true;
            return judgeOutput(repeated ? cachingJudgeClient : judgeClient, { skill: item.skill, testCase: item.testCase, output }, judge);
          });
        }, "high"),
      ));
    } catch (error) {
      if (!(error instanceof Cancelled)) throw error;
      attempt.error = error.message === NOT_RUN ? "cancelled: not judged" : error.message;
      return attempt;
    }
    if (outcome.call) {
      attempt.usage = outcome.call.usage;
      const judgePrice = priceFor(judge.model, config.pricing);
      attempt.costUsd = judgePrice ? costOf(outcome.call.usage, judgePrice) : null;
      spent += attempt.costUsd ?? 0;
    }
    attempt.judgement = outcome.judgement;
    attempt.error = outcome.judgement ? null : outcome.error;
    return attempt;
  };

  /** One judgement through a batch (first pass only): the same stops and budget as a synchronous one. */
  const judgeBatched = async (b: Batcher, item: PlanItem, output: string, attempt: JudgeAttempt, repeated: boolean): Promise<JudgeAttempt> => {
    if (stoppedAll !== null) return { ...attempt, error: notRunError(stoppedAll, "judged") };
    if (overBudget() && budget !== null) return { ...attempt, error: budgetNotRun(budget, "judged") };
    if (stop?.aborted) return { ...attempt, error: "cancelled: not judged" };
    const strand = b.strand();
    const t = tracked(strand, judge.model, "judge");
    let outcome: Awaited<ReturnType<typeof judgeOutput>>;
    try {
      // Repeats of one judgement are the same request: its user block is a breakpoint, so a later one reads the cache.
      const judgeWith: ModelClient = repeated ? { call: (request) => t.client.call({ ...request, cacheUser: true }) } : t.client;
      outcome = await judgeOutput(judgeWith, { skill: item.skill, testCase: item.testCase, output }, judge);
    } finally {
      strand.close();
    }
    attempt.sent = t.sent;
    attempt.batched = t.batched;
    attempt.costUsd = t.costUsd;
    spent += t.costUsd ?? 0;
    if (t.own instanceof OverBudget && budget !== null) return { ...attempt, error: budgetNotRun(budget, "judged") };
    if (t.own !== null) return { ...attempt, error: "cancelled: not judged" };
    if (outcome.call) attempt.usage = outcome.call.usage;
    attempt.judgement = outcome.judgement;
    attempt.error = outcome.judgement ? null : outcome.error;
    return attempt;
  };

  /**
   * Judges a generated output `count` more times. With more than one judgement of it in view, the first goes
   * alone and the rest follow, so they read the cache entry the first one wrote.
   */
  const judgeGeneration = async (item: PlanItem, generation: GenerationSample, count: number, repeated: boolean): Promise<void> => {
    const output = generation.error === null ? generation.output : null;
    if (output === null || count <= 0) return;
    if (batcher) {
      // A batch gives no order to warm a cache in: every judgement goes into the same wave.
      generation.judgements.push(...(await Promise.all(Array.from({ length: count }, () => judgeOnce(item, output, repeated)))));
      return;
    }
    const first = await judgeOnce(item, output, repeated);
    const rest = await Promise.all(Array.from({ length: count - 1 }, () => judgeOnce(item, output, repeated)));
    generation.judgements.push(first, ...rest);
  };

  /** `count` more generations of a pair, each judged judge.samples times as soon as it exists. */
  const addGenerations = async (item: PlanItem, state: PairState, count: number): Promise<void> => {
    const perOutput = Math.max(1, config.judge.samples);
    const added = await Promise.all(
      Array.from({ length: count }, async () => {
        const generation = await generateOnce(item);
        await judgeGeneration(item, generation, perOutput, perOutput > 1);
        return generation;
      }),
    );
    state.generations.push(...added);
  };

  const states: PairState[] = items.map(() => ({ generations: [] }));
  const runOne = async (item: PlanItem, state: PairState): Promise<CaseResult> => {
    // A stored output (compare: rejudge) is one output: it is judged judge.samples times, never "generated" again.
    await addGenerations(item, state, item.fixedOutput !== undefined ? 1 : Math.max(1, config.samples));
    return resultOf(item, state);
  };

  const results = await Promise.all(
    items.map(async (item, index) => {
      let result: CaseResult;
      try {
        result = item.reused ? { ...item.reused, reused: true } : await runOne(item, states[index] as PairState);
      } catch (error) {
        // Nothing above should throw; if it does, the pair still ends with a recorded error.
        result = { ...emptyResult(item), error: `internal error: ${messageOf(error)}` };
      }
      progress.done += 1;
      if (result.error) progress.errors += 1;
      else if (!result.judged) progress.unjudged += 1;
      if (!result.reused) progress.costUsd += (result.costUsd ?? 0) + (result.judgeCostUsd ?? 0);
      progress.inFlight = limiter.inFlight;
      options.onResult?.(result, item);
      options.onProgress?.({ ...progress });
      return result;
    }),
  );
  await batcher?.settled();
  stop?.removeEventListener("abort", onStop);
  const batchStats = batcher ? { ...batcher.stats } : null;
  // Adaptive rounds call synchronously: a borderline verdict is worth an answer now, not in an hour.
  batcher = null;

  const outcome: RunOutcome = {
    results,
    maxInFlight: limiter.maxInFlight,
    calls,
    stops: stopsOf(results, stoppedModels, stoppedAll),
    batch: batchStats,
    more: { judgements: async () => undefined, generations: async () => undefined },
    call: () => Promise.reject(new Error("internal: not ready")),
  };
  /** One extra round over the given pairs: the same limiter, client and stops; results are replaced in place. */
  const round = async (indices: readonly number[], work: (item: PlanItem, state: PairState) => Promise<void>): Promise<void> => {
    if (stop?.aborted) return;
    stop?.addEventListener("abort", onStop, { once: true });
    try {
      await Promise.all(
        [...new Set(indices)].map(async (index) => {
          const item = items[index];
          const state = states[index];
          if (!item || !state) throw new Error(`internal: no plan item ${index}`);
          // A reused result has no samples here to add to: it stays as stored.
          if (item.reused) return;
          try {
            await work(item, state);
            results[index] = resultOf(item, state);
          } catch (error) {
            // Keeps what the pair had; a round never loses earlier samples.
            results[index] = { ...resultOf(item, state), judgeError: `internal error: ${messageOf(error)}` };
          }
        }),
      );
    } finally {
      stop?.removeEventListener("abort", onStop);
      outcome.calls = calls;
      outcome.maxInFlight = limiter.maxInFlight;
      outcome.stops = stopsOf(results, stoppedModels, stoppedAll);
    }
  };
  // Extra calls listen for a cancellation while any is in flight (one listener, however many calls).
  let extraInFlight = 0;
  outcome.call = async (request) => {
    if (stop?.aborted) throw new Error(NOT_RUN);
    if (extraInFlight++ === 0) stop?.addEventListener("abort", onStop, { once: true });
    const price = priceFor(request.model, config.pricing);
    try {
      const answer = await firstCallAlone(`candidate\u0000${request.model}`, () =>
        limiter.run(() => {
          const stopped = stopOf(request.model);
          if (stopped !== null) throw new NotSent(stopped);
          if (overBudget()) throw new OverBudget();
          return counted(() => client.call(request));
        }),
      );
      spent += price ? costOf(answer.usage, price) : 0;
      return answer;
    } catch (error) {
      noteFailure(error, request.model, "candidate");
      if (error instanceof ModelCallError) {
        spent += price && error.usage ? costOf(error.usage, price) : 0;
        throw error;
      }
      if (error instanceof NotSent) throw new Error(notRunError(error.stopCause), { cause: error });
      if (error instanceof OverBudget && budget !== null) throw new Error(budgetNotRun(budget), { cause: error });
      throw new Error(messageOf(error), { cause: error });
    } finally {
      if (--extraInFlight === 0) stop?.removeEventListener("abort", onStop);
      outcome.calls = calls;
      outcome.maxInFlight = limiter.maxInFlight;
    }
  };
  outcome.more = {
    judgements: (indices, count) =>
      round(indices, async (item, state) => {
        await Promise.all(state.generations.map((generation) => judgeGeneration(item, generation, count, true)));
      }),
    generations: (indices, count) => round(indices, (item, state) => addGenerations(item, state, count)),
  };
  return outcome;
}

/** One candidate call of a pair and the judgements of its output. */
interface GenerationSample {
  /** The answer; on a failed call, whatever partial text came back. */
  output: string | null;
  /** Null when the call succeeded. */
  error: string | null;
  stopReason: string | null;
  latencyMs: number | null;
  usage: Usage | null;
  costUsd: number | null;
  /** The request went out (counted as a call). */
  sent: boolean;
  /** Some call of it was answered through a message batch. */
  batched?: boolean;
  judgements: JudgeAttempt[];
  /** read_file calls and model turns of the generation (src/agent.ts); absent for a stored output. */
  filesRead?: string[];
  turns?: number;
}

interface JudgeAttempt {
  judgement: Judgement | null;
  /** Why there are no scores; null when judged. */
  error: string | null;
  usage: Usage | null;
  costUsd: number | null;
  sent: boolean;
  batched?: boolean;
}

/** Everything a pair has gathered so far, over the first pass and any extra rounds. */
interface PairState {
  generations: GenerationSample[];
}

function emptyGeneration(): GenerationSample {
  return { output: null, error: null, stopReason: null, latencyMs: null, usage: null, costUsd: null, sent: false, judgements: [] };
}

/** Sum of the known values; null when none is known. */
function sumKnown(values: readonly (number | null)[]): number | null {
  const known = values.filter((value): value is number => value !== null);
  return known.length === 0 ? null : known.reduce((a, b) => a + b, 0);
}

function sumUsage(usages: readonly (Usage | null)[]): Usage | null {
  const known = usages.filter((usage): usage is Usage => usage !== null);
  if (known.length === 0) return null;
  return {
    inputTokens: known.reduce((a, u) => a + u.inputTokens, 0),
    outputTokens: known.reduce((a, u) => a + u.outputTokens, 0),
    cacheCreationInputTokens: known.reduce((a, u) => a + u.cacheCreationInputTokens, 0),
    cacheReadInputTokens: known.reduce((a, u) => a + u.cacheReadInputTokens, 0),
  };
}

/**
 * A pair's result from all its samples (design contract 1): scores are the mean over every judged judgement of
 * every generation; output, latency and stop reason are the first successful generation's (the first one's when
 * none succeeded, with its error); costs and usage are summed over every call. A failed generation or judgement
 * among several leaves the others: the pair errs only when no generation succeeded, and is unjudged only when no
 * judgement of any output succeeded.
 */
function resultOf(item: PlanItem, state: PairState): CaseResult {
  const result = emptyResult(item);
  const { generations } = state;
  const succeeded = generations.filter((g) => g.error === null);
  const first = succeeded[0] ?? generations[0];
  if (first) {
    result.output = first.output;
    result.error = first.error;
    result.stopReason = first.stopReason;
    result.latencyMs = first.latencyMs;
    if (first.filesRead !== undefined) result.filesRead = first.filesRead;
    if (first.turns !== undefined) result.turns = first.turns;
  }
  result.usage = sumUsage(generations.map((g) => g.usage));
  result.costUsd = sumKnown(generations.map((g) => g.costUsd));

  const attempts = succeeded.flatMap((g) => g.judgements);
  const judged = attempts.flatMap((a) => (a.judgement ? [a.judgement] : []));
  result.judgeUsage = sumUsage(attempts.map((a) => a.usage));
  result.judgeCostUsd = sumKnown(attempts.map((a) => a.costUsd));
  const firstJudged = judged[0];
  if (firstJudged) {
    for (const metric of METRICS) result[metric] = judged.reduce((a, j) => a + j.scores[metric], 0) / judged.length;
    const yes = judged.filter((j) => j.matchesExpected === true).length;
    const no = judged.filter((j) => j.matchesExpected === false).length;
    result.matchesExpected = yes === no ? firstJudged.matchesExpected : yes > no;
    result.judgeNotes = firstJudged.notes;
    result.judged = true;
    const grades = expectationGrades(judged);
    if (grades.length > 0) result.expectations = grades;
  } else if (attempts.length > 0) {
    result.judgeError = attempts[0]?.error ?? "the judge gave no scores";
  }
  result.generations = succeeded.length;
  result.judgements = judged.length;
  result.qualitySamples = judged.map((j) => j.scores.quality);
  if (succeeded.length > 1) result.outputs = succeeded.map((g) => g.output ?? "");
  result.calls = generations.filter((g) => g.sent).length + attempts.filter((a) => a.sent).length;
  if (generations.some((g) => g.batched) || attempts.some((a) => a.batched)) result.batched = true;
  // Checks after generation, on the output the report shows, with that generation's own cost and latency.
  const checked = succeeded[0];
  const specs = item.testCase.assert ?? [];
  if (checked && checked.output !== null && specs.length > 0) {
    result.checks = runChecks(specs, {
      output: checked.output,
      costUsd: checked.costUsd,
      latencyMs: checked.latencyMs,
      // A stored output (compare: rejudge) read nothing now: what it read then is not known.
      filesRead: item.fixedOutput !== undefined ? null : (checked.filesRead ?? []),
    });
  }
  return result;
}

/**
 * Each expectation's grade over every judged judgement: passed when most judgements passed it (a tie goes to the
 * first judgement), with the evidence of the first judgement that agrees.
 */
function expectationGrades(judged: readonly Judgement[]): ExpectationGrade[] {
  const first = judged[0];
  if (!first) return [];
  return first.expectations.map((grade, i) => {
    const votes = judged.map((j) => j.expectations[i]).filter((g): g is ExpectationGrade => g !== undefined);
    const yes = votes.filter((g) => g.passed).length;
    const no = votes.length - yes;
    const passed = yes === no ? grade.passed : yes > no;
    const evidence = votes.find((g) => g.passed === passed)?.evidence ?? grade.evidence;
    return { text: grade.text, passed, evidence };
  });
}

function stopsOf(results: readonly CaseResult[], stoppedModels: Map<string, string>, stoppedAll: string | null): RunStop[] {
  const notRun = (cause: string, model: string | null): number =>
    results.filter(
      (r) =>
        (model === null || r.model === model) &&
        [r.error, r.judgeError].some((e) => e === notRunError(cause) || e === notRunError(cause, "judged")),
    ).length;
  const stops: RunStop[] = [];
  for (const [model, cause] of stoppedModels) {
    const pairsNotRun = notRun(cause, model);
    stops.push({
      model,
      cause,
      pairsNotRun,
      message: `Stopped calling ${model}: ${cause}; ${pairsNotRun} more pair(s) of it were not run.`,
    });
  }
  if (stoppedAll !== null) {
    const pairsNotRun = notRun(stoppedAll, null);
    stops.push({
      model: null,
      cause: stoppedAll,
      pairsNotRun,
      message: `Stopped the run: ${stoppedAll}; ${pairsNotRun} more pair(s) were not run or judged.`,
    });
  }
  return stops;
}

/** A stored output standing in for a generation: no call was made. */
/** A stored output (compare: rejudge) as if it had just been generated: nothing called, nothing read now. */
function storedCall(text: string): Generation {
  const usage = { inputTokens: 0, outputTokens: 0, cacheCreationInputTokens: 0, cacheReadInputTokens: 0 };
  return { text, stopReason: "end_turn", usage, latencyMs: 0, attempts: 0, turns: 0, filesRead: [] };
}

/** A failed call's message as a result records it: "kind: message (after N attempts)". */
export function callErrorText(error: unknown): string {
  return generationError(error);
}

function generationError(error: unknown): string {
  if (error instanceof ModelCallError) {
    const retried = error.attempts > 1 ? ` (after ${error.attempts} attempts)` : "";
    return `${error.kind}: ${error.message}${retried}`;
  }
  return messageOf(error);
}

function emptyResult(item: PlanItem): CaseResult {
  return {
    caseId: item.testCase.id,
    caseHash: item.testCase.hash,
    model: item.model,
    key: item.key,
    output: null,
    ...byMetric(() => null),
    matchesExpected: null,
    judgeNotes: null,
    error: null,
    judgeError: null,
    judged: false,
    costUsd: null,
    judgeCostUsd: null,
    latencyMs: null,
    usage: null,
    judgeUsage: null,
    stopReason: null,
    generations: 0,
    judgements: 0,
    qualitySamples: [],
  };
}
