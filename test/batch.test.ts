// Message Batches end to end: the real SDK against the simulator's batch endpoints over 127.0.0.1, the scheduler
// (runPlan) gathering calls into batches, and the CLI's batch: auto switching.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createModelClient } from "../src/anthropic.js";
import { batchWanted, orderForCache } from "../src/batch.js";
import { loadProject } from "../src/project.js";
import { estimateCost } from "../src/estimate.js";
import { BUILTIN_PRICING, costOf, priceFor } from "../src/pricing.js";
import { budgetNotRun, NOT_RUN, type RunBatchOptions, type RunOptions } from "../src/run.js";
import { SIM_BATCH_HEADER, startSimServer, type SimOptions, type SimServer } from "../src/sim/server.js";
import type { Project, Report } from "../src/types.js";
import { runCli, simCliEnv } from "./support/cli-runner.js";
import { writeTree } from "./support/files.js";
import { makeRepoWithOrigin } from "./support/git-repo.js";
import { planAndRun } from "./support/plan-run.js";

let sims: SimServer[] = [];
let dir: string;

async function sim(options: SimOptions = {}): Promise<SimServer> {
  const server = await startSimServer({ latencyMs: [2, 8], seed: "batch", ...options });
  sims.push(server);
  return server;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "skillbench-batch-"));
});
afterEach(async () => {
  for (const server of sims) await server.close();
  sims = [];
  await rm(dir, { recursive: true, force: true });
});

// Short: below every model's cacheable minimum, so a batched call costs exactly half of the same call made alone.
const skill = "---\nname: echo\ndescription: Echoes things.\n---\nRepeat the input back, politely.\n";

async function project(cases: number, config = "models: [claude-sonnet-5, claude-haiku-4-5]\njudge: { samples: 1 }\n"): Promise<Project> {
  await writeTree(dir, {
    "skillbench.yml": config,
    "skills/echo/SKILL.md": skill,
    "benchmarks/echo.yml": [
      "skill: skills/echo/SKILL.md",
      "cases:",
      ...Array.from({ length: cases }, (_, i) => `  - id: c${i}\n    input: "question number ${i} please"`),
    ].join("\n"),
  });
  return loadProject(dir);
}

/** A clock that moves only when the run sleeps: polls and timeouts without waiting. */
function fakeClock() {
  let now = 1_000_000;
  const sleep = async (ms: number) => {
    now += ms;
    await new Promise((r) => setImmediate(r));
  };
  return { now: () => now, sleep };
}

function run(server: SimServer, p: Project, batch: Partial<RunBatchOptions> | null, extra: Partial<RunOptions> = {}) {
  const client = createModelClient({ apiKey: "sk-test-batch-key", baseUrl: server.url, maxRetries: 1, timeoutMs: 10_000, sleep: async () => {} });
  const clock = fakeClock();
  const notices: string[] = [];
  const progress: string[] = [];
  const outcome = planAndRun(p, {
    client,
    batch: batch === null ? null : { timeoutMs: 60 * 60_000, now: clock.now, sleep: clock.sleep, notice: (m) => notices.push(m), progress: (l) => progress.push(l), ...batch },
    ...extra,
  });
  return { outcome, notices, progress };
}

const batchedRequests = (server: SimServer) => server.requests.filter((r) => r.headers[SIM_BATCH_HEADER] !== undefined);
const directRequests = (server: SimServer) => server.requests.filter((r) => r.headers[SIM_BATCH_HEADER] === undefined);

