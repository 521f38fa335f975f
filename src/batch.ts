// Message Batches for a run (config `batch`): calls are gathered into batches at half price instead of being sent
// one by one. The run is a set of "strands", one per generation and one per judgement; a strand's first call is
// queued, and once every open strand is waiting on the queue (or done), the queue goes out as one batch. So the
// first wave is every generation, and the judgements of their outputs form the next wave, as those outputs arrive
// from the first batch's results. A strand's later calls (the read_file turns after the first) run synchronously.
//
// Each batch is polled (bounded, with the injected sleep and clock) and its results, which come in any order, are
// matched back by custom_id. Errored and expired entries end as errors of their pairs. After
// batch-timeout-minutes from the first batch, the batch is cancelled and whatever is unfinished runs
// synchronously, as does every later call. When the endpoint is missing (a gateway that answers 404), everything
// runs synchronously, with one notice. On cancellation of the run the batch is cancelled too.
import { ModelCallError, messageOf } from "./errors.js";
import type { BatchApi, BatchEntry, BatchEntryOutcome, BatchStatus, CallRequest, CallResult } from "./types.js";

/** The batches endpoint is missing (a 404 from a gateway or proxy). */
export class BatchesUnavailableError extends Error {
  constructor(detail: string) {
    super(`the Message Batches endpoint is not available (${detail})`);
    this.name = "BatchesUnavailableError";
  }
}

/** A batched call not made because the run was cancelled (its entry canceled, or the batch abandoned). */
export class BatchCancelledError extends Error {}

/** Default longest time between two polls of a batch's status. */
export const DEFAULT_BATCH_POLL_MS = 30_000;
/** The first poll comes this soon, and the wait doubles up to the poll interval (small batches end fast). */
export const FIRST_BATCH_POLL_MS = 200;
/** `batch: auto` turns batches on in baseline mode from this many calls. */
export const BATCH_AUTO_MIN_CALLS = 20;

/** Whether a run uses batches: `on` always, `off` never, `auto` in baseline mode from BATCH_AUTO_MIN_CALLS calls. */
export function batchWanted(batch: "auto" | "on" | "off", mode: string, calls: number): boolean {
  if (batch === "on") return true;
  if (batch === "off") return false;
  return mode === "baseline" && calls >= BATCH_AUTO_MIN_CALLS;
}

export interface BatcherOptions {
  api: BatchApi;
  /** Runs one request synchronously (through the run's limiter, budget and stops): the fallback. */
  sync: (request: CallRequest) => Promise<CallResult>;
  /** From the first batch's creation; then the batch is cancelled and the rest runs synchronously. */
  timeoutMs: number;
  pollMs?: number;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  /** The run's cancellation: the batch is cancelled, canceled entries end with BatchCancelledError. */
  signal?: AbortSignal;
  /** Fires once the grace period after a cancellation is over: waiting stops, what is unfinished is cancelled. */
  hardSignal?: AbortSignal;
  /**
   * Decides at submission, in queue order, whether a request may go into the batch: an Error rejects it with that
   * error (the budget). Default: all go.
   */
  admit?: (request: CallRequest) => Error | null;
  /** Said once: fallbacks (404, timeout, a failed create). */
  notice?: (message: string) => void;
  /** Progress lines while a batch runs. */
  progress?: (line: string) => void;
}

interface Pending {
  customId: string;
  request: CallRequest;
  resolve: (result: CallResult) => void;
  reject: (error: unknown) => void;
  strand: StrandState;
}

interface StrandState {
  calls: number;
  parked: boolean;
  closed: boolean;
}

export interface Strand {
  /** The first call is batched; later calls run synchronously. */
  call(request: CallRequest): Promise<CallResult>;
  /** Always call when the strand's work is done (finally), or the next wave waits for it. */
  close(): void;
}

export interface BatcherStats {
  batches: number;
  /** Entries that ended succeeded in a batch. */
  batched: number;
  /** Calls that ran synchronously instead (later turns, fallbacks). */
  synchronous: number;
}

export class Batcher {
  private readonly open = new Set<StrandState>();
  private queue: Pending[] = [];
  private checkScheduled = false;
  private readonly sending = new Set<Promise<void>>();
  private nextId = 0;
  private deadline: number | null = null;
  /** Why batches are no longer used (404, timeout, failed create); null while they are. */
  private off: string | null = null;
  private readonly pollMs: number;
  readonly stats: BatcherStats = { batches: 0, batched: 0, synchronous: 0 };

  constructor(private readonly options: BatcherOptions) {
    this.pollMs = options.pollMs ?? DEFAULT_BATCH_POLL_MS;
  }

