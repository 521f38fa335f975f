import { describe, expect, it } from "vitest";
import { Limiter } from "../src/limiter.js";

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
