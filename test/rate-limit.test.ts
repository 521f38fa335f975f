// A steady rate limit, end to end: the real SDK through the model client's shared rate-limit state, against the
// simulated Messages API with a token bucket. Nothing may be lost; how long it takes is for `npm run bench`.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createModelClient } from "../src/anthropic.js";
import { loadProject } from "../src/project.js";
import { blindingTerms, judgeKeyOf } from "../src/judge.js";
import { planRun, runPlan } from "../src/run.js";
import { startSimServer, type SimServer } from "../src/sim/server.js";
import { writeTree } from "./support/files.js";

let sim: SimServer;
let dir: string;

beforeAll(async () => {
  sim = await startSimServer({ latencyMs: [5, 20], rateLimit: { perSecond: 20, burst: 20 } });
  dir = await mkdtemp(join(tmpdir(), "skillbench-ratelimit-"));
});
afterAll(async () => {
  await sim.close();
  await rm(dir, { recursive: true, force: true });
});

describe("a steady rate limit (token bucket 20/s, burst 20) at concurrency 16", () => {
  it("loses no pair: every one is generated and judged, with 429s along the way", async () => {
    const cases = Array.from({ length: 20 }, (_, i) => `  - id: c${i}\n    input: "Question ${i}?"`).join("\n");
    await writeTree(dir, {
      "skillbench.yml": "concurrency: 16\nmodels: [claude-sonnet-5, claude-haiku-4-5]\njudge: { samples: 1 }\napi: { max-retries: 1 }\n",
      "skills/answer.md": "Answer the question briefly.\n",
      "benchmarks/answer.yml": `skill: skills/answer.md\ncases:\n${cases}\n`,
    });
    const project = await loadProject(dir);
    const { config } = project;
    const plan = planRun(project.benchmarks, project.skills, config, judgeKeyOf(config.judge.model, []));
    const retried: string[] = [];
    const client = createModelClient({
      apiKey: "sk-test-rate-limit",
      baseUrl: sim.url,
      maxRetries: config.api.maxRetries,
      timeoutMs: 10_000,
      concurrency: config.concurrency,
      rateLimitBudgetMs: config.api.rateLimitBudgetMs,
      onRetry: (info) => retried.push(info.reason),
    });
    const outcome = await runPlan(plan, {
      client,
      config,
      judge: { model: config.judge.model, maxTokens: config.judge.maxTokens, blindTerms: blindingTerms(config.models) },
    });

    expect(plan).toHaveLength(40);
    const lost = outcome.results.filter((r) => r.error !== null || r.judgeError !== null || !r.judged);
    expect(lost.map((r) => `${r.caseId}/${r.model}: ${r.error ?? r.judgeError ?? "unjudged"}`)).toEqual([]);
    const statuses = sim.requests.map((r) => r.status);
    // The bucket did limit the run (max-retries 1 alone could not have absorbed these), and every 429 was retried.
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(2);
    expect(statuses.filter((s) => s === 200)).toHaveLength(80);
    expect(retried.length).toBe(statuses.filter((s) => s === 429).length);
    expect(retried.every((r) => r.includes("rate_limit_error"))).toBe(true);
    expect(sim.maxInFlight).toBeLessThanOrEqual(16);
  });
});

describe("the simulator's token bucket", () => {
  it("serves `burst` requests at once, then answers 429 with retry-after and the requests headers", async () => {
    const bucket = await startSimServer({ latencyMs: 0, rateLimit: { perSecond: 0.5, burst: 2 } });
    try {
      const send = () =>
        fetch(`${bucket.url}/v1/messages`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-api-key": "sk-test", "anthropic-version": "2023-06-01" },
          body: JSON.stringify({ model: "claude-haiku-4-5", max_tokens: 50, messages: [{ role: "user", content: "hi" }] }),
        });
      const answers = [await send(), await send(), await send()];
      expect(answers.map((a) => a.status)).toEqual([200, 200, 429]);
      const limited = answers[2] as Response;
      expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(limited.headers.get("anthropic-ratelimit-requests-remaining")).toBe("0");
      expect(limited.headers.get("anthropic-ratelimit-requests-limit")).toBe("30");
      expect(((await limited.json()) as { error: { type: string } }).error.type).toBe("rate_limit_error");
    } finally {
      await bucket.close();
    }
  });
});
