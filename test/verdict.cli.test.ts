// The verdict end to end: the CLI in-process on real repositories with a bare origin, against the simulated API.
// A run that measured nothing exits 3 with its cause named once; an outage never degrades the baseline.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSimServer, type SimServer } from "../src/sim/server.js";
import type { Report } from "../src/types.js";
import { runCli, simCliEnv } from "./support/cli-runner.js";
import { makeRepoWithOrigin, runGit, type RepoWithOrigin } from "./support/git-repo.js";

let sim: SimServer;
let repo: RepoWithOrigin;

const SONNET = "claude-sonnet-5";
const HAIKU = "claude-haiku-4-5";
const skill = (extra = "") =>
  `---\nname: greet\ndescription: Greets people.\n---\nGreet the person named in the input warmly, in one sentence.${extra}\n`;
const cases = Array.from({ length: 6 }, (_, i) => `  - id: person-${i}\n    input: "Please greet person number ${i}"`).join("\n");
const config = (models: string[]) => `models: [${models.join(", ")}]\nconcurrency: 4\napi: { max-retries: 0 }\n`;

function cli(argv: string[]) {
  return runCli(argv, { cwd: repo.dir, env: simCliEnv(sim.url, "sk-test") });
}

async function readReport(): Promise<Report> {
  return JSON.parse(await readFile(join(repo.dir, "skillbench-report.json"), "utf8")) as Report;
}

function count(text: string, part: string): number {
  return text.split(part).length - 1;
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
    "skillbench.yml": config([SONNET, HAIKU]),
    "skills/greet/SKILL.md": skill(),
    "benchmarks/greet.yml": `skill: skills/greet/SKILL.md\ncases:\n${cases}\n`,
    ".gitignore": "skillbench-report.json\n",
  });
});
afterEach(async () => {
  await repo.cleanup();
});

describe("a run that measured nothing", () => {
  it("every call failing with a 500 exits 3, not 0 'No regression', with the cause named once and the report written", async () => {
    sim.addFault({ fault: "500", times: Infinity });
    const { code, stdout, stderr } = await cli(["run", "--no-baseline"]);
    expect(code).toBe(3);
    const cause = "nothing could be measured: all 12 calls failed: HTTP 500 api_error";
    expect(count(stderr, cause)).toBe(1);
    expect(stdout).toContain(`FAILED: ${cause}.`);
    expect(stdout).not.toContain("No regression");
    const report = await readReport();
    expect(report).toMatchObject({ verdict: "error", failure: { cause, failed: 12, pairs: 12 } });
  });

  it("a model id the API does not know, as the only model: one call, one error naming it, exit 3", async () => {
    await repo.commit("typo", { "skillbench.yml": config(["claude-does-not-exist-5"]) });
    const { code, stderr } = await cli(["run", "--no-baseline"]);
    expect(code).toBe(3);
    expect(sim.requests.filter((r) => r.model === "claude-does-not-exist-5")).toHaveLength(1);
    expect(count(stderr, "skillbench: nothing could be measured: all 6 calls failed: model claude-does-not-exist-5 was not found (HTTP 404)")).toBe(1);
    expect(count(stderr, "Stopped calling claude-does-not-exist-5")).toBe(1);
    const report = await readReport();
    expect(report.skills[0]?.models[0]).toMatchObject({ verdict: "error", errors: 6 });
  });

  it("a model id the API does not know beside a good one regresses the run (exit 1) and names the model once", async () => {
    await repo.commit("typo", { "skillbench.yml": config([SONNET, "claude-does-not-exist-5"]) });
    const { code } = await cli(["run", "--no-baseline"]);
    expect(code).toBe(1);
    const report = await readReport();
    expect(report.failure).toBeNull();
    expect(report.verdict).toBe("error");
    const dead = report.skills[0]?.models.find((m) => m.model === "claude-does-not-exist-5");
    expect(dead?.regressions).toEqual([
      "errors: 6 of 6 pairs failed (100%, threshold 20%): model claude-does-not-exist-5 was not found (HTTP 404)",
    ]);
    expect(report.warnings.filter((w) => w.includes("was not found"))).toEqual([
      "Stopped calling claude-does-not-exist-5: model claude-does-not-exist-5 was not found (HTTP 404); 5 more pair(s) of it were not run.",
    ]);
  });
});

