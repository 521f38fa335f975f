// Samples (generations per case, judgements per output), extra rounds and adaptive sampling: the real SDK
// against the simulated Messages API, which records every request.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createModelClient } from "../src/anthropic.js";
import { loadProject } from "../src/project.js";
import { blindingTerms, configuredModels, judgeKeyOf } from "../src/judge.js";
import { runPipeline, type Logger } from "../src/pipeline.js";
import { startSimServer, type SimServer } from "../src/sim/server.js";
import type { BaselineEntry, BaselineSnapshot, BaselineStore, Mode, Project, Report } from "../src/types.js";
import { writeTree } from "./support/files.js";
import { planAndRun } from "./support/plan-run.js";

let sim: SimServer;
let dir: string;

beforeAll(async () => {
  sim = await startSimServer({ latencyMs: [5, 15], judgeNoise: { sd: 10, seed: "samples" } });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(async () => {
  sim.reset();
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = await mkdtemp(join(tmpdir(), "skillbench-samples-"));
});

const files = (entries: Record<string, string>): Promise<void> => writeTree(dir, entries);

function benchmark(skill: string, inputs: string[]): string {
  return [`skill: ${skill}`, "cases:", ...inputs.flatMap((input, i) => [`  - id: c${i}`, `    input: ${JSON.stringify(input)}`])].join("\n");
}

const client = () => createModelClient({ apiKey: "sk-test-samples", baseUrl: sim.url, maxRetries: 0, timeoutMs: 10_000, sleep: async () => {} });

const runProject = (p: Project) => planAndRun(p, { client: client() });

const judgeRequests = () => sim.requests.filter((r) => r.kind === "judge");
const generateRequests = () => sim.requests.filter((r) => r.kind === "generate");

describe("samples and judge.samples", () => {
  it("generates `samples` outputs per pair, judges each `judge.samples` times, and averages every judgement per case", async () => {
    await files({
      "skillbench.yml": "models: [claude-haiku-4-5]\nsamples: 2\njudge: { samples: 3 }\nconcurrency: 4\n",
      // Long enough for the judge's prompt (its system prompt, then this skill, the case and the output) to be cached.
      "skills/echo.md": `Answer briefly.\n${"Keep to the facts of the question and say nothing else. ".repeat(100)}\n`,
      "benchmarks/echo.yml": benchmark("skills/echo.md", ["first question", "second question"]),
    });
    const { results, calls } = await runProject(await loadProject(dir));

    expect(generateRequests()).toHaveLength(2 * 2);
    expect(judgeRequests()).toHaveLength(2 * 2 * 3);
    expect(calls).toBe(2 * 2 + 2 * 2 * 3);
    for (const result of results) {
      expect(result).toMatchObject({ generations: 2, judgements: 6, calls: 8, judged: true, error: null });
      expect(result.qualitySamples).toHaveLength(6);
      // The noisy judge scores the same output differently each time: the per-case score is their mean.
      expect(new Set(result.qualitySamples).size).toBeGreaterThan(1);
      const mean = result.qualitySamples.reduce((a, b) => a + b, 0) / 6;
      expect(result.quality).toBeCloseTo(mean, 9);
      expect(result.outputs).toHaveLength(2);
      expect(result.output).toBe(result.outputs?.[0]);
      // Costs and usage are summed over every call of the pair.
      expect(result.usage?.outputTokens).toBeGreaterThan(0);
      expect(result.judgeUsage?.outputTokens).toBeGreaterThan(0);
    }
    // A judgement that will be repeated marks its user block (skill, case, output) as a cache breakpoint, and the
    // repeats of the same output read the cache the first one wrote.
    const content = judgeRequests()[0]?.body["messages"] as { content: { cache_control?: unknown }[] }[];
    expect(content[0]?.content[0]?.cache_control).toEqual({ type: "ephemeral" });
    const read = results.reduce((sum, r) => sum + (r.judgeUsage?.cacheReadInputTokens ?? 0), 0);
    const uncached = results.reduce((sum, r) => sum + (r.judgeUsage?.inputTokens ?? 0), 0);
    expect(read).toBeGreaterThan(uncached);
  });

  it("with one judgement per output, sends the user block uncached and keeps `outputs` away", async () => {
    await files({
      "skillbench.yml": "models: [claude-haiku-4-5]\njudge: { samples: 1 }\n",
      "skills/echo.md": "Answer briefly.\n",
      "benchmarks/echo.yml": benchmark("skills/echo.md", ["only question"]),
    });
    const { results } = await runProject(await loadProject(dir));
    expect(judgeRequests()).toHaveLength(1);
    // The stable prefix (skill, then input and reference) is cacheable; the output block after it is not.
    const messages = judgeRequests()[0]?.body["messages"] as { content: { cache_control?: unknown }[] }[] | undefined;
    const blocks = messages?.[0]?.content ?? [];
    expect(blocks.map((b) => b.cache_control ?? null)).toEqual([{ type: "ephemeral" }, { type: "ephemeral" }, null]);
    expect(results[0]).toMatchObject({ generations: 1, judgements: 1, calls: 2 });
    expect(results[0]?.qualitySamples).toEqual([results[0]?.quality]);
    expect(results[0]?.outputs).toBeUndefined();
  });

  it("a failed judgement among several leaves the others; a pair is unjudged only when none succeeded", async () => {
    await files({
      "skillbench.yml": "models: [claude-haiku-4-5]\njudge: { samples: 3 }\n",
      "skills/echo.md": "Answer briefly.\n",
      "benchmarks/echo.yml": benchmark("skills/echo.md", ["one bad judgement", "every judgement bad"]),
    });
    sim.addFault({ fault: "invalid-json", kind: "judge", contains: "one bad judgement", times: 1 });
    sim.addFault({ fault: "invalid-json", kind: "judge", contains: "every judgement bad", times: Infinity });
    const { results } = await runProject(await loadProject(dir));
    const [partly, none] = results;
    expect(partly).toMatchObject({ judged: true, judgements: 2, judgeError: null, calls: 4 });
    expect(partly?.quality).toBeCloseTo(((partly?.qualitySamples[0] ?? 0) + (partly?.qualitySamples[1] ?? 0)) / 2, 9);
    expect(none).toMatchObject({ judged: false, judgements: 0, quality: null, calls: 4 });
    expect(none?.judgeError).toMatch(/not valid JSON/);
    // The failed judgements were billed: their cost is in the pair's.
    expect(none?.judgeCostUsd).toBeGreaterThan(0);
  });

  it("a failed generation among several leaves the others; the pair errs only when every generation failed", async () => {
    await files({
      "skillbench.yml": "models: [claude-haiku-4-5]\nsamples: 3\njudge: { samples: 1 }\n",
      "skills/echo.md": "Answer briefly.\n",
      "benchmarks/echo.yml": benchmark("skills/echo.md", ["one bad generation", "every generation bad"]),
    });
    sim.addFault({ fault: "400", kind: "generate", contains: "one bad generation", times: 1 });
    sim.addFault({ fault: "400", kind: "generate", contains: "every generation bad", times: Infinity });
    const { results } = await runProject(await loadProject(dir));
    const [partly, none] = results;
    expect(partly).toMatchObject({ error: null, generations: 2, judgements: 2, judged: true });
    expect(none).toMatchObject({ generations: 0, judgements: 0, judged: false });
    expect(none?.error).toMatch(/invalid-request/);
    expect(judgeRequests().every((r) => !JSON.stringify(r.body).includes("every generation bad"))).toBe(true);
  });

  it("extra rounds add judgements and generations to chosen pairs only, merging into the per-case means", async () => {
    await files({
      "skillbench.yml": "models: [claude-haiku-4-5]\njudge: { samples: 1 }\n",
      "skills/echo.md": "Answer briefly.\n",
      "benchmarks/echo.yml": benchmark("skills/echo.md", ["gets more", "stays"]),
    });
    const outcome = await runProject(await loadProject(dir));
    const before = sim.requests.length;
    await outcome.more.judgements([0], 2);
    await outcome.more.generations([0], 1);
    const [more, same] = outcome.results;
    // 1 generation judged 1 + 2 times, then a second generation judged judge.samples (1) time.
    expect(more).toMatchObject({ generations: 2, judgements: 4, calls: 6 });
    const samples = more?.qualitySamples ?? [];
    expect(more?.quality).toBeCloseTo(samples.reduce((a, b) => a + b, 0) / samples.length, 9);
    expect(same).toMatchObject({ generations: 1, judgements: 1, calls: 2 });
    expect(sim.requests).toHaveLength(before + 4);
    expect(outcome.results.reduce((sum, r) => sum + (r.calls ?? 0), 0)).toBe(sim.requests.length);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Adaptive sampling through the pipeline. Without judge noise every judgement of an output is the same, and a
// `sim:quality=NN` case input fixes it, so a baseline chosen per case makes one skill borderline for good.

const silent: Logger = { info: () => {}, warning: () => {}, error: () => {}, debug: () => {} };

/** A read-only baseline store holding the given entries (pr mode never writes). */
function storeOf(snapshot: BaselineSnapshot): BaselineStore {
  return {
    read: async () => snapshot,
    write: async () => ({ commit: "0".repeat(40), attempts: 1 }),
  };
}

describe("adaptive sampling", () => {
  let quiet: SimServer;
  beforeAll(async () => {
    quiet = await startSimServer({ latencyMs: [2, 6] });
  });
  afterAll(async () => {
    await quiet.close();
  });
  beforeEach(() => quiet.reset());

  const now = new Date("2026-11-21T12:00:00Z");
  const pr = [70, 90, 72, 88, 75];
  const BORDER = [80, 80, 80, 80, 80]; // deltas -10 +10 -8 +8 -5: mean -1, interval straddles -5
  // The counts below assume one judgement per output unless a test asks for more: pinned, not left to the default.
  const ONE = "judge: { samples: 1 }\n";
  async function setUp(config: string, borderBaseline: readonly number[] = BORDER): Promise<BaselineSnapshot> {
    const inputs = pr.map((q, i) => `question ${i} sim:quality=${q}`);
    await files({
      "skillbench.yml": `models: [claude-haiku-4-5]\nconcurrency: 8\n${config}`,
      "skills/border.md": "Answer briefly.\n",
      "skills/steady.md": "Answer at length.\n",
      "benchmarks/border.yml": benchmark("skills/border.md", inputs),
      "benchmarks/steady.yml": benchmark("skills/steady.md", inputs),
    });
    const project = await loadProject(dir);
    const judgeKey = judgeKeyOf(project.config.judge.model, blindingTerms(configuredModels(project.config, project.benchmarks)));
    const skills = new Map(
      project.benchmarks.map((b) => {
        const skillHash = project.skills.get(b.skillPath)?.hash ?? "";
        const entries = b.cases.map((c, i): BaselineEntry => {
          const q = b.skillPath.includes("border") ? (borderBaseline[i] ?? 0) : (pr[i] ?? 0);
          return {
            key: `k${i}`,
            caseId: c.id,
            caseHash: c.hash,
            model: "claude-haiku-4-5",
            skillHash: "older",
            judgeKey,
            quality: q,
            faithfulness: q,
            relevancy: q,
            precision: q,
            recall: q,
            matchesExpected: null,
            costUsd: null,
            latencyMs: null,
            error: null,
            recordedAt: now.toISOString(),
            commit: null,
          };
        });
        return [b.skillPath, { skill: b.skillPath, skillHash, updatedAt: now.toISOString(), commit: null, entries }];
      }),
    );
    return { branch: "skillbench-baseline", commit: "1".repeat(40), found: true, skills, history: [], errors: [] };
  }

  async function run(mode: Mode, snapshot: BaselineSnapshot): Promise<{ report: Report | null; log: string[] }> {
    const log: string[] = [];
    const result = await runPipeline({
      root: dir,
      mode,
      skills: "all",
      commit: null,
      client: () => createModelClient({ apiKey: "sk-test-adaptive", baseUrl: quiet.url, maxRetries: 0, timeoutMs: 10_000 }),
      store: () => storeOf(snapshot),
      git: null,
      log: { ...silent, info: (m) => log.push(m) },
      now: () => now,
    });
    return { report: result.report, log };
  }
  const requestsFor = (kind: "judge" | "generate", text: string) =>
    quiet.requests.filter((r) => r.kind === kind && JSON.stringify(r.body).includes(text)).length;

  it("leaves a borderline (skill, model) that samples could not decide: its interval is centred on the threshold", async () => {
    const snapshot = await setUp(ONE);
    const { report, log } = await run("pr", snapshot);
    expect(quiet.requests).toHaveLength(20);
    expect(report?.skills.flatMap((s) => s.results).every((r) => r.judgements === 1)).toBe(true);
    expect(log.filter((m) => m.startsWith("adaptive"))).toEqual([
      "adaptive: 1 (skill, model) borderline, but more samples could not decide it (its interval narrowed by less than " +
        "10% in a round, or is too close to the threshold): stopping",
    ]);
  });

  it("adds judgements only to the borderline (skill, model) it could decide, and stops when its interval no longer narrows", async () => {
    // The judge's scores for these outputs, read from a first run; the baseline then makes the per-case deltas
    // -7 +3 -3 +4.5 +2.5: the interval straddles -5, and would clear it if it narrowed by bestNarrowing(4).
    const first = await run("pr", await setUp(`${ONE}adaptive: false\n`));
    const scores = first.report?.skills.find((s) => s.skill === "skills/border.md")?.results.map((r) => r.quality ?? 0) ?? [];
    const deltas = [-7, 3, -3, 4.5, 2.5];
    quiet.reset();
    const { report, log } = await run("pr", await setUp(ONE, scores.map((q, i) => q - (deltas[i] ?? 0))));
    const border = report?.skills.find((s) => s.skill === "skills/border.md");
    const steady = report?.skills.find((s) => s.skill === "skills/steady.md");
    expect(log[log.findIndex((m) => m.startsWith("adaptive"))]).toBe("adaptive round 1: 1 (skill, model) borderline, adding 1 judgement per output");
    const rounds = log.filter((m) => m.startsWith("adaptive round")).length;
    expect(rounds).toBeGreaterThanOrEqual(1);
    for (const result of border?.results ?? []) {
      expect(result).toMatchObject({ generations: 1, judgements: 1 + rounds, calls: 2 + rounds });
      // Every judgement is in the per-case mean.
      const samples = result.qualitySamples;
      expect(result.quality).toBeCloseTo(samples.reduce((a, b) => a + b, 0) / samples.length, 9);
    }
    for (const result of steady?.results ?? []) expect(result).toMatchObject({ generations: 1, judgements: 1, calls: 2 });
    expect(requestsFor("generate", "Answer briefly.")).toBe(5);
    expect(requestsFor("judge", "Answer briefly.")).toBe(5 * (1 + rounds));
    expect(requestsFor("generate", "Answer at length.")).toBe(5);
    expect(requestsFor("judge", "Answer at length.")).toBe(5);
    expect(report?.totals.calls).toBe(quiet.requests.length);
  });

  it("adds nothing when max-samples is already reached", async () => {
    const snapshot = await setUp(`${ONE}max-samples: 1\n`);
    const { log } = await run("pr", snapshot);
    expect(quiet.requests).toHaveLength(20);
    expect(log.filter((m) => m.startsWith("adaptive"))).toHaveLength(1);
    expect(log.find((m) => m.startsWith("adaptive"))).toMatch(/could not decide it|each is at max-samples \(1\): stopping/);
  });

  it("is off with adaptive: false, and never runs in baseline mode even when configured on", async () => {
    const snapshot = await setUp(`${ONE}adaptive: false\n`);
    await run("pr", snapshot);
    expect(quiet.requests).toHaveLength(20);

    quiet.reset();
    const on = await setUp(`${ONE}adaptive: true\n`);
    const { log } = await run("baseline", on);
    expect(quiet.requests).toHaveLength(20);
    expect(log.some((m) => m.startsWith("adaptive"))).toBe(false);
  });

  it("a dry run counts every generation and judgement and prices them", async () => {
    const estimate = async () => {
      const result = await runPipeline({ root: dir, mode: "pr", skills: "all", commit: null, client: null, store: null, git: null, log: silent, dryRun: true });
      // A dry run is its own kind of result: planned and priced, no report to look for.
      expect(result.kind).toBe("dry-run");
      expect("report" in result).toBe(false);
      return result.estimate;
    };
    await setUp(ONE);
    const one = await estimate();
    await setUp("samples: 2\njudge: { samples: 3 }\n");
    const more = await estimate();
    expect(one.calls).toBe(10 * 2);
    expect(more.calls).toBe(10 * 2 * (1 + 3));
    expect(quiet.requests).toHaveLength(0);
    // Twice the generations, and three judgements of each instead of one, the repeats reading the prompt cache.
    const ratio = more.pricedUsd / one.pricedUsd;
    expect(ratio).toBeGreaterThan(2);
    expect(ratio).toBeLessThan(2 * 3);
  });
});