  strand(): Strand {
    const state: StrandState = { calls: 0, parked: false, closed: false };
    this.open.add(state);
    return {
      call: (request) => {
        state.calls += 1;
        if (state.calls > 1 || this.off !== null) return this.runSync(request);
        return new Promise<CallResult>((resolve, reject) => {
          state.parked = true;
          const unpark = (): void => {
            state.parked = false;
          };
          this.queue.push({
            customId: `c${++this.nextId}`,
            request,
            resolve: (value) => {
              unpark();
              resolve(value);
            },
            reject: (error) => {
              unpark();
              reject(error);
            },
            strand: state,
          });
          this.schedule();
        });
      },
      close: () => {
        if (state.closed) return;
        state.closed = true;
        this.open.delete(state);
        this.schedule();
      },
    };
  }

  private runSync(request: CallRequest): Promise<CallResult> {
    this.stats.synchronous += 1;
    return this.options.sync(request);
  }

  /**
   * Checks, after the promise continuations now due have run (two macrotask turns), whether every open strand waits
   * on the queue; then the queue goes out as one batch.
   */
  private schedule(): void {
    if (this.checkScheduled) return;
    this.checkScheduled = true;
    setImmediate(() =>
      setImmediate(() => {
        this.checkScheduled = false;
        if (this.queue.length === 0) return;
        for (const strand of this.open) if (!strand.parked) return;
        const wave = this.queue;
        this.queue = [];
        void this.send(wave);
      }),
    );
  }

  private send(wave: Pending[]): Promise<void> {
    const sent = this.sendWave(wave).catch((error: unknown) => {
      // Nothing above should throw; if it does, every call of the wave still ends.
      for (const pending of wave) pending.reject(error);
    });
    this.sending.add(sent);
    void sent.finally(() => this.sending.delete(sent));
    return sent;
  }

  /**
   * Waits until no batch is being sent, polled or read: after a cancellation the calls end before their batch has
   * been cancelled, and the run must not end before it is.
   */
  async settled(): Promise<void> {
    for (let round = 0; round < 100 && this.sending.size > 0; round++) await Promise.all([...this.sending]);
  }

  private async sendWave(wave: Pending[]): Promise<void> {
    const admitted: Pending[] = [];
    for (const pending of wave) {
      if (this.options.signal?.aborted) {
        pending.reject(new BatchCancelledError("cancelled: not run"));
        continue;
      }
      const refusal = this.options.admit?.(pending.request) ?? null;
      if (refusal) pending.reject(refusal);
      else admitted.push(pending);
    }
    if (admitted.length === 0) return;
    if (this.off !== null || (this.deadline !== null && this.options.now() >= this.deadline)) {
      this.turnOff(this.off ?? "batch-timeout-minutes passed");
      this.syncAll(admitted);
      return;
    }
    const entries: BatchEntry[] = orderForCache(admitted).map((pending) => ({ customId: pending.customId, request: pending.request }));
    let status: BatchStatus;
    try {
      status = await this.options.api.create(entries);
    } catch (error) {
      const why = error instanceof BatchesUnavailableError ? messageOf(error) : `creating a batch failed: ${messageOf(error)}`;
      this.turnOff(why);
      this.syncAll(admitted);
      return;
    }
    this.stats.batches += 1;
    this.deadline ??= this.options.now() + this.options.timeoutMs;
    const byId = new Map(admitted.map((pending) => [pending.customId, pending]));
    this.options.progress?.(`Batch ${status.id}: ${entries.length} request(s) sent at half price`);
    const ending = await this.waitForEnd(status);
    await this.collect(ending.status, byId, ending.reason);
  }

  /** Polls until the batch ends; cancels it on the deadline or on the run's cancellation. */
  private async waitForEnd(first: BatchStatus): Promise<{ status: BatchStatus; reason: "ended" | "timeout" | "cancelled" | "abandoned" }> {
    let status = first;
    let reason: "ended" | "timeout" | "cancelled" = "ended";
    let last = "";
    const deadline = this.deadline ?? this.options.now() + this.options.timeoutMs;
    // Bounded: enough polls to reach the deadline, then as many again for a cancel to take effect.
    const maxPolls = 2 * Math.ceil(this.options.timeoutMs / Math.max(1, this.pollMs)) + 40;
    let wait = Math.min(FIRST_BATCH_POLL_MS, this.pollMs);
    for (let poll = 0; status.status !== "ended"; poll++) {
      if (reason === "ended" && this.options.signal?.aborted) {
        reason = "cancelled";
        status = await this.cancel(status);
        continue;
      }
      if (this.options.hardSignal?.aborted || poll >= maxPolls) return { status, reason: reason === "ended" ? "abandoned" : reason };
      if (reason === "ended" && this.options.now() >= deadline) {
        reason = "timeout";
        this.turnOff(`the batch did not end within batch-timeout-minutes (${Math.round(this.options.timeoutMs / 60_000)})`);
        status = await this.cancel(status);
        continue;
      }
      await this.options.sleep(wait);
      wait = Math.min(this.pollMs, wait * 2);
      try {
        status = await this.options.api.retrieve(status.id);
      } catch (error) {
        this.options.progress?.(`Batch ${status.id}: could not read its status (${messageOf(error)}); polling again`);
        continue;
      }
      const c = status.counts;
      const line = `Batch ${status.id}: ${c.succeeded + c.errored + c.canceled + c.expired} of ${total(status)} done (${c.errored} errored, ${c.expired} expired, ${c.canceled} canceled)`;
      if (line !== last) this.options.progress?.(line);
      last = line;
    }
    return { status, reason };
  }

