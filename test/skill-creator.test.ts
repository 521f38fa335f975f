// `skillbench run --format skill-creator`: Anthropic skill-creator's benchmark.json beside the report, validated with
// ajv against schema/skill-creator-benchmark.schema.json (written from skill-creator's references/schemas.md). The CLI
// in process on a real git repository, against the simulated Messages API.
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { Ajv } from "ajv";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSimServer, type SimServer } from "../src/sim/server.js";
import type { SkillCreatorBenchmark } from "../src/report/skill-creator.js";
import { runCli, simCliEnv } from "./support/cli-runner.js";
import { makeRepoWithOrigin, type RepoWithOrigin } from "./support/git-repo.js";

let sim: SimServer;
let repo: RepoWithOrigin;

const schema = JSON.parse(await readFile(new URL("../schema/skill-creator-benchmark.schema.json", import.meta.url), "utf8")) as object;
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

const skill = "---\nname: greet\ndescription: Greets people.\n---\nGreet the person named in the input warmly. sim:quality=70\n";
const cases = Array.from(
  { length: 4 },
  (_, i) => `  - id: person-${i}\n    input: "Please greet person number ${i}"\n    expectations: ["Greets person ${i}"]`,
).join("\n");

function cli(argv: string[]) {
  return runCli(argv, { cwd: repo.dir, env: simCliEnv(sim.url, "sk-test-sc") });
}
async function readJson(name: string): Promise<SkillCreatorBenchmark> {
  return JSON.parse(await readFile(join(repo.dir, "out", name), "utf8")) as SkillCreatorBenchmark;
}

beforeAll(async () => {
  sim = await startSimServer({ latencyMs: [1, 4] });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(async () => {
  sim.reset();
  repo = await makeRepoWithOrigin({
    "skillbench.yml": "models: [claude-sonnet-5]\nconcurrency: 4\njudge: { samples: 1 }\n",
    "skills/greet/SKILL.md": skill,
    "benchmarks/greet.yml": `skill: skills/greet/SKILL.md\ncontrol: without-skill\nassert: [{ type: min-length, value: 5 }]\ncases:\n${cases}\n`,
    ".gitignore": "out/\n.skillbench/\n",
  });
});
afterEach(async () => {
  await repo.cleanup();
});

describe("--format skill-creator", () => {
  it("writes benchmark.json beside the report, valid against skill-creator's schema, with with_skill and without_skill runs", async () => {
    const { code, stdout } = await cli(["run", "--no-baseline", "--report", "out/report.json", "--format", "skill-creator"]);
    expect(code).toBe(0);
    expect(stdout).toContain(join(repo.dir, "out", "benchmark.json"));
    const benchmark = await readJson("benchmark.json");
    expect(validate(benchmark), JSON.stringify(validate.errors)).toBe(true);
    expect(benchmark.metadata).toMatchObject({ skill_name: "greet", executor_model: "claude-sonnet-5", evals_run: [1, 2, 3, 4], runs_per_configuration: 1 });
    expect(benchmark.runs).toHaveLength(8);
    expect(benchmark.runs.filter((r) => r.configuration === "with_skill")).toHaveLength(4);
    expect(benchmark.runs.filter((r) => r.configuration === "without_skill")).toHaveLength(4);
    for (const run of benchmark.runs) {
      // One expectation and one check per case.
      expect(run.result.total).toBe(2);
      expect(run.expectations).toHaveLength(1);
    }
    // The sim judges answers without the skill 15 points lower: at 55 its expectations fail, at 70 they pass.
    expect(benchmark.run_summary.with_skill?.pass_rate.mean).toBe(1);
    expect(benchmark.run_summary.without_skill?.pass_rate.mean).toBe(0.5);
    expect(benchmark.run_summary.delta?.pass_rate).toBe("+0.50");
    expect(benchmark.run_summary.with_skill?.pass_rate.stddev).toBe(0);
  });

  it("the schema rejects what skill-creator's viewer cannot read (config instead of configuration, pass_rate at the top)", async () => {
    await cli(["run", "--no-baseline", "--report", "out/report.json", "--format", "skill-creator"]);
    const benchmark = await readJson("benchmark.json");
    const [first, ...rest] = benchmark.runs;
    if (!first) throw new Error("no run");
    const { configuration, ...renamed } = first;
    expect(validate({ ...benchmark, runs: [{ ...renamed, config: configuration }, ...rest] })).toBe(false);
    const { result, ...flat } = first;
    expect(validate({ ...benchmark, runs: [{ ...flat, pass_rate: result.pass_rate }, ...rest] })).toBe(false);
    expect(validate({ ...benchmark, runs: [{ ...first, configuration: "with-skill" }, ...rest] })).toBe(false);
  });

  it("writes one file per skill and model when there are several, each valid; without a control only with_skill", async () => {
    await repo.commit("two models, no control", {
      "skillbench.yml": "models: [claude-sonnet-5, claude-haiku-4-5]\nconcurrency: 4\njudge: { samples: 1 }\n",
      "benchmarks/greet.yml": `skill: skills/greet/SKILL.md\ncases:\n${cases}\n`,
    });
    const { code } = await cli(["run", "--no-baseline", "--report", "out/report.json", "--format", "skill-creator"]);
    expect(code).toBe(0);
    const files = (await readdir(join(repo.dir, "out"))).filter((f) => f.startsWith("benchmark")).sort();
    expect(files).toEqual(["benchmark-greet-claude-haiku-4-5.json", "benchmark-greet-claude-sonnet-5.json"]);
    for (const file of files) {
      const benchmark = await readJson(file);
      expect(validate(benchmark), JSON.stringify(validate.errors)).toBe(true);
      expect(benchmark.runs.every((r) => r.configuration === "with_skill")).toBe(true);
      expect(benchmark.run_summary.without_skill).toBeUndefined();
    }
  });

  it("an unknown --format is a usage error (exit 2) and nothing is called", async () => {
    const { code, stderr } = await cli(["run", "--no-baseline", "--format", "promptfoo"]);
    expect(code).toBe(2);
    expect(stderr).toContain("--format must be skill-creator");
    expect(sim.requests).toHaveLength(0);
  });
});
