// The scheduler end to end: real SDK -> simulated Messages API over 127.0.0.1.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createModelClient } from "../src/anthropic.js";
import { loadProject } from "../src/config.js";
import { blindingTerms, configuredModels, judgeKeyOf } from "../src/judge.js";
import { planRun, runPlan, type Progress } from "../src/run.js";
import { startSimServer, type SimServer } from "../src/sim/server.js";
import type { Project } from "../src/types.js";
import { writeTree } from "./support/files.js";

let sim: SimServer;
let dir: string;

async function project(files: Record<string, string>): Promise<Project> {
  await writeTree(dir, files);
  return loadProject(dir);
}

const skill = "---\nname: echo\ndescription: Echoes things.\n---\nRepeat the input back, politely. You are Claude by Anthropic.\n";
function benchmark(cases: string[], models?: string[]): string {
  return [
    "skill: skills/echo/SKILL.md",
    ...(models ? [`models: [${models.join(", ")}]`] : []),
    "cases:",
    ...cases.flatMap((input, i) => [`  - id: c${i}`, `    input: ${JSON.stringify(input)}`, ...(i % 2 ? [`    expected: "answer ${i}"`] : [])]),
  ].join("\n");
}

async function run(p: Project, onProgress?: (progress: Progress) => void) {
  const blindTerms = blindingTerms(configuredModels(p.config, p.benchmarks));
  const judgeKey = judgeKeyOf(p.config.judge.model, blindTerms);
  const plan = planRun(p.benchmarks, p.skills, p.config, judgeKey);
  const client = createModelClient({ apiKey: "sk-test-secret-key", baseUrl: sim.url, maxRetries: 2, timeoutMs: 10_000, sleep: async () => {} });
  const outcome = await runPlan(plan, {
    client,
    config: p.config,
    judge: {
      model: p.config.judge.model,
      maxTokens: p.config.judge.maxTokens,
      blindTerms,
    },
    ...(onProgress ? { onProgress } : {}),
  });
  return { plan, ...outcome };
}

