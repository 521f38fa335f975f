// Real public skills (test/fixtures/agentic/repo, see its NOTICE.md), copied into a temporary repository at test
// time: they load with warnings, not errors, and run end to end against the simulated API, whose candidate reads the
// files the system prompt lists.
import { cp, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadProject } from "../src/project.js";
import { modelClientFactory, runPipeline, type Logger, type PipelineRunOptions } from "../src/pipeline.js";
import { Redactor } from "../src/redact.js";
import { renderMarkdownReport } from "../src/report/markdown.js";
import { startSimServer, type SimServer } from "../src/sim/server.js";
import { runCli } from "./support/cli-runner.js";

const FIXTURE = path.resolve(import.meta.dirname, "fixtures/agentic/repo");

let sim: SimServer;
let dir: string;

function quietLog(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, info: () => {}, debug: () => {}, error: () => {}, warning: (m) => warnings.push(m) };
}

/** A pull-request run of the whole pipeline on the fixture repository against the simulator (no git, no baseline). */
function runOnFixture(more: Partial<PipelineRunOptions>, log = quietLog()) {
  return runPipeline({
    root: dir,
    overrides: { apiBaseUrl: { value: sim.url, source: "test" } },
    mode: "pr",
    skills: "all",
    commit: null,
    client: modelClientFactory("sk-test-agentic", log),
    store: null,
    git: null,
    log,
    redactor: Redactor.none,
    ...more,
  });
}

beforeAll(async () => {
  sim = await startSimServer({ latencyMs: [2, 8] });
  dir = await mkdtemp(path.join(tmpdir(), "skillbench-agentic-"));
  await cp(FIXTURE, dir, { recursive: true });
});
afterAll(async () => {
  await sim.close();
  await rm(dir, { recursive: true, force: true });
});

