// Echoed secrets, reproduced: the simulated API quotes the request's x-api-key (`sim:echo=secret`) in candidate
// outputs, judge notes, an invalid judge answer (previewed in the error) and an error body, as a model that was
// told the key or a proxy reflecting headers would. Nothing the CLI writes or prints, and nothing it records on
// the baseline branch, may then contain the key.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { GitBaselineStore } from "../src/baseline/store.js";
import { Git } from "../src/git.js";
import { REDACTED, Redactor } from "../src/redact.js";
import { startSimServer, type SimServer } from "../src/sim/server.js";
import type { Report } from "../src/types.js";
import { runCli, simCliEnv } from "./support/cli-runner.js";
import { makeRepoWithOrigin, runGit, type RepoWithOrigin } from "./support/git-repo.js";
import { report as makeReport } from "./support/report-factory.js";

const API_KEY = "sk-ant-attack-Zq81xYt0cvB5-secret";
/** Not shaped like any known token: only the name of its variable says it is secret. */
const DEPLOY_SECRET = "plain-value-7731-from-env";

let sim: SimServer;
let repo: RepoWithOrigin;

const SKILL = "---\nname: greet\ndescription: Greets people.\n---\nGreet the person named in the input warmly. sim:echo=secret\n";
const BENCHMARK = [
  "skill: skills/greet/SKILL.md",
  "cases:",
  '  - id: plain\n    input: "Please greet Ada"',
  '  - id: bad-judge\n    input: "Please greet Grace sim:fault:judge=invalid-json"',
  '  - id: gateway\n    input: "Please greet Linus sim:fault@claude-haiku-4-5:generate=400"',
  "",
].join("\n");

function cli(argv: string[]) {
  return runCli(argv, { cwd: repo.dir, env: simCliEnv(sim.url, API_KEY, { DEPLOY_SECRET }) });
}

/** Every blob reachable from the branch in the bare origin, whole history included. */
async function branchBlobs(branch: string): Promise<string> {
  const objects = await runGit(repo.originDir, ["rev-list", "--objects", branch]);
  const texts: string[] = [await runGit(repo.originDir, ["log", "--format=%B", branch])];
  for (const line of objects.split("\n")) {
    const [sha, path] = line.split(" ");
    if (!sha || !path) continue;
    if ((await runGit(repo.originDir, ["cat-file", "-t", sha])) === "blob") texts.push(await runGit(repo.originDir, ["cat-file", "blob", sha]));
  }
  return texts.join("\n");
}

beforeAll(async () => {
  sim = await startSimServer({ latencyMs: [2, 10] });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(async () => {
  sim.reset();
  repo = await makeRepoWithOrigin({
    "skillbench.yml": "models: [claude-sonnet-5, claude-haiku-4-5]\nconcurrency: 4\n",
    "skills/greet/SKILL.md": SKILL,
    "benchmarks/greet.yml": BENCHMARK,
    ".gitignore": "skillbench-report.json\nreport.md\n",
  });
});
afterEach(async () => {
  await repo.cleanup();
});

describe("a model or proxy that echoes the API key", () => {
  it("the simulated API really echoes it (the attack is live)", async () => {
    const ask = async (user: string, extra: Record<string, unknown> = {}) => {
      const response = await fetch(`${sim.url}/v1/messages`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-key": API_KEY, "anthropic-version": "2023-06-01" },
        body: JSON.stringify({ model: "claude-haiku-4-5", max_tokens: 400, messages: [{ role: "user", content: user }], ...extra }),
      });
      return { status: response.status, text: await response.text() };
    };
    expect((await ask("Greet Ada sim:echo=secret")).text).toContain(API_KEY);
    expect(await ask("Greet Ada sim:echo=secret sim:fault=400")).toMatchObject({ status: 400, text: expect.stringContaining(API_KEY) });
    expect((await ask("Greet Ada sim:echo:judge=secret")).text).not.toContain(API_KEY);
    expect((await ask("Greet Ada")).text).not.toContain(API_KEY);
  });

  it("the CLI's report JSON, markdown report and terminal output never contain it", async () => {
    const { code, stdout, stderr } = await cli(["run", "--no-baseline", "--markdown", "report.md"]);
    // The injected 400 and invalid judge answers put the unjudged rate over thresholds.errors: a regression.
    expect(code, stderr).toBe(1);
    const json = await readFile(join(repo.dir, "skillbench-report.json"), "utf8");
    const markdown = await readFile(join(repo.dir, "report.md"), "utf8");
    for (const text of [json, markdown, stdout, stderr]) {
      expect(text).not.toContain(API_KEY);
      expect(text).not.toContain(Buffer.from(API_KEY).toString("base64").replace(/=+$/, ""));
    }
    // Every channel of the echo was exercised and redacted in place.
    const report = JSON.parse(json) as Report;
    const results = report.skills.flatMap((s) => s.results);
    expect(results.some((r) => r.output?.includes(`called with is ${REDACTED}`))).toBe(true);
    expect(results.some((r) => r.judgeNotes?.includes(`key in use is ${REDACTED}`))).toBe(true);
    expect(results.some((r) => r.judgeError?.includes(`(key ${REDACTED})`))).toBe(true);
    expect(results.some((r) => r.error?.includes(`(x-api-key: ${REDACTED})`))).toBe(true);
    expect(markdown).toContain(REDACTED);
  });

  it("a baseline run records nothing of it on the branch", async () => {
    const { code, stderr } = await cli(["run", "--mode", "baseline"]);
    expect(code, stderr).toBe(0);
    expect(await runGit(repo.originDir, ["branch", "--list", "skillbench-baseline"])).toContain("skillbench-baseline");
    const grep = await runGit(repo.originDir, ["grep", "-I", "-c", "-F", "-e", API_KEY, "skillbench-baseline"]).catch(() => "");
    expect(grep).toBe("");
    const blobs = await branchBlobs("skillbench-baseline");
    expect(blobs.length).toBeGreaterThan(0);
    expect(blobs).not.toContain(API_KEY);
    const report = JSON.parse(await readFile(join(repo.dir, "skillbench-report.json"), "utf8")) as Report;
    expect(JSON.stringify(report)).not.toContain(API_KEY);
  });
});

describe("the baseline store's own redaction", () => {
  it("removes the known secrets from a report before writing any of it to the branch", async () => {
    const report = makeReport({ mode: "baseline" });
    const results = report.skills.flatMap((s) => s.results);
    expect(results.length).toBeGreaterThan(0);
    for (const result of results) {
      // A case id is written to the branch whatever the outcome; an error only when errors are recorded.
      result.caseId = `case-${API_KEY}`;
      result.error = `HTTP 400 (x-api-key: ${API_KEY}) and ${DEPLOY_SECRET}`;
    }
    const git = await Git.create(repo.dir);
    const redactor = Redactor.fromEnvironment({ DEPLOY_SECRET }, [API_KEY]);
    const store = new GitBaselineStore(git, { branch: "skillbench-baseline", historyLimit: 5, redactor });
    await store.write(report);
    const blobs = await branchBlobs("skillbench-baseline");
    expect(blobs).not.toContain(API_KEY);
    expect(blobs).not.toContain(DEPLOY_SECRET);
    expect(blobs).toContain(REDACTED);
    // The caller's report object is left as it was.
    expect(results[0]?.caseId).toContain(API_KEY);
  });
});
