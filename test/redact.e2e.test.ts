// Echoed secrets through the bundled action (dist/index.js, run as the runner runs it): the simulated API quotes
// the request's x-api-key in candidate outputs, judge notes, an invalid judge answer and an error body. The PR
// comment, the job summary, the report file, the action's log lines and annotations (stdout) and the baseline
// branch must hold "[redacted]" where the key was, never the key or the GitHub token.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REDACTED } from "../src/redact.js";
import { COMMENT_MARKER } from "../src/report/markdown.js";
import { startSimServer, type SimServer } from "../src/sim/server.js";
import { requireBundle, runBundledAction, type ActionRun } from "./support/action-runner.js";
import { makeRepoWithOrigin, runGit, type RepoWithOrigin } from "./support/git-repo.js";
import { startGitHubServer, type GitHubServer } from "./support/github-server.js";

const API_KEY = "sk-ant-e2e-echo-7Hq2LmP9xW4v";
const TOKEN = "ghs_e2eEchoToken5522aa";
/** Secret only by its variable's name: the runner's own token. */
const RUNTIME_TOKEN = "runtime-jwt-value-e2e-4411";
const OWNER = "acme";
const NAME = "skills";
const PR = 11;
const SKILL_PATH = "skills/greet/SKILL.md";

let sim: SimServer;
let gh: GitHubServer;
let repo: RepoWithOrigin;
let scratch: string;
let runCount = 0;

async function runAction(event: string, payload: Record<string, unknown>): Promise<ActionRun & { report: string }> {
  runCount += 1;
  const reportPath = join(scratch, `report-${runCount}.json`);
  const run = await runBundledAction({
    scratch,
    workspace: repo.dir,
    apiUrl: gh.url,
    repository: `${OWNER}/${NAME}`,
    sha: await repo.head(),
    runId: "77",
    event,
    payload,
    env: { ACTIONS_RUNTIME_TOKEN: RUNTIME_TOKEN },
    inputs: {
      "anthropic-api-key": API_KEY,
      "anthropic-base-url": sim.url,
      "github-token": TOKEN,
      "fail-on-regression": "false",
      comment: "true",
      "report-path": reportPath,
      chart: "none",
    },
  });
  return { ...run, report: await readFile(reportPath, "utf8").catch(() => "") };
}

/** `::add-mask::` lines are the masking command itself: the runner consumes them and never shows them. */
function expectNoSecrets(label: string, text: string) {
  const shown = text.replace(/^::add-mask::.*$/gm, "");
  for (const secret of [API_KEY, TOKEN, RUNTIME_TOKEN, Buffer.from(API_KEY).toString("base64").replace(/=+$/, "")]) {
    expect(shown, `${label} holds a secret`).not.toContain(secret);
  }
}

beforeAll(async () => {
  await requireBundle();
  scratch = await mkdtemp(join(tmpdir(), "skillbench-redact-e2e-"));
  sim = await startSimServer({ latencyMs: [2, 10] });
  repo = await makeRepoWithOrigin({
    "skillbench.yml": "models: [claude-sonnet-5, claude-haiku-4-5]\njudge: { model: claude-opus-4-8 }\nconcurrency: 4\n",
    [SKILL_PATH]: "---\nname: greet\ndescription: Greets people.\n---\nGreet the person named in the input warmly.\n",
    "benchmarks/greet.yml": [
      `skill: ${SKILL_PATH}`,
      "cases:",
      '  - id: plain\n    input: "Please greet Ada"',
      '  - id: bad-judge\n    input: "Please greet Grace sim:fault:judge=invalid-json"',
      '  - id: gateway\n    input: "Please greet Linus sim:fault@claude-haiku-4-5:generate=400"',
      "",
    ].join("\n"),
  });
  gh = await startGitHubServer({
    token: TOKEN,
    owner: OWNER,
    repo: NAME,
    issue: PR,
    user: { login: "skillbench-bot", id: 99, type: "Bot" },
    files: { [`${OWNER}/${NAME}#${PR}`]: [{ filename: SKILL_PATH, status: "modified" }] },
  });
}, 60_000);

afterAll(async () => {
  await sim?.close();
  await gh?.close();
  await repo?.cleanup();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe("the bundled action with a model that echoes the API key", () => {
  it("a baseline run writes no secret to the branch, the summary, the report or the log", async () => {
    // The echo is in the skill on main: the nightly run benchmarks it and records the baseline.
    const skill = await readFile(join(repo.dir, SKILL_PATH), "utf8");
    await repo.commit("greet: echo", { [SKILL_PATH]: skill.replace("warmly.", "warmly. sim:echo=secret") });
    await repo.push();
    const run = await runAction("schedule", { schedule: "17 3 * * *" });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(await runGit(repo.originDir, ["branch", "--list", "skillbench-baseline"])).toContain("skillbench-baseline");
    const grep = await runGit(repo.originDir, [
      "grep", "-I", "-c", "-F", "-e", API_KEY, "-e", TOKEN, "-e", RUNTIME_TOKEN, "skillbench-baseline",
    ]).catch(() => "");
    expect(grep).toBe("");
    const objects = await runGit(repo.originDir, ["rev-list", "--objects", "skillbench-baseline"]);
    for (const [sha] of objects.split("\n").map((line) => line.split(" "))) {
      if (!sha || (await runGit(repo.originDir, ["cat-file", "-t", sha])) !== "blob") continue;
      expectNoSecrets(`branch blob ${sha}`, await runGit(repo.originDir, ["cat-file", "blob", sha]));
    }
    expectNoSecrets("stdout", run.stdout);
    expectNoSecrets("stderr", run.stderr);
    expectNoSecrets("summary", run.summary);
    expectNoSecrets("report", run.report);
    expect(run.report).toContain(REDACTED);
    // The runner is told to mask every known secret too.
    expect(run.stdout).toContain(`::add-mask::${API_KEY}`);
    expect(run.stdout).toContain(`::add-mask::${RUNTIME_TOKEN}`);
  });

  it("a pull request run posts a comment and a summary with the echo redacted", async () => {
    await repo.branch("echo-more");
    const skill = await readFile(join(repo.dir, SKILL_PATH), "utf8");
    await repo.commit("greet: echo louder", { [SKILL_PATH]: `${skill}Be brief.\n` });
    const base = await repo.git(["rev-parse", "main"]);
    const payload = {
      number: PR,
      pull_request: {
        number: PR,
        base: { sha: base, ref: "main", repo: { full_name: `${OWNER}/${NAME}` } },
        head: { sha: await repo.head(), ref: "echo-more", repo: { full_name: `${OWNER}/${NAME}`, fork: false } },
      },
    };
    const run = await runAction("pull_request", payload);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const comments = gh.state.comments.filter((c) => c.body.includes(COMMENT_MARKER));
    expect(comments).toHaveLength(1);
    const body = comments[0]?.body ?? "";
    expectNoSecrets("comment", body);
    expectNoSecrets("stdout", run.stdout);
    expectNoSecrets("stderr", run.stderr);
    expectNoSecrets("summary", run.summary);
    expectNoSecrets("report", run.report);
    // The echo happened and was replaced where it was: the comment's judge notes and errors, the summary, the report.
    // (Markdown escapes the brackets.)
    const redacted = /\[redacted\]|&#91;redacted&#93;/;
    expect(REDACTED).toMatch(redacted);
    expect(body).toMatch(redacted);
    expect(run.summary).toMatch(redacted);
    expect(run.report).toContain(`called with is ${REDACTED}`);
  });
});
