// Trigger evaluation (benchmark `triggers:`): validation with file:line, the request an agent would see (the Skill
// tool, the catalogue), recall / false-trigger / confusion arithmetic, errors kept, and the pull-request gate: a
// description-only change runs the trigger queries alone against the base commit's catalogue (real git with a bare
// origin, the real SDK against the simulated Messages API) and fails on a recall drop.
import { rm } from "node:fs/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadProject } from "../src/project.js";
import { Git } from "../src/git.js";
import { modelClientFactory, runPipeline, type Logger } from "../src/pipeline.js";
import { Redactor } from "../src/redact.js";
import { renderComment } from "../src/report/markdown.js";
import { renderTerminalSummary } from "../src/report/terminal.js";
import { startSimServer, type SimServer } from "../src/sim/server.js";
import { summarizeModel } from "../src/triggers.js";
import type { Overrides } from "../src/config.js";
import type { TriggerQueryResult, TriggerSample } from "../src/types.js";
import { issuesOf, tempTree } from "./support/files.js";
import { GIT_TEST_ENV, makeRepoWithOrigin, type RepoWithOrigin } from "./support/git-repo.js";

const MODEL = "claude-haiku-4-5";
const SUMMARIZE = "skills/summarize-thread/SKILL.md";
const PDF = "skills/pdf-tools/SKILL.md";
const GOOD_DESCRIPTION = "Summarize a long email or chat thread into key decisions and action items.";

function skill(name: string, description: string, body = "Do the task well."): string {
  return `---\nname: ${name}\ndescription: ${description}\n---\n${body}\n`;
}

const BENCHMARK = [
  `skill: ${SUMMARIZE}`,
  "cases:",
  "  - id: c1",
  "    input: Summarize this thread about the release date.",
  "triggers:",
  "  should:",
  "    - Summarize this email and list the action items",
  "    - Give me the key decisions from this chat thread",
  "    - What were the decisions and action items in this email chain?",
  "    - Pull the action items out of our chat log",
  "  should-not:",
  "    - Extract the tables from this PDF file",
  "    - What is the capital of France?",
  "",
].join("\n");

const FILES: Record<string, string> = {
  "skillbench.yml": `models: [${MODEL}]\njudge: { model: claude-opus-4-8, samples: 1 }\n`,
  [SUMMARIZE]: skill("summarize-thread", GOOD_DESCRIPTION),
  // Not benchmarked: in the catalogue all the same (a sibling an agent could pick).
  [PDF]: skill("pdf-tools", "Extract text and tables from PDF files, fill PDF forms, merge documents."),
  "skills/plain.md": "Answer in French.\n",
  "benchmarks/summarize.yml": BENCHMARK,
  "benchmarks/plain.yml": "skill: skills/plain.md\ncases:\n  - input: Hello there\n",
};