beforeAll(async () => {
  sim = await startSimServer({ latencyMs: [15, 40] });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(async () => {
  sim.reset();
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = await mkdtemp(join(tmpdir(), "skillbench-run-"));
});

describe("runPlan against the simulated API", () => {
  it("keeps every call of the run under one limit, measured at the server, and judges while generating", async () => {
    const p = await project({
      "skillbench.yml": "concurrency: 3\nmodels: [claude-sonnet-5, claude-haiku-4-5]\n",
      "skills/echo/SKILL.md": skill,
      "benchmarks/echo.yml": benchmark(Array.from({ length: 10 }, (_, i) => `question number ${i}`)),
    });
    const progress: Progress[] = [];
    const { results, plan, calls } = await run(p, (pr) => progress.push(pr));

    expect(results).toHaveLength(20);
    expect(plan).toHaveLength(20);
    expect(calls).toBe(40);
    expect(sim.requests).toHaveLength(40);
    expect(sim.maxInFlight).toBeLessThanOrEqual(3);
    expect(sim.maxInFlight).toBeGreaterThanOrEqual(2);
    // A judgement starts as soon as its output exists: the first judge request comes before the last generation.
    const kinds = sim.requests.map((r) => r.kind);
    expect(kinds.indexOf("judge")).toBeLessThan(kinds.lastIndexOf("generate"));
    expect(results.every((r) => r.judged && r.error === null && r.quality !== null)).toBe(true);
    expect(progress.at(-1)).toMatchObject({ done: 20, total: 20, errors: 0 });
    expect(progress.map((x) => x.done)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    // Costs: known prices give a cost per result and for the judge.
    expect(results.every((r) => (r.costUsd ?? 0) > 0 && (r.judgeCostUsd ?? 0) > 0)).toBe(true);
  });

  it("shows the judge no candidate model, alias or provider name in the output; the task as written", async () => {
    const p = await project({
      "skillbench.yml": "models: [claude-sonnet-5, claude-haiku-4-5-20251001]\njudge: { model: claude-opus-4-8 }\n",
      "skills/echo/SKILL.md": skill,
      "benchmarks/echo.yml": benchmark(["sim:self-identify Which model are you, Claude Sonnet or Haiku?", "sim:self-identify say hello"]),
    });
    const { results } = await run(p);
    // The candidates did name themselves.
    for (const result of results) expect(result.output).toContain(`(${result.model})`);
    const judged = sim.requests.filter((r) => r.kind === "judge");
    expect(judged).toHaveLength(4);
    for (const request of judged) {
      const { model, ...rest } = request.body as Record<string, unknown>;
      expect(model).toBe("claude-opus-4-8");
      const user = JSON.stringify(rest);
      const output = /<assistant_output>([\s\S]*?)<\/assistant_output>/.exec(user)?.[1] ?? "";
      expect(output).toContain("[redacted]");
      expect(output).not.toMatch(/claude|anthropic|sonnet|haiku|\u200b|[\u0400-\u04ff]/i);
      // The skill and the input are the task: the judge sees them unredacted.
      expect(user).toContain("You are Claude by Anthropic.");
    }
  });

  it("isolates failures per pair: refusal, truncation and judge failures end as recorded errors or unjudged", async () => {
    const p = await project({
      "skillbench.yml": "models: [claude-haiku-4-5]\n",
      "skills/echo/SKILL.md": skill,
      "benchmarks/echo.yml": benchmark(["fine one", "please sim:fault=refusal", "please sim:fault=max-tokens", "fine two"]),
    });
    sim.addFault({ fault: "invalid-json", kind: "judge", contains: "fine two" });
    const { results } = await run(p);
    const [fine, refused, truncated, badJudge] = results;
    expect(fine).toMatchObject({ judged: true, error: null });
    expect(refused?.error).toMatch(/refus/);
    expect(refused).toMatchObject({ judged: false, quality: null });
    expect(truncated?.error).toMatch(/max_tokens|truncat/);
    expect(truncated?.judged).toBe(false);
    expect(badJudge).toMatchObject({ judged: false, error: null, quality: null, recall: null });
    expect(badJudge?.judgeError).toMatch(/not valid JSON/);
    expect(badJudge?.output).toBeTruthy();
  });

  it("records an out-of-range judgement as unjudged, never as a score", async () => {
    const p = await project({
      "skillbench.yml": "models: [claude-haiku-4-5]\n",
      "skills/echo/SKILL.md": skill,
      "benchmarks/echo.yml": benchmark(["one"]),
    });
    sim.addFault({ fault: "out-of-range", kind: "judge" });
    const { results } = await run(p);
    expect(results[0]).toMatchObject({ judged: false, quality: null, faithfulness: null });
    expect(results[0]?.judgeError).toMatch(/<= 100|>= 0/);
  });

  it("sends no sampling parameters unless configured for that model", async () => {
    const p = await project({
      "skillbench.yml": "models: [claude-sonnet-5, claude-haiku-4-5]\nsampling: { claude-haiku-4-5: { temperature: 0.2 } }\n",
      "skills/echo/SKILL.md": skill,
      "benchmarks/echo.yml": benchmark(["one"]),
    });
    const { results } = await run(p);
    expect(results.every((r) => r.error === null)).toBe(true);
    const bodies = sim.requests.filter((r) => r.kind === "generate").map((r) => r.body as Record<string, unknown>);
    expect(bodies.find((b) => b.model === "claude-sonnet-5")).not.toHaveProperty("temperature");
    expect(bodies.find((b) => b.model === "claude-haiku-4-5")).toHaveProperty("temperature", 0.2);
    for (const judge of sim.requests.filter((r) => r.kind === "judge")) expect(judge.body).not.toHaveProperty("temperature");
  });

  it("reports an unknown model's cost as null without failing the run", async () => {
    const p = await project({
      "skillbench.yml": "models: [claude-brand-new-9]\n",
      "skills/echo/SKILL.md": skill,
      "benchmarks/echo.yml": benchmark(["one"]),
    });
    const { results } = await run(p);
    expect(results[0]).toMatchObject({ judged: true, costUsd: null });
    expect(results[0]?.judgeCostUsd).toBeGreaterThan(0);
  });
});