describe("Message Batches in a run", () => {
  it("sends the generations in one batch and the judgements in a second, at half the price of the same calls made alone", async () => {
    const p = await project(6);
    const batchedSim = await sim();
    const { outcome, progress } = run(batchedSim, p, {});
    const { results, batch, calls } = await outcome;
    const syncSim = await sim();
    const sync = await run(syncSim, p, null).outcome;

    expect(batchedSim.batches.map((b) => b.requests)).toEqual([12, 12]);
    expect(batchedRequests(batchedSim)).toHaveLength(24);
    expect(directRequests(batchedSim)).toHaveLength(0);
    expect(batch).toMatchObject({ batches: 2, batched: 24, synchronous: 0 });
    expect(calls).toBe(24);
    expect(progress.some((line) => /Batch msgbatch_\S+: 12 request\(s\) sent at half price/.test(line))).toBe(true);
    // The results come out of request order; each still lands on its own pair: the same output as the pair alone.
    for (const [index, result] of results.entries()) {
      const alone = sync.results[index];
      expect(result.judged).toBe(true);
      expect(result.batched).toBe(true);
      expect(result.output).toBe(alone?.output);
      expect(result.quality).toBe(alone?.quality);
      expect(result.costUsd).toBeCloseTo((alone?.costUsd ?? 0) / 2, 12);
      expect(result.judgeCostUsd).toBeCloseTo((alone?.judgeCostUsd ?? 0) / 2, 12);
      // A batch's latency is queueing, not the model's.
      expect(result.latencyMs).toBeNull();
      expect(alone?.batched).toBeUndefined();
    }
  });

  it("lists results out of request order (the simulator, through the SDK)", async () => {
    const server = await sim();
    const client = createModelClient({ apiKey: "sk-test-batch-key", baseUrl: server.url, maxRetries: 0, timeoutMs: 10_000 });
    const api = client.batches;
    if (!api) throw new Error("the client has no batches API");
    const entries = Array.from({ length: 8 }, (_, i) => ({
      customId: `e${i}`,
      request: { model: "claude-haiku-4-5", system: "Answer.", user: `item ${i}`, maxTokens: 256 },
    }));
    let status = await api.create(entries);
    for (let poll = 0; poll < 200 && status.status !== "ended"; poll++) {
      await new Promise((r) => setTimeout(r, 10));
      status = await api.retrieve(status.id);
    }
    expect(status).toMatchObject({ status: "ended", counts: { succeeded: 8, processing: 0 } });
    const ids: string[] = [];
    for await (const outcome of api.results(status.id)) {
      ids.push(outcome.customId);
      expect(outcome.type).toBe("succeeded");
    }
    expect([...ids].sort()).toEqual(entries.map((e) => e.customId).sort());
    expect(ids).not.toEqual(entries.map((e) => e.customId));
  });

  it("ends errored, expired and canceled entries as errors of their own pairs; nothing is lost", async () => {
    const p = await project(6, "models: [claude-haiku-4-5]\njudge: { samples: 1 }\n");
    const server = await sim({
      batch: {
        outcomes: [
          { contains: "question number 1 please", outcome: "errored" },
          { contains: "question number 2 please", outcome: "expired" },
          { contains: "question number 3 please", outcome: "canceled" },
        ],
      },
    });
    const { results } = await run(server, p, {}).outcome;
    const byCase = new Map(results.map((r) => [r.caseId, r]));
    expect(results).toHaveLength(6);
    expect(byCase.get("c1")?.error).toMatch(/server: the batched call to claude-haiku-4-5 failed: HTTP 500 api_error/);
    expect(byCase.get("c2")?.error).toMatch(/expired/);
    expect(byCase.get("c3")?.error).toMatch(/canceled/);
    for (const id of ["c0", "c4", "c5"]) expect(byCase.get(id)).toMatchObject({ error: null, judged: true, batched: true });
    // Only the three good outputs were judged, in the second batch.
    expect(server.batches.map((b) => b.requests)).toEqual([6, 3]);
  });

  it("after batch-timeout-minutes cancels the batch and runs what is unfinished synchronously", async () => {
    const p = await project(4, "models: [claude-haiku-4-5]\njudge: { samples: 1 }\n");
    const server = await sim({ batch: { stall: true } });
    const { outcome, notices } = run(server, p, { timeoutMs: 5 * 60_000 });
    const { results, batch } = await outcome;
    expect(server.batches).toEqual([expect.objectContaining({ requests: 4, status: "ended" })]);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/did not end within batch-timeout-minutes \(5\).*synchronously/);
    // Every pair generated and judged synchronously: the generations again, and the judgements never batched.
    expect(results.every((r) => r.error === null && r.judged && r.batched === undefined)).toBe(true);
    expect(directRequests(server).map((r) => r.kind).sort()).toEqual(["generate", "generate", "generate", "generate", "judge", "judge", "judge", "judge"]);
    expect(batch).toMatchObject({ batches: 1, batched: 0, synchronous: 8 });
  });

  it("falls back to synchronous calls for everything, with one notice, when the batches endpoint answers 404", async () => {
    const p = await project(5);
    const server = await sim({ batch: { notFound: true } });
    const { outcome, notices } = run(server, p, {});
    const { results, batch } = await outcome;
    expect(notices).toEqual([expect.stringMatching(/Message Batches off for the rest of this run: the Message Batches endpoint is not available \(HTTP 404/)]);
    expect(results.every((r) => r.judged && r.error === null && r.batched === undefined)).toBe(true);
    expect(batchedRequests(server)).toHaveLength(0);
    expect(directRequests(server)).toHaveLength(20);
    expect(batch).toMatchObject({ batches: 0, synchronous: 20 });
  });

  it("a cancelled run cancels its batch: nothing runs synchronously and every pair says it was not run", async () => {
    const p = await project(4, "models: [claude-haiku-4-5]\njudge: { samples: 1 }\n");
    const server = await sim({ batch: { stall: true } });
    const controller = new AbortController();
    const { outcome } = run(server, p, { progress: (line) => void (line.includes("sent at half price") && controller.abort()) }, {
      signal: controller.signal,
      // A grace period that does not end: the batch's canceled entries end the calls, not the hard abort.
      graceMs: 60_000,
      sleep: () => new Promise<void>(() => {}),
    });
    const { results } = await outcome;
    expect(server.batches).toEqual([expect.objectContaining({ status: "ended" })]);
    expect(results.map((r) => r.error)).toEqual([NOT_RUN, NOT_RUN, NOT_RUN, NOT_RUN]);
    expect(directRequests(server)).toHaveLength(0);
  });

  it("the budget admits requests into a batch while the spend plus their estimate is under it", async () => {
    const p = await project(6, "models: [claude-haiku-4-5]\njudge: { samples: 1 }\n");
    const server = await sim();
    const budgetUsd = 1e-7;
    const { results } = await run(server, p, {}, { budgetUsd }).outcome;
    // The first request fits (nothing spent or reserved yet); the rest would go over.
    expect(server.batches.map((b) => b.requests)).toEqual([1]);
    expect(results.filter((r) => r.error === budgetNotRun(budgetUsd))).toHaveLength(5);
    const ran = results.find((r) => r.error === null);
    expect(ran?.judgeError).toBe(budgetNotRun(budgetUsd, "judged"));
    expect(directRequests(server)).toHaveLength(0);
  });
});

