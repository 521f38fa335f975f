// Skill uplift (control: without-skill): the arithmetic, the control pairs over the real SDK against the simulated
// Messages API (no skill prompt, no tool, judged the same way), the result-cache key, and the CLI end to end on real
// git repositories: the uplift table, the nightly "no longer helps" flag, and never a gate failure.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createModelClient } from "../src/anthropic.js";
import { loadProject } from "../src/project.js";
import { RepoFiles } from "../src/repo-files.js";
import { resultCacheKey } from "../src/result-cache.js";
import { controlFor, planRun } from "../src/run.js";
import { startSimServer, type SimServer } from "../src/sim/server.js";
import { tInterval } from "../src/stats.js";
import type { Report } from "../src/types.js";
import { helpsOf, upliftOf } from "../src/uplift.js";
import { runCli, simCliEnv } from "./support/cli-runner.js";
import { makeRepoWithOrigin, type RepoWithOrigin } from "./support/git-repo.js";
import { planAndRun } from "./support/plan-run.js";
import { caseResult } from "./support/report-factory.js";

const SONNET = "claude-sonnet-5";
const HAIKU = "claude-haiku-4-5";

describe("upliftOf: head minus control, paired per case", () => {
  const head = [
    caseResult({ caseId: "a", quality: 80 }),
    caseResult({ caseId: "b", quality: 70 }),
    caseResult({ caseId: "c", quality: 90 }),
    caseResult({ caseId: "d", quality: 60 }),
    caseResult({ caseId: "a", model: HAIKU, quality: 10 }),
  ];

  it("pairs by case id on the same model, with n and the 95% t-interval of the differences", () => {
    const control = [
      caseResult({ caseId: "a", quality: 70 }),
      caseResult({ caseId: "b", quality: 66 }),
      caseResult({ caseId: "c", quality: 70 }),
      // Not judged: counted, never a 0 in the mean.
      caseResult({ caseId: "d", quality: null, judged: false, judgeError: "refusal" }),
      // Another model's control pair does not pair with SONNET's.
      caseResult({ caseId: "b", model: HAIKU, quality: 0 }),
    ];
    const uplift = upliftOf(SONNET, head, control);
    expect(uplift).not.toBeNull();
    expect(uplift?.quality.n).toBe(3);
    expect(uplift?.quality.delta).toBeCloseTo((10 + 4 + 20) / 3, 10);
    expect(uplift?.quality.interval).toEqual(tInterval([10, 4, 20]));
    expect(uplift?.controlQuality).toBeCloseTo((70 + 66 + 70) / 3, 10);
    expect(uplift).toMatchObject({ controlErrors: 0, controlUnjudged: 1, expectations: null, checks: null });
  });

  it("is null when no control ran for the model, and has no quality pair when no control pair was judged", () => {
    expect(upliftOf(SONNET, head, [])).toBeNull();
    expect(upliftOf(SONNET, head, [caseResult({ caseId: "a", model: HAIKU })])).toBeNull();
    const failed = upliftOf(SONNET, head, [
      caseResult({ caseId: "a", quality: null, judged: false, error: "api_error: HTTP 500", output: null }),
      caseResult({ caseId: "b", quality: null, judged: false, judgeError: "invalid JSON" }),
    ]);
    expect(failed).toMatchObject({ quality: { delta: null, n: 0, interval: null }, controlErrors: 1, controlUnjudged: 1, controlQuality: null, helps: null });
  });

  it("expectation and check pass rates: per-case share difference in points, over the items both sides decided", () => {
    const grade = (text: string, passed: boolean) => ({ text, passed, evidence: "e" });
    const heads = [
      caseResult({ caseId: "a", expectations: [grade("x", true), grade("y", true)], checks: [{ type: "contains", value: "Hi", passed: true, message: "" }] }),
      caseResult({ caseId: "b", expectations: [grade("x", true), grade("y", false)], checks: [{ type: "max-cost-usd", value: 1, passed: null, message: "" }] }),
    ];
    const control = [
      caseResult({ caseId: "a", expectations: [grade("x", false), grade("y", false)], checks: [{ type: "contains", value: "Hi", passed: false, message: "" }] }),
      caseResult({ caseId: "b", expectations: [grade("x", true), grade("y", false)], checks: [{ type: "max-cost-usd", value: 1, passed: false, message: "" }] }),
    ];
    const uplift = upliftOf(SONNET, heads, control);
    expect(uplift?.expectations).toEqual({ delta: 50, n: 2, interval: tInterval([100, 0]) });
    // Case b's check was undecided on the head side: only case a pairs.
    expect(uplift?.checks).toEqual({ delta: 100, n: 1, interval: null });
  });

  it("helps: true above zero, false at or below a zero mean, null when undecided or with fewer than 2 pairs", () => {
    const metric = (values: number[]) => ({ delta: values.reduce((a, b) => a + b, 0) / values.length, n: values.length, interval: tInterval(values) });
    expect(helpsOf(metric([10, 12, 14]))).toBe(true);
    expect(helpsOf(metric([-4, 1, -3]))).toBe(false);
    expect(helpsOf(metric([0, 0, 0]))).toBe(false);
    expect(helpsOf(metric([20, -15, 10]))).toBeNull();
    expect(helpsOf(metric([-20]))).toBeNull();
  });
});

