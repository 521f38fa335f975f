// schema/report.schema.json (generated from the Report type, scripts/report-schema.ts) against real reports: the CLI
// in-process on a real repository with a bare origin, against the simulated Anthropic API. A baseline run, a pull
// request run, two shards and their merge, between them using every optional part of a report: expectations,
// assert checks, files-read, control: without-skill (uplift), triggers (one failing query), failed generations and
// judgements, changed and removed cases, an unchanged and an unloadable skill (skipped, a warning), batches, shards.
// ajv validates each; a walk over the schema then says which fields no report used, so a new report field must
// either appear here or be named below with the reason it cannot.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv, type ErrorObject } from "ajv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimServer, type SimServer } from "../src/sim/server.js";
import { runCli, simCliEnv } from "./support/cli-runner.js";
import { makeRepoWithOrigin, type RepoWithOrigin } from "./support/git-repo.js";

const SCHEMA_PATH = fileURLToPath(new URL("../schema/report.schema.json", import.meta.url));

const SUMMARIZE = "skills/summarize-thread/SKILL.md";
const skill = (description: string, extra = "") =>
  `---\nname: summarize-thread\ndescription: ${description}\n---\nSummarize the thread: decisions first, then action items.${extra}\n`;
const DESCRIPTION = "Summarize a long email or chat thread into key decisions and action items.";

const BENCHMARK = [
  `skill: ${SUMMARIZE}`,
  "control: without-skill",
  'assert: [{ type: contains, value: "thread" }, { type: max-length, value: 5000 }]',
  "cases:",
  "  - id: release",
  "    input: Summarize this thread about the release date.",
  '    expectations: ["Names the release date decision", "Lists the action items"]',
  "    assert:",
  "      - { type: not-regex, value: \"^$\" }",
  "  - id: style",
  "    input: Summarize this chat thread in our house style. sim:read=references/style.md",
  '    expectations: ["Follows the house style"]',
  "    assert:",
  "      - { type: files-read, value: references/style.md }",
  "  - id: standup",
  "    input: Summarize the stand-up thread.",
  "    expected: Decisions, then action items.",
  "  - id: incident",
  "    input: Summarize the incident thread.",
  "  - id: budget",
  "    input: Summarize the budget thread.",
  "triggers:",
  "  should:",
  "    - Summarize this email and list the action items",
  "    - Give me the key decisions from this chat thread",
  "    - What were the decisions and action items in this email chain?",
  "    - Pull the action items out of our chat log",
  "  should-not:",
  "    - Extract the tables from this PDF file",
  // Fails every time: a trigger sample with an error.
  "    - What is the capital of France? sim:fault=500",
  "",
].join("\n");

// A case whose generation fails and one whose judgement fails: results with an error and a judgeError.
const PLAIN = [
  "skill: skills/plain.md",
  "models: [claude-haiku-4-5]",
  "control: without-skill",
  "cases:",
  "  - { id: hello, input: Hello there }",
  "  - { id: bye, input: Goodbye }",
  "  - { id: broken, input: \"Hello sim:fault:generate=500\" }",
  "  - { id: unjudged, input: \"Hello sim:fault:judge=500\" }",
  "",
].join("\n");

const FILES: Record<string, string> = {
  "skillbench.yml": "models: [claude-haiku-4-5, claude-sonnet-5]\nconcurrency: 4\njudge: { samples: 1 }\ntrigger-samples: 2\napi: { max-retries: 0 }\n",
  [SUMMARIZE]: skill(DESCRIPTION),
  "skills/summarize-thread/references/style.md": "Bullet points, no more than five.\n",
  "skills/pdf-tools/SKILL.md": "---\nname: pdf-tools\ndescription: Extract text and tables from PDF files.\n---\nWork on PDF files.\n",
  "skills/plain.md": "Answer in French.\n",
  "benchmarks/summarize.yml": BENCHMARK,
  "benchmarks/plain.yml": PLAIN,
  // Never changed: skipped by the pull request.
  "skills/other.md": "Answer in German.\n",
  "benchmarks/other.yml": "skill: skills/other.md\nmodels: [claude-haiku-4-5]\ncases:\n  - input: Good morning\n",
  ".gitignore": "out/\n.skillbench/\nskillbench-report.json\n",
};

let sim: SimServer;
let repo: RepoWithOrigin;
/** Every report the runs wrote, by name. */
const reports: Record<string, unknown> = {};

async function cli(argv: string[]): Promise<number> {
  const { code, stdout, stderr } = await runCli(argv, { cwd: repo.dir, env: simCliEnv(sim.url, "sk-test-report-schema") });
  if (code !== 0 && code !== 1) throw new Error(`skillbench ${argv.join(" ")} exited ${code}:\n${stdout}\n${stderr}`);
  return code;
}

