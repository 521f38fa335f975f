// The CLI in-process (main(argv, io)) on real temporary repositories with a bare origin, against the simulator.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSimServer, type SimServer } from "../src/sim/server.js";
import type { Report } from "../src/types.js";
import { runCli, simCliEnv } from "./support/cli-runner.js";
import { makeRepoWithOrigin, runGit, type RepoWithOrigin } from "./support/git-repo.js";

let sim: SimServer;
let repo: RepoWithOrigin;

const skill = (extra = "") =>
  `---\nname: greet\ndescription: Greets people.\n---\nGreet the person named in the input warmly, in one sentence.${extra}\n`;
const cases = Array.from({ length: 6 }, (_, i) => `  - id: person-${i}\n    input: "Please greet person number ${i}"`).join("\n");

function cli(argv: string[], env: Record<string, string> = {}) {
  return runCli(argv, { cwd: repo.dir, env: simCliEnv(sim.url, "sk-test", env) });
}

async function readReport(path = "skillbench-report.json"): Promise<Report> {
  return JSON.parse(await readFile(join(repo.dir, path), "utf8")) as Report;
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
    "skills/greet/SKILL.md": skill(),
    "skills/other.md": "Answer in French.\n",
    "benchmarks/greet.yml": `skill: skills/greet/SKILL.md\ncases:\n${cases}\n`,
    "benchmarks/other.yml": `skill: skills/other.md\nmodels: [claude-haiku-4-5]\ncases:\n  - input: "Hello"\n`,
    ".gitignore": "skillbench-report.json\n",
  });
});
afterEach(async () => {
  await repo.cleanup();
});