  private async cancel(status: BatchStatus): Promise<BatchStatus> {
    try {
      return await this.options.api.cancel(status.id);
    } catch (error) {
      this.options.progress?.(`Batch ${status.id}: cancelling failed (${messageOf(error)})`);
      return status;
    }
  }

  /** Reads the results and ends every call of the batch: answered, failed, run synchronously or cancelled. */
  private async collect(status: BatchStatus, byId: Map<string, Pending>, reason: "ended" | "timeout" | "cancelled" | "abandoned"): Promise<void> {
    const unfinished = (pending: Pending): void => {
      if (reason === "cancelled" || reason === "abandoned" || this.options.signal?.aborted) {
        pending.reject(new BatchCancelledError("cancelled: not run"));
      } else {
        // Our own cancel on the deadline: the entry runs synchronously instead.
        this.stats.synchronous += 1;
        this.options.sync(pending.request).then(pending.resolve, pending.reject);
      }
    };
    if (status.status === "ended") {
      try {
        for await (const outcome of this.options.api.results(status.id)) {
          const pending = byId.get(outcome.customId);
          if (!pending) continue;
          byId.delete(outcome.customId);
          this.deliver(pending, outcome, reason, unfinished);
        }
      } catch (error) {
        this.options.progress?.(`Batch ${status.id}: reading its results failed (${messageOf(error)})`);
      }
    }
    // Entries the results did not list (or a batch that never ended): nothing is lost.
    for (const pending of byId.values()) {
      if (reason === "ended") pending.reject(new ModelCallError("unknown", `the batch ${status.id} returned no result for this call`, { status: null, attempts: 1 }));
      else unfinished(pending);
    }
  }

  private deliver(pending: Pending, outcome: BatchEntryOutcome, reason: string, unfinished: (pending: Pending) => void): void {
    switch (outcome.type) {
      case "succeeded":
        this.stats.batched += 1;
        pending.resolve(outcome.result);
        return;
      case "failed":
        pending.reject(outcome.error);
        return;
      case "expired":
        pending.reject(new ModelCallError("timeout", "the batch entry expired before it was processed (batch expired)", { status: null, attempts: 1 }));
        return;
      case "canceled":
        if (reason !== "ended") unfinished(pending);
        else pending.reject(new ModelCallError("unknown", "the batch entry was canceled (the batch was cancelled outside this run)", { status: null, attempts: 1 }));
        return;
    }
  }

  private syncAll(wave: Pending[]): void {
    for (const pending of wave) this.runSync(pending.request).then(pending.resolve, pending.reject);
  }

  private turnOff(why: string): void {
    if (this.off !== null) return;
    this.off = why;
    this.options.notice?.(`Message Batches off for the rest of this run: ${why}; calls run synchronously at full price.`);
  }
}

/**
 * The shortest cacheable prefix of a request (model, system prompt and its first user breakpoint, e.g. the judge's
 * skill block): the most widely shared one, so requests with the same key can read one cache entry.
 */
function prefixOf(request: CallRequest): string {
  const first = (request.userBlocks ?? []).find((block) => block.cache)?.text ?? "";
  return JSON.stringify([request.model, request.cacheSystem ? request.system : "", first]);
}

/**
 * Orders a wave for the prompt cache: the first request of every prefix, then the second of every prefix, and so
 * on. A batch is processed roughly in order and many at a time, so a prefix's requests side by side would all miss
 * (and each pay a cache write); spread out, the first one's entry exists when the others run. Best effort: the API
 * promises no order, and results are matched by custom_id whatever it is.
 */
export function orderForCache<T extends { request: CallRequest }>(wave: readonly T[]): T[] {
  const seen = new Map<string, number>();
  const ranked = wave.map((item, index) => {
    const prefix = prefixOf(item.request);
    const round = seen.get(prefix) ?? 0;
    seen.set(prefix, round + 1);
    return { item, round, index };
  });
  ranked.sort((a, b) => a.round - b.round || a.index - b.index);
  return ranked.map((entry) => entry.item);
}

function total(status: BatchStatus): number {
  const c = status.counts;
  return c.processing + c.succeeded + c.errored + c.canceled + c.expired;
}
