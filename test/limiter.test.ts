import { describe, expect, it } from "vitest";
import { Limiter, RateLimitGate, type GateTicket } from "../src/limiter.js";

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe("Limiter", () => {
  it("never runs more than its limit and runs everything", async () => {
    const limiter = new Limiter(3);
    let active = 0;
    let peak = 0;
    const tasks = Array.from({ length: 20 }, (_, i) =>
      limiter.run(async () => {
        active += 1;
        peak = Math.max(peak, active);
        await new Promise((r) => setTimeout(r, (i % 4) + 1));
        active -= 1;
        return i;
      }),
    );
    expect(await Promise.all(tasks)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(peak).toBe(3);
    expect(limiter.maxInFlight).toBe(3);
    expect(limiter.inFlight).toBe(0);
  });

  it("gives a freed slot to high-priority work before queued normal work", async () => {
    const limiter = new Limiter(1);
    const gate = deferred();
    const order: string[] = [];
    const first = limiter.run(async () => {
      await gate.promise;
      order.push("first");
    });
    const normal = limiter.run(async () => {
      order.push("normal");
    });
    const high = limiter.run(async () => {
      order.push("high");
    }, "high");
    gate.resolve();
    await Promise.all([first, normal, high]);
    expect(order).toEqual(["first", "high", "normal"]);
  });

  it("releases the slot when a task throws", async () => {
    const limiter = new Limiter(1);
    await expect(limiter.run(() => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await limiter.run(async () => "next")).toBe("next");
  });

  it.each([0, -1, 1.5, Number.NaN])("rejects a limit of %s", (limit) => {
    expect(() => new Limiter(limit)).toThrow(/whole number/);
  });
});

/** A gate on a manual clock: sleeps wait until the test advances the clock past their end. */
function manualGate(maxInFlight: number, random = () => 0) {
  const clock = { now: 0 };
  const sleepers: { until: number; wake: () => void }[] = [];
  const sleeps: number[] = [];
  const gate = new RateLimitGate({
    maxInFlight,
    now: () => clock.now,
    random,
    sleep: (ms) =>
      new Promise<void>((wake) => {
        sleeps.push(ms);
        sleepers.push({ until: clock.now + ms, wake });
      }),
  });
  const advance = async (ms: number) => {
    clock.now += ms;
    for (const s of sleepers.filter((x) => x.until <= clock.now)) {
      sleepers.splice(sleepers.indexOf(s), 1);
      s.wake();
    }
    await flush();
  };
  return { gate, clock, advance, sleeps };
}

async function flush(): Promise<void> {
  for (let i = 0; i < 10; i += 1) await Promise.resolve();
}

/** Starts `n` acquisitions; `granted` fills as the gate lets them through. */
function acquireMany(gate: RateLimitGate, n: number) {
  const granted: GateTicket[] = [];
  for (let i = 0; i < n; i += 1) void gate.acquire().then((t) => granted.push(t));
  return granted;
}

describe("RateLimitGate", () => {
  it("lets up to maxInFlight through at once, then one per freed slot, in arrival order", async () => {
    const { gate } = manualGate(3);
    const order: number[] = [];
    const tickets: GateTicket[] = [];
    for (let i = 0; i < 5; i += 1) {
      void gate.acquire().then((t) => {
        order.push(i);
        tickets.push(t);
      });
    }
    await flush();
    expect(order).toEqual([0, 1, 2]);
    expect(gate.inFlight).toBe(3);
    gate.release(tickets[0] as GateTicket, { kind: "other" });
    await flush();
    expect(order).toEqual([0, 1, 2, 3]);
  });

  it("after a 429 nobody starts until retry-after has passed, then only the halved cap goes", async () => {
    const { gate, advance, sleeps } = manualGate(16);
    const first = acquireMany(gate, 16);
    await flush();
    expect(first).toHaveLength(16);
    expect(gate.release(first[0] as GateTicket, { kind: "rate-limited", retryAfterMs: 1000 })).toBe(1000);
    for (const t of first.slice(1)) gate.release(t, { kind: "other" });
    expect(gate.limit).toBe(8);

    const waiting = acquireMany(gate, 12);
    await flush();
    expect(waiting).toHaveLength(0);
    await advance(999);
    expect(waiting).toHaveLength(0);
    await advance(1);
    expect(waiting).toHaveLength(8);
    expect(sleeps).toEqual([1000]);
  });

  it("halves once for the 429s of requests sent at the same cap, never below 1", async () => {
    const { gate, advance } = manualGate(16);
    const batch = acquireMany(gate, 16);
    await flush();
    // Sixteen 429s from requests sent before the first of them came back: one halving, not sixteen.
    for (const t of batch) gate.release(t, { kind: "rate-limited", retryAfterMs: 500 });
    expect(gate.limit).toBe(8);
    for (let round = 0; round < 6; round += 1) {
      await advance(500);
      const next = acquireMany(gate, 1);
      await flush();
      gate.release(next[0] as GateTicket, { kind: "rate-limited", retryAfterMs: 500 });
    }
    expect(gate.limit).toBe(1);
  });

  it("raises the cap by one after a run of successes as long as the cap, up to maxInFlight", async () => {
    const { gate, advance } = manualGate(4);
    const batch = acquireMany(gate, 4);
    await flush();
    gate.release(batch[0] as GateTicket, { kind: "rate-limited", retryAfterMs: 100 });
    for (const t of batch.slice(1)) gate.release(t, { kind: "ok" });
    expect(gate.limit).toBe(2); // the successes were sent at the old cap: they do not count
    await advance(100);
    const caps: number[] = [];
    for (let i = 0; i < 12; i += 1) {
      const got = acquireMany(gate, 1);
      await flush();
      gate.release(got[0] as GateTicket, { kind: "ok" });
      caps.push(gate.limit);
    }
    expect(caps).toEqual([2, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4]);
  });

  it("adds jitter from the injected random; a stale 429 does not extend the pause, a fresh one does", async () => {
    const { gate, advance } = manualGate(4, () => 0.5);
    const batch = acquireMany(gate, 2);
    await flush();
    gate.release(batch[0] as GateTicket, { kind: "rate-limited", retryAfterMs: 1000 }); // until 1000 + 0.5 x 200
    expect(gate.pauseMs).toBe(1100);
    // Sent before the pause, at the old cap: the pause already answers it (re-extending would idle the run).
    gate.release(batch[1] as GateTicket, { kind: "rate-limited", retryAfterMs: 2000 });
    expect(gate.pauseMs).toBe(1100);
    const waiting = acquireMany(gate, 1);
    await advance(1099);
    expect(waiting).toHaveLength(0);
    await advance(1);
    expect(waiting).toHaveLength(1);
    // Sent after the pause: news about the limit, so it pauses everyone again, with its own retry-after.
    gate.release(waiting[0] as GateTicket, { kind: "rate-limited", retryAfterMs: 2000 }); // until 2000 + 0.5 x 400
    expect(gate.pauseMs).toBe(2200);
    const later = acquireMany(gate, 1);
    await advance(2199);
    expect(later).toHaveLength(0);
    await advance(1);
    expect(later).toHaveLength(1);
  });

  it.each([0, 2.5])("rejects a concurrency of %s", (limit) => {
    expect(() => new RateLimitGate({ maxInFlight: limit })).toThrow(/whole number/);
  });
});
