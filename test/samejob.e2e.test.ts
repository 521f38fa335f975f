// Same-job comparison end to end: real git with a bare origin (the baseline branch), the real pipeline and SDK
// against the simulated Messages API. A nightly records outputs; a pull request then judges them again
// (compare: rejudge) or regenerates the base skill (compare: rerun) in its own job, so a judge that drifted
// between the two runs raises no false alarm; pairwise judgements count a preference only when both orders agree.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Git } from "../src/git.js";
import { baselineStoreFactory, modelClientFactory, runPipeline, type Logger } from "../src/pipeline.js";
import { Redactor } from "../src/redact.js";
import { startSimServer, type SimServer } from "../src/sim/server.js";
import type { CompareMode } from "../src/types.js";
import { GIT_TEST_ENV, makeRepoWithOrigin, type RepoWithOrigin } from "./support/git-repo.js";

const MODEL = "claude-haiku-4-5";
const CASES = 5;
const SKILL = "skills/sum/SKILL.md";

let repo: RepoWithOrigin;
const sims: SimServer[] = [];

function skillText(body: string): string {
  return `---\nname: sum\ndescription: Summarises.\n---\n${body}\n`;
}

beforeEach(async () => {
  // The call counts below are one judgement per output (judge.samples 1), whatever the default.
  repo = await makeRepoWithOrigin({
    "skillbench.yml": `models: [${MODEL}]\njudge: { model: claude-opus-4-8, samples: 1 }\n`,
    [SKILL]: skillText("Summarise the input in one line."),
    "benchmarks/sum.yml": [
      "skill: skills/sum/SKILL.md",
      "cases:",
      ...Array.from({ length: CASES }, (_, i) => [`  - id: c${i}`, `    input: "Summarise thread number ${i} about topic ${i * 7}."`]).flat(),
      "",
    ].join("\n"),
  });
});
afterEach(async () => {
  for (const sim of sims.splice(0)) await sim.close();
  await repo.cleanup();
});

/** A judge without noise (sd 0) whose scores are the outputs' true quality plus `judgeOffset`. */
async function sim(judgeOffset = 0): Promise<SimServer> {
  const server = await startSimServer({ latencyMs: [1, 3], judgeNoise: { sd: 0, seed: "s" }, judgeOffset });
  sims.push(server);
  return server;
}

function quietLog(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, info: () => {}, debug: () => {}, error: () => {}, warning: (m) => warnings.push(m) };
}

async function run(server: SimServer, mode: "pr" | "baseline", compare?: CompareMode) {
  const git = await Git.create(repo.dir, { extraEnv: GIT_TEST_ENV });
  const log = quietLog();
  const result = await runPipeline({
    root: repo.dir,
    mode,
    skills: "all",
    baseRef: mode === "pr" ? "main" : null,
    commit: await repo.head(),
    overrides: {
      apiBaseUrl: { value: server.url, source: "test" },
      ...(compare ? { compare: { value: compare, source: "--compare" } } : {}),
    },
    client: modelClientFactory("sk-test-samejob", log),
    store: baselineStoreFactory(git, log),
    git,
    log,
    redactor: Redactor.none,
  });
  return { report: result.report, log, snapshot: result.snapshot };
}

/** The nightly on main, then a pull request branch with `skill` as its skill file. */
async function nightlyThenPr(skill: string, extra: Record<string, string> = {}): Promise<void> {
  const nightly = await sim(0);
  await run(nightly, "baseline");
  await repo.branch("pr");
  await repo.commit("change the skill", { [SKILL]: skill, ...extra });
}

const judgeRequests = (server: SimServer) => server.requests.filter((r) => r.kind === "judge");
const generateRequests = (server: SimServer) => server.requests.filter((r) => r.kind === "generate");
const systemOf = (body: Record<string, unknown>): string =>
  typeof body["system"] === "string" ? body["system"] : JSON.stringify(body["system"]);

