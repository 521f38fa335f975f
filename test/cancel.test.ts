// Cancellation keeps the work: the CLI as a real process (src/cli-entry.ts through tsx's loader), against a slow
// simulated API, gets SIGINT once a first pair is done. It must write the partial report, exit 130, and leave the
// baseline branch on the bare origin unwritten.
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { createModelClient } from "../src/anthropic.js";
import { loadProject } from "../src/project.js";
import { judgeKeyOf } from "../src/judge.js";
import { NOT_RUN, planRun, runPlan } from "../src/run.js";
import { startSimServer, type SimServer } from "../src/sim/server.js";
import { writeTree } from "./support/files.js";
import type { Report } from "../src/types.js";
import { makeRepoWithOrigin, runGit, type RepoWithOrigin } from "./support/git-repo.js";

const ENTRY = fileURLToPath(new URL("../src/cli-entry.ts", import.meta.url));
const TSX = new URL("../node_modules/tsx/dist/loader.mjs", import.meta.url).href;

let sim: SimServer;
let repo: RepoWithOrigin;

beforeAll(async () => {
  // Slow enough that a signal after the first finished pair finds most pairs not started.
  sim = await startSimServer({ latencyMs: [250, 350] });
  const cases = Array.from({ length: 8 }, (_, i) => `  - id: person-${i}\n    input: "Please greet person number ${i}"`).join("\n");
  repo = await makeRepoWithOrigin({
    "skillbench.yml": "models: [claude-haiku-4-5]\nconcurrency: 2\n",
    "skills/greet.md": "Greet the person named in the input warmly, in one sentence.\n",
    "benchmarks/greet.yml": `skill: skills/greet.md\ncases:\n${cases}\n`,
    ".gitignore": "skillbench-report.json\n",
  });
});
afterAll(async () => {
  await sim?.close();
  await repo?.cleanup();
});

/** Runs the CLI and sends `signal` once stderr shows the first finished pair; bounded by a 60 s kill. */
function runAndSignal(argv: string[], signal: NodeJS.Signals): Promise<{ code: number | null; stderr: string; signalled: boolean }> {
  const child = spawn(process.execPath, ["--import", TSX, ENTRY, ...argv], {
    cwd: repo.dir,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: repo.root,
      GIT_CONFIG_GLOBAL: "/dev/null",
      GIT_CONFIG_NOSYSTEM: "1",
      ANTHROPIC_API_KEY: "sk-ant-cancel-test",
      ANTHROPIC_BASE_URL: sim.url,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  let signalled = false;
  child.stdout.resume();
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
    if (!signalled && /^\[1\/8\]/m.test(stderr)) {
      signalled = true;
      child.kill(signal);
    }
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the CLI did not finish in 60 s\n${stderr}`));
    }, 60_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, signalled });
    });
  });
}

describe("cancelling a run", () => {
  it("SIGINT keeps the finished pairs in a partial report, exits 130 and never writes the baseline", async () => {
    // Synchronous calls (a nightly of 20+ calls would batch): this is about calls in flight and their grace period;
    // a cancelled batch is test/batch.test.ts's.
    const { code, stderr, signalled } = await runAndSignal(["run", "--mode", "baseline", "--batch", "off"], "SIGINT");
    expect(signalled, stderr).toBe(true);
    expect(code, stderr).toBe(130);
    const report = JSON.parse(await readFile(join(repo.dir, "skillbench-report.json"), "utf8")) as Report;
    expect(report).toMatchObject({ partial: true, cancelled: { signal: "SIGINT" }, mode: "baseline" });
    const results = report.skills.flatMap((s) => s.results);
    // Nothing is lost: every pair is there, finished with scores or recorded as not run.
    expect(results).toHaveLength(8);
    const finished = results.filter((r) => r.judged);
    expect(finished.length).toBeGreaterThanOrEqual(1);
    for (const result of finished) expect(result.quality).toEqual(expect.any(Number));
    expect(results.filter((r) => r.error === "cancelled: not run").length).toBeGreaterThanOrEqual(1);
    expect(report.skills[0]?.models[0]?.quality).toEqual(expect.any(Number));
    expect(stderr).toMatch(/Cancelled \(SIGINT\)/);
    // The baseline branch was never created on origin.
    expect(await runGit(repo.originDir, ["branch", "--list", "skillbench-baseline"])).toBe("");
  }, 90_000);
});

describe("runPlan under a cancellation", () => {
  it("starts nothing new, and aborts a call still in flight when the grace period ends", async () => {
    const slow = await startSimServer({ latencyMs: 30_000 });
    const dir = await mkdtemp(join(tmpdir(), "skillbench-cancel-"));
    try {
      await writeTree(dir, {
        "skillbench.yml": "models: [claude-haiku-4-5]\nconcurrency: 1\n",
        "skills/a.md": "Say hi.\n",
        "benchmarks/a.yml": 'skill: skills/a.md\ncases:\n  - input: "one"\n  - input: "two"\n  - input: "three"\n',
      });
      const project = await loadProject(dir);
      const plan = planRun(project.benchmarks, project.skills, project.config, judgeKeyOf(project.config.judge.model, []));
      const controller = new AbortController();
      let endGrace: () => void = () => undefined;
      const graceAsked: number[] = [];
      const outcome = runPlan(plan, {
        client: createModelClient({ apiKey: "sk-test", baseUrl: slow.url, maxRetries: 0, timeoutMs: 60_000 }),
        config: project.config,
        judge: { model: project.config.judge.model, maxTokens: 512, blindTerms: [] },
        signal: controller.signal,
        graceMs: 1234,
        sleep: (ms) => {
          graceAsked.push(ms);
          return new Promise<void>((resolve) => (endGrace = resolve));
        },
      });
      // Cancel once the first generation is at the server (bounded wait).
      for (let i = 0; i < 500 && slow.requests.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(slow.requests).toHaveLength(1);
      controller.abort("SIGINT");
      expect(graceAsked).toEqual([1234]);
      endGrace();
      const { results, calls } = await outcome;
      expect(results.map((r) => r.error)).toEqual(["cancelled: aborted after the 1234 ms grace period", NOT_RUN, NOT_RUN]);
      expect(calls).toBe(1);
      expect(slow.requests).toHaveLength(1);
    } finally {
      await slow.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
