// One concurrency limit for every model call of a run. Three priorities: a judgement waits only for a free slot,
// never behind the queue of generations, so each output is judged as soon as it exists; a generation whose prompt
// prefix is already cached ("warm") goes ahead of other skills' first generations, before its cache entry expires. Below it, each model
// client's RateLimitGate: the API's rate limit as one shared state (a pause for everyone, an adaptive cap).

export type Priority = "high" | "warm" | "normal";

export class Limiter {
  readonly limit: number;
  private active = 0;
  private peak = 0;
  private readonly queues: Record<Priority, (() => void)[]> = { high: [], warm: [], normal: [] };

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`concurrency must be a whole number >= 1, got ${limit}`);
    this.limit = limit;
  }

  get inFlight(): number {
    return this.active;
  }

  /** The most tasks that ever ran at once. */
  get maxInFlight(): number {
    return this.peak;
  }

  async run<T>(task: () => Promise<T>, priority: Priority = "normal"): Promise<T> {
    await this.acquire(priority);
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  private acquire(priority: Priority): Promise<void> {
    if (this.active < this.limit) {
      this.take();
      return Promise.resolve();
    }
    return new Promise((resolve) => this.queues[priority].push(resolve));
  }

  private take(): void {
    this.active += 1;
    this.peak = Math.max(this.peak, this.active);
  }

  private release(): void {
    this.active -= 1;
    const next = this.queues.high.shift() ?? this.queues.warm.shift() ?? this.queues.normal.shift();
    if (next) {
      this.take();
      next();
    }
  }
}

/** What became of one request let through a RateLimitGate. */
export type GateOutcome =
  | { kind: "ok" }
  /** A 429 that named its wait: everyone pauses that long, and the in-flight cap halves. */
  | { kind: "rate-limited"; retryAfterMs: number }
  /** Any other failure: neither a success nor a sign of the rate limit. */
  | { kind: "other" };

export interface GateTicket {
  /** The cap's generation when the slot was granted; a 429 halves the cap only once per generation. */
  readonly generation: number;
}

export interface RateLimitGateOptions {
  /** The configured concurrency: the cap starts here and never goes above it. */
  maxInFlight: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Extra pause after a retry-after, uniform in [0, this fraction of it), at most MAX_PAUSE_JITTER_MS. Default 0.2. */
  jitter?: number;
}

const MAX_PAUSE_JITTER_MS = 1000;

/**
 * The rate-limit state shared by every call of one model client. A 429 with retry-after pauses every caller
 * (no request starts before the pause ends) and halves the cap on requests in flight; a run of successes as
 * long as the cap raises it by one (AIMD), never above maxInFlight, never below 1. Slots are granted in
 * arrival order, so a pause ends with `cap` requests, not with every sleeper at once.
 */
export class RateLimitGate {
  readonly maxInFlight: number;
  private cap: number;
  private active = 0;
  private generation = 0;
  private successes = 0;
  private pausedUntil = 0;
  /** Bumped whenever the pause is extended, so a wake-up knows whether its pause is still the current one. */
  private pauseSeq = 0;
  private waking = false;
  private readonly queue: ((ticket: GateTicket) => void)[] = [];
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly jitter: number;

  constructor(options: RateLimitGateOptions) {
    const max = options.maxInFlight;
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`concurrency must be a whole number >= 1, got ${max}`);
    this.maxInFlight = max;
    this.cap = max;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
    this.jitter = Math.max(0, options.jitter ?? 0.2);
  }

  /** Requests that may be in flight at once right now. */
  get limit(): number {
    return this.cap;
  }

  get inFlight(): number {
    return this.active;
  }

  /** Milliseconds until the current pause ends (0 when there is none). */
  get pauseMs(): number {
    return Math.max(0, this.pausedUntil - this.now());
  }

  /** Waits for the pause to end and a slot under the cap; call `release` with the outcome. */
  acquire(): Promise<GateTicket> {
    return new Promise((resolve) => {
      this.queue.push(resolve);
      this.pump();
    });
  }

  /** Frees the slot and learns from its outcome; returns the pause now in force, in ms. */
  release(ticket: GateTicket, outcome: GateOutcome): number {
    this.active = Math.max(0, this.active - 1);
    if (outcome.kind === "ok") {
      if (ticket.generation === this.generation) {
        this.successes += 1;
        if (this.successes >= this.cap && this.cap < this.maxInFlight) {
          this.cap += 1;
          this.successes = 0;
        }
      }
    } else if (outcome.kind === "rate-limited") {
      // Requests sent before the last decrease were sent at the old cap and before the pause it set: one halving
      // and one pause answer all of them. A stale 429 re-extending the pause would idle the run past the moment
      // the bucket has tokens again (retry-after comes in whole seconds); requests sent after it learn anew.
      if (ticket.generation === this.generation) {
        this.cap = Math.max(1, Math.floor(this.cap / 2));
        this.generation += 1;
        this.successes = 0;
        const wait = Math.max(0, outcome.retryAfterMs);
        const jitter = this.random() * Math.min(MAX_PAUSE_JITTER_MS, wait * this.jitter);
        const until = this.now() + wait + jitter;
        if (until > this.pausedUntil) {
          this.pausedUntil = until;
          this.pauseSeq += 1;
        }
      }
    }
    this.pump();
    return this.pauseMs;
  }

  private pump(): void {
    if (this.queue.length === 0) return;
    if (this.pauseMs > 0) {
      this.wakeAfterPause();
      return;
    }
    while (this.active < this.cap && this.queue.length > 0) {
      this.active += 1;
      this.queue.shift()?.({ generation: this.generation });
    }
  }

  /** One timer for the whole queue. A pause it slept through is over even if the (injected) clock disagrees. */
  private wakeAfterPause(): void {
    if (this.waking) return;
    this.waking = true;
    const seq = this.pauseSeq;
    void this.sleep(this.pauseMs).then(
      () => this.woke(seq),
      () => this.woke(seq),
    );
  }

  private woke(seq: number): void {
    this.waking = false;
    if (seq === this.pauseSeq) this.pausedUntil = 0;
    this.pump();
  }
}
