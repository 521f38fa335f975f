// One concurrency limit for every model call of a run. Two priorities: a judgement waits only for a free slot,
// never behind the queue of generations, so each output is judged as soon as it exists.

export type Priority = "high" | "normal";

export class Limiter {
  readonly limit: number;
  private active = 0;
  private peak = 0;
  private readonly queues: Record<Priority, (() => void)[]> = { high: [], normal: [] };

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
    const next = this.queues.high.shift() ?? this.queues.normal.shift();
    if (next) {
      this.take();
      next();
    }
  }
}
