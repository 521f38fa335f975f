// Cost: the judge's cacheable prefix, prefix-first scheduling, result reuse (cache-path) and the budget
// (max-cost-usd), end to end: real SDK -> simulated Messages API, the CLI in process on real git repositories.
import { lstat, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createModelClient } from "../src/anthropic.js";
import { loadProject } from "../src/project.js";
import { Limiter } from "../src/limiter.js";
import { estimateCost } from "../src/estimate.js";
import { runPipeline } from "../src/pipeline.js";
import { Redactor } from "../src/redact.js";
import { ResultCache, resultCacheKey } from "../src/result-cache.js";
import { budgetNotRun } from "../src/run.js";
import { startSimServer, type SimServer } from "../src/sim/server.js";
import type { CaseResult, ModelClient, Report } from "../src/types.js";
import { runCli, simCliEnv } from "./support/cli-runner.js";
import { makeRepoWithOrigin, type RepoWithOrigin } from "./support/git-repo.js";
import { writeTree } from "./support/files.js";
import { planAndRun } from "./support/plan-run.js";

let sim: SimServer;
let repo: RepoWithOrigin;

/** ~5,000 tokens of instructions: long enough for every model's cache minimum. */
const longSkill = `---\nname: support\ndescription: Answers support requests.\n---\n${Array.from(
  { length: 220 },
  (_, i) => `${i + 1}. Rule ${i}: check the request for detail ${i * 7}, answer plainly, keep the customer's terms.`,
).join("\n")}\n`;
const shortSkill = "---\nname: greet\ndescription: Greets people.\n---\nGreet the person named in the input warmly.\n";
const cases = (n: number) => Array.from({ length: n }, (_, i) => `  - id: c${i}\n    input: "Request number ${i}"`).join("\n");

function cli(argv: string[], env: Record<string, string> = {}) {
  return runCli(argv, { cwd: repo.dir, env: simCliEnv(sim.url, "sk-test-cost", env) });
}
async function readReport(): Promise<Report> {
  return JSON.parse(await readFile(join(repo.dir, "skillbench-report.json"), "utf8")) as Report;
}

beforeAll(async () => {
  sim = await startSimServer({ latencyMs: [2, 8] });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(async () => {
  sim.reset();
  repo = await makeRepoWithOrigin({
    // These tests count calls: one judgement per output (the default is two), pinned here.
    "skillbench.yml": "models: [claude-sonnet-5, claude-haiku-4-5]\nconcurrency: 4\njudge: { samples: 1 }\n",
    "skills/greet/SKILL.md": shortSkill,
    "benchmarks/greet.yml": `skill: skills/greet/SKILL.md\ncases:\n${cases(3)}\n`,
    ".gitignore": "skillbench-report.json\n.skillbench/\n",
  });
});
afterEach(async () => {
  await repo.cleanup();
});

describe("the estimate", () => {
  it("prices caching as the run caches: close to what a long-skill run spends, well under the uncached price", async () => {
    const dir = await mkdtemp(join(tmpdir(), "skillbench-estimate-"));
    try {
      await writeTree(dir, {
        "skillbench.yml": "models: [claude-sonnet-5, claude-haiku-4-5]\nconcurrency: 4\njudge: { samples: 2 }\n",
        "skills/support/SKILL.md": longSkill,
        "benchmarks/support.yml": `skill: skills/support/SKILL.md\ncases:\n${cases(6)}\n`,
      });
      const p = await loadProject(dir);
      const client = createModelClient({ apiKey: "sk-test-cost", baseUrl: sim.url, maxRetries: 0, timeoutMs: 10_000 });
      const { plan, results } = await planAndRun(p, { client });
      expect(results.every((r) => r.judged && r.error === null)).toBe(true);
      const spent = results.reduce((sum, r) => sum + (r.costUsd ?? 0) + (r.judgeCostUsd ?? 0), 0);
      const estimate = estimateCost(plan, p.config).usd ?? Number.NaN;
      // The same estimate with cache writes and reads at the base input price: what it was before it priced caching.
      const flat = Object.fromEntries(
        Object.entries(p.config.pricing).map(([model, price]) => [model, { ...price, cacheWrite5m: price.input, cacheRead: price.input }]),
      );
      const uncached = estimateCost(plan, { ...p.config, pricing: flat }).usd ?? Number.NaN;
      // Never under the spend (a budget check must not let an over-budget run start), and not several times over
      // it either (it would refuse runs the budget allows; the sim's answers are shorter than the ~400 tokens assumed).
      expect(estimate).toBeGreaterThanOrEqual(spent);
      expect(estimate).toBeLessThan(2 * spent);
      expect(estimate).toBeLessThan(0.6 * uncached);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("the judge's cacheable prefix", () => {
  it("sends system, skill, then input and reference as cache breakpoints before the output, and later judgements of the skill read it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "skillbench-cost-"));
    try {
      await writeTree(dir, {
        "skillbench.yml": "models: [claude-sonnet-5]\nconcurrency: 4\njudge: { samples: 1 }\n",
        "skills/support/SKILL.md": longSkill,
        "benchmarks/support.yml": `skill: skills/support/SKILL.md\ncases:\n${cases(4)}\n    expected: "A plain answer"\n`,
      });
      const p = await loadProject(dir);
      const client = createModelClient({ apiKey: "sk-test-cost", baseUrl: sim.url, maxRetries: 0, timeoutMs: 10_000 });
      const { results } = await planAndRun(p, { client });
      expect(results.every((r) => r.judged)).toBe(true);

      const judged = sim.requests.filter((r) => r.kind === "judge");
      expect(judged).toHaveLength(4);
      for (const request of judged) {
        const system = request.body["system"] as { cache_control?: unknown }[];
        expect(system[0]?.cache_control).toEqual({ type: "ephemeral" });
        const messages = request.body["messages"] as { content: { text: string; cache_control?: unknown }[] }[];
        const blocks = messages[0]?.content ?? [];
        expect(blocks).toHaveLength(3);
        expect(blocks.map((b) => b.cache_control ?? null)).toEqual([{ type: "ephemeral" }, { type: "ephemeral" }, null]);
        expect(blocks[0]?.text).toMatch(/^<skill_instructions>/);
        expect(blocks[1]?.text).toMatch(/^<user_input>/);
        expect(blocks[2]?.text).toMatch(/^<assistant_output>/);
      }
      // The first judgement of the skill writes its prefix; every later one reads it (it waited for the first).
      const usages = results.map((r) => r.judgeUsage);
      expect(usages.filter((u) => (u?.cacheReadInputTokens ?? 0) > 4000)).toHaveLength(3);
      expect(usages.filter((u) => (u?.cacheCreationInputTokens ?? 0) > 4000)).toHaveLength(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("a warm prefix's calls go ahead of other skills' first calls, behind judgements", async () => {
    const limiter = new Limiter(1);
    const order: string[] = [];
    let release = (): void => {};
    let started = (): void => {};
    const running = new Promise<void>((resolve) => (started = resolve));
    const blocker = limiter.run(() => {
      started();
      return new Promise<void>((resolve) => (release = resolve));
    });
    await running;
    const queued = [
      limiter.run(async () => void order.push("first call of skill B"), "normal"),
      limiter.run(async () => void order.push("second call of skill A"), "warm"),
      limiter.run(async () => void order.push("judgement"), "high"),
    ];
    release();
    await Promise.all([blocker, ...queued]);
    expect(order).toEqual(["judgement", "second call of skill A", "first call of skill B"]);
  });
});

describe("result reuse (cache-path)", () => {
  it("re-running an unchanged pull request makes no model call, and marks every result reused at $0", async () => {
    const first = await cli(["run", "--no-baseline", "--skills", "all"]);
    expect(first.code).toBe(0);
    expect(sim.requests.length).toBe(12);
    const stored = await readdir(join(repo.dir, ".skillbench/cache"));
    expect(stored.filter((f) => /^[0-9a-f]{64}\.json$/.test(f))).toHaveLength(6);

    sim.reset();
    const again = await cli(["run", "--no-baseline", "--skills", "all"]);
    expect(again.code).toBe(0);
    expect(sim.requests).toHaveLength(0);
    const report = await readReport();
    const results = report.skills.flatMap((s) => s.results);
    expect(results).toHaveLength(6);
    expect(results.every((r) => r.reused === true && r.judged)).toBe(true);
    expect(report.totals.costUsd).toBe(0);
    expect(report.totals.calls).toBe(0);

    // A changed case is called again; the unchanged ones are still reused.
    sim.reset();
    await writeFile(join(repo.dir, "benchmarks/greet.yml"), `skill: skills/greet/SKILL.md\ncases:\n${cases(3).replace("Request number 2", "Request number two")}\n`);
    expect((await cli(["run", "--no-baseline", "--skills", "all"])).code).toBe(0);
    expect(sim.requests).toHaveLength(4);

    // --no-cache neither reads nor writes.
    sim.reset();
    expect((await cli(["run", "--no-baseline", "--skills", "all", "--no-cache"])).code).toBe(0);
    expect(sim.requests).toHaveLength(12);
  });

  it("a baseline (nightly) run never reuses, but writes what a pull request then reuses", async () => {
    expect((await cli(["run", "--mode", "baseline"])).code).toBe(0);
    expect(sim.requests).toHaveLength(12);
    sim.reset();
    expect((await cli(["run", "--mode", "baseline"])).code).toBe(0);
    expect(sim.requests).toHaveLength(12);
    expect((await readReport()).skills.flatMap((s) => s.results).some((r) => r.reused)).toBe(false);
    sim.reset();
    expect((await cli(["run", "--skills", "all"])).code).toBe(0);
    expect(sim.requests).toHaveLength(0);
  });

  it("stored results expire after cache-max-age-hours, and the file is redacted", async () => {
    let now = new Date("2026-11-20T12:00:00Z");
    const dir = await mkdtemp(join(tmpdir(), "skillbench-cost-cache-"));
    try {
      const redactor = Redactor.none.with(["sk-secret-in-output"]);
      const cache = await ResultCache.open({ path: "cache", root: dir, maxAgeHours: 24, now: () => now, redactor });
      const key = "a".repeat(64);
      const result = { key: "k1", output: "the key is sk-secret-in-output", judged: true } as unknown as CaseResult;
      expect(await cache.write(key, result)).toBeNull();
      expect(await readFile(join(dir, "cache", `${key}.json`), "utf8")).not.toContain("sk-secret-in-output");
      now = new Date("2026-11-21T11:59:00Z");
      expect((await cache.read(key, "k1"))?.output).toBe("the key is [redacted]");
      expect(await cache.read(key, "another item")).toBeNull();
      now = new Date("2026-11-21T12:00:01Z");
      expect(await cache.read(key, "k1")).toBeNull();
      // Nothing is left behind by the atomic write; a non-hex key never becomes a path.
      expect(await readdir(join(dir, "cache"))).toEqual([`${key}.json`]);
      await expect(cache.read("../../etc/passwd", "k1")).rejects.toThrow(/not a sha256 hex key/);
      // A linked file is not followed.
      const linked = "b".repeat(64);
      await symlink(join(dir, "cache", `${key}.json`), join(dir, "cache", `${linked}.json`));
      now = new Date("2026-11-20T13:00:00Z");
      expect(await cache.read(linked, "k1")).toBeNull();
      expect((await lstat(join(dir, "cache", `${linked}.json`))).isSymbolicLink()).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("the key is stable, and changes with everything that decides a result", async () => {
    const p = await loadProject(repo.dir);
    const blank = await planAndRunPlanOnly(p);
    const item = blank[0];
    if (!item) throw new Error("no plan");
    const key = resultCacheKey(item, p.config);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(resultCacheKey(item, { ...p.config })).toBe(key);
    expect(resultCacheKey((await planAndRunPlanOnly(await loadProject(repo.dir)))[0] ?? item, p.config)).toBe(key);
    const changed = [
      resultCacheKey(item, { ...p.config, samples: 2 }),
      resultCacheKey(item, { ...p.config, judge: { ...p.config.judge, samples: 3 } }),
      resultCacheKey(item, { ...p.config, sampling: { [item.model]: { temperature: 0.2 } } }),
      resultCacheKey(item, { ...p.config, maxTokens: p.config.maxTokens + 1 }),
      resultCacheKey({ ...item, key: "another content key" }, p.config),
      resultCacheKey({ ...item, model: "claude-opus-4-8" }, p.config),
      // Expectations and checks are outside the case hash, but decide the stored grades and check results.
      resultCacheKey({ ...item, testCase: { ...item.testCase, expectations: ["Names the person"] } }, p.config),
      resultCacheKey({ ...item, testCase: { ...item.testCase, assert: [{ type: "contains", value: "Hi" }] } }, p.config),
    ];
    expect(new Set([key, ...changed]).size).toBe(changed.length + 1);
  });

  it("a cache folder committed to the repository is not used: a pull request cannot bring its own results", async () => {
    const redactor = Redactor.none;
    const log = { info: () => {}, warning: () => {}, error: () => {}, debug: () => {} };
    const result = await runPipeline({
      root: repo.dir,
      mode: "pr",
      skills: "all",
      commit: null,
      client: () => createModelClient({ apiKey: "sk-test-cost", baseUrl: sim.url, maxRetries: 0, timeoutMs: 10_000 }),
      store: null,
      git: null,
      log,
      redactor,
      tracked: new Set(["skillbench.yml", "skills/greet/SKILL.md", "benchmarks/greet.yml", "results/0.json"]),
      overrides: { cachePath: { value: "results", source: "--cache-path" } },
    });
    expect(result.report?.warnings.join("\n")).toMatch(/Result cache not used: results holds files committed/);
    expect(sim.requests).toHaveLength(12);
  });
});

describe("the budget (max-cost-usd)", () => {
  it("refuses to start when the estimate is over it: exit 3 with the estimate, no call", async () => {
    const { code, stderr } = await cli(["run", "--no-baseline", "--skills", "all", "--max-cost-usd", "0.001"]);
    expect(code).toBe(3);
    expect(stderr).toMatch(/estimated cost of this run, \$\d+\.\d\d for 12 model call\(s\), is over max-cost-usd \(\$0\.00\)/);
    expect(sim.requests).toHaveLength(0);
  });

  it("rejects a budget that is not a positive number, naming the flag (exit 2)", async () => {
    const { code, stderr } = await cli(["run", "--no-baseline", "--max-cost-usd", "-3"]);
    expect(code).toBe(2);
    expect(stderr).toContain("--max-cost-usd");
  });

  it("stops starting calls once the spend reaches it: the rest end not run, the report is partial and inconclusive", async () => {
    await writeFile(join(repo.dir, "skillbench.yml"), "models: [claude-sonnet-5]\nconcurrency: 1\njudge: { samples: 1 }\n");
    await writeFile(join(repo.dir, "benchmarks/greet.yml"), `skill: skills/greet/SKILL.md\ncases:\n${cases(8)}\n`);
    // A model that answers at length: the spend outruns the estimate (which is under the budget).
    const costly = (inner: ModelClient): ModelClient => ({
      call: async (request) => {
        const result = await inner.call(request);
        return { ...result, usage: { ...result.usage, outputTokens: result.usage.outputTokens + 2000 } };
      },
    });
    const log = { info: () => {}, warning: () => {}, error: () => {}, debug: () => {} };
    const result = await runPipeline({
      root: repo.dir,
      mode: "pr",
      skills: "all",
      commit: null,
      client: () => costly(createModelClient({ apiKey: "sk-test-cost", baseUrl: sim.url, maxRetries: 0, timeoutMs: 10_000 })),
      store: null,
      git: null,
      log,
      redactor: Redactor.none,
      overrides: { maxCostUsd: { value: "0.2", source: "--max-cost-usd" } },
    });
    const { report } = result;
    const results = report.skills.flatMap((s) => s.results);
    const notRun = results.filter((r) => r.error === budgetNotRun(0.2) || r.judgeError === budgetNotRun(0.2, "judged"));
    expect(notRun.length).toBeGreaterThan(0);
    expect(results.filter((r) => r.judged).length).toBeGreaterThan(0);
    expect(sim.requests.length).toBeLessThan(16);
    expect(report.partial).toBe(true);
    expect(report.verdict).toBe("inconclusive");
    expect(report.skills[0]?.models[0]?.verdictReasons.join(" ")).toMatch(/pairs were not run: budget of \$0\.20 reached/);
    expect(report.warnings.join("\n")).toMatch(/budget of \$0\.20 \(max-cost-usd\) was reached/);
    // Spend stops at the first call that reaches the budget: at most one call's cost beyond it.
    expect(report.totals.costUsd).toBeGreaterThanOrEqual(0.2);
    expect(report.totals.costUsd).toBeLessThan(0.2 + 0.1);
  });
});

async function planAndRunPlanOnly(p: Awaited<ReturnType<typeof loadProject>>) {
  const { planRun } = await import("../src/run.js");
  const { blindingTerms, configuredModels, judgeKeyOf } = await import("../src/judge.js");
  return planRun(p.benchmarks, p.skills, p.config, judgeKeyOf(p.config.judge.model, blindingTerms(configuredModels(p.config, p.benchmarks))));
}