describe("control pairs over the simulated Messages API", () => {
  let sim: SimServer;
  let repo: RepoWithOrigin;
  const skill = (extra = "") => `---\nname: greet\ndescription: Greets people.\n---\nGreet the person named in the input warmly, in one sentence.${extra}\n`;
  const cases = (n: number, extra = "", more = "") =>
    Array.from({ length: n }, (_, i) => `  - id: person-${i}\n    input: "Please greet person number ${i}${extra}"${more}`).join("\n");

  beforeAll(async () => {
    sim = await startSimServer({ latencyMs: [1, 4] });
  });
  afterAll(async () => {
    await sim.close();
  });
  beforeEach(async () => {
    sim.reset();
    repo = await makeRepoWithOrigin({
      "skillbench.yml": `models: [${SONNET}]\nconcurrency: 4\njudge: { samples: 1 }\napi: { max-retries: 0 }\n`,
      "skills/greet/SKILL.md": skill(),
      "skills/greet/references/tone.md": "Be warm.\n",
      "benchmarks/greet.yml":
        `skill: skills/greet/SKILL.md\ncontrol: without-skill\nassert: [{ type: contains, value: "person" }]\ncases:\n` +
        `${cases(3, "", '\n    expectations: ["Greets the person by number"]')}\n`,
      ".gitignore": "skillbench-report.json\nbenchmark.json\n.skillbench/\n",
    });
  });
  afterEach(async () => {
    await repo.cleanup();
  });

  it("are planned after the skill's own pairs, with a control key, and only where control is on", async () => {
    const p = await loadProject(repo.dir);
    const plan = planRun(p.benchmarks, p.skills, p.config, "judge-key");
    expect(plan.map((item) => Boolean(item.control))).toEqual([false, false, false, true, true, true]);
    const benchmark = p.benchmarks[0];
    if (!benchmark) throw new Error("no benchmark");
    expect(controlFor({ ...benchmark, control: "none" }, p.config)).toBe(false);
    expect(controlFor({ ...benchmark, control: null }, { control: "without-skill" })).toBe(true);
    // A flag or action input wins over the benchmark's own key.
    expect(controlFor(benchmark, { control: "none", controlForced: true })).toBe(false);
  });

  it("send the bare input with no system prompt and no tool, and are judged exactly like the skill's outputs", async () => {
    const p = await loadProject(repo.dir);
    const client = createModelClient({ apiKey: "sk-test-uplift", baseUrl: sim.url, maxRetries: 0, timeoutMs: 10_000 });
    const { plan, results } = await planAndRun(p, { client, repo: await RepoFiles.open(repo.dir, { tracked: null }) });
    const generations = sim.requests.filter((r) => r.kind === "generate");
    const bare = generations.filter((r) => r.body["system"] === undefined);
    // The skill's pairs offer read_file (the folder has a file); the control's never do.
    expect(bare).toHaveLength(3);
    for (const request of bare) {
      expect(request.body["tools"]).toBeUndefined();
      const messages = request.body["messages"] as { role: string; content: unknown }[];
      expect(messages).toHaveLength(1);
      expect(JSON.stringify(messages[0]?.content)).toMatch(/^"?\[?.*Please greet person number \d/);
      expect(JSON.stringify(request.body)).not.toContain("Greet the person named");
    }
    expect(generations.filter((r) => r.body["system"] !== undefined).every((r) => Array.isArray(r.body["tools"]))).toBe(true);

    // Judge requests: the same system prompt and schema, the skill's instructions as the rubric, the expectations.
    const judged = sim.requests.filter((r) => r.kind === "judge");
    expect(judged).toHaveLength(6);
    const shape = (r: (typeof judged)[number]) => JSON.stringify({ system: r.body["system"], format: r.body["output_config"] });
    expect(new Set(judged.map(shape)).size).toBe(1);
    for (const r of judged) {
      const text = JSON.stringify(r.body["messages"]);
      expect(text).toContain("Greet the person named in the input warmly");
      expect(text).toContain("Greets the person by number");
    }
    const controls = results.filter((_, i) => plan[i]?.control);
    const heads = results.filter((_, i) => !plan[i]?.control);
    expect(controls).toHaveLength(3);
    for (const r of controls) {
      expect(r.judged).toBe(true);
      expect(r.expectations).toHaveLength(1);
      expect(r.checks?.map((c) => c.type)).toEqual(["contains"]);
      expect(r.filesRead ?? []).toEqual([]);
    }
    // The sim's default uplift: answers without the skill are judged 15 points lower, expectations fail below 60.
    const mean = (xs: (number | null)[]) => xs.reduce<number>((a, b) => a + (b ?? 0), 0) / xs.length;
    expect(mean(heads.map((r) => r.quality)) - mean(controls.map((r) => r.quality))).toBeGreaterThan(8);
  });

  it("record their errors: a failed control generation ends with its error and counts in the uplift", async () => {
    await repo.commit("fault on bare requests", {
      "benchmarks/greet.yml": `skill: skills/greet/SKILL.md\ncontrol: without-skill\ncases:\n${cases(2)}\n  - id: broken\n    input: "Greet them sim:fault:generate=500"\n`,
    });
    const { code } = await runCli(["run", "--no-baseline", "--skills", "all"], { cwd: repo.dir, env: simCliEnv(sim.url, "sk-test-uplift") });
    expect([0, 1]).toContain(code);
    const report = JSON.parse(await readFile(join(repo.dir, "skillbench-report.json"), "utf8")) as Report;
    const skill = report.skills[0];
    expect(skill?.controlResults).toHaveLength(3);
    const broken = skill?.controlResults?.find((r) => r.caseId === "broken");
    expect(broken?.error).toMatch(/500/);
    expect(skill?.models[0]?.uplift).toMatchObject({ controlErrors: 1, quality: { n: 2 } });
    // Control pairs are pairs of the run: 2 x 3 results, every one accounted for.
    expect(report.totals.cases).toBe(6);
  });

  it("the result cache key says control and does not change with the skill's other files", async () => {
    const p = await loadProject(repo.dir);
    const plan = planRun(p.benchmarks, p.skills, p.config, "judge-key");
    const head = plan[0];
    const control = plan[3];
    if (!head || !control) throw new Error("no plan");
    expect(control.key).not.toBe(head.key);
    expect(resultCacheKey(control, p.config)).not.toBe(resultCacheKey({ ...control, control: undefined }, p.config));
    // A file of the skill's folder changes the skill hash (the skill's own key), not the control's.
    await repo.commit("tone", { "skills/greet/references/tone.md": "Be very warm.\n" });
    const edited = await loadProject(repo.dir);
    const replanned = planRun(edited.benchmarks, edited.skills, edited.config, "judge-key");
    expect(replanned[0]?.key).not.toBe(head.key);
    expect(replanned[3]?.key).toBe(control.key);
    expect(resultCacheKey(replanned[3] ?? control, edited.config)).toBe(resultCacheKey(control, p.config));
    // The instructions are the judge's rubric: changing them changes the control's key.
    await repo.commit("rubric", { "skills/greet/SKILL.md": skill(" Use their name.") });
    const rubric = await loadProject(repo.dir);
    expect(planRun(rubric.benchmarks, rubric.skills, rubric.config, "judge-key")[3]?.key).not.toBe(control.key);
  });

  it("a second pr run reuses control results from the result cache: no new call", async () => {
    const env = simCliEnv(sim.url, "sk-test-uplift");
    const first = await runCli(["run", "--no-baseline", "--skills", "all"], { cwd: repo.dir, env });
    expect([0, 1]).toContain(first.code);
    const calls = sim.requests.length;
    const second = await runCli(["run", "--no-baseline", "--skills", "all"], { cwd: repo.dir, env });
    expect(second.code).toBe(first.code);
    expect(sim.requests.length).toBe(calls);
    const report = JSON.parse(await readFile(join(repo.dir, "skillbench-report.json"), "utf8")) as Report;
    expect(report.skills[0]?.controlResults?.every((r) => r.reused)).toBe(true);
    expect(report.skills[0]?.models[0]?.uplift?.quality.n).toBe(3);
  });
});

describe("the CLI: uplift in pr mode and 'no longer helps' in baseline mode", () => {
  let sim: SimServer;
  let repo: RepoWithOrigin;
  const cases = Array.from({ length: 6 }, (_, i) => `  - id: person-${i}\n    input: "Please greet person number ${i}"`).join("\n");
  const skill = (extra: string) => `---\nname: greet\ndescription: Greets people.\n---\nGreet the person named in the input warmly.${extra}\n`;

  beforeAll(async () => {
    sim = await startSimServer({ latencyMs: [1, 4] });
  });
  afterAll(async () => {
    await sim.close();
  });
  beforeEach(async () => {
    sim.reset();
    repo = await makeRepoWithOrigin({
      "skillbench.yml": `models: [${SONNET}, ${HAIKU}]\nconcurrency: 4\njudge: { samples: 1 }\ncontrol: without-skill\n`,
      "skills/greet/SKILL.md": skill(" sim:quality=80"),
      "benchmarks/greet.yml": `skill: skills/greet/SKILL.md\ncases:\n${cases}\n`,
      ".gitignore": "skillbench-report.json\n.skillbench/\nreport.md\n",
    });
  });
  afterEach(async () => {
    await repo.cleanup();
  });

  const cli = (argv: string[]) => runCli(argv, { cwd: repo.dir, env: simCliEnv(sim.url, "sk-test-uplift") });
  const readReport = async () => JSON.parse(await readFile(join(repo.dir, "skillbench-report.json"), "utf8")) as Report;

  it("a nightly run flags a skill whose uplift is gone, in the report, the markdown and the terminal, and still records the baseline (exit 0)", async () => {
    // Answers without the skill are now judged 10 points better (sim:uplift=-10): the skill no longer helps.
    await repo.commit("no longer helps", { "skills/greet/SKILL.md": skill(" sim:quality=80 sim:uplift=-10") });
    const { code, stdout } = await cli(["run", "--mode", "baseline", "--markdown", "report.md"]);
    expect(code).toBe(0);
    const report = await readReport();
    expect(report.regressed).toBe(false);
    expect(report.failure).toBeNull();
    for (const m of report.skills[0]?.models ?? []) {
      expect(m.uplift).toMatchObject({ helps: false, quality: { n: 6, delta: expect.any(Number) } });
      expect(m.uplift?.quality.delta).toBeLessThanOrEqual(0);
      expect(m.regressions).toEqual([]);
    }
    expect(stdout).toMatch(/greet: this skill no longer helps claude-sonnet-5 \(uplift [−+±][\d.]+ \[[−+±][\d.]+, [−+±][\d.]+\], n=6\)/);
    const markdown = await readFile(join(repo.dir, "report.md"), "utf8");
    expect(markdown).toContain("this skill no longer helps claude-haiku-4-5");
    expect(markdown).toContain("Uplift over no skill");
    // The baseline was recorded: uplift is advisory.
    expect(await repo.git(["ls-remote", "origin", "skillbench-baseline"])).not.toBe("");
  });

  it("a pr run shows the uplift per model, does not flag, and the gate ignores it (--control none turns it off)", async () => {
    const { code, stdout } = await cli(["run", "--no-baseline", "--markdown", "report.md"]);
    expect([0]).toContain(code);
    const report = await readReport();
    const model = report.skills[0]?.models[0];
    expect(model?.uplift).toMatchObject({ helps: true, quality: { n: 6 } });
    // The sim's default uplift (15 points), give or take its per-request jitter.
    expect(model?.uplift?.quality.delta).toBeGreaterThan(8);
    expect(model?.uplift?.quality.delta).toBeLessThan(22);
    expect(stdout).toContain("claude-sonnet-5: uplift over no skill +");
    expect(stdout).not.toContain("no longer helps");
    const markdown = await readFile(join(repo.dir, "report.md"), "utf8");
    expect(markdown).toMatch(/\| claude-sonnet-5 +\| +\+\d+\.\d \[\+\d+\.\d, \+\d+\.\d\], n=6 +\|/);

    sim.reset();
    await cli(["run", "--no-baseline", "--control", "none"]);
    expect(sim.requests.filter((r) => r.kind === "generate" && r.body["system"] === undefined)).toHaveLength(0);
    const off = await readReport();
    expect(off.skills[0]?.controlResults).toBeUndefined();
    expect(off.skills[0]?.models[0]?.uplift).toBeUndefined();
  });

  it("a bad --control is a usage error naming the flag (exit 2)", async () => {
    const { code, stderr } = await cli(["run", "--no-baseline", "--control", "sometimes"]);
    expect(code).toBe(2);
    expect(stderr).toContain("--control");
  });
});
