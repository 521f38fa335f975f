// The scheduler end to end: real SDK -> simulated Messages API over 127.0.0.1.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createModelClient } from "../src/anthropic.js";
import { loadProject } from "../src/project.js";
import { judgeKeyOf } from "../src/judge.js";
import { planRun, runPlan, type Progress } from "../src/run.js";
import { startSimServer, type SimServer } from "../src/sim/server.js";
import { ModelCallError } from "../src/errors.js";
import type { ModelClient, Project } from "../src/types.js";
import { writeTree } from "./support/files.js";
import { planAndRun } from "./support/plan-run.js";

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

function run(p: Project, onProgress?: (progress: Progress) => void) {
  const client = createModelClient({ apiKey: "sk-test-secret-key", baseUrl: sim.url, maxRetries: 2, timeoutMs: 10_000, sleep: async () => {} });
  return planAndRun(p, { client, ...(onProgress ? { onProgress } : {}) });
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
      "skillbench.yml": "concurrency: 3\nmodels: [claude-sonnet-5, claude-haiku-4-5]\njudge: { samples: 1 }\n",
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
      "skillbench.yml": "models: [claude-sonnet-5, claude-haiku-4-5-20251001]\njudge: { model: claude-opus-4-8, samples: 1 }\n",
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
      "skillbench.yml": "models: [claude-haiku-4-5]\njudge: { samples: 1 }\n",
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
      "skillbench.yml": "models: [claude-haiku-4-5]\njudge: { samples: 1 }\n",
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

describe("runPlan stops calling what cannot succeed", () => {
  it("a model the API does not know (404) costs one call; its other pairs end 'not run', the other model runs", async () => {
    const p = await project({
      "skillbench.yml": "concurrency: 8\nmodels: [claude-sonnet-5, claude-does-not-exist-1]\n",
      "skills/echo/SKILL.md": skill,
      "benchmarks/echo.yml": benchmark(Array.from({ length: 6 }, (_, i) => `question ${i}`)),
    });
    const { results, stops } = await run(p);
    expect(sim.requests.filter((r) => r.model === "claude-does-not-exist-1")).toHaveLength(1);
    const dead = results.filter((r) => r.model === "claude-does-not-exist-1");
    expect(dead).toHaveLength(6);
    expect(dead.filter((r) => r.error?.startsWith("not-found:"))).toHaveLength(1);
    expect(dead.filter((r) => r.error === "not run: model claude-does-not-exist-1 was not found (HTTP 404) (on an earlier call)")).toHaveLength(5);
    expect(results.filter((r) => r.model === "claude-sonnet-5").every((r) => r.judged)).toBe(true);
    expect(stops).toEqual([
      {
        model: "claude-does-not-exist-1",
        cause: "model claude-does-not-exist-1 was not found (HTTP 404)",
        pairsNotRun: 5,
        message: "Stopped calling claude-does-not-exist-1: model claude-does-not-exist-1 was not found (HTTP 404); 5 more pair(s) of it were not run.",
      },
    ]);
  });

  it("the spend cap stops every model: each model's first call, then nothing", async () => {
    const p = await project({
      "skillbench.yml": "concurrency: 8\nmodels: [claude-sonnet-5, claude-haiku-4-5]\n",
      "skills/echo/SKILL.md": skill,
      "benchmarks/echo.yml": benchmark(Array.from({ length: 5 }, (_, i) => `question ${i}`)),
    });
    sim.addFault({ fault: "429-spend-cap", times: Infinity });
    const { results, stops } = await run(p);
    expect(sim.requests.length).toBeLessThanOrEqual(2);
    expect(results.every((r) => r.error !== null)).toBe(true);
    expect(stops).toHaveLength(1);
    expect(stops[0]).toMatchObject({ model: null, cause: expect.stringMatching(/spend limit/) });
    expect(stops[0]?.pairsNotRun).toBe(10 - sim.requests.length);
  });

  it("a judge model the API does not know ends the run's judging and generating with one cause", async () => {
    const p = await project({
      "skillbench.yml": "concurrency: 4\nmodels: [claude-haiku-4-5]\njudge: { model: claude-does-not-exist-judge }\n",
      "skills/echo/SKILL.md": skill,
      "benchmarks/echo.yml": benchmark(Array.from({ length: 6 }, (_, i) => `question ${i}`)),
    });
    const { results, stops } = await run(p);
    expect(sim.requests.filter((r) => r.kind === "judge")).toHaveLength(1);
    expect(results.every((r) => !r.judged)).toBe(true);
    expect(stops).toEqual([expect.objectContaining({ model: null, cause: "judge model claude-does-not-exist-judge was not found (HTTP 404)" })]);
    // Pairs that had generated before the stop are "not judged"; the rest were not generated at all.
    for (const r of results.slice(1)) expect(r.error ?? r.judgeError).toMatch(/^not (run|judged): judge model claude-does-not-exist-judge was not found/);
  });

  it("a rejected key (401) stops the run after the first call of each model (typed fake client)", async () => {
    const p = await project({
      "skillbench.yml": "concurrency: 4\nmodels: [claude-haiku-4-5]\n",
      "skills/echo/SKILL.md": skill,
      "benchmarks/echo.yml": benchmark(Array.from({ length: 4 }, (_, i) => `question ${i}`)),
    });
    let calls = 0;
    const client: ModelClient = {
      call: async (request) => {
        calls += 1;
        throw new ModelCallError("auth", `the API rejected the key for ${request.model} (HTTP 401 authentication_error: invalid x-api-key); check anthropic-api-key / ANTHROPIC_API_KEY`, { status: 401 });
      },
    };
    const plan = planRun(p.benchmarks, p.skills, p.config, judgeKeyOf(p.config.judge.model, []));
    const outcome = await runPlan(plan, { client, config: p.config, judge: { model: p.config.judge.model, maxTokens: 100, blindTerms: [] } });
    expect(calls).toBe(1);
    expect(outcome.results.slice(1).map((r) => r.error)).toEqual(
      Array(3).fill("not run: the API rejected the key (HTTP 401 authentication_error): check anthropic-api-key / ANTHROPIC_API_KEY (on an earlier call)"),
    );
  });
});