describe("public skills, as published", () => {
  it("load with located warnings naming the rule, not errors; with --strict validate refuses them", async () => {
    const project = await loadProject(dir);
    expect(project.skipped).toEqual([]);
    const warnings = project.warnings.map((w) => `${w.file}:${w.line ?? ""} ${w.rule ?? ""} ${w.message}`);
    const expectWarning = (file: string, rule: string) =>
      expect(warnings.some((w) => w.startsWith(`${file}:`) && w.includes(` ${rule} `)), `${file} ${rule} in\n${warnings.join("\n")}`).toBe(true);
    expectWarning("skills/claude-api/SKILL.md", "name-reserved-word");
    expectWarning("skills/claude-api/SKILL.md", "description-length");
    expectWarning("skills/react-view-transitions/SKILL.md", "name-matches-folder");
    expectWarning("skills/react-view-transitions/SKILL.md", "description-no-angle-brackets");
    expectWarning("skills/codex-cto/SKILL.md", "known-keys");
    expectWarning(".claude/skills/design-critique/SKILL.md", "known-keys");

    // evals/evals.json beside a SKILL.md is a benchmark, under skills/ and .claude/skills/ alike.
    const benchmarks = project.benchmarks.map((b) => b.path);
    expect(benchmarks).toEqual(
      expect.arrayContaining([
        "benchmarks/internal-comms.yml",
        "skills/internal-comms/evals/evals.json",
        ".claude/skills/brand-guidelines/evals/evals.json",
        ".claude/skills/design-critique/evals/evals.json",
      ]),
    );
    const evals = project.benchmarks.find((b) => b.path === "skills/internal-comms/evals/evals.json");
    expect(evals?.skillPath).toBe("skills/internal-comms/SKILL.md");
    expect(evals?.cases.map((c) => [c.id, c.files ?? [], c.expectations?.length])).toEqual([
      ["eval-1", [], 2],
      ["eval-2", ["evals/files/q3-metrics.csv"], 1],
    ]);

    const lenient = await runCli(["validate"], { cwd: dir, env: {} });
    expect(lenient.code).toBe(0);
    expect(lenient.stderr).toContain("warning: skills/claude-api/SKILL.md:");
    const strict = await runCli(["validate", "--strict"], { cwd: dir, env: {} });
    expect(strict.code).toBe(2);
    expect(strict.stderr).toContain("skills/react-view-transitions/SKILL.md:2:");
    expect(strict.stderr).toContain("an error with strict");
  });

  it("run end to end: the candidate reads the files it is pointed to, evals files included, and nothing fails", async () => {
    const { report } = await runOnFixture({});
    const results = report.skills.flatMap((s) => s.results.map((r) => ({ ...r, benchmark: s.benchmark })));
    expect(results.filter((r) => r.error !== null || !r.judged)).toEqual([]);
    // internal-comms has a YAML benchmark and an evals.json: both ran, kept apart by their benchmark path.
    expect(report.skills.filter((s) => s.skill === "skills/internal-comms/SKILL.md").map((s) => s.benchmark).sort()).toEqual([
      "benchmarks/internal-comms.yml",
      "skills/internal-comms/evals/evals.json",
    ]);
    const weekly = results.filter((r) => r.caseId === "weekly-3p");
    expect(weekly).toHaveLength(2);
    for (const r of weekly) {
      expect(r.filesRead).toEqual(["examples/3p-updates.md"]);
      expect(r.output).toContain("REF_MARKER_3P_UPDATES");
    }
    for (const r of results.filter((r) => r.caseId === "model-choice")) expect(r.filesRead).toEqual(["shared/models.md"]);
    for (const r of results.filter((r) => r.caseId === "eval-2" && r.benchmark.startsWith("skills/internal-comms"))) {
      expect(r.filesRead).toEqual(["evals/files/q3-metrics.csv"]);
    }
    // Every generation of a skill with files was a tool loop; the script was read as text, never run.
    expect(sim.requests.filter((r) => r.kind === "generate" && Array.isArray(r.body["tools"])).length).toBeGreaterThan(results.length);
    expect(report.warnings.some((w) => w.includes("name-reserved-word"))).toBe(true);
  });

  it("says when a changed file of the skill was read by no case: the change is untested", async () => {
    const { report } = await runOnFixture({
      skills: "changed",
      changedFiles: ["skills/internal-comms/examples/faq-answers.md", "skills/internal-comms/examples/3p-updates.md"],
    });
    expect(report.skills.map((s) => s.skill)).toEqual(["skills/internal-comms/SKILL.md", "skills/internal-comms/SKILL.md"]);
    for (const skill of report.skills) expect(skill.untestedChanges).toEqual(["examples/faq-answers.md"]);
    const markdown = renderMarkdownReport(report, { history: [] });
    const yaml = report.skills.find((s) => s.benchmark.endsWith(".yml"));
    expect(markdown).toContain(`examples/faq-answers.md changed but was not read in any of ${yaml?.results.length} cases: this change is untested`);
    expect(markdown).not.toContain("examples/3p-updates.md changed but was not read");
  });

  it("a broken skill is skipped alone: the others run and the verdict says what was skipped", async () => {
    await writeFile(path.join(dir, "skills/verification-before-completion/SKILL.md"), "---\nname: [unclosed\n---\nBody\n");
    const log = quietLog();
    const { report } = await runOnFixture({ skillFilter: { patterns: ["verification-before-completion", "codex-*"], source: "--skills" } }, log);
    expect(report.skills.map((s) => s.skill)).toEqual(["skills/codex-cto/SKILL.md"]);
    expect(report.skipped).toEqual([
      { skill: "skills/verification-before-completion/SKILL.md", reason: expect.stringMatching(/^could not be loaded: skills\/verification-before-completion\/SKILL.md:2:\d+: YAML syntax error/) },
    ]);
    expect(report.verdictReasons.join("\n")).toContain("1 skill(s) could not be loaded and were skipped: skills/verification-before-completion/SKILL.md");
    expect(renderMarkdownReport(report, { history: [] })).toContain("1 skill skipped: could not be loaded (skills/verification-before-completion/SKILL.md)");
    expect(log.warnings.some((w) => w.startsWith("Skipped skills/verification-before-completion/SKILL.md"))).toBe(true);
  });
});
