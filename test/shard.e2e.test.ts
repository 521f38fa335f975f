// The bundled action in a sharded workflow (.github/workflows/skillbench-sharded.yml): two matrix jobs with input
// shard, then a merge job with input merge-reports over the downloaded folder. Against the simulated Anthropic API,
// the local GitHub REST server and a real bare git origin.
import { cp, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMMENT_MARKER } from "../src/report/markdown.js";
import { startSimServer, type SimServer } from "../src/sim/server.js";
import type { Report } from "../src/types.js";
import { pullRequestPayload, requireBundle, runBundledAction, type ActionRun } from "./support/action-runner.js";
import { makeRepoWithOrigin, runGit, type RepoWithOrigin } from "./support/git-repo.js";
import { startGitHubServer, type GitHubServer } from "./support/github-server.js";

const TOKEN = "ghs_shardE2eToken42";
const OWNER = "acme";
const NAME = "skills";
const PR = 9;

let sim: SimServer;
let gh: GitHubServer;
let repo: RepoWithOrigin;
let scratch: string;

const cases = (s: number) => Array.from({ length: 3 }, (_, c) => `  - id: c${c}\n    input: "Question ${c} for skill ${s}?"`).join("\n");

async function action(event: string, payload: Record<string, unknown>, inputs: Record<string, string>): Promise<ActionRun> {
  return runBundledAction({
    scratch,
    workspace: repo.dir,
    apiUrl: gh.url,
    repository: `${OWNER}/${NAME}`,
    sha: await repo.head(),
    event,
    payload,
    inputs: { "anthropic-api-key": "sk-ant-shard-e2e", "anthropic-base-url": sim.url, "github-token": TOKEN, ...inputs },
  });
}

function prPayload(): Promise<Record<string, unknown>> {
  return pullRequestPayload(repo, { repository: `${OWNER}/${NAME}`, number: PR, headRef: "worse" });
}

/** Matrix jobs: shard i/count each, its report copied into `folder/shard-i/` (what download-artifact lays out). */
async function shards(event: string, payload: Record<string, unknown>, count: number, folder: string): Promise<ActionRun[]> {
  const runs: ActionRun[] = [];
  for (let index = 1; index <= count; index += 1) {
    const run = await action(event, payload, { shard: `${index}/${count}`, "report-path": `out/report-${index}.json` });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    await cp(join(repo.dir, `out/report-${index}.json`), join(repo.dir, folder, `shard-${index}`, "skillbench-report.json"), { recursive: true });
    runs.push(run);
  }
  return runs;
}

beforeAll(async () => {
  await requireBundle();
  scratch = await mkdtemp(join(tmpdir(), "skillbench-shard-e2e-"));
  sim = await startSimServer({ latencyMs: [2, 8] });
  const files: Record<string, string> = {
    "skillbench.yml": "models: [claude-sonnet-5, claude-haiku-4-5]\nconcurrency: 4\nadaptive: false\n",
    ".gitignore": "out/\nshards/\n",
  };
  for (let s = 0; s < 4; s += 1) {
    files[`skills/s${s}.md`] = `Answer question ${s} briefly.\n`;
    files[`benchmarks/s${s}.yml`] = `skill: skills/s${s}.md\ncases:\n${cases(s)}\n`;
  }
  repo = await makeRepoWithOrigin(files);
  gh = await startGitHubServer({
    token: TOKEN,
    owner: OWNER,
    repo: NAME,
    issue: PR,
    user: { login: "skillbench-bot", id: 99, type: "Bot" },
    files: { [`${OWNER}/${NAME}#${PR}`]: [{ filename: "skills/s1.md", status: "modified" }, { filename: "skills/s2.md", status: "modified" }] },
  });
}, 60_000);

afterAll(async () => {
  await sim?.close();
  await gh?.close();
  await repo?.cleanup();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe("the bundled action, sharded", () => {
  it("nightly: shards record nothing; the merge job records the baseline once", async () => {
    const runs = await shards("schedule", { schedule: "17 3 * * *" }, 2, "shards/nightly");
    expect(runs.map((r) => r.stdout).join("\n")).toMatch(/Shard 1\/2: not gated/);
    expect(await runGit(repo.originDir, ["branch", "--list", "skillbench-baseline"])).toBe("");
    const requests = sim.requests.length;
    const merged = await action("schedule", { schedule: "17 3 * * *" }, { "merge-reports": "shards/nightly", "report-path": "out/merged.json", "anthropic-api-key": "" });
    expect(merged.code, merged.stdout + merged.stderr).toBe(0);
    expect(sim.requests.length).toBe(requests);
    expect(merged.outputs["skills-benchmarked"]).toBe("4");
    expect(await runGit(repo.originDir, ["rev-list", "--count", "skillbench-baseline"])).toBe("1");
    const report = JSON.parse(await readFile(join(repo.dir, "out/merged.json"), "utf8")) as Report;
    expect(report.merged?.shards).toBe(2);
  });

  it("pull request: shards post no comment and pass; the merge job comments once and fails on the regression", async () => {
    await repo.branch("worse");
    await repo.commit("worse", { "skills/s1.md": "Answer question 1 briefly. <!-- sim:quality=25 -->\n", "skills/s2.md": "Answer question 2 briefly, please.\n" });
    const payload = await prPayload();
    await shards("pull_request", payload, 2, "shards/pr");
    expect(gh.state.comments.filter((c) => c.body.includes(COMMENT_MARKER))).toHaveLength(0);
    const parts = await Promise.all([1, 2].map(async (i) => JSON.parse(await readFile(join(repo.dir, `out/report-${i}.json`), "utf8")) as Report));
    // The two changed skills, one per shard.
    expect(parts.map((p) => p.skills.length)).toEqual([1, 1]);
    expect(parts.flatMap((p) => p.skills.map((s) => s.skill)).sort()).toEqual(["skills/s1.md", "skills/s2.md"]);
    const merged = await action("pull_request", payload, { "merge-reports": "shards/pr", "report-path": "out/merged.json" });
    expect(merged.code, merged.stdout + merged.stderr).toBe(1);
    expect(merged.outputs.regressed).toBe("true");
    expect(merged.outputs["skills-benchmarked"]).toBe("2");
    const comments = gh.state.comments.filter((c) => c.body.includes(COMMENT_MARKER));
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toMatch(/regression/i);
    // A merge of a set with a shard missing stops before anything is posted or recorded: bad input.
    await rm(join(repo.dir, "shards/pr/shard-2"), { recursive: true });
    const incomplete = await action("pull_request", payload, { "merge-reports": "shards/pr", "report-path": "out/merged.json" });
    expect(incomplete.code).toBe(1);
    expect(incomplete.stdout).toMatch(/incomplete set: shard\(s\) 2 of 2 missing/);
    expect(gh.state.comments.filter((c) => c.body.includes(COMMENT_MARKER))).toHaveLength(1);
  });
});
