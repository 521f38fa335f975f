// The scheduler: every (skill, case, model) pair is generated, then judged as soon as its output exists. Every
// model call of the run, generations and judgements alike, goes through one Limiter. Failures stay with their pair.
import { setMaxListeners } from "node:events";
import { setTimeout as delay } from "node:timers/promises";
import { ModelCallError, messageOf } from "./errors.js";
import { contentHash } from "./hash.js";
import { approxTokens } from "./estimate.js";
import { generate, GenerationError, type Generation } from "./agent.js";
import { judgeOutput, type JudgeSettings } from "./judge.js";
import type { RepoFiles } from "./repo-files.js";
import { Limiter } from "./limiter.js";
import { costOf, priceFor } from "./pricing.js";
import type { Benchmark, BenchmarkCase, CaseResult, Config, ModelClient, Skill } from "./types.js";
import { causeOf, notRunError } from "./verdict.js";

export interface PlanItem {
  skill: Skill;
  benchmark: Benchmark;
  testCase: BenchmarkCase;
  model: string;
  /** Content key: skill text, case, model and judge settings. */
  key: string;
  /**
   * Judge this output instead of generating one (compare: rejudge judges outputs an earlier run stored). The
   * result then has no generation usage, cost or latency of its own.
   */
  fixedOutput?: string;
}

export function resultKey(skillHash: string, caseHash: string, model: string, judgeKey: string): string {
  return contentHash("result", skillHash, caseHash, model, judgeKey).slice(0, 24);
}

export function modelsFor(benchmark: Benchmark, config: Config): string[] {
  return benchmark.models ?? config.models;
}