async function read(path: string): Promise<unknown> {
  return JSON.parse(await readFile(join(repo.dir, path), "utf8")) as unknown;
}

beforeAll(async () => {
  sim = await startSimServer({ latencyMs: [1, 3] });
  repo = await makeRepoWithOrigin(FILES);
  // Baseline mode, as a nightly: records the baseline the pull request compares with.
  expect(await cli(["run", "--mode", "baseline", "--batch", "off", "--report", "out/baseline.json"])).toBe(0);
  reports.baseline = await read("out/baseline.json");
  // A pull request that makes the skill worse and its description vaguer (a trigger recall drop), adds a skill that
  // cannot be loaded, changes one case of another benchmark and removes one.
  await repo.branch("pr");
  await repo.commit("worse summaries", {
    [SUMMARIZE]: skill("Helps with text.", " <!-- sim:quality=30 -->"),
    // A skill whose frontmatter does not parse: skipped alone, with a warning.
    "skills/bad/SKILL.md": "---\nname: bad\ndescription: [unclosed\n---\nBody\n",
    "benchmarks/bad.yml": "skill: skills/bad/SKILL.md\ncases:\n  - input: Hi\n",
    // One case changed, one removed.
    "benchmarks/plain.yml": PLAIN.replace("input: Goodbye", "input: Goodbye now").replace(/ {2}- \{ id: hello.*\n/, ""),
  });
  expect(await cli(["run", "--base", "main", "--batch", "off", "--report", "out/pr.json"])).toBe(1);
  reports.pr = await read("out/pr.json");
  // The same run in two shards, through message batches (results marked batched), then merged (no model call).
  for (const index of [1, 2]) {
    expect(await cli(["run", "--base", "main", "--skills", "all", "--batch", "on", "--no-cache", "--shard", `${index}/2`, "--report", `out/shard-${index}.json`])).toBe(0);
    reports[`shard-${index}`] = await read(`out/shard-${index}.json`);
  }
  await cli(["merge", "--batch", "on", "--report", "out/merged.json", "out/shard-1.json", "out/shard-2.json"]);
  reports.merged = await read("out/merged.json");
}, 300_000);

afterAll(async () => {
  await sim?.close();
  await repo?.cleanup();
});

async function validator() {
  const schema = JSON.parse(await readFile(SCHEMA_PATH, "utf8")) as Record<string, unknown>;
  // strict: the generated schema uses no keyword ajv does not know.
  return new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(schema);
}

const describeErrors = (errors: ErrorObject[] | null | undefined) =>
  (errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? ""} ${JSON.stringify(e.params)}`).join("\n");

// ---------------------------------------------------------------------------------------------------------
// Which schema fields the reports used

type Node = Record<string, unknown>;

/**
 * Every field the schema allows, named by the definition that holds it and the path inside it ("CaseResult.checks",
 * "Report.skipped[].reason"; a definition used in several places is one set of fields), each with whether a value in
 * `root` used it: present, not null, not an empty array.
 */
function fieldUse(schema: Node, root: unknown[]): Map<string, boolean> {
  const definitions = (schema.definitions ?? {}) as Record<string, Node>;
  const use = new Map<string, boolean>();
  const walk = (raw: Node, values: unknown[], path: string, depth: number): void => {
    if (depth > 40) throw new Error(`schema nests deeper than 40 at ${path}`);
    let node = raw;
    let at = path;
    if (typeof raw.$ref === "string") {
      const name = raw.$ref.replace("#/definitions/", "");
      const target = definitions[name];
      if (!target) throw new Error(`unresolved ${raw.$ref}`);
      node = target;
      at = name;
    }
    for (const variant of (node.anyOf ?? node.oneOf ?? []) as Node[]) walk(variant, values, at, depth + 1);
    if (node.items && typeof node.items === "object" && !Array.isArray(node.items)) {
      walk(node.items as Node, values.flatMap((v) => (Array.isArray(v) ? v : [])), `${at}[]`, depth + 1);
    }
    for (const [key, child] of Object.entries((node.properties ?? {}) as Record<string, Node>)) {
      const objects = values.filter((v): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v));
      const inner = objects.map((o) => o[key]).filter((v) => v !== undefined && v !== null);
      const field = `${at}.${key}`;
      use.set(field, (use.get(field) ?? false) || inner.some((v) => !(Array.isArray(v) && v.length === 0)));
      walk(child, inner, field, depth + 1);
    }
  };
  walk(schema, root, "Report", 0);
  return use;
}

/**
 * Fields (or whole definitions) no report of these runs holds, and why (with a test that produces them). A field missing from the reports
 * and not listed here fails the coverage test: a new report field needs a run above that produces it, or a line here.
 */
const NOT_PRODUCED: Record<string, string> = {
  "Report.failure": "a run that failed as a whole (exit 3): test/pipeline and test/run tests",
  "Report.cancelled": "a cancelled run (signal): test/cancel.test.ts",
  "Report.sameJob": "compare: rejudge / rerun: test/compare.test.ts",
  "Report.configChanges": "the action on a pull request that edits skillbench.yml (the CLI trusts its config): test/trust.test.ts",
  "SkillReport.baselineError": "a corrupt baseline file",
  "SkillReport.untestedChanges": "a change to a skill file no case reads",
  "CaseResult.outputs": "samples > 1",
  "CaseResult.reused": "the result cache on a second run",
  "ModelSummary.pairwise": "judge.pairwise with compare: rejudge",
  "ModelSummary.baselineDrift": "a stale baseline with nightly history: test/compare.test.ts",
  "Totals.unpricedModels": "a model without a price",
  // Definitions only the fields above use.
  ConfigChanges: "Report.configChanges",
  ConfigKeyChange: "Report.configChanges",
  SameJobInfo: "Report.sameJob",
  RunFailure: "Report.failure",
  PairwiseSummary: "ModelSummary.pairwise",
};

describe("schema/report.schema.json", () => {
  it("accepts every report of the runs: baseline, pull request, two shards and their merge", async () => {
    const validate = await validator();
    expect(Object.keys(reports).sort()).toEqual(["baseline", "merged", "pr", "shard-1", "shard-2"]);
    for (const [name, report] of Object.entries(reports)) {
      expect(validate(report), `${name}:\n${describeErrors(validate.errors)}`).toBe(true);
    }
  });

  it("the runs used every optional part of a report, but the few that need another kind of run", async () => {
    const schema = JSON.parse(await readFile(SCHEMA_PATH, "utf8")) as Node;
    const use = fieldUse(schema, Object.values(reports));
    // The walk found the fields this issue added, so it does reach into the nested definitions.
    for (const field of ["TriggerModelSummary.confusion", "SkillReport.controlResults", "ModelSummary.uplift", "Report.merged", "Report.shard",
      "ExpectationGrade.evidence", "CheckResult.passed", "CaseResult.filesRead", "CaseResult.batched", "Report.configChanges"]) {
      expect(use.has(field), field).toBe(true);
    }
    const under = (field: string, listed: string) => field === listed || field.startsWith(`${listed}.`) || field.startsWith(`${listed}[]`);
    const unexplained = [...use].filter(([field, used]) => !used && !Object.keys(NOT_PRODUCED).some((listed) => under(field, listed)));
    expect(unexplained.map(([field]) => field)).toEqual([]);
    // Every listed exception is still in the schema and still unused: once a run produces it, take it off the list.
    for (const listed of Object.keys(NOT_PRODUCED)) {
      const fields = [...use].filter(([field]) => under(field, listed));
      expect(fields.length, `${listed} is not in the schema`).toBeGreaterThan(0);
      expect(fields.filter(([, used]) => used).map(([field]) => field), `${listed} is produced now`).toEqual([]);
    }
  });

  it("rejects a report with a field of the wrong type, a missing field or an unknown field", async () => {
    const validate = await validator();
    const report = structuredClone(reports.pr) as Record<string, unknown> & { totals: Record<string, unknown>; skills: Record<string, unknown>[] };
    const wrongType = structuredClone(report);
    wrongType.totals.costUsd = String(wrongType.totals.costUsd);
    expect(validate(wrongType)).toBe(false);
    expect(validate.errors?.map((e) => [e.instancePath, e.keyword])).toContainEqual(["/totals/costUsd", "type"]);

    const badVerdict = structuredClone(report);
    badVerdict.verdict = "maybe";
    expect(validate(badVerdict)).toBe(false);
    expect(validate.errors?.some((e) => e.instancePath === "/verdict")).toBe(true);

    const missing = structuredClone(report);
    delete missing.skills[0]?.skillHash;
    expect(validate(missing)).toBe(false);
    expect(validate.errors?.some((e) => e.instancePath === "/skills/0" && e.keyword === "required")).toBe(true);

    const unknown = structuredClone(report);
    unknown.qualityScore = 99;
    expect(validate(unknown)).toBe(false);
    expect(validate.errors?.some((e) => e.keyword === "additionalProperties")).toBe(true);
  });
});