const temps: string[] = [];
const sims: SimServer[] = [];
afterEach(async () => {
  for (const sim of sims.splice(0)) await sim.close();
  for (const dir of temps.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function sim(): Promise<SimServer> {
  const server = await startSimServer({ latencyMs: [1, 2], judgeNoise: { sd: 0, seed: "t" } });
  sims.push(server);
  return server;
}

function quietLog(): Logger & { infos: string[]; warnings: string[] } {
  const infos: string[] = [];
  const warnings: string[] = [];
  return { infos, warnings, info: (m) => infos.push(m), debug: () => {}, error: () => {}, warning: (m) => warnings.push(m) };
}

const skillRequests = (server: SimServer) =>
  server.requests.filter((r) => Array.isArray(r.body["tools"]) && (r.body["tools"] as { name: string }[]).some((t) => t.name === "Skill"));
const otherRequests = (server: SimServer) => server.requests.filter((r) => !skillRequests(server).includes(r));

describe("triggers: validation", () => {
  const cases: { name: string; triggers: string; line: number; field: string; message: RegExp }[] = [
    { name: "an empty query", triggers: "triggers:\n  should:\n    - '  '\n", line: 7, field: "triggers.should[0]", message: /must not be empty/ },
    { name: "a repeated query", triggers: "triggers:\n  should:\n    - a b\n    - a b\n", line: 8, field: "triggers.should[1]", message: /listed more than once/ },
    { name: "not a list", triggers: "triggers:\n  should: summarize this\n", line: 6, field: "triggers.should", message: /array|list/ },
    { name: "an unknown key", triggers: "triggers:\n  sometimes: [x]\n", line: 6, field: "triggers.sometimes", message: /sometimes/ },
    { name: "a query in both lists", triggers: "triggers:\n  should: [pdf please]\n  should-not: [pdf please]\n", line: 7, field: "triggers.should-not[0]", message: /also a "should" query/ },
    { name: "no query", triggers: "triggers: {}\n", line: 5, field: "triggers", message: /lists no query/ },
  ];
  for (const row of cases) {
    it(`refuses ${row.name} with the benchmark's file and line`, async () => {
      const root = await tempTree("sb-trig-", {
        ...FILES,
        "benchmarks/summarize.yml": `skill: ${SUMMARIZE}\ncases:\n  - id: c1\n    input: x\n${row.triggers}`,
      }, temps);
      const issues = await issuesOf(loadProject(root));
      const issue = issues.find((i) => i.file === "benchmarks/summarize.yml");
      expect(issue, JSON.stringify(issues)).toBeDefined();
      expect(issue?.line).toBe(row.line);
      expect(issue?.field).toBe(row.field);
      expect(issue?.message).toMatch(row.message);
    });
  }

  it("refuses triggers on a prompt file without a description: an agent cannot pick it", async () => {
    const root = await tempTree("sb-trig-", {
      ...FILES,
      "benchmarks/plain.yml": "skill: skills/plain.md\ncases:\n  - input: Hello there\ntriggers:\n  should: [say it in French]\n",
    }, temps);
    const issues = await issuesOf(loadProject(root));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ file: "benchmarks/plain.yml", line: 4 });
    expect(issues[0]?.message).toMatch(/skills\/plain\.md has no description/);
  });

  it("builds the catalogue from every skill with a description, benchmarked or not; plain prompts are left out", async () => {
    const root = await tempTree("sb-trig-", FILES, temps);
    const project = await loadProject(root);
    expect(project.catalogue?.map((e) => [e.name, e.path])).toEqual([
      ["pdf-tools", PDF],
      ["summarize-thread", SUMMARIZE],
    ]);
    const benchmark = project.benchmarks.find((b) => b.skillPath === SUMMARIZE);
    expect(benchmark?.triggers).toMatchObject({ should: expect.arrayContaining([expect.stringMatching(/^Summarize this email/)]), line: 5 });
    expect(benchmark?.triggers?.shouldNot).toHaveLength(2);
  });

  it("loads no catalogue when no benchmark has triggers", async () => {
    const root = await tempTree("sb-trig-", { ...FILES, "benchmarks/summarize.yml": `skill: ${SUMMARIZE}\ncases:\n  - input: x\n` }, temps);
    expect((await loadProject(root)).catalogue).toBeUndefined();
  });
});

describe("triggers: arithmetic", () => {
  const s = (invoked: string | null, error: string | null = null): TriggerSample => ({ invoked, error, costUsd: null, latencyMs: 1 });
  const q = (kind: "should" | "should-not", samples: TriggerSample[], baseSamples?: TriggerSample[]): TriggerQueryResult => ({
    query: `${kind}-${Math.random()}`,
    kind,
    model: MODEL,
    samples,
    ...(baseSamples ? { baseSamples } : {}),
  });

  it("recall, false-trigger rate and confusion count samples without error; failed calls are counted apart", () => {
    const summary = summarizeModel("me", MODEL, [
      q("should", [s("me"), s("me"), s("pdf")]),
      q("should", [s("pdf"), s(null), s("me", "server: boom")]),
      q("should-not", [s("me"), s(null), s(null)]),
    ], 10);
    expect(summary.n).toEqual({ should: 5, shouldNot: 3 });
    expect(summary.recall).toBeCloseTo(2 / 5);
    expect(summary.falseTriggerRate).toBeCloseTo(1 / 3);
    expect(summary.errors).toBe(1);
    expect(summary.confusion).toEqual([
      { skill: "pdf", count: 2 },
      { skill: "(none)", count: 1 },
    ]);
    expect(summary.base).toBeNull();
    expect(summary.tests).toEqual([]);
  });

  it("pairs per query against the base: recall deltas in points, a false-trigger rise tested as a drop", () => {
    const summary = summarizeModel("me", MODEL, [
      q("should", [s("me"), s(null)], [s("me"), s("me")]),
      q("should", [s(null), s(null)], [s("me"), s("me")]),
      q("should-not", [s("me"), s("me")], [s(null), s(null)]),
    ], 10);
    expect(summary.base).toEqual({ recall: 1, falseTriggerRate: 0 });
    const recall = summary.tests.find((t) => t.metric === "trigger-recall");
    expect(recall).toMatchObject({ n: 2, delta: -75 });
    expect(summary.tests.find((t) => t.metric === "false-trigger")).toMatchObject({ n: 1, delta: -100 });
  });
});

describe("triggers: runs against the simulated API", () => {
  async function runAll(server: SimServer, root: string, overrides: Overrides = {}) {
    const log = quietLog();
    const result = await runPipeline({
      root,
      mode: "pr",
      skills: "all",
      commit: null,
      overrides: { apiBaseUrl: { value: server.url, source: "test" }, ...overrides },
      client: modelClientFactory("sk-test-triggers", log),
      store: null,
      git: null,
      log,
      redactor: Redactor.none,
    });
    if (!result.report) throw new Error("no report");
    return { report: result.report, log };
  }

  it("sends each query trigger-samples times with the Skill tool and the catalogue, and records what was invoked", async () => {
    const server = await sim();
    const root = await tempTree("sb-trig-", FILES, temps);
    const { report } = await runAll(server, root);
    const requests = skillRequests(server);
    expect(requests).toHaveLength(6 * 3);
    const body = requests[0]?.body ?? {};
    const tools = body["tools"] as { name: string; input_schema: { properties: { name: { enum: string[] } }; required: string[] } }[];
    expect(tools.map((t) => t.name)).toEqual(["Skill"]);
    expect(tools[0]?.input_schema.properties.name.enum).toEqual(["pdf-tools", "summarize-thread"]);
    expect(tools[0]?.input_schema.required).toEqual(["name"]);
    expect(String(body["system"] ?? JSON.stringify(body["system"]))).toContain(GOOD_DESCRIPTION);
    expect(JSON.stringify(body["system"])).toContain("Extract text and tables from PDF files");
    expect(JSON.stringify(body["system"])).not.toContain("Answer in French");
    expect(body["max_tokens"]).toBe(512);

    const triggers = report.triggers ?? [];
    expect(triggers).toHaveLength(1);
    const model = triggers[0]?.models[0];
    expect(model).toMatchObject({ model: MODEL, recall: 1, falseTriggerRate: 0, n: { should: 12, shouldNot: 6 }, errors: 0, confusion: [] });
    const pdfQuery = triggers[0]?.queries.find((r) => r.query.includes("PDF"));
    expect(pdfQuery?.samples.map((x) => x.invoked)).toEqual(["pdf-tools", "pdf-tools", "pdf-tools"]);
    // No base commit here: reported, not gated.
    expect(triggers[0]?.verdict).toBe("inconclusive");
    expect(report.totals.calls).toBeGreaterThanOrEqual(18);
    expect(renderComment(report)).toMatch(/Triggers: summarize-thread/);
    expect(renderTerminalSummary(report)).toMatch(/triggers of summarize-thread .*\n\s+claude-haiku-4-5: recall 100%, false triggers 0%/);
  });

  it("trigger-samples (config key and flag) sets the calls per query and model", async () => {
    const server = await sim();
    const root = await tempTree("sb-trig-", { ...FILES, "skillbench.yml": `${FILES["skillbench.yml"]}trigger-samples: 1\n` }, temps);
    await runAll(server, root);
    expect(skillRequests(server)).toHaveLength(6);
    server.reset();
    const { report } = await runAll(server, root, { triggerSamples: { value: "2", source: "--trigger-samples" } });
    expect(skillRequests(server)).toHaveLength(12);
    expect(report.triggers?.[0]?.samples).toBe(2);
  });

  it("trigger-samples out of range is an input error naming the flag", async () => {
    const root = await tempTree("sb-trig-", FILES, temps);
    const issues = await issuesOf(loadProject(root, { overrides: { triggerSamples: { value: "0", source: "--trigger-samples" } } }));
    expect(issues).toEqual([expect.objectContaining({ file: "--trigger-samples", message: expect.stringMatching(/whole number from 1 to 20/) })]);
    const fromFile = await tempTree("sb-trig-", { ...FILES, "skillbench.yml": `${FILES["skillbench.yml"]}trigger-samples: many\n` }, temps);
    expect((await issuesOf(loadProject(fromFile)))[0]).toMatchObject({ file: "skillbench.yml", line: 3, field: "trigger-samples" });
  });

  it("a failing call is a recorded error of its sample, never lost, and out of the rates", async () => {
    const server = await sim();
    server.addFault({ fault: "400", contains: "capital of France", times: Number.POSITIVE_INFINITY });
    const root = await tempTree("sb-trig-", FILES, temps);
    const { report } = await runAll(server, root, { triggerSamples: { value: "2", source: "test" } });
    const triggers = report.triggers?.[0];
    const failed = triggers?.queries.find((r) => r.query.includes("France"));
    expect(failed?.samples).toHaveLength(2);
    expect(failed?.samples.every((x) => x.error !== null && /invalid|400/.test(x.error))).toBe(true);
    expect(triggers?.models[0]).toMatchObject({ errors: 2, n: { should: 8, shouldNot: 2 }, falseTriggerRate: 0 });
  });

  it("a forced choice (sim directive) shows the sibling that took the queries in the confusion", async () => {
    const server = await sim();
    const root = await tempTree("sb-trig-", {
      ...FILES,
      "benchmarks/summarize.yml": BENCHMARK.replace("list the action items", "list the action items sim:trigger=pdf-tools"),
    }, temps);
    const { report } = await runAll(server, root);
    const model = report.triggers?.[0]?.models[0];
    expect(model?.recall).toBeCloseTo(9 / 12);
    expect(model?.confusion).toEqual([{ skill: "pdf-tools", count: 3 }]);
    expect(renderComment(report)).toContain("3/12 went to pdf-tools");
  });
});

describe("triggers: pull requests against the base commit's catalogue (real git)", () => {
  let repo: RepoWithOrigin;
  beforeEach(async () => {
    repo = await makeRepoWithOrigin(FILES);
  });
  afterEach(async () => {
    await repo.cleanup();
  });

  async function runPr(server: SimServer, overrides: Overrides = {}) {
    const git = await Git.create(repo.dir, { extraEnv: GIT_TEST_ENV });
    const log = quietLog();
    const result = await runPipeline({
      root: repo.dir,
      mode: "pr",
      skills: "changed",
      baseRef: "main",
      commit: await repo.head(),
      overrides: { apiBaseUrl: { value: server.url, source: "test" }, ...overrides },
      client: modelClientFactory("sk-test-triggers", log),
      store: null,
      git,
      log,
      redactor: Redactor.none,
    });
    if (!result.report) throw new Error("no report");
    return { report: result.report, log };
  }

  it("a description-only change runs the trigger queries only, and a recall drop fails the gate", async () => {
    await repo.branch("pr");
    await repo.commit("vaguer description", { [SUMMARIZE]: skill("summarize-thread", "Helps with text.") });
    const server = await sim();
    const { report } = await runPr(server);
    // No generation, no judgement: the skill's body did not change.
    expect(otherRequests(server)).toHaveLength(0);
    expect(skillRequests(server)).toHaveLength(6 * 3 * 2);
    expect(report.skills).toHaveLength(0);
    const triggers = report.triggers?.[0];
    expect(triggers, JSON.stringify(triggers?.verdictReasons)).toMatchObject({ compared: "base-catalogue", verdict: "regressed" });
    expect(triggers?.reason).toMatch(/trigger queries only: its description changed/);
    expect(triggers?.models[0]).toMatchObject({ recall: 0, base: { recall: 1, falseTriggerRate: 0 } });
    expect(triggers?.models[0]?.tests.find((t) => t.metric === "trigger-recall")).toMatchObject({ outcome: "regressed", delta: -100, n: 4 });
    expect(report.regressed).toBe(true);
    expect(report.verdict).toBe("regressed");
    expect(renderComment(report)).toMatch(/❌ Trigger regression in 1 of 1 skill/);
  });

  it("trigger queries alone where every call fails: nothing measured, an operational failure naming the cause once", async () => {
    await repo.branch("pr");
    await repo.commit("vaguer description", { [SUMMARIZE]: skill("summarize-thread", "Helps with text.") });
    const server = await sim();
    server.addFault({ fault: "400", contains: "<available_skills>", times: Number.POSITIVE_INFINITY });
    const { report } = await runPr(server);
    expect(report.triggers?.[0]?.models[0]).toMatchObject({ verdict: "error", errors: 6 * 3, recall: null });
    expect(report.failure?.cause).toMatch(/all 36 trigger calls failed: invalid-request/);
    expect(report.verdict).toBe("error");
  });

  it("max-cost-usd counts the trigger calls: a description-only PR over budget sends nothing", async () => {
    await repo.branch("pr");
    await repo.commit("vaguer description", { [SUMMARIZE]: skill("summarize-thread", "Helps with text.") });
    const server = await sim();
    await expect(runPr(server, { maxCostUsd: { value: "0.001", source: "--max-cost-usd" } })).rejects.toThrow(/for 36 model call\(s\), is over max-cost-usd/);
    expect(server.requests).toHaveLength(0);
  });

  it("a description edit that keeps the key words passes", async () => {
    await repo.branch("pr");
    await repo.commit("reword", { [SUMMARIZE]: skill("summarize-thread", `${GOOD_DESCRIPTION} Good for long threads.`) });
    const server = await sim();
    const { report } = await runPr(server);
    expect(otherRequests(server)).toHaveLength(0);
    expect(report.triggers?.[0]).toMatchObject({ compared: "base-catalogue", verdict: "pass" });
    expect(report.verdict).toBe("pass");
    expect(report.regressed).toBe(false);
  });

  it("a sibling's description change re-runs the triggers of benchmarks that have them, and shows what it took", async () => {
    await repo.branch("pr");
    await repo.commit("greedy sibling", {
      [PDF]: skill("pdf-tools", "Summarize any email or chat thread, key decisions and action items; also PDF files, tables and forms."),
    });
    const server = await sim();
    const { report } = await runPr(server);
    expect(otherRequests(server)).toHaveLength(0);
    const triggers = report.triggers?.[0];
    expect(triggers?.reason).toMatch(/the catalogue changed \(skills\/pdf-tools\/SKILL\.md\)/);
    expect(triggers?.models[0]?.confusion.find((c) => c.skill === "pdf-tools")?.count).toBeGreaterThan(0);
    expect(triggers?.models[0]?.recall ?? 1).toBeLessThan(1);
  });

  it("a trigger-query-only change runs its triggers only; the catalogue being unchanged, nothing is compared", async () => {
    await repo.branch("pr");
    await repo.commit("more queries", { "benchmarks/summarize.yml": BENCHMARK.replace("  should-not:\n", "    - Summarize this chat thread for me\n  should-not:\n") });
    const server = await sim();
    const { report } = await runPr(server);
    expect(otherRequests(server)).toHaveLength(0);
    expect(skillRequests(server)).toHaveLength(7 * 3);
    expect(report.triggers?.[0]).toMatchObject({ compared: "unchanged", verdict: "pass" });
    expect(report.triggers?.[0]?.reason).toMatch(/its trigger queries changed/);
  });

  it("a body change runs everything as before (generations and judgements), and the triggers too", async () => {
    await repo.branch("pr");
    await repo.commit("body", { [SUMMARIZE]: skill("summarize-thread", GOOD_DESCRIPTION, "Summarize in three bullets.") });
    const server = await sim();
    const { report } = await runPr(server);
    expect(otherRequests(server).length).toBeGreaterThan(0);
    expect(report.skills.map((s) => s.skill)).toEqual([SUMMARIZE]);
    expect(report.triggers?.[0]).toMatchObject({ reason: "benchmarked in full", compared: "unchanged" });
  });
});
