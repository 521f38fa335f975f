// Shards and merge (issue 11, point 5): the slicing of a plan by skill, `--shard I/N` validation, and
// `skillbench merge` through the CLI in-process, on real temporary repositories with a bare origin, against the
// simulator (deterministic per request, so a sharded run and a single job see the same scores).
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadProject } from "../src/project.js";
import { InputError } from "../src/errors.js";
import { assignShards, parseShard, plannedCalls, shardOf } from "../src/shard.js";
import { startSimServer, type SimServer } from "../src/sim/server.js";
import type { Report } from "../src/types.js";
import { runCli, simCliEnv } from "./support/cli-runner.js";
import { makeRepoWithOrigin, runGit, type RepoWithOrigin } from "./support/git-repo.js";

let sim: SimServer;
let repo: RepoWithOrigin;

// Eight skills of 1 to 4 cases; skill 7 has two benchmarks (they must land in one shard).
const SKILLS = 8;
function projectFiles(): Record<string, string> {
  const files: Record<string, string> = {
    "skillbench.yml": "models: [claude-sonnet-5, claude-haiku-4-5]\nconcurrency: 4\n",
    ".gitignore": "out/\n.skillbench/\n",
  };
  for (let s = 0; s < SKILLS - 1; s += 1) {
    files[`skills/s${s}.md`] = `Answer question ${s} briefly.\n`;
    const cases = Array.from({ length: 1 + (s % 4) }, (_, c) => `  - id: c${c}\n    input: "Question ${c} for skill ${s}?"`).join("\n");
    files[`benchmarks/s${s}.yml`] = `skill: skills/s${s}.md\ncases:\n${cases}\n`;
  }
  // Skill 7 is an Agent Skill with a YAML benchmark (4 cases) and a skill-creator evals.json (1 case).
  files["skills/s7/SKILL.md"] = "---\nname: s7\ndescription: Answers question 7.\n---\nAnswer question 7 briefly.\n";
  files["benchmarks/s7.yml"] = `skill: skills/s7/SKILL.md\ncases:\n${Array.from({ length: 4 }, (_, c) => `  - id: c${c}\n    input: "Question ${c} for skill 7?"`).join("\n")}\n`;
  files["skills/s7/evals/evals.json"] = JSON.stringify({ skill_name: "s7", evals: [{ id: 1, prompt: "One more for skill 7", expected_output: "An answer." }] });
  return files;
}

function cli(argv: string[]) {
  return runCli(argv, { cwd: repo.dir, env: simCliEnv(sim.url, "sk-test") });
}

async function readReport(path: string): Promise<Report> {
  return JSON.parse(await readFile(join(repo.dir, path), "utf8")) as Report;
}

/** Runs shards `indices` of `count` with `args`, each writing out/shard-I.json; returns the report paths. */
async function runShards(count: number, args: string[], indices = Array.from({ length: count }, (_, i) => i + 1)): Promise<string[]> {
  const paths: string[] = [];
  for (const index of indices) {
    const path = `out/shard-${index}.json`;
    const { code, stderr } = await cli(["run", ...args, "--no-cache", "--shard", `${index}/${count}`, "--report", path]);
    expect(code, stderr).toBe(0);
    expect(stderr).toContain(`Shard ${index}/${count}: not gated`);
    paths.push(path);
  }
  return paths;
}

/** What must be equal between a single job and merged shards: pairs, scores, verdicts (not costs or latencies). */
function essence(report: Report) {
  return {
    verdict: report.verdict,
    regressed: report.regressed,
    skipped: report.skipped,
    skills: report.skills.map((skill) => ({
      skill: skill.skill,
      benchmark: skill.benchmark,
      verdict: skill.verdict,
      models: skill.models.map((m) => ({ model: m.model, cases: m.cases, quality: m.quality, verdict: m.verdict, delta: m.delta?.quality ?? null })),
      results: skill.results.map((r) => ({ key: r.key, caseId: r.caseId, model: r.model, output: r.output, quality: r.quality, error: r.error })),
    })),
  };
}