describe("the baseline never degrades", () => {
  it("a nightly during a full outage records nothing and exits 3; one during a one-model outage keeps that model's good entries; a regressing PR is then caught", async () => {
    expect((await cli(["run", "--mode", "baseline"])).code).toBe(0);
    const good = await readReport();
    const commits = async () => runGit(repo.originDir, ["rev-list", "--count", "skillbench-baseline"]);
    expect(await commits()).toBe("1");

    // Full outage: nothing recorded, the run fails loudly.
    sim.addFault({ fault: "500", times: Infinity });
    const outage = await cli(["run", "--mode", "baseline"]);
    expect(outage.code).toBe(3);
    expect(count(outage.stderr, "baseline not recorded: 12 of 12 pairs failed or went unjudged (more than 50%): HTTP 500 api_error")).toBe(1);
    expect(await commits()).toBe("1");

    // Sonnet down, Haiku fine: half the pairs failed, so the run records, but Sonnet's good entries stay.
    sim.reset();
    sim.addFault({ fault: "500", model: SONNET, times: Infinity });
    const partial = await cli(["run", "--mode", "baseline"]);
    expect(partial.code).toBe(0);
    expect(await commits()).toBe("2");
    const file = (await runGit(repo.originDir, ["ls-tree", "-r", "--name-only", "skillbench-baseline"])).split("\n").find((f) => f.startsWith("skills/"));
    const stored = JSON.parse(await runGit(repo.originDir, ["show", `skillbench-baseline:${file}`])) as { entries: { model: string; quality: number | null; error: string | null; recordedAt: string }[] };
    const sonnet = stored.entries.filter((e) => e.model === SONNET);
    expect(sonnet).toHaveLength(6);
    expect(sonnet.every((e) => e.error === null && e.quality !== null && e.recordedAt === good.generatedAt)).toBe(true);

    // A regressing PR afterwards is caught on both models, with real deltas.
    sim.reset();
    await repo.branch("worse");
    await repo.commit("worse greetings", { "skills/greet/SKILL.md": skill(" <!-- sim:quality=25 -->") });
    const pr = await cli(["run", "--base", "main"]);
    expect(pr.code).toBe(1);
    const report = await readReport();
    expect(report.verdict).toBe("regressed");
    for (const model of report.skills[0]?.models ?? []) {
      expect(model.pairedCases).toBe(6);
      expect(model.delta?.quality).toBeLessThan(-20);
      expect(model.verdict).toBe("regressed");
    }
  });

  it("a PR compared with no baseline says it was not gated, never 'No regression'", async () => {
    await repo.branch("change");
    await repo.commit("edit", { "skills/greet/SKILL.md": skill(" Be brief.") });
    const { code, stdout } = await cli(["run", "--base", "main", "--markdown", "out.md"]);
    expect(code).toBe(0);
    expect(stdout).toContain("Not gated: no baseline for 2 of 2 models.");
    expect(stdout).not.toContain("No regression");
    expect(await readFile(join(repo.dir, "out.md"), "utf8")).toMatch(/^### ⚠️ No baseline for 2 of 2 models: not gated/);
    expect((await readReport()).verdict).toBe("inconclusive");
  });
});

describe("fail-on-inconclusive", () => {
  it("an inconclusive verdict exits 0 with a warning by default, 1 with the flag or the config key, and the flag wins", async () => {
    // Without a baseline every model is inconclusive: neutral unless the user asked to fail on it.
    const neutral = await cli(["run", "--mode", "pr", "--skills", "all", "--no-baseline"]);
    expect((await readReport()).verdict).toBe("inconclusive");
    expect(neutral.code).toBe(0);
    expect(neutral.stderr).toContain("warning: the verdict is inconclusive");

    const flagged = await cli(["run", "--mode", "pr", "--skills", "all", "--no-baseline", "--fail-on-inconclusive"]);
    expect(flagged.code).toBe(1);
    expect(flagged.stderr).toContain("the verdict is inconclusive and fail-on-inconclusive is set");

    await writeFile(join(repo.dir, "skillbench.yml"), `${config([SONNET, HAIKU])}fail-on-inconclusive: true\n`);
    expect((await cli(["run", "--mode", "pr", "--skills", "all", "--no-baseline"])).code).toBe(1);
    expect((await cli(["run", "--mode", "pr", "--skills", "all", "--no-baseline", "--no-fail-on-inconclusive"])).code).toBe(0);
    const both = await cli(["run", "--no-baseline", "--fail-on-inconclusive", "--no-fail-on-inconclusive"]);
    expect(both.code).toBe(2);
  });
});