describe("the order of a batch", () => {
  it("puts the first request of every cache prefix first, so the others can read what it wrote", () => {
    const req = (model: string, system: string, user: string) => ({ request: { model, system, user, maxTokens: 10, cacheSystem: true }, user });
    const wave = [req("m", "A", "a1"), req("m", "A", "a2"), req("m", "A", "a3"), req("m", "B", "b1"), req("m", "B", "b2"), req("n", "A", "n1")];
    expect(orderForCache(wave).map((w) => w.user)).toEqual(["a1", "b1", "n1", "a2", "b2", "a3"]);
    // The judge's first user breakpoint (the skill) is its shared prefix; later blocks do not split it.
    const judge = (skill: string, input: string) => ({
      request: { model: "j", system: "S", user: "", maxTokens: 10, userBlocks: [{ text: skill, cache: true }, { text: input, cache: true }, { text: "out" }] },
      user: `${skill}${input}`,
    });
    expect(orderForCache([judge("s1", "x"), judge("s1", "y"), judge("s2", "x")]).map((w) => w.user)).toEqual(["s1x", "s2x", "s1y"]);
  });
});

describe("batch pricing", () => {
  it("halves input, output, cache writes and cache reads alike: the discount stacks with the cache multipliers", () => {
    const price = priceFor("claude-sonnet-5", BUILTIN_PRICING);
    if (!price) throw new Error("no price");
    const usage = { inputTokens: 1000, outputTokens: 1000, cacheCreationInputTokens: 1000, cacheReadInputTokens: 1000 };
    // $2 input, $10 output, $2.50 cache write (1.25x), $0.20 cache read (0.1x) per million.
    expect(costOf(usage, price)).toBeCloseTo(0.0147, 12);
    expect(costOf(usage, price, { batched: true })).toBeCloseTo(0.00735, 12);
  });

  it("the dry-run estimate is half when the run would batch", async () => {
    const p = await project(10);
    const plan = (await import("../src/run.js")).planRun(p.benchmarks, p.skills, p.config, "k");
    const full = estimateCost(plan, p.config);
    const half = estimateCost(plan, p.config, { batched: true });
    expect(half.batched).toBe(true);
    expect(half.usd).toBeCloseTo((full.usd ?? 0) / 2, 12);
    expect(half.calls).toBe(full.calls);
  });

  it.each([
    ["auto", "baseline", 20, true],
    ["auto", "baseline", 19, false],
    ["auto", "pr", 500, false],
    ["on", "pr", 1, true],
    ["off", "baseline", 500, false],
  ] as const)("batch %s in %s mode with %i calls: %s", (mode, runMode, calls, expected) => {
    expect(batchWanted(mode, runMode, calls)).toBe(expected);
  });
});