/** Every pair to run, in a stable order: benchmark, case, model. */
export function planRun(benchmarks: Benchmark[], skills: Map<string, Skill>, config: Config, judgeKey: string): PlanItem[] {
  const items: PlanItem[] = [];
  for (const benchmark of benchmarks) {
    const skill = skills.get(benchmark.skillPath);
    if (!skill) throw new Error(`internal: skill ${benchmark.skillPath} of ${benchmark.path} was not loaded`);
    for (const testCase of benchmark.cases) {
      for (const model of modelsFor(benchmark, config)) {
        items.push({ skill, benchmark, testCase, model, key: resultKey(skill.hash, testCase.hash, model, judgeKey) });
      }
    }
  }
  return items;
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

/** A call not sent because an earlier call showed it cannot succeed. */
class NotSent extends Error {
  constructor(readonly stopCause: string) {
    super(stopCause);
  }
}

/** Smallest prompt prefix each model caches; shorter prefixes are silently not cached. */
function minCacheableTokens(model: string): number {
  if (/^claude-(opus-5|fable-5)/.test(model)) return 512;
  if (/^claude-opus-4-7/.test(model)) return 2048;
  if (/^claude-(opus-4-5|opus-4-6|haiku-4-5)/.test(model)) return 4096;
  return 1024;
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
  const aborted = new Promise<never>((_, reject) =>
    hard.signal.addEventListener("abort", () => reject(new Cancelled(`cancelled: aborted after the ${graceMs} ms grace period`)), { once: true }),
  );
  aborted.catch(() => undefined);
  // Every call, generation or judgement, carries the signal that aborts it (the SDK cancels the HTTP request).
  const client: ModelClient = {
    call: (request) => Promise.race([options.client.call({ ...request, signal: hard.signal }), aborted]),
  };
  const progress: Progress = { total: items.length, done: 0, errors: 0, unjudged: 0, costUsd: 0, inFlight: 0 };
  let calls = 0;
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

  const runOne = async (item: PlanItem): Promise<CaseResult> => {
    const fixed = item.fixedOutput;
    const cacheable = fixed === undefined && approxTokens(item.skill.instructions) >= minCacheableTokens(item.model);
    const prefix = `${item.skill.hash}\u0000${item.model}`;
    let releaseWarm: (() => void) | null = null;
    if (cacheable) {
      const first = warming.get(prefix);
      if (first) await first;
      else warming.set(prefix, new Promise<void>((resolve) => (releaseWarm = resolve)));
    }

    const result = emptyResult(item);
    const price = priceFor(item.model, config.pricing);
    let output: string | null = null;
    try {
      const call = fixed !== undefined ? storedCall(fixed) : await firstCallAlone(`candidate\u0000${item.model}`, () =>
        limiter.run(() => {
          const stopped = stopOf(item.model);
          if (stopped !== null) throw new NotSent(stopped);
          return counted(() =>
            generate(client, item.skill, item.testCase, item.model, {
              maxTokens: config.maxTokens,
              ...(config.sampling[item.model] ? { sampling: config.sampling[item.model] } : {}),
              cacheSystem: cacheable,
              maxTurns: config.maxTurns,
              repo: options.repo ?? null,
            }),
          );
        }),
      );
      output = call.text;
      result.output = call.text;
      result.stopReason = call.stopReason;
      result.latencyMs = Math.round(call.latencyMs);
      result.usage = call.usage;
      result.costUsd = price ? costOf(call.usage, price) : null;
      result.filesRead = call.filesRead;
      result.turns = call.turns;
    } catch (error) {
      if (error instanceof GenerationError) {
        result.filesRead = error.filesRead;
        result.turns = error.turns;
      }
      noteFailure(error, item.model, "candidate");
      result.error =
        error instanceof Cancelled ? error.message : error instanceof NotSent ? notRunError(error.stopCause) : generationError(error);
      if (error instanceof ModelCallError) {
        result.output = error.partialText || null;
        result.usage = error.usage;
        result.costUsd = price && error.usage ? costOf(error.usage, price) : null;
        result.latencyMs = error.latencyMs === null ? null : Math.round(error.latencyMs);
      }
    } finally {
      (releaseWarm as (() => void) | null)?.();
    }
    if (fixed !== undefined) Object.assign(result, { usage: null, costUsd: null, latencyMs: null, stopReason: null });

    if (output !== null) {
      let outcome: Awaited<ReturnType<typeof judgeOutput>>;
      try {
        outcome = await firstCallAlone("judge", () =>
          limiter.run(() => {
            const stopped = stoppedAll;
            if (stopped !== null) return Promise.resolve({ judgement: null, error: notRunError(stopped, "judged"), call: null });
            return counted(() =>
              judgeOutput(judgeClient, { skill: item.skill, testCase: item.testCase, output: output as string }, judge),
            );
          }, "high"),
        );
      } catch (error) {
        if (!(error instanceof Cancelled)) throw error;
        result.judgeError = error.message === NOT_RUN ? "cancelled: not judged" : error.message;
        return result;
      }
      if (outcome.call) {
        result.judgeUsage = outcome.call.usage;
        const judgePrice = priceFor(judge.model, config.pricing);
        result.judgeCostUsd = judgePrice ? costOf(outcome.call.usage, judgePrice) : null;
      }
      if (outcome.judgement) {
        Object.assign(result, outcome.judgement.scores);
        result.matchesExpected = outcome.judgement.matchesExpected;
        result.judgeNotes = outcome.judgement.notes;
        result.judged = true;
      } else {
        result.judgeError = outcome.error;
      }
    }
    return result;
  };

  const results = await Promise.all(
    items.map(async (item) => {
      let result: CaseResult;
      try {
        result = await runOne(item);
      } catch (error) {
        // Nothing above should throw; if it does, the pair still ends with a recorded error.
        result = { ...emptyResult(item), error: `internal error: ${messageOf(error)}` };
      }
      progress.done += 1;
      if (result.error) progress.errors += 1;
      else if (!result.judged) progress.unjudged += 1;
      progress.costUsd += (result.costUsd ?? 0) + (result.judgeCostUsd ?? 0);
      progress.inFlight = limiter.inFlight;
      options.onResult?.(result, item);
      options.onProgress?.({ ...progress });
      return result;
    }),
  );
  stop?.removeEventListener("abort", onStop);
  return { results, maxInFlight: limiter.maxInFlight, calls, stops: stopsOf(results, stoppedModels, stoppedAll) };
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
    quality: null,
    faithfulness: null,
    relevancy: null,
    precision: null,
    recall: null,
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
  };
}