describe("compare: rejudge / rerun against the simulated API and a real baseline branch", () => {
  it("a nightly stores each current entry's output and its judgement count on the baseline branch", async () => {
    const nightly = await sim(0);
    await run(nightly, "baseline");
    const { snapshot: read } = await run(nightly, "pr");
    const entries = read?.skills.get(SKILL)?.entries ?? [];
    expect(entries).toHaveLength(CASES);
    for (const entry of entries) {
      expect(entry.output).toMatch(/sim:output-quality=\d+/);
      expect(entry.judgements).toBe(1);
      expect(entry.outputTruncated).toBeUndefined();
    }
  });

  it("a judge that drifted 10 points harsher since the nightly: baseline regresses, rejudge does not", async () => {
    await nightlyThenPr(skillText("Summarise the input in one line.\n<!-- harmless comment -->"));
    const drifted = await sim(-10);

    const stored = await run(drifted, "pr", "baseline");
    expect(stored.report.skills[0]?.models[0]?.delta?.quality).toBe(-10);
    expect(stored.report.verdict).toBe("regressed");
    expect(judgeRequests(drifted)).toHaveLength(CASES);

    drifted.reset();
    const rejudged = await run(drifted, "pr", "rejudge");
    // Exactly one extra judgement per pair (the stored output), and no extra generation.
    expect(generateRequests(drifted)).toHaveLength(CASES);
    expect(judgeRequests(drifted)).toHaveLength(2 * CASES);
    expect(rejudged.report.sameJob).toMatchObject({ mode: "rejudge", judged: CASES, fallback: 0, calls: CASES });
    expect(rejudged.report.skills[0]?.models[0]?.delta?.quality).toBe(0);
    expect(rejudged.report.skills[0]?.models[0]?.baseline?.quality).toBe(rejudged.report.skills[0]?.models[0]?.quality);
    expect(rejudged.report.verdict).not.toBe("regressed");
    // The stored outputs are what the judge saw again.
    const storedOutputs = (stored.snapshot?.skills.get(SKILL)?.entries ?? []).map((e) => e.output ?? "");
    const judged = judgeRequests(drifted).map((r) => JSON.stringify(r.body["messages"]));
    for (const output of storedOutputs) expect(judged.some((text) => text.includes(JSON.stringify(output).slice(1, -1)))).toBe(true);
  });

  it("rejudge falls back to the stored scores for entries without a stored output, and says how many", async () => {
    const nightly = await sim(0);
    await run(nightly, "baseline");
    // An older baseline file: no outputs. Rewrite the branch's skill file without them.
    await repo.git(["fetch", "-q", "origin", "skillbench-baseline"]);
    const files = (await repo.git(["ls-tree", "-r", "--name-only", "FETCH_HEAD"])).split("\n").filter((f) => f.startsWith("skills/"));
    expect(files).toHaveLength(1);
    const file = files[0] as string;
    const text = await repo.git(["show", `FETCH_HEAD:${file}`]);
    const stripped = text.replace(/,"judgements":1,"output":"(?:[^"\\]|\\.)*"/g, "");
    expect(stripped).not.toContain('"output"');
    await repo.git(["checkout", "-q", "-b", "old-baseline", "FETCH_HEAD"]);
    await repo.commit("older layout", { [file]: stripped });
    await repo.git(["push", "-q", "-f", "origin", "old-baseline:skillbench-baseline"]);
    await repo.checkout("main");

    const pr = await sim(0);
    const { report, log } = await run(pr, "pr", "rejudge");
    expect(report.sameJob).toMatchObject({ judged: 0, fallback: CASES });
    expect(judgeRequests(pr)).toHaveLength(CASES);
    expect(log.warnings.join("\n")).toContain(`${CASES} base pair(s) had no stored output`);
    expect(report.skills[0]?.models[0]?.pairedCases).toBe(CASES);
  });

  it("rerun generates the skill as it is on the base commit; a skill new in the PR has no base side", async () => {
    await nightlyThenPr(skillText("Summarise the input in two lines."), {
      "skills/fresh/SKILL.md": "---\nname: fresh\ndescription: New.\n---\nNew skill.\n",
      "benchmarks/fresh.yml": "skill: skills/fresh/SKILL.md\ncases:\n  - id: only\n    input: hello there friend\n",
    });
    const drifted = await sim(-10);
    const { report, log } = await run(drifted, "pr", "rerun");
    const systems = generateRequests(drifted).map((r) => systemOf(r.body));
    expect(systems.filter((s) => s.includes("Summarise the input in one line."))).toHaveLength(CASES);
    expect(systems.filter((s) => s.includes("Summarise the input in two lines."))).toHaveLength(CASES);
    expect(systems.filter((s) => s.includes("New skill."))).toHaveLength(1);
    expect(judgeRequests(drifted)).toHaveLength(2 * CASES + 1);
    expect(report.sameJob).toMatchObject({ mode: "rerun", judged: CASES, newSkills: ["skills/fresh/SKILL.md"] });
    const sum = report.skills.find((s) => s.skill === SKILL);
    expect(sum?.models[0]?.delta?.quality).toBe(0);
    expect(sum?.verdict).not.toBe("regressed");
    expect(report.skills.find((s) => s.skill === "skills/fresh/SKILL.md")?.verdict).toBe("inconclusive");
    expect(log.warnings.join("\n")).toContain("new skill");
  });
});

describe("judge.pairwise: both orders, a preference only when they agree", () => {
  const withPairwise = { "skillbench.yml": `models: [${MODEL}]\njudge: { model: claude-opus-4-8, samples: 1, pairwise: true }\n` };

  it("a head 20 points worse loses every case; the sign test is exact", async () => {
    await nightlyThenPr(skillText("Summarise the input in one line. sim:drop=20"), withPairwise);
    const pr = await sim(0);
    const { report } = await run(pr, "pr", "rejudge");
    expect(report.skills[0]?.models[0]?.pairwise).toEqual({ wins: 0, ties: 0, losses: CASES, pValue: 0.0625, errors: 0 });
    // Two pairwise requests per case, each output blinded in its own block, both positions used.
    const pairwise = judgeRequests(pr).filter((r) => JSON.stringify(r.body["messages"]).includes("<output_a>"));
    expect(pairwise).toHaveLength(2 * CASES);
    expect(report.sameJob?.calls).toBe(3 * CASES);
  });

  it("a position-biased judge yields ties, not wins or losses", async () => {
    await nightlyThenPr(skillText("Summarise the input in one line. sim:drop=20 sim:position-bias=30"), withPairwise);
    const pr = await sim(0);
    const { report } = await run(pr, "pr", "rejudge");
    expect(report.skills[0]?.models[0]?.pairwise).toEqual({ wins: 0, ties: CASES, losses: 0, pValue: 1, errors: 0 });
  });

  it("is null when not asked", async () => {
    await nightlyThenPr(skillText("Summarise the input in one line."));
    const { report } = await run(await sim(0), "pr", "rejudge");
    expect(report.skills[0]?.models[0]?.pairwise).toBeNull();
  });
});