describe("batch: auto through the CLI", () => {
  it("batches a nightly run of 20+ calls and not a pull request's; --batch off and bad values are flags like any other", async () => {
    const server = await sim();
    const repo = await makeRepoWithOrigin({
      "skillbench.yml": "models: [claude-haiku-4-5]\njudge: { samples: 1 }\n",
      "skills/echo/SKILL.md": skill,
      "benchmarks/echo.yml": `skill: skills/echo/SKILL.md\ncases:\n${Array.from({ length: 10 }, (_, i) => `  - id: q${i}\n    input: "question ${i}"`).join("\n")}\n`,
      ".gitignore": "skillbench-report.json\n",
    });
    try {
      const cli = (argv: string[]) => runCli(argv, { cwd: repo.dir, env: simCliEnv(server.url, "sk-test") });
      const dry = await cli(["run", "--mode", "baseline", "--dry-run"]);
      expect(dry.stderr + dry.stdout).toContain("as Message Batches at half price");
      expect((await cli(["run", "--mode", "baseline"])).code).toBe(0);
      expect(server.batches.map((b) => b.requests)).toEqual([10, 10]);
      const report = JSON.parse(await readFile(join(repo.dir, "skillbench-report.json"), "utf8")) as Report;
      expect(report.skills[0]?.results.every((r) => r.batched === true && r.judged)).toBe(true);
      server.reset();
      const before = server.batches.length;
      expect((await cli(["run", "--mode", "pr", "--no-baseline", "--skills", "all", "--no-cache"])).code).not.toBe(2);
      expect(directRequests(server).length).toBeGreaterThan(0);
      expect((await cli(["run", "--mode", "baseline", "--batch", "off"])).code).toBe(0);
      expect(server.batches.length).toBe(before);
      const bad = await cli(["run", "--batch", "sometimes", "--dry-run", "--no-baseline"]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/--batch.*must be one of auto, on, off, not "sometimes"/);
      const badTimeout = await cli(["run", "--batch-timeout-minutes", "0", "--dry-run", "--no-baseline"]);
      expect(badTimeout.stderr).toMatch(/--batch-timeout-minutes.*greater than 0/);
    } finally {
      await repo.cleanup();
    }
  });
});
