// Real-world skills: deviations Claude tolerates are warnings (errors with strict), the folder is the skill's identity,
// skills are found under skills/, .claude/skills/ and skill-dirs, and skill-creator's evals.json is a benchmark.
import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadProject } from "../src/project.js";
import { filterBenchmarks } from "../src/select.js";
import { loadSkill } from "./support/skills.js";
import { runCli } from "./support/cli-runner.js";
import { issuesOf, tempTree } from "./support/files.js";

const temps: string[] = [];
afterEach(async () => {
  await Promise.all(temps.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

const makeRepo = (files: Record<string, string>) => tempTree("skillbench-lenient-", files, temps);
const bench = (skill: string) => `skill: ${skill}\ncases:\n  - id: one\n    input: hello\n`;

interface DeviationRow {
  name: string;
  folder: string;
  frontmatter: string;
  rule: string;
  line: number;
  field: string;
}

// Each seen in a public skill repository (anthropics/skills, vercel-labs/agent-skills, Claude Code project skills).
const DEVIATIONS: DeviationRow[] = [
  { name: "name differs from the folder", folder: "react-view-transitions", frontmatter: "name: vercel-react-view-transitions\ndescription: d", rule: "name-matches-folder", line: 2, field: "name" },
  { name: "reserved word in the name", folder: "claude-api", frontmatter: "name: claude-api\ndescription: d", rule: "name-reserved-word", line: 2, field: "name" },
  { name: "description over 1024 characters", folder: "long", frontmatter: `name: long\ndescription: ${"x".repeat(1068)}`, rule: "description-length", line: 3, field: "description" },
  { name: "< in the description", folder: "vt", frontmatter: "name: vt\ndescription: Uses the <ViewTransition> component", rule: "description-no-angle-brackets", line: 3, field: "description" },
  { name: "Claude Code's argument-hint", folder: "cc", frontmatter: "name: cc\ndescription: d\nargument-hint: [objective]", rule: "known-keys", line: 4, field: "argument-hint" },
  { name: "Claude Code's disable-model-invocation", folder: "cc", frontmatter: "name: cc\ndescription: d\ndisable-model-invocation: true", rule: "known-keys", line: 4, field: "disable-model-invocation" },
  { name: "a version key", folder: "v", frontmatter: "name: v\ndescription: d\nversion: 1.2.0", rule: "known-keys", line: 4, field: "version" },
  { name: "upper-case name", folder: "Notes", frontmatter: "name: Notes\ndescription: d", rule: "name-format", line: 2, field: "name" },
  { name: "no description", folder: "bare", frontmatter: "name: bare", rule: "description-required", line: 2, field: "description" },
];

describe("frontmatter deviations Claude tolerates", () => {
  it.each(DEVIATIONS)("$name: a located warning naming the rule by default, an error with strict", async (row) => {
    const file = `skills/${row.folder}/SKILL.md`;
    const files = { [file]: `---\n${row.frontmatter}\n---\nDo the thing.\n`, "benchmarks/b.yml": bench(file) };
    const root = await makeRepo(files);

    const project = await loadProject(root);
    expect(project.benchmarks).toHaveLength(1);
    expect(project.skills.get(file)?.instructions).toBe("Do the thing.");
    const warning = project.warnings.find((w) => w.file === file);
    expect(warning).toMatchObject({ file, line: row.line, field: row.field, rule: row.rule });
    expect(warning?.message).toContain(`Agent Skills rule ${row.rule}; Claude loads the skill anyway`);

    const strict = await issuesOf(loadProject(root, { strict: true }));
    expect(strict).toEqual([expect.objectContaining({ file, line: row.line, field: row.field, rule: row.rule })]);
    expect(strict[0]?.message).toContain("an error with strict");

    // Config `strict: true` does the same as --strict.
    await writeFile(path.join(root, "skillbench.yml"), "strict: true\n");
    expect(await issuesOf(loadProject(root))).toHaveLength(1);
  });

  it("validate prints the warnings and passes; validate --strict fails with file:line", async () => {
    const root = await makeRepo({ "skills/x/SKILL.md": "---\nname: y\ndescription: d\n---\nBody\n", "benchmarks/x.yml": bench("skills/x/SKILL.md") });
    const lenient = await runCli(["validate"], { cwd: root, env: {} });
    expect(lenient.code).toBe(0);
    expect(lenient.stderr).toContain('warning: skills/x/SKILL.md:2:7: name: "y" must match the skill\'s folder name "x"');
    const strict = await runCli(["validate", "--strict"], { cwd: root, env: {} });
    expect(strict.code).toBe(2);
    expect(strict.stderr).toContain("skills/x/SKILL.md:2:7: name:");
  });

  it("a skill whose frontmatter does not parse is skipped alone; validate fails on it", async () => {
    const root = await makeRepo({
      "skills/bad/SKILL.md": "---\nname: bad\ndescription: [unclosed\n---\nBody\n",
      "skills/good/SKILL.md": "---\nname: good\ndescription: d\n---\nBody\n",
      "benchmarks/bad.yml": bench("skills/bad/SKILL.md"),
      "benchmarks/good.yml": bench("skills/good/SKILL.md"),
    });
    const project = await loadProject(root);
    expect(project.benchmarks.map((b) => b.skillPath)).toEqual(["skills/good/SKILL.md"]);
    expect(project.skipped).toEqual([{ skill: "skills/bad/SKILL.md", reason: expect.stringContaining("could not be loaded: skills/bad/SKILL.md:3:") }]);
    const { code, stderr } = await runCli(["validate"], { cwd: root, env: {} });
    expect(code).toBe(2);
    expect(stderr).toContain("error: skills/bad/SKILL.md could not be loaded: skills/bad/SKILL.md:3:");
  });
});

describe("the skill's identity covers its folder", () => {
  it("changes the hash when a reference file changes, not when only evals.json does", async () => {
    const skillText = "---\nname: guide\ndescription: d\n---\nRead references/x.md.\n";
    const root = await makeRepo({ "skills/guide/SKILL.md": skillText, "skills/guide/references/x.md": "one\n", "skills/solo/SKILL.md": skillText.replace("guide", "solo") });
    const before = await loadSkill(root, "skills/guide/SKILL.md");
    expect(before.files).toEqual([{ path: "references/x.md", bytes: 4 }]);
    await writeFile(path.join(root, "skills/guide/references/x.md"), "two\n");
    const after = await loadSkill(root, "skills/guide/SKILL.md");
    expect(after.hash).not.toBe(before.hash);
    await writeFile(path.join(root, "skills/guide/notes.md"), "new\n");
    // A new file in the folder is part of the skill too.
    expect((await loadSkill(root, "skills/guide/SKILL.md")).hash).not.toBe(after.hash);
    // A folder with only SKILL.md keeps the hash of its bytes (baselines recorded before folders were read still match).
    const { createHash } = await import("node:crypto");
    expect((await loadSkill(root, "skills/solo/SKILL.md")).hash).toBe(createHash("sha256").update(skillText.replace("guide", "solo")).digest("hex"));
  });

  it("leaves the skill's hash alone when only its evals/evals.json changes (its cases carry their own hashes)", async () => {
    const root = await makeRepo({
      "skills/guide/SKILL.md": "---\nname: guide\ndescription: d\n---\nBody\n",
      "skills/guide/references/x.md": "x\n",
      "skills/guide/evals/evals.json": JSON.stringify({ evals: [{ id: 1, prompt: "a" }] }),
    });
    const before = await loadSkill(root, "skills/guide/SKILL.md");
    await writeFile(path.join(root, "skills/guide/evals/evals.json"), JSON.stringify({ evals: [{ id: 1, prompt: "b" }] }));
    expect((await loadSkill(root, "skills/guide/SKILL.md")).hash).toBe(before.hash);
  });
});

describe("where skills live", () => {
  const skill = (name: string) => `---\nname: ${name}\ndescription: d\n---\nBody\n`;
  const evalsJson = JSON.stringify({ skill_name: "s", evals: [{ id: 1, prompt: "p" }] });

  it("finds evals under skills/**, .claude/skills/** and config skill-dirs; reads skillbench.yaml", async () => {
    const root = await makeRepo({
      "skills/a/SKILL.md": skill("a"),
      "skills/a/evals/evals.json": evalsJson.replace('"s"', '"a"'),
      ".claude/skills/b/SKILL.md": skill("b"),
      ".claude/skills/b/evals/evals.json": evalsJson.replace('"s"', '"b"'),
      "agents/c/SKILL.md": skill("c"),
      "agents/c/evals/evals.json": evalsJson.replace('"s"', '"c"'),
    });
    expect((await loadProject(root)).benchmarks.map((b) => b.path)).toEqual([".claude/skills/b/evals/evals.json", "skills/a/evals/evals.json"]);
    await writeFile(path.join(root, "skillbench.yaml"), 'skill-dirs: ["agents/*", ".claude/skills/**"]\nmax-turns: 4\n');
    const project = await loadProject(root);
    expect(project.config.configPath).toBe("skillbench.yaml");
    expect(project.config.maxTurns).toBe(4);
    expect(project.benchmarks.map((b) => b.path)).toEqual([".claude/skills/b/evals/evals.json", "agents/c/evals/evals.json"]);
  });
});

describe("skill-creator evals.json", () => {
  const setup = (evals: string) =>
    makeRepo({ "skills/s/SKILL.md": "---\nname: s\ndescription: d\n---\nBody\n", "skills/s/evals/evals.json": evals, "skills/s/evals/files/data.csv": "a,b\n" });

  it("reads prompt, expected_output, files and expectations (or assertions); cases without them have none", async () => {
    const root = await setup(
      JSON.stringify(
        {
          skill_name: "s",
          evals: [
            { id: 1, prompt: "one", expected_output: "ref", files: [], expectations: ["says one"] },
            { id: 2, prompt: "two", expected_output: "ref2", files: ["evals/files/data.csv"], assertions: ["cites a"] },
            { id: "three", prompt: "three" },
          ],
        },
        null,
        2,
      ),
    );
    const [benchmark] = (await loadProject(root)).benchmarks;
    expect(benchmark?.path).toBe("skills/s/evals/evals.json");
    expect(benchmark?.cases.map(({ id, input, expected, files, expectations, line }) => ({ id, input, expected, files, expectations, line }))).toEqual([
      { id: "eval-1", input: "one", expected: "ref", files: undefined, expectations: ["says one"], line: 4 },
      { id: "eval-2", input: "two", expected: "ref2", files: ["evals/files/data.csv"], expectations: ["cites a"], line: 13 },
      { id: "eval-three", input: "three", expected: null, files: undefined, expectations: undefined, line: 24 },
    ]);
  });

  it.each([
    { name: "not JSON", text: '{\n  "evals": [\n    { "id": 1, "prompt": "x" \n  ]\n}\n', line: 4, message: "not valid JSON" },
    { name: "a missing prompt", text: '{\n  "evals": [\n    { "id": 1 }\n  ]\n}\n', line: 3, message: 'missing required key "prompt"' },
    { name: "both expectations and assertions", text: '{\n  "evals": [\n    { "id": 1, "prompt": "p", "expectations": ["a"],\n      "assertions": ["b"] }\n  ]\n}\n', line: 4, message: "not both" },
    { name: "a file outside the skill folder", text: '{\n  "evals": [\n    { "id": 1, "prompt": "p",\n      "files": ["../../secret.txt"] }\n  ]\n}\n', line: 4, message: "outside the skill folder" },
    { name: "a missing file", text: '{\n  "evals": [\n    { "id": 1, "prompt": "p",\n      "files": ["evals/files/nope.csv"] }\n  ]\n}\n', line: 4, message: "does not exist" },
    { name: "a repeated id", text: '{\n  "evals": [\n    { "id": 1, "prompt": "p" },\n    { "id": 1, "prompt": "q" }\n  ]\n}\n', line: 4, message: "duplicate eval id 1" },
  ])("refuses $name with file and line", async (row) => {
    const root = await setup(row.text);
    const issues = await issuesOf(loadProject(root));
    expect(issues.every((issue) => issue.file === "skills/s/evals/evals.json")).toBe(true);
    expect(issues[0]).toEqual(expect.objectContaining({ file: "skills/s/evals/evals.json", line: row.line }));
    expect(issues[0]?.message).toContain(row.message);
  });
});

describe("picking skills and cases", () => {
  it("matches names, folders and globs; filters case ids; reports patterns that match nothing", async () => {
    const root = await makeRepo({
      "skills/alpha/SKILL.md": "---\nname: alpha\ndescription: d\n---\nBody\n",
      "skills/beta/SKILL.md": "---\nname: beta\ndescription: d\n---\nBody\n",
      "benchmarks/alpha.yml": "skill: skills/alpha/SKILL.md\ncases:\n  - id: a1\n    input: x\n  - id: a2\n    input: y\n",
      "benchmarks/beta.yml": bench("skills/beta/SKILL.md"),
    });
    const { benchmarks, skills } = await loadProject(root);
    const pick = (skillPatterns: string[] | null, cases: string[] | null = null) => filterBenchmarks(benchmarks, skills, { skills: skillPatterns, cases });
    expect(pick(["alpha"]).selected.map((b) => b.path)).toEqual(["benchmarks/alpha.yml"]);
    expect(pick(["skills/b*"]).selected.map((b) => b.path)).toEqual(["benchmarks/beta.yml"]);
    expect(pick(["skills/*/SKILL.md"]).selected).toHaveLength(2);
    expect(pick(["gamma", "beta"]).unmatchedSkills).toEqual(["gamma"]);
    const cases = pick(null, ["a2", "one"]);
    expect(cases.selected.map((b) => [b.path, b.cases.map((c) => c.id)])).toEqual([["benchmarks/alpha.yml", ["a2"]], ["benchmarks/beta.yml", ["one"]]]);
    expect(pick(["alpha"], ["one", "a*"]).unmatchedCases).toEqual(["one"]);

    const nope = await runCli(["run", "--no-baseline", "--dry-run", "--skills", "nope"], { cwd: root, env: {} });
    expect(nope.code).toBe(2);
    expect(nope.stderr).toContain('--skills: "nope" matches no benchmarked skill (known: alpha, beta)');
    const alpha = await runCli(["run", "--no-baseline", "--dry-run", "--skills", "alpha", "--cases", "a1"], { cwd: root, env: {} });
    expect(alpha.code).toBe(0);
    expect(alpha.stdout).toContain("skills/alpha/SKILL.md: 1 case(s)");
    expect(alpha.stdout).not.toContain("beta");
  });
});