describe("skillbench run", () => {
  it("--dry-run prints the plan, the number of calls and an estimate, and calls nothing", async () => {
    const { code, stdout } = await cli(["run", "--dry-run", "--no-baseline"], { ANTHROPIC_API_KEY: "" });
    expect(code).toBe(0);
    // By default each output is judged twice: 13 generations and 26 judgements.
    expect(stdout).toContain("13 case x model pair(s), 39 model calls");
    expect(stdout).toMatch(/skills\/greet\/SKILL\.md: 6 case\(s\) x claude-sonnet-5, claude-haiku-4-5/);
    expect(stdout).toMatch(/Estimated cost: \$\d/);
    // The count follows judge.samples: one judgement per output is one call fewer per pair, three is one more.
    const calls = async (judgeSamples: string) =>
      (await cli(["run", "--dry-run", "--no-baseline", "--judge-samples", judgeSamples], { ANTHROPIC_API_KEY: "" })).stdout;
    expect(await calls("1")).toContain("13 case x model pair(s), 26 model calls");
    expect(await calls("3")).toContain("13 case x model pair(s), 52 model calls");
    expect(sim.requests).toHaveLength(0);
  });

  it("without an API key exits 2 and says where to put it", async () => {
    const { code, stderr } = await cli(["run", "--no-baseline"], { ANTHROPIC_API_KEY: "" });
    expect(code).toBe(2);
    expect(stderr).toContain("ANTHROPIC_API_KEY");
    expect(sim.requests).toHaveLength(0);
  });

  it.each([
    [["run", "--mode", "nightly"], /--mode must be one of pr, baseline/],
    [["run", "--skills", "changed"], /--skills changed needs --base/],
    [["run", "--frobnicate"], /Unknown option/],
    [["bench"], /unknown command "bench"/],
    [["run", "--concurrency", "0"], /--concurrency/],
    [["run", "--compare", "twice"], /--compare: must be one of rejudge, rerun, baseline, not "twice"/],
  ])("usage error %j exits 2", async (argv, message) => {
    const { code, stderr } = await cli(argv);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(sim.requests).toHaveLength(0);
  });

  it("the first baseline run creates the branch; the report follows the contract", async () => {
    const { code } = await cli(["run", "--mode", "baseline"]);
    expect(code).toBe(0);
    expect(await runGit(repo.originDir, ["branch", "--list", "skillbench-baseline"])).toContain("skillbench-baseline");
    const report = await readReport();
    expect(report).toMatchObject({ schemaVersion: 1, mode: "baseline", regressed: false, judgeModel: "claude-opus-4-8" });
    expect(report.commit).toBe(await repo.head());
    expect(report.totals.costUsd).toBeCloseTo(report.totals.candidateCostUsd + report.totals.judgeCostUsd, 12);
    const greet = report.skills.find((s) => s.skill === "skills/greet/SKILL.md");
    expect(greet).toMatchObject({ benchmark: "benchmarks/greet.yml" });
    expect(greet?.skillHash).toMatch(/^[0-9a-f]{64}$/);
    for (const model of greet?.models ?? []) {
      for (const key of ["model", "cases", "errors", "quality", "faithfulness", "relevancy", "precision", "recall", "costUsd",
        "inputTokens", "outputTokens", "latencyMsP50", "baseline", "delta", "regressed"]) {
        expect(model).toHaveProperty(key);
      }
      expect(model.cases).toBe(6);
    }
    for (const result of greet?.results ?? []) {
      for (const key of ["caseId", "caseHash", "model", "output", "quality", "faithfulness", "relevancy", "precision", "recall",
        "matchesExpected", "judgeNotes", "error", "costUsd", "latencyMs"]) {
        expect(result).toHaveProperty(key);
      }
    }
  });

  it("a pull request that does not touch a skill calls no model and exits 0", async () => {
    await cli(["run", "--mode", "baseline"]);
    sim.reset();
    await repo.branch("docs");
    await repo.commit("docs only", { "README.md": "# unrelated\n" });
    const { code, stdout } = await cli(["run", "--base", "main"]);
    expect(code).toBe(0);
    expect(stdout).toContain("Nothing to benchmark");
    expect(sim.requests).toHaveLength(0);
    expect((await readReport()).skills).toEqual([]);
  });

  it("a degrading pull request shows the deltas against the baseline and exits 1", async () => {
    expect((await cli(["run", "--mode", "baseline"])).code).toBe(0);
    const baseline = await readReport();
    await repo.branch("worse");
    await repo.commit("worse greetings", { "skills/greet/SKILL.md": skill(" <!-- sim:quality=25 -->") });
    const { code, stdout } = await cli(["run", "--base", "main", "--markdown", "out/report.md"]);
    expect(code).toBe(1);
    const report = await readReport();
    expect(report.regressed).toBe(true);
    expect(report.skills.map((s) => s.skill)).toEqual(["skills/greet/SKILL.md"]);
    const before = baseline.skills.find((s) => s.skill === "skills/greet/SKILL.md");
    for (const model of report.skills[0]?.models ?? []) {
      const old = before?.models.find((m) => m.model === model.model);
      expect(model.baseline?.quality).toBeCloseTo(old?.quality ?? Number.NaN, 6);
      expect(model.delta?.quality).toBeCloseTo((model.quality ?? 0) - (old?.quality ?? 0), 6);
      expect(model.delta?.quality).toBeLessThan(-20);
      expect(model.pairedCases).toBe(6);
      expect(model.qualityInterval?.high).toBeLessThan(0);
      expect(model.regressed).toBe(true);
      expect(model.regressions.join("\n")).toMatch(/^quality −\d+\.\d points/m);
    }
    expect(stdout).toContain("Quality regression.");
    const markdown = await readFile(join(repo.dir, "out/report.md"), "utf8");
    expect(markdown).toMatch(/regression/i);
    // The cases that dropped most, with the base output the baseline run stored beside the head's.
    expect(markdown).toMatch(/#### Cases that dropped most[\s\S]*?<details>\n<summary>[^<\n]+: quality [\d.]+ → [\d.]+ \(−[\d.]+\)<\/summary>\n\nBase output:\n\n<pre>[^<]+<\/pre>\n\nHead output:\n\n<pre>/);
    // A PR run never writes the baseline.
    expect(await runGit(repo.originDir, ["rev-list", "--count", "skillbench-baseline"])).toBe("1");
  });

  it("--no-fail-on-regression reports the regression but exits 0", async () => {
    await cli(["run", "--mode", "baseline"]);
    await repo.branch("worse");
    await repo.commit("worse greetings", { "skills/greet/SKILL.md": skill(" <!-- sim:quality=25 -->") });
    const { code } = await cli(["run", "--base", "main", "--no-fail-on-regression"]);
    expect(code).toBe(0);
    expect((await readReport()).regressed).toBe(true);
  });

  it("a change to skillbench.yml selects every skill", async () => {
    await repo.branch("config");
    await repo.commit("raise concurrency", { "skillbench.yml": "models: [claude-sonnet-5, claude-haiku-4-5]\nconcurrency: 6\n" });
    const { code } = await cli(["run", "--base", "main", "--no-baseline"]);
    expect(code).toBe(0);
    expect((await readReport()).skills.map((s) => s.skill).sort()).toEqual(["skills/greet/SKILL.md", "skills/other.md"]);
  });
});

describe("a skill with a YAML benchmark and an evals/evals.json", () => {
  it("does not list the other benchmark's cases as removed", async () => {
    const evals = JSON.stringify({ skill_name: "greet", evals: [{ id: 1, prompt: "Greet Ada", expected_output: "Hello, Ada!" }] });
    await repo.commit("evals too", { "skills/greet/evals/evals.json": evals });
    expect((await cli(["run", "--mode", "baseline", "--batch", "off"])).code).toBe(0);
    await repo.branch("more-cases");
    await repo.commit("one more case", { "benchmarks/greet.yml": `skill: skills/greet/SKILL.md\ncases:\n${cases}\n  - id: extra\n    input: "Greet a crowd"\n` });
    const { code, stderr } = await cli(["run", "--base", "main", "--no-adaptive"]);
    expect(code, stderr).toBe(0);
    const yaml = (await readReport()).skills.find((s) => s.benchmark === "benchmarks/greet.yml");
    expect(yaml?.cases.added).toEqual(["extra"]);
    expect(yaml?.cases.removed).toEqual([]);
  });
});

describe("skillbench validate", () => {
  it("exits 0 on a valid repository and names what it found", async () => {
    const { code, stdout } = await cli(["validate"]);
    expect(code).toBe(0);
    expect(stdout).toContain("2 benchmark(s), 2 skill(s), 7 case(s)");
  });

  it("checks the same flags and environment as run, naming where a bad value came from", async () => {
    const flag = await cli(["validate", "--concurrency", "0"]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/--concurrency/);
    const env = await cli(["validate"], { ANTHROPIC_BASE_URL: "ftp://proxy.invalid" });
    expect(env.code).toBe(2);
    expect(env.stderr).toMatch(/env ANTHROPIC_BASE_URL/);
  });

  it("names the skills no benchmark measures, with how to add one", async () => {
    const before = await cli(["validate"]);
    expect(before.stderr).not.toContain("have no benchmark");
    await repo.commit("two unmeasured skills", {
      "skills/pdf/SKILL.md": "---\nname: pdf\ndescription: Works with PDF files.\n---\nRead the PDF.\n",
      ".claude/skills/xlsx/SKILL.md": "---\nname: xlsx\ndescription: Works with spreadsheets.\n---\nRead the sheet.\n",
    });
    const { code, stderr } = await cli(["validate"]);
    expect(code).toBe(0);
    expect(stderr).toContain("2 skill(s) have no benchmark, so nothing measures them: .claude/skills/xlsx, skills/pdf.");
    expect(stderr).toContain("evals/evals.json");
  });
});