beforeAll(async () => {
  sim = await startSimServer({ latencyMs: [1, 5] });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(async () => {
  sim.reset();
  repo = await makeRepoWithOrigin(projectFiles());
});
afterEach(async () => {
  await repo.cleanup();
});

describe("shard slicing", () => {
  it("is stable, complete, disjoint, keeps a skill's benchmarks together and balances planned calls", async () => {
    const project = await loadProject(repo.dir);
    const { benchmarks, config } = project;
    const allSkills = [...new Set(benchmarks.map((b) => b.skillPath))].sort();
    for (const count of [1, 2, 3, 4, 8, 12]) {
      const assigned = assignShards(benchmarks, config, count);
      // Stable: the same assignment from the benchmarks in another order.
      expect(assignShards([...benchmarks].reverse(), config, count)).toEqual(assigned);
      const slices = Array.from({ length: count }, (_, i) => shardOf(benchmarks, config, { index: i + 1, count }));
      const skillsOf = slices.map((slice) => [...new Set(slice.map((b) => b.skillPath))]);
      // Complete and disjoint: every skill in exactly one shard, every benchmark in one.
      expect(skillsOf.flat().sort()).toEqual(allSkills);
      expect(slices.flat().map((b) => b.path).sort()).toEqual(benchmarks.map((b) => b.path).sort());
      expect(skillsOf.filter((skills) => skills.includes("skills/s7/SKILL.md"))).toHaveLength(1);
      // Balanced: no shard exceeds the lightest by more than the heaviest skill (greedy, largest first).
      const loads = slices.map((slice) => slice.reduce((n, b) => n + plannedCalls(b, config), 0));
      const heaviest = Math.max(...allSkills.map((skill) => benchmarks.filter((b) => b.skillPath === skill).reduce((n, b) => n + plannedCalls(b, config), 0)));
      expect(Math.max(...loads) - Math.min(...loads)).toBeLessThanOrEqual(heaviest);
      expect(loads.reduce((a, b) => a + b, 0)).toBe(benchmarks.reduce((n, b) => n + plannedCalls(b, config), 0));
    }
    // Two shards of this project: 18 pairs x 3 calls of the skills with 4+ pairs... split evenly.
    const two = [1, 2].map((index) => shardOf(benchmarks, config, { index, count: 2 }).reduce((n, b) => n + plannedCalls(b, config), 0));
    expect(Math.abs((two[0] ?? 0) - (two[1] ?? 0))).toBeLessThanOrEqual(6);
  });

  it.each([
    ["2/4", { index: 2, count: 4 }],
    [" 1 / 1 ", { index: 1, count: 1 }],
    ["256/256", { index: 256, count: 256 }],
  ])("parses %j", (text, spec) => {
    expect(parseShard(text, "--shard")).toEqual(spec);
  });

  it.each([
    ["0/4", /I must be from 1 to N \(4\), got 0/],
    ["5/4", /I must be from 1 to N \(4\), got 5/],
    ["1/0", /N must be from 1 to 256, got 0/],
    ["1/300", /N must be from 1 to 256, got 300/],
    ["2", /must be I\/N/],
    ["a/b", /must be I\/N/],
    ["-1/4", /must be I\/N/],
  ])("refuses %j with a message naming the flag", (text, message) => {
    let error: unknown = null;
    try {
      parseShard(text, "input shard");
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).issues[0]?.file).toBe("input shard");
    expect((error as InputError).message).toMatch(message);
  });

  it("the CLI exits 2 on a bad --shard and on shards with compare: rerun, calling nothing", async () => {
    const bad = await cli(["run", "--no-baseline", "--shard", "5/4"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--shard: I must be from 1 to N \(4\), got 5/);
    const rerun = await cli(["run", "--base", "HEAD", "--skills", "all", "--compare", "rerun", "--shard", "1/2"]);
    expect(rerun.code).toBe(2);
    expect(rerun.stderr).toMatch(/--shard: shards compare with the stored baseline: set compare: baseline/);
    expect(sim.requests).toHaveLength(0);
  });

  it("--dry-run with --shard prints only that shard's plan", async () => {
    const { code, stdout } = await cli(["run", "--no-baseline", "--dry-run", "--shard", "1/8"]);
    expect(code).toBe(0);
    // The heaviest skill (s7: 4 + 1 cases x 2 models, in two benchmarks) goes alone into shard 1 of 8.
    expect(stdout).toMatch(/Dry run: 2 skill\(s\), 10 case x model pair\(s\)/);
    expect(stdout).toContain("skills/s7/SKILL.md: 4 case(s)");
    expect(sim.requests).toHaveLength(0);
  });
});

describe("skillbench merge", () => {
  it("4 shards and a merge give the same pairs, scores and verdict as one job (pr mode, against the baseline)", async () => {
    expect((await cli(["run", "--mode", "baseline", "--no-cache"])).code).toBe(0);
    await repo.branch("worse");
    await repo.commit("worse answers", { "skills/s2.md": "Answer question 2 briefly. <!-- sim:quality=25 -->\n" });
    const afterBaseline = sim.requests.length;
    const single = await cli(["run", "--skills", "all", "--no-adaptive", "--no-cache", "--report", "out/single.json"]);
    expect(single.code).toBe(1);
    const afterSingle = sim.requests.length;
    const shards = await runShards(4, ["--skills", "all", "--no-adaptive"]);
    // Together the shards made as many calls as the single job (each pair once), and none of them gated.
    expect(sim.requests.length - afterSingle).toBe(afterSingle - afterBaseline);
    const parts = await Promise.all(shards.map(readReport));
    expect(parts.map((p) => p.shard?.index)).toEqual([1, 2, 3, 4]);
    expect(parts.flatMap((p) => p.skills.map((s) => s.benchmark)).sort()).toEqual((await readReport("out/single.json")).skills.map((s) => s.benchmark).sort());
    const before = sim.requests.length;
    const merged = await cli(["merge", "--report", "out/merged.json", "--markdown", "out/merged.md", ...shards]);
    expect(merged.code, merged.stderr).toBe(1);
    expect(sim.requests.length).toBe(before);
    expect(merged.stdout).toContain("Quality regression.");
    const report = await readReport("out/merged.json");
    const expected = await readReport("out/single.json");
    expect(report.merged).toEqual({ shards: 4, plan: parts[0]?.shard?.plan });
    expect(report.shard).toBeUndefined();
    expect(essence(report)).toEqual(essence(expected));
    expect(report.verdict).toBe("regressed");
    expect(report.totals.calls).toBe(expected.totals.calls);
    expect(await readFile(join(repo.dir, "out/merged.md"), "utf8")).toMatch(/regression/i);
    // pr mode never writes the baseline, merged or not.
    expect(await runGit(repo.originDir, ["rev-list", "--count", "skillbench-baseline"])).toBe("1");
  });

  it("in baseline mode the shards record nothing and the merge records the baseline once", async () => {
    const shards = await runShards(3, ["--mode", "baseline"]);
    expect(await runGit(repo.originDir, ["branch", "--list", "skillbench-baseline"])).toBe("");
    const { code, stderr } = await cli(["merge", "--report", "out/merged.json", ...shards]);
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/Recorded the baseline on skillbench-baseline/);
    expect(await runGit(repo.originDir, ["rev-list", "--count", "skillbench-baseline"])).toBe("1");
    const report = await readReport("out/merged.json");
    expect(report.mode).toBe("baseline");
    expect(report.skills.map((s) => s.benchmark).sort()).toEqual([...Array.from({ length: SKILLS }, (_, s) => `benchmarks/s${s}.yml`), "skills/s7/evals/evals.json"].sort());
    // The recorded baseline holds every skill: a pull request compares with all of them.
    await repo.branch("pr");
    await repo.commit("worse answers", { "skills/s3.md": "Answer question 3 briefly. <!-- sim:quality=25 -->\n" });
    const pr = await cli(["run", "--base", "main", "--no-cache", "--no-adaptive", "--report", "out/pr.json"]);
    expect(pr.code).toBe(1);
    const prReport = await readReport("out/pr.json");
    expect(prReport.skills.map((s) => s.skill)).toEqual(["skills/s3.md"]);
    expect(prReport.skills[0]?.models.every((m) => m.baseline !== null)).toBe(true);
  });

  it("control pairs (control: without-skill) travel through the shards into the merged report", async () => {
    const shards = await runShards(2, ["--mode", "baseline", "--batch", "off", "--control", "without-skill"]);
    const { code, stderr } = await cli(["merge", "--control", "without-skill", "--batch", "off", "--report", "out/merged.json", ...shards]);
    expect(code, stderr).toBe(0);
    const report = await readReport("out/merged.json");
    const s0 = report.skills.find((s) => s.benchmark === "benchmarks/s0.yml");
    expect(s0?.controlResults?.length).toBe(s0?.results.length);
    expect(s0?.models.every((m) => m.uplift?.quality?.n === 1)).toBe(true);
  });

  it("a skill's trigger queries run in exactly one shard, and the merge reports them once", async () => {
    const triggers = "triggers:\n  should: [\"Answer question 7\"]\n  should-not: [\"Bake a cake\"]\n";
    const cases = Array.from({ length: 4 }, (_, c) => `  - id: c${c}\n    input: "Question ${c} for skill 7?"`).join("\n");
    await repo.commit("triggers for s7", { "benchmarks/s7.yml": `skill: skills/s7/SKILL.md\n${triggers}cases:\n${cases}\n` });
    const shards = await runShards(3, ["--mode", "baseline", "--batch", "off"]);
    const perShard = await Promise.all(shards.map(async (path) => (await readReport(path)).triggers ?? []));
    expect(perShard.map((t) => t.length).sort()).toEqual([0, 0, 1]);
    const { code, stderr } = await cli(["merge", "--batch", "off", "--report", "out/merged.json", ...shards]);
    expect(code, stderr).toBe(0);
    const merged = await readReport("out/merged.json");
    expect(merged.triggers?.map((t) => t.skill)).toEqual(["skills/s7/SKILL.md"]);
    expect(merged.triggers?.[0]?.models.map((m) => m.model).sort()).toEqual(["claude-haiku-4-5", "claude-sonnet-5"]);
  });

  it("refuses incomplete, repeated, mixed and foreign report sets with exit 2, naming the files", async () => {
    const shards = await runShards(3, ["--no-baseline"]);
    const refuse = async (argv: string[], message: RegExp) => {
      const { code, stderr } = await cli(["merge", "--no-baseline", "--report", "out/merged.json", ...argv]);
      expect(code, stderr).toBe(2);
      expect(stderr).toMatch(message);
    };
    await refuse([shards[0] ?? "", shards[1] ?? ""], /incomplete set: shard\(s\) 3 of 3 missing/);
    await refuse([...shards, shards[1] ?? ""], /out\/shard-2\.json: shard\.index: shard 2\/3 is given twice \(also out\/shard-2\.json\)/);
    await refuse(["out/none.json", ...shards], /out\/none\.json: cannot read the report/);
    await refuse([], /merge needs the report file of every shard/);
    // A shard of another split.
    const other = await cli(["run", "--no-baseline", "--no-cache", "--shard", "1/2", "--report", "out/other.json"]);
    expect(other.code).toBe(0);
    await refuse(["out/other.json", ...shards.slice(1)], /out\/shard-2\.json: shard\.count: is shard 2\/3, but out\/other\.json is one of 2/);
    // A report that is not a shard's.
    expect((await cli(["run", "--no-baseline", "--no-cache", "--report", "out/whole.json"])).code).toBe(0);
    await refuse(["out/whole.json", ...shards], /out\/whole\.json: shard: is not a shard report/);
    // Another config than the shards': the merge would compare a different plan.
    await refuse(["--judge-samples", "1", ...shards], /shard-1\.json: shard\.plan: was made from another plan than this merge sees/);
    // Another commit.
    await repo.commit("move on", { "README.md": "# later\n" });
    await refuse(shards, /shard-1\.json: commit: was made at commit [0-9a-f]{12}, but this checkout is at [0-9a-f]{12}/);
  });
});
