// Graded expectations and deterministic checks: every check type, located input errors, the judge's grades (and
// unusable ones), pass-rate gating through the same paired tests as quality, and flipped expectations in the comment.
import { rm } from "node:fs/promises";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { summarizeSkill } from "../src/aggregate.js";
import { createModelClient } from "../src/anthropic.js";
import { serializeSkillBaseline } from "../src/baseline/format.js";
import { parseSkillBaseline } from "../src/baseline/read.js";
import { runCheck, type CheckSubject } from "../src/checks.js";
import { applyComparison, compareSkill, type CompareOptions } from "../src/compare.js";
import { describeFinding } from "../src/report/reasons.js";
import { loadProject } from "../src/project.js";
import { buildJudgeRequest, parseJudgement } from "../src/judge.js";
import { renderComment } from "../src/report/markdown.js";
import { RepoFiles } from "../src/repo-files.js";
import { startSimServer, type SimServer } from "../src/sim/server.js";
import type { BaselineEntry, BaselineSnapshot, Benchmark, CaseResult, CheckSpec, Skill, SkillBaseline } from "../src/types.js";
import { issuesOf, tempTree } from "./support/files.js";
import { planAndRun } from "./support/plan-run.js";
import { caseResult, report } from "./support/report-factory.js";

const temps: string[] = [];
afterEach(async () => {
  await Promise.all(temps.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

const subject = (overrides: Partial<CheckSubject> = {}): CheckSubject => ({
  output: '{"title": "Fix avatar crash", "issue": 88}',
  costUsd: 0.002,
  latencyMs: 900,
  filesRead: ["reference/style.md"],
  ...overrides,
});

describe("every check type", () => {
  const schema = { type: "object", required: ["title"], properties: { title: { type: "string" } } };
  const rows: [CheckSpec, CheckSubject, boolean, RegExp][] = [
    [{ type: "contains", value: "avatar" }, subject(), true, /contains "avatar"/],
    [{ type: "contains", value: "Avatar" }, subject(), false, /does not contain/],
    [{ type: "icontains", value: "AVATAR" }, subject(), true, /ignoring case/],
    [{ type: "icontains", value: "profile" }, subject(), false, /does not contain "profile"/],
    [{ type: "not-contains", value: "As an AI" }, subject(), true, /does not contain/],
    [{ type: "not-contains", value: "crash" }, subject(), false, /contains "crash"/],
    [{ type: "regex", value: "issue\"?:\\s*\\d+" }, subject(), true, /matches/],
    [{ type: "regex", value: "^fix" }, subject(), false, /no match/],
    [{ type: "not-regex", value: "TODO|FIXME" }, subject(), true, /no match/],
    [{ type: "not-regex", value: "\\d{2}" }, subject(), false, /matches .* at "88"/],
    [{ type: "equals", value: "done" }, subject({ output: "  done\n" }), true, /equals/],
    [{ type: "equals", value: "done" }, subject({ output: "done." }), false, /not "done"/],
    [{ type: "starts-with", value: "{" }, subject(), true, /starts with/],
    [{ type: "starts-with", value: "fix:" }, subject(), false, /not "fix:"/],
    [{ type: "is-json", value: null }, subject({ output: "```json\n[1, 2]\n```" }), true, /is JSON/],
    [{ type: "is-json", value: null }, subject({ output: "Sure! {" }), false, /is not JSON/],
    [{ type: "json-schema", value: schema }, subject(), true, /fits/],
    [{ type: "json-schema", value: schema }, subject({ output: '{"issue": 88}' }), false, /required property 'title'/],
    [{ type: "max-length", value: 100 }, subject(), true, /at most 100/],
    [{ type: "max-length", value: 10 }, subject(), false, /42 characters \(at most 10\)/],
    [{ type: "min-length", value: 10 }, subject(), true, /at least 10/],
    [{ type: "min-length", value: 100 }, subject(), false, /42 characters \(at least 100\)/],
    [{ type: "max-cost-usd", value: 0.01 }, subject(), true, /cost \$0\.002000/],
    [{ type: "max-cost-usd", value: 0.001 }, subject(), false, /at most \$0\.001/],
    [{ type: "max-latency-ms", value: 1000 }, subject(), true, /900 ms/],
    [{ type: "max-latency-ms", value: 500 }, subject(), false, /900 ms \(at most 500 ms\)/],
    [{ type: "files-read", value: "reference/style.md" }, subject(), true, /read reference\/style\.md/],
    [{ type: "files-read", value: "reference/api.md" }, subject(), false, /did not read reference\/api\.md \(read: reference\/style\.md\)/],
  ];

  it("covers every type with a pass and a fail", () => {
    const types = new Set(rows.map(([spec]) => spec.type));
    expect(types.size).toBe(14);
    for (const type of types) {
      expect(rows.filter(([spec]) => spec.type === type).map(([, , passed]) => passed).sort()).toEqual([false, true]);
    }
  });

  it.each(rows.map((row) => [`${row[0].type} ${row[2] ? "passes" : "fails"}`, ...row] as const))("%s", (_name, spec, input, passed, message) => {
    const result = runCheck(spec, input);
    expect(result).toMatchObject({ type: spec.type, value: spec.value, passed });
    expect(result.message).toMatch(message);
  });

  it("leaves cost, latency and files undecided when they are not known, never failed", () => {
    const unknown = subject({ costUsd: null, latencyMs: null, filesRead: null });
    expect(runCheck({ type: "max-cost-usd", value: 1 }, unknown).passed).toBeNull();
    expect(runCheck({ type: "max-latency-ms", value: 1 }, unknown).passed).toBeNull();
    expect(runCheck({ type: "files-read", value: "a.md" }, unknown).passed).toBeNull();
  });
});

describe("assert and expectations in a benchmark file", () => {
  const files = (benchmark: string) => ({
    "skills/s/SKILL.md": "---\nname: s\ndescription: Does s.\n---\n\nDo s.\n",
    "benchmarks/s.yml": benchmark,
  });

  it("reads expectations and merges the benchmark's checks before each case's own", async () => {
    const root = await tempTree("skillbench-checks-", files(
      [
        "skill: skills/s/SKILL.md",
        "assert:",
        "  - { type: max-length, value: 500 }",
        "cases:",
        "  - id: a",
        "    input: Do a.",
        "    expectations: [\"Names a\", \"Is polite\"]",
        "    assert:",
        "      - { type: regex, value: \"^[A-Z]\" }",
        "      - { type: is-json }",
        "  - id: b",
        "    input: Do b.",
      ].join("\n"),
    ), temps);
    const project = await loadProject(root);
    const [a, b] = project.benchmarks[0]?.cases ?? [];
    expect(a?.expectations).toEqual(["Names a", "Is polite"]);
    expect(a?.assert).toEqual([
      { type: "max-length", value: 500 },
      { type: "regex", value: "^[A-Z]" },
      { type: "is-json", value: null },
    ]);
    expect(b?.assert).toEqual([{ type: "max-length", value: 500 }]);
    expect(b?.expectations).toBeUndefined();
  });

  it("reports invalid regexes, JSON Schemas and values with file and line", async () => {
    const root = await tempTree("skillbench-checks-", files(
      [
        "skill: skills/s/SKILL.md",
        "assert:",
        "  - { type: not-regex, value: \"(unclosed\" }",
        "cases:",
        "  - id: a",
        "    input: Do a.",
        "    assert:",
        "      - { type: json-schema, value: { type: objekt } }",
        "      - { type: max-length, value: many }",
        "      - { type: regex, value: \"[z-a]\" }",
        "      - { type: containz, value: x }",
      ].join("\n"),
    ), temps);
    const issues = await issuesOf(loadProject(root));
    const at = (line: number) => issues.find((issue) => issue.line === line);
    expect(at(3)).toMatchObject({ file: "benchmarks/s.yml", field: "assert[0].value", message: expect.stringMatching(/^not-regex: invalid regular expression/) });
    expect(at(8)).toMatchObject({ field: "cases[0].assert[0].value", message: expect.stringMatching(/^json-schema: invalid JSON Schema/) });
    expect(at(9)).toMatchObject({ field: "cases[0].assert[1].value", message: "max-length: value must be a number, 0 or more" });
    expect(at(10)).toMatchObject({ field: "cases[0].assert[2].value", message: expect.stringMatching(/^regex: invalid regular expression/) });
    expect(at(11)?.field).toMatch(/^cases\[0\]\.assert\[3\]/);
  });
});

describe("expectation grades from the judge", () => {
  const answer = (expectations?: unknown) =>
    JSON.stringify({
      reasoning: "r",
      quality: 80,
      faithfulness: 80,
      relevancy: 80,
      precision: 80,
      recall: 80,
      matches_expected: "no_reference",
      notes: "n",
      ...(expectations === undefined ? {} : { expectations }),
    });

  it("keeps the case's own texts, in order, with the judge's verdict and evidence", () => {
    const judgement = parseJudgement(
      answer([
        { text: "names a (paraphrased)", passed: true, evidence: "It says  a.\n" },
        { text: "polite", passed: false, evidence: "It is curt." },
      ]),
      false,
      ["Names a", "Is polite"],
    );
    expect(judgement.expectations).toEqual([
      { text: "Names a", passed: true, evidence: "It says a." },
      { text: "Is polite", passed: false, evidence: "It is curt." },
    ]);
  });

  it.each([
    ["missing", undefined, /grades 0 expectation\(s\), not the case's 2/],
    ["one short", [{ text: "a", passed: true, evidence: "e" }], /grades 1 expectation/],
    ["malformed", [{ text: "a", passed: "yes", evidence: "e" }, { text: "b", passed: true, evidence: "e" }], /passed must be boolean/],
  ])("makes a judgement with %s grades unusable (unjudged), never a failed expectation", (_name, grades, message) => {
    expect(() => parseJudgement(answer(grades), false, ["Names a", "Is polite"])).toThrow(message);
  });

  it("asks for the grades in an escaped expectations block only when the case has some", () => {
    const skill: Skill = { path: "s.md", dir: null, name: "s", description: null, format: "prompt", instructions: "Do s.", hash: "h" };
    const testCase = { id: "a", input: "Do a.", expected: null, hash: "x", line: 1 };
    const settings = { model: "claude-opus-4-8", maxTokens: 100, blindTerms: [] };
    const withOne = buildJudgeRequest({ skill, testCase: { ...testCase, expectations: ["No </expectations> tag"] }, output: "o" }, settings);
    expect(withOne.user).toContain("<expectations>\n1. No &lt;/expectations> tag\n</expectations>");
    expect(buildJudgeRequest({ skill, testCase, output: "o" }, settings).user).not.toContain("<expectations>");
  });
});

describe("grades and checks through the simulated API", () => {
  let sim: SimServer;
  beforeAll(async () => {
    sim = await startSimServer({ latencyMs: [5, 15] });
  });
  afterAll(async () => {
    await sim.close();
  });

  it("records each expectation's grade and every check; missing grades leave the pair unjudged", async () => {
    const root = await tempTree("skillbench-checks-run-", {
      "skillbench.yml": "models: [claude-sonnet-5]\n",
      "skills/s/SKILL.md": "---\nname: s\ndescription: Does s.\n---\n\nAnswer briefly.\n",
      "skills/s/reference/style.md": "Be brief.\n",
      "benchmarks/s.yml": [
        "skill: skills/s/SKILL.md",
        "assert:",
        "  - { type: max-length, value: 5 }",
        "  - { type: min-length, value: 5 }",
        "cases:",
        "  - id: graded",
        "    input: Explain the queue backlog. sim:read=reference/style.md",
        "    expectations: [\"Mentions the backlog sim:pass\", \"Cites a source sim:fail\"]",
        "    assert:",
        "      - { type: files-read, value: reference/style.md }",
        "      - { type: max-cost-usd, value: 100 }",
        "  - id: ungraded",
        "    input: Explain the retry policy.",
        "    expectations: [\"Names the limit\", \"Is short sim:grade-missing\"]",
      ].join("\n"),
    }, temps);
    const project = await loadProject(root);
    const client = createModelClient({ apiKey: "sk-test", baseUrl: sim.url, maxRetries: 0, timeoutMs: 10_000, sleep: async () => {} });
    const { results } = await planAndRun(project, { client, repo: await RepoFiles.open(root) });
    const graded = results.find((r) => r.caseId === "graded") as CaseResult;
    expect(graded.judged).toBe(true);
    expect(graded.expectations?.map((e) => [e.text, e.passed])).toEqual([
      ["Mentions the backlog sim:pass", true],
      ["Cites a source sim:fail", false],
    ]);
    expect(graded.expectations?.[1]?.evidence).toMatch(/nothing in the output shows/);
    expect(graded.checks?.map((c) => [c.type, c.passed])).toEqual([
      ["max-length", false],
      ["min-length", true],
      ["files-read", true],
      ["max-cost-usd", true],
    ]);
    const ungraded = results.find((r) => r.caseId === "ungraded") as CaseResult;
    expect(ungraded.judged).toBe(false);
    expect(ungraded.quality).toBeNull();
    expect(ungraded.judgeError).toMatch(/grades 1 expectation\(s\), not the case's 2/);
    expect(ungraded.checks).toHaveLength(2);

    const summary = summarizeSkill({
      skill: project.skills.get("skills/s/SKILL.md") as Skill,
      benchmark: project.benchmarks[0] as Benchmark,
      results,
      models: ["claude-sonnet-5"],
    }).models[0];
    // Only the judged case counts for expectations (1 of 2 passed); checks count on every output: (3/4 + 1/2) / 2.
    expect(summary?.expectationPassRate).toBe(0.5);
    expect(summary?.checkPassRate).toBeCloseTo(0.625, 10);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Gating

const JUDGE = "judge-key-1";
const NOW = new Date("2026-03-01T12:00:00.000Z");
const SKILL_PATH = "skills/s.md";
const options: CompareOptions = {
  judgeKey: JUDGE,
  thresholds: { quality: 5, dimension: 10, cost: 25, errors: 20, passRate: 10 },
  gate: "significant",
  staleAfterDays: 90,
  now: NOW,
  describe: describeFinding,
};

function entry(caseId: string, overrides: Partial<BaselineEntry> = {}): BaselineEntry {
  return {
    key: `old-${caseId}`,
    caseId,
    caseHash: `hash-${caseId}`,
    model: "m",
    skillHash: "old",
    judgeKey: JUDGE,
    quality: 80,
    faithfulness: 80,
    relevancy: 80,
    precision: 80,
    recall: 80,
    matchesExpected: null,
    costUsd: 0.004,
    latencyMs: 1500,
    error: null,
    recordedAt: "2026-02-28T03:00:00.000Z",
    commit: "abc",
    ...overrides,
  };
}

function skillOf(results: CaseResult[]) {
  const skill: Skill = { path: SKILL_PATH, dir: null, name: "s", description: null, format: "prompt", instructions: "Do s.", hash: "new" };
  const benchmark: Benchmark = { path: "benchmarks/s.yml", skillPath: SKILL_PATH, models: null, cases: [] };
  return summarizeSkill({ skill, benchmark, results, models: ["m"] });
}

const ids = ["c1", "c2", "c3", "c4", "c5"];
const check = (passed: boolean) => ({ type: "contains" as const, value: "Fixes #", passed, message: passed ? "contains" : "does not contain" });
// Quality jitters around the same mean on both sides: only the pass rate moves.
const quality = [80, 82, 78, 81, 79];

function baselineWith(fields: (id: string) => Partial<BaselineEntry>): SkillBaseline {
  return { skill: SKILL_PATH, skillHash: "old", updatedAt: NOW.toISOString(), commit: "abc", entries: ids.map((id) => entry(id, fields(id))) };
}

describe("pass rates gate like quality", () => {
  it("regresses a model whose check starts failing on every case, quality unchanged", () => {
    const results = ids.map((id, i) => caseResult({ caseId: id, model: "m", quality: quality[i] as number, checks: [check(false)] }));
    const base = baselineWith(() => ({ checks: [{ type: "contains", value: "Fixes #", passed: true }] }));
    const compared = compareSkill(skillOf(results), base, options);
    const model = compared.models[0];
    expect(model?.checkPassRate).toBe(0);
    const test = model?.tests.find((t) => t.metric === "checks");
    expect(test).toMatchObject({ n: 5, delta: -100, gated: true, outcome: "regressed" });
    expect(model?.tests.find((t) => t.metric === "quality")?.outcome).not.toBe("regressed");
    expect(model?.verdict).toBe("regressed");
    expect(model?.regressions.join("\n")).toMatch(/check pass rate −100\.0 points \(threshold 10/);
  });

  it("passes when the checks still pass, and compares only checks both sides have", () => {
    const results = ids.map((id, i) =>
      caseResult({ caseId: id, model: "m", quality: quality[i] as number, checks: [check(true), { type: "max-length", value: 10, passed: false, message: "" }] }),
    );
    const base = baselineWith(() => ({ checks: [{ type: "contains", value: "Fixes #", passed: true }] }));
    const model = compareSkill(skillOf(results), base, options).models[0];
    // The new max-length check fails everywhere but has no base side: it is no drop.
    expect(model?.tests.find((t) => t.metric === "checks")).toMatchObject({ n: 5, delta: 0, outcome: "pass" });
    expect(model?.verdict).toBe("pass");
  });

  it("tests expectation pass rates on judged pairs, advisory below 3 cases", () => {
    const graded = (passed: boolean) => [{ text: "Names the issue", passed, evidence: passed ? "It does." : "No issue number." }];
    const results = ids.map((id, i) =>
      caseResult({ caseId: id, model: "m", quality: quality[i] as number, expectations: i < 2 ? graded(false) : undefined }),
    );
    const base = baselineWith(() => ({ expectations: [{ text: "Names the issue", passed: true }] }));
    const model = compareSkill(skillOf(results), base, options).models[0];
    expect(model?.tests.find((t) => t.metric === "expectations")).toMatchObject({ n: 2, delta: -100, gated: false });
    expect(model?.verdict).not.toBe("regressed");
    expect(model?.flippedExpectations).toEqual([
      { caseId: "c1", text: "Names the issue", evidence: "No issue number." },
      { caseId: "c2", text: "Names the issue", evidence: "No issue number." },
    ]);
  });

  it("shows the expectations that flipped to failed, with the evidence, in the comment", () => {
    const graded = (passed: boolean) => [
      { text: "Names the issue", passed, evidence: passed ? "It does." : "The message never mentions #88." },
      { text: "Uses the imperative", passed: true, evidence: "Fix ..." },
    ];
    const results = ids.map((id, i) => caseResult({ caseId: id, model: "m", quality: quality[i] as number, expectations: graded(false) }));
    const base = baselineWith(() => ({ expectations: graded(true).map(({ text, passed }) => ({ text, passed })) }));
    const snapshot: BaselineSnapshot = { branch: "b", commit: "abc", found: true, skills: new Map([[SKILL_PATH, base]]), history: [], errors: [] };
    const compared = applyComparison(report({ skills: [skillOf(results)], judgeKey: JUDGE }), snapshot, options);
    expect(compared.skills[0]?.models[0]?.verdict).toBe("regressed");
    const comment = renderComment(compared);
    expect(comment).toContain('🔻 **m** · c1: "Names the issue" passed on the base and now fails: The message never mentions &#35;88.');
    expect(comment).not.toContain('"Uses the imperative" passed on the base');
    expect(comment).toMatch(/Pass rates: \*\*m\*\* expectations 50% \(−50\.0 points, regressed\)/);
    expect(comment).toMatch(/expectation pass rate −50\.0 points/);
  });
});

describe("baseline entries keep grades and checks", () => {
  it("round-trips them and reads older files without them as absent", () => {
    const base = baselineWith((id) =>
      id === "c1"
        ? { expectations: [{ text: "Names the issue", passed: true }], checks: [{ type: "max-cost-usd", value: 0.1, passed: null }] }
        : {},
    );
    const read = parseSkillBaseline(serializeSkillBaseline(base));
    expect(read.ok).toBe(true);
    if (!read.ok) return;
    expect(read.value.entries[0]?.expectations).toEqual([{ text: "Names the issue", passed: true }]);
    expect(read.value.entries[0]?.checks).toEqual([{ type: "max-cost-usd", value: 0.1, passed: null }]);
    expect(read.value.entries[1]?.expectations).toBeUndefined();
    expect(read.value.entries[1]?.checks).toBeUndefined();
    const broken = serializeSkillBaseline(base).replace('"passed":true', '"passed":"yes"');
    const bad = parseSkillBaseline(broken);
    expect(bad.ok).toBe(false);
  });
});
