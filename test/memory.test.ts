// Memory at scale (issue 11): a run must not keep what it no longer needs. Each call's response is dropped once
// the pair has taken what it records (output, usage, stop reason); before, every call raced against one run-long
// pending "aborted" promise, and each race left a reaction on it that kept the call's whole response alive until
// the run ended (about 1 KB per call: 100 MB at 1,000 skills x 10 cases x 3 models). Checked with WeakRefs and a
// real full GC, against the real SDK and the simulated API.
import { getEventListeners } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createModelClient } from "../src/anthropic.js";
import { loadProject } from "../src/project.js";
import { judgeKeyOf } from "../src/judge.js";
import { abortGate, planRun, runPlan } from "../src/run.js";
import { startSimServer, type SimServer } from "../src/sim/server.js";
import type { CallResult, ModelClient } from "../src/types.js";
import { writeTree } from "./support/files.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

let sim: SimServer;
let dir: string;
beforeAll(async () => {
  sim = await startSimServer({ latencyMs: [0, 1] });
  dir = await mkdtemp(join(tmpdir(), "skillbench-memory-"));
});
afterAll(async () => {
  await sim?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("a run's memory", () => {
  it("lets go of each call's response once the pair has recorded it, while the run goes on", async () => {
    const cases = Array.from({ length: 12 }, (_, i) => `  - id: c${i}\n    input: "question ${i}"`).join("\n");
    await writeTree(dir, {
      "skillbench.yml": "models: [claude-haiku-4-5]\nconcurrency: 1\nbatch: off\n",
      "skills/echo.md": "Repeat the input back, politely.\n",
      "benchmarks/echo.yml": `skill: skills/echo.md\ncases:\n${cases}\n`,
    });
    const project = await loadProject(dir);
    const plan = planRun(project.benchmarks, project.skills, project.config, judgeKeyOf(project.config.judge.model, []));
    const real = createModelClient({ apiKey: "sk-test", baseUrl: sim.url, maxRetries: 0, timeoutMs: 10_000 });
    const responses: WeakRef<CallResult>[] = [];
    let aliveEarly: number | null = null;
    let listeners: number | null = null;
    const client: ModelClient = {
      call: async (request) => {
        if (responses.length === 20) {
          // A later call: the first ten responses belong to pairs long finished (concurrency 1).
          await new Promise((resolve) => setImmediate(resolve));
          gc();
          aliveEarly = responses.slice(0, 10).filter((ref) => ref.deref() !== undefined).length;
          // The run's own listener and this call's waits; none left over from the 20 calls before.
          listeners = request.signal ? getEventListeners(request.signal, "abort").length : null;
        }
        const result = await real.call(request);
        responses.push(new WeakRef(result));
        return result;
      },
    };
    const outcome = await runPlan(plan, { client, config: project.config, judge: { model: project.config.judge.model, maxTokens: 512, blindTerms: [] } });
    expect(outcome.results).toHaveLength(12);
    expect(outcome.results.every((r) => r.error === null && r.judged)).toBe(true);
    expect(responses.length).toBeGreaterThan(20);
    expect(aliveEarly).toBe(0);
    expect(listeners).toBeGreaterThan(0);
    expect(listeners).toBeLessThanOrEqual(4);
  });

  it("abortGate: the work's value or error, the abort's reason for what waits, one listener whatever the calls", async () => {
    const controller = new AbortController();
    const gate = abortGate(controller.signal, () => new Error("aborted now"));
    await expect(gate(Promise.resolve(7))).resolves.toBe(7);
    await expect(gate(Promise.reject(new Error("failed")))).rejects.toThrow("failed");
    const finishers: ((value: number) => void)[] = [];
    const pending = Array.from({ length: 50 }, () => gate(new Promise<number>((resolve) => finishers.push(resolve))));
    for (const waiting of pending) waiting.catch(() => undefined);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(1);
    finishers[0]?.(1);
    await expect(pending[0]).resolves.toBe(1);
    controller.abort();
    await expect(pending[1]).rejects.toThrow("aborted now");
    await expect(pending[49]).rejects.toThrow("aborted now");
    for (const finish of finishers) finish(2);
    await expect(gate(Promise.resolve(1))).rejects.toThrow("aborted now");
  });
});
