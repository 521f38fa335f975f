import { createHash } from "node:crypto";
import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { deriveCaseId } from "../src/benchmarks.js";
import { DEFAULT_CONFIG_PATH, loadConfig, type LoadOptions, type Overrides } from "../src/config.js";
import { loadProject } from "../src/project.js";
import type { InputIssue } from "../src/errors.js";
import { findFiles, matchGlob } from "../src/glob.js";
import { BUILTIN_PRICING } from "../src/pricing.js";
import { editDistance } from "../src/hints.js";
import { CONFIG_DEFAULTS, schemaFiles } from "../src/schemas.js";
import { issuesOf, tempTree } from "./support/files.js";
import { REPORT_SCHEMA_FILE, reportSchemaFiles } from "../scripts/report-schema.js";
import type { Price } from "../src/types.js";

const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));

const SKILL = "---\nname: summarize\ndescription: Summarizes a thread.\n---\n\nSummarize the thread in three bullets.\n";
const BENCHMARK = "skill: skills/summarize/SKILL.md\ncases:\n  - id: short\n    input: Summarize this.\n";
const BASE_FILES: Record<string, string> = {
  "skills/summarize/SKILL.md": SKILL,
  "benchmarks/summarize.yml": BENCHMARK,
};

const temps: string[] = [];
afterEach(async () => {
  await Promise.all(temps.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A temporary repository holding the base files, with `files` written over them (null deletes a base file). */
async function makeRepo(files: Record<string, string | null>, base: Record<string, string> = BASE_FILES): Promise<string> {
  return tempTree("skillbench-config-", { ...base, ...files }, temps);
}

interface Expected {
  file: string;
  line: number | null;
  field: string;
  message: string;
}

interface BadRow {
  name: string;
  files: Record<string, string | null>;
  options?: LoadOptions;
  /** Extra CLI arguments reproducing `options` (rows without them skip the CLI check when options are set). */
  cliArgs?: string[];
  issues: Expected[];
}

const LONG_DESCRIPTION = "x".repeat(1025);

/** Skills that cannot be loaded at all: skipped (not fatal) by loadProject, errors for validate. */
const BROKEN_SKILL_ROWS: BadRow[] = [
  {
    name: "SKILL.md with an empty body",
    files: { "skills/summarize/SKILL.md": "---\nname: summarize\ndescription: Summarizes.\n---\n\n  \n" },
    issues: [{ file: "skills/summarize/SKILL.md", line: 4, field: "", message: "has no instructions" }],
  },
  {
    name: "SKILL.md without frontmatter",
    files: { "skills/summarize/SKILL.md": "# Summarize\nJust text.\n" },
    issues: [{ file: "skills/summarize/SKILL.md", line: 1, field: "", message: "must open with YAML frontmatter" }],
  },
  {
    name: "skill with an unsupported extension",
    files: {
      "prompts/summarize.json": '{"prompt": "x"}',
      "benchmarks/summarize.yml": "skill: prompts/summarize.json\ncases:\n  - input: a\n",
    },
    issues: [{ file: "prompts/summarize.json", line: null, field: "", message: "is not a skill file" }],
  },
];

const BAD_ROWS: BadRow[] = [
  {
    name: "typo at top level",
    files: { "skillbench.yml": "concurrency: 4\nmodelz: [claude-haiku-4-5]\n" },
    issues: [{ file: "skillbench.yml", line: 2, field: "modelz", message: 'did you mean "models"?' }],
  },
  {
    name: "typo in a nested key",
    files: { "skillbench.yml": "thresholds:\n  quality: 3\n  qualty: 4\n" },
    issues: [{ file: "skillbench.yml", line: 3, field: "thresholds.qualty", message: 'did you mean "quality"?' }],
  },
  {
    name: "camelCase key instead of kebab-case",
    files: { "skillbench.yml": "judge:\n  maxTokens: 100\n" },
    issues: [{ file: "skillbench.yml", line: 2, field: "judge.maxTokens", message: 'did you mean "max-tokens"?' }],
  },
  {
    name: "negative thresholds",
    files: { "skillbench.yml": "thresholds:\n  quality: -1\n  cost: -5\n" },
    issues: [
      { file: "skillbench.yml", line: 2, field: "thresholds.quality", message: "from 0 to 100, not -1" },
      { file: "skillbench.yml", line: 3, field: "thresholds.cost", message: "at least 0, not -5" },
    ],
  },
  {
    name: "concurrency 0",
    files: { "skillbench.yml": "concurrency: 0\n" },
    issues: [{ file: "skillbench.yml", line: 1, field: "concurrency", message: "from 1 to 64, not 0" }],
  },
  {
    name: "concurrency 1000",
    files: { "skillbench.yml": "concurrency: 1000\n" },
    issues: [{ file: "skillbench.yml", line: 1, field: "concurrency", message: "from 1 to 64, not 1000" }],
  },
  {
    name: "samples out of range, judge samples 0, adaptive not a boolean",
    files: { "skillbench.yml": "samples: 21\njudge:\n  samples: 0\nadaptive: sometimes\nmax-samples: 1.5\n" },
    issues: [
      { file: "skillbench.yml", line: 1, field: "samples", message: "from 1 to 20, not 21" },
      { file: "skillbench.yml", line: 3, field: "judge.samples", message: "from 1 to 20, not 0" },
      { file: "skillbench.yml", line: 4, field: "adaptive", message: "must be true or false" },
      { file: "skillbench.yml", line: 5, field: "max-samples", message: "must be a whole number" },
    ],
  },
  {
    name: "non-integer concurrency",
    files: { "skillbench.yml": "concurrency: 2.5\n" },
    issues: [{ file: "skillbench.yml", line: 1, field: "concurrency", message: "must be a whole number" }],
  },
  {
    name: "a string where a list belongs",
    files: { "skillbench.yml": "models: claude-haiku-4-5\n" },
    issues: [{ file: "skillbench.yml", line: 1, field: "models", message: "must be a list" }],
  },
  {
    name: "a string where a number belongs",
    files: { "skillbench.yml": "api:\n  max-retries: lots\n" },
    issues: [{ file: "skillbench.yml", line: 2, field: "api.max-retries", message: 'whole number, not the string "lots"' }],
  },
  {
    name: "gate typo",
    files: { "skillbench.yml": "gate: signficant\n" },
    issues: [{ file: "skillbench.yml", line: 1, field: "gate", message: 'did you mean "significant"?' }],
  },
  {
    name: "compare mode typo and a non-boolean judge.pairwise",
    files: { "skillbench.yml": "compare: rejudged\njudge:\n  pairwise: often\n" },
    issues: [
      { file: "skillbench.yml", line: 1, field: "compare", message: "rejudge" },
      { file: "skillbench.yml", line: 3, field: "judge.pairwise", message: "" },
    ],
  },
  {
    name: "YAML syntax error in the config",
    files: { "skillbench.yml": "models: [claude-haiku-4-5\nconcurrency: 3\n" },
    // The yaml package reports where it noticed the problem: the line after the unclosed list.
    issues: [{ file: "skillbench.yml", line: 2, field: "", message: "YAML syntax error" }],
  },
  {
    name: "duplicate key in the config",
    files: { "skillbench.yml": "concurrency: 3\nconcurrency: 4\n" },
    issues: [{ file: "skillbench.yml", line: 2, field: "", message: "a key appears twice" }],
  },
  {
    name: "bad model id in the config",
    files: { "skillbench.yml": "models:\n  - claude-haiku-4-5\n  - claude haiku\n" },
    issues: [{ file: "skillbench.yml", line: 3, field: "models[1]", message: "must be a model id" }],
  },
  {
    name: "unknown pricing key",
    files: { "skillbench.yml": "pricing:\n  my-model:\n    input: 1\n    output: 2\n    cache_read: 0.1\n" },
    issues: [{ file: "skillbench.yml", line: 5, field: "pricing.my-model.cache_read", message: 'did you mean "cache-read"?' }],
  },
  {
    name: "pricing without an output price, for a key that is not a model id",
    files: { "skillbench.yml": "pricing:\n  my-model: { input: 1 }\n  -bad: { input: 1, output: 2 }\n" },
    issues: [
      { file: "skillbench.yml", line: 2, field: "pricing.my-model.output", message: 'missing required key "output"' },
      { file: "skillbench.yml", line: 3, field: 'pricing["-bad"]', message: 'key "-bad" must be a model id' },
    ],
  },
  {
    name: "sampling out of range and an api base URL that is not http",
    files: { "skillbench.yml": "sampling:\n  claude-haiku-4-5: { temperature: 1.5 }\napi:\n  base-url: ftp://proxy\n" },
    issues: [
      { file: "skillbench.yml", line: 2, field: "sampling.claude-haiku-4-5.temperature", message: "from 0 to 1, not 1.5" },
      { file: "skillbench.yml", line: 4, field: "api.base-url", message: "http:// or https:// URL" },
    ],
  },
  {
    name: "benchmark glob reaching outside the repository",
    files: { "skillbench.yml": "benchmarks: ['../elsewhere/*.yml']\n" },
    issues: [{ file: "skillbench.yml", line: 1, field: "benchmarks[0]", message: "no '..' segment" }],
  },
  {
    name: "benchmark glob with too many brace alternatives",
    files: { "skillbench.yml": `benchmarks:\n  - benchmarks/*.yml\n  - "${"{a,b,c}".repeat(6)}.yml"\n` },
    issues: [{ file: "skillbench.yml", line: 3, field: "benchmarks[1]", message: "more than 256 alternatives" }],
  },
  {
    name: "a config file that does not exist, named explicitly",
    files: {},
    options: { configPath: "ci/skillbench.yml" },
    cliArgs: ["--config", "ci/skillbench.yml"],
    issues: [{ file: "ci/skillbench.yml", line: null, field: "", message: "does not exist" }],
  },
  {
    name: "typo in a benchmark",
    files: { "benchmarks/summarize.yml": "skill: skills/summarize/SKILL.md\ncasez:\n  - input: hi\n" },
    issues: [
      { file: "benchmarks/summarize.yml", line: 1, field: "cases", message: 'missing required key "cases"' },
      { file: "benchmarks/summarize.yml", line: 2, field: "casez", message: 'did you mean "cases"?' },
    ],
  },
  {
    name: "YAML syntax error in a benchmark",
    files: { "benchmarks/summarize.yml": "skill: skills/summarize/SKILL.md\ncases:\n  - input: \"unterminated\n" },
    issues: [{ file: "benchmarks/summarize.yml", line: 4, field: "", message: "YAML syntax error: a closing quote" }],
  },
  {
    name: "missing skill key",
    files: { "benchmarks/summarize.yml": "cases:\n  - input: hi\n" },
    issues: [{ file: "benchmarks/summarize.yml", line: 1, field: "skill", message: 'missing required key "skill"' }],
  },
  {
    name: "skill file that does not exist",
    files: { "benchmarks/summarize.yml": "# the skill moved\nskill: skills/gone/SKILL.md\ncases:\n  - input: hi\n" },
    issues: [{ file: "benchmarks/summarize.yml", line: 2, field: "skill", message: '"skills/gone/SKILL.md" does not exist' }],
  },
  {
    name: "skill path escaping the repository",
    files: { "benchmarks/summarize.yml": "skill: ../other/SKILL.md\ncases:\n  - input: hi\n" },
    issues: [{ file: "benchmarks/summarize.yml", line: 1, field: "skill", message: "outside the repository" }],
  },
  {
    name: "empty cases",
    files: { "benchmarks/summarize.yml": "skill: skills/summarize/SKILL.md\ncases: []\n" },
    issues: [{ file: "benchmarks/summarize.yml", line: 2, field: "cases", message: "at least one" }],
  },
  {
    name: "case without input, case with an empty input",
    files: {
      "benchmarks/summarize.yml":
        "skill: skills/summarize/SKILL.md\ncases:\n  - id: a\n    expected: yes\n  - id: b\n    input: ''\n",
    },
    issues: [
      { file: "benchmarks/summarize.yml", line: 3, field: "cases[0].input", message: 'missing required key "input"' },
      { file: "benchmarks/summarize.yml", line: 6, field: "cases[1].input", message: "must not be empty" },
    ],
  },
  {
    name: "duplicate case ids",
    files: {
      "benchmarks/summarize.yml":
        "skill: skills/summarize/SKILL.md\ncases:\n  - id: one\n    input: a\n  - id: two\n    input: b\n  - id: one\n    input: c\n",
    },
    issues: [{ file: "benchmarks/summarize.yml", line: 7, field: "cases[2].id", message: "first used on line 3" }],
  },
  {
    name: "two cases with the same input and no ids",
    files: { "benchmarks/summarize.yml": "skill: skills/summarize/SKILL.md\ncases:\n  - input: same\n  - input: same\n" },
    issues: [{ file: "benchmarks/summarize.yml", line: 4, field: "cases[1]", message: "explicit id" }],
  },
  {
    name: "bad model id in a benchmark",
    files: { "benchmarks/summarize.yml": "skill: skills/summarize/SKILL.md\nmodels: ['']\ncases:\n  - input: a\n" },
    issues: [{ file: "benchmarks/summarize.yml", line: 2, field: "models[0]", message: "must be a model id" }],
  },
  {
    name: "empty benchmark file",
    files: { "benchmarks/summarize.yml": "# nothing yet\n" },
    issues: [{ file: "benchmarks/summarize.yml", line: 1, field: "", message: "is empty" }],
  },
  {
    name: "benchmark that is a list, not a mapping",
    files: { "benchmarks/summarize.yml": "- input: a\n" },
    issues: [{ file: "benchmarks/summarize.yml", line: 1, field: "", message: "must be a mapping" }],
  },
  {
    name: "two benchmarks for the same skill",
    files: { "benchmarks/again.yaml": "skill: skills/./summarize/SKILL.md\ncases:\n  - input: b\n" },
    issues: [{ file: "benchmarks/summarize.yml", line: 1, field: "skill", message: "benchmarked by both benchmarks/again.yaml and" }],
  },
  {
    name: "SKILL.md without a name",
    // A deviation Claude tolerates: a warning by default, an error with strict.
    options: { strict: true },
    cliArgs: ["--strict"],
    files: { "skills/summarize/SKILL.md": "---\ndescription: Summarizes.\n---\nBody.\n" },
    issues: [{ file: "skills/summarize/SKILL.md", line: 2, field: "name", message: 'missing required key "name"' }],
  },
  {
    name: "SKILL.md name with bad characters",
    // A deviation Claude tolerates: a warning by default, an error with strict.
    options: { strict: true },
    cliArgs: ["--strict"],
    files: { "skills/summarize/SKILL.md": "---\nname: Summarize_It\ndescription: Summarizes.\n---\nBody.\n" },
    issues: [{ file: "skills/summarize/SKILL.md", line: 2, field: "name", message: "lowercase letters, digits and hyphens" }],
  },
  {
    name: 'SKILL.md name containing "claude"',
    // A deviation Claude tolerates: a warning by default, an error with strict.
    options: { strict: true },
    cliArgs: ["--strict"],
    files: {
      "skills/summarize/SKILL.md": null,
      "skills/claude-notes/SKILL.md": "---\nname: claude-notes\ndescription: Notes.\n---\nBody.\n",
      "benchmarks/summarize.yml": "skill: skills/claude-notes/SKILL.md\ncases:\n  - input: a\n",
    },
    issues: [{ file: "skills/claude-notes/SKILL.md", line: 2, field: "name", message: 'reserved word "claude"' }],
  },
  {
    name: "SKILL.md name that does not match its folder",
    // A deviation Claude tolerates: a warning by default, an error with strict.
    options: { strict: true },
    cliArgs: ["--strict"],
    files: { "skills/summarize/SKILL.md": "---\nname: summarise\ndescription: Summarizes.\n---\nBody.\n" },
    issues: [{ file: "skills/summarize/SKILL.md", line: 2, field: "name", message: 'folder name "summarize"' }],
  },
  {
    name: "SKILL.md description too long",
    // A deviation Claude tolerates: a warning by default, an error with strict.
    options: { strict: true },
    cliArgs: ["--strict"],
    files: { "skills/summarize/SKILL.md": `---\nname: summarize\ndescription: ${LONG_DESCRIPTION}\n---\nBody.\n` },
    issues: [{ file: "skills/summarize/SKILL.md", line: 3, field: "description", message: "at most 1024 characters long (it has 1025)" }],
  },
  {
    name: "SKILL.md description with <",
    // A deviation Claude tolerates: a warning by default, an error with strict.
    options: { strict: true },
    cliArgs: ["--strict"],
    files: { "skills/summarize/SKILL.md": "---\nname: summarize\ndescription: Writes <b>bold</b> summaries.\n---\nBody.\n" },
    issues: [{ file: "skills/summarize/SKILL.md", line: 3, field: "description", message: "must not contain < or >" }],
  },
  {
    name: "SKILL.md unknown frontmatter key",
    // A deviation Claude tolerates: a warning by default, an error with strict.
    options: { strict: true },
    cliArgs: ["--strict"],
    files: {
      "skills/summarize/SKILL.md": "---\nname: summarize\ndescription: Summarizes.\nlicence: MIT\n---\nBody.\n",
    },
    issues: [{ file: "skills/summarize/SKILL.md", line: 4, field: "licence", message: 'did you mean "license"?' }],
  },
  {
    name: "bad override values",
    files: {},
    options: {
      overrides: {
        concurrency: { value: "0", source: "--concurrency" },
        maxTokens: { value: "lots", source: "input max-tokens" },
        models: { value: "claude-haiku-4-5, bad!model", source: "--models" },
        apiBaseUrl: { value: "ftp://secret@proxy", source: "input anthropic-base-url" },
        baselineBranch: { value: "bad..branch", source: "--baseline-branch" },
        judgeModel: { value: "-judge", source: "--judge-model" },
        samples: { value: "0", source: "--samples" },
        judgeSamples: { value: "many", source: "input judge-samples" },
        maxSamples: { value: "21", source: "--max-samples" },
        adaptive: { value: "yes", source: "input adaptive" },
      },
    },
    issues: [
      { file: "--concurrency", line: null, field: "", message: 'from 1 to 64, not "0"' },
      { file: "input max-tokens", line: null, field: "", message: 'whole number from 1 to 128000, not "lots"' },
      { file: "--models", line: null, field: "", message: '"bad!model"' },
      { file: "input anthropic-base-url", line: null, field: "", message: "http:// or https:// URL" },
      { file: "--baseline-branch", line: null, field: "", message: "git branch name" },
      { file: "--judge-model", line: null, field: "", message: "must be a model id" },
      { file: "--samples", line: null, field: "", message: 'from 1 to 20, not "0"' },
      { file: "input judge-samples", line: null, field: "", message: 'from 1 to 20, not "many"' },
      { file: "--max-samples", line: null, field: "", message: 'from 1 to 20, not "21"' },
      { file: "input adaptive", line: null, field: "", message: 'must be true or false, not "yes"' },
    ],
  },
  {
    name: "several errors at once, across config, benchmarks and skills",
    options: { strict: true },
    cliArgs: ["--strict"],
    files: {
      "skillbench.yml": "concurrency: 0\ngate: strict\n",
      "benchmarks/summarize.yml": "skill: skills/summarize/SKILL.md\ncases:\n  - id: x\n    input: a\n    expected: 3\n",
      "benchmarks/other.yml": "skill: skills/missing.md\ncases:\n  - input: a\n",
      "skills/summarize/SKILL.md": "---\nname: summarize\ndescription: ''\n---\nBody.\n",
    },
    issues: [
      { file: "skillbench.yml", line: 1, field: "concurrency", message: "from 1 to 64" },
      { file: "skillbench.yml", line: 2, field: "gate", message: "must be one of significant, threshold" },
      { file: "benchmarks/other.yml", line: 1, field: "skill", message: "does not exist" },
      { file: "benchmarks/summarize.yml", line: 5, field: "cases[0].expected", message: "must be a string or empty, not 3" },
      { file: "skills/summarize/SKILL.md", line: 3, field: "description", message: "must not be empty" },
    ],
  },
  {
    name: "a typo of a known model id, in the config and a benchmark",
    files: {
      "skillbench.yml": "models: [claude-haiku-4-5, claude-sonet-5]\n",
      "benchmarks/summarize.yml": "skill: skills/summarize/SKILL.md\nmodels:\n  - claude-haiku45\ncases:\n  - input: a\n",
    },
    issues: [
      { file: "skillbench.yml", line: 1, field: "models[1]", message: "did you mean claude-sonnet-5?" },
      { file: "benchmarks/summarize.yml", line: 3, field: "models[0]", message: "did you mean claude-haiku-4-5?" },
    ],
  },
  {
    name: "size limits out of range",
    files: { "skillbench.yml": "limits:\n  skill-bytes: 100\n  input-bytes: 99999999\n" },
    issues: [
      { file: "skillbench.yml", line: 2, field: "limits.skill-bytes", message: "must be from 1024 to 104857600, not 100" },
      { file: "skillbench.yml", line: 3, field: "limits.input-bytes", message: "must be from 1 to 10485760" },
    ],
  },
  {
    name: "a benchmark that is not YAML at all, never quoted",
    files: { "benchmarks/summarize.yml": "TOKEN=abc123\n" },
    issues: [{ file: "benchmarks/summarize.yml", line: 1, field: "", message: "must be a mapping (key: value), not text" }],
  },
];

function checkIssues(actual: InputIssue[], expected: Expected[]): void {
  const shown = JSON.stringify(actual, null, 2);
  expect(actual.length, `issues reported:\n${shown}`).toBe(expected.length);
  for (const want of expected) {
    const match = actual.find(
      (issue) =>
        issue.file === want.file &&
        issue.line === want.line &&
        issue.field === want.field &&
        issue.message.includes(want.message),
    );
    expect(match, `expected ${JSON.stringify(want)} among:\n${shown}`).toBeDefined();
    if (match && match.line !== null) expect(match.column).toBeGreaterThanOrEqual(1);
  }
}

describe("loadProject rejects bad input with every problem located", () => {
  it("has a table of at least 20 bad inputs", () => {
    expect(BAD_ROWS.length).toBeGreaterThanOrEqual(20);
  });

  it.each(BAD_ROWS)("$name", async (row) => {
    const root = await makeRepo(row.files);
    checkIssues(await issuesOf(loadProject(root, row.options)), row.issues);
  });

  it("never echoes an override base URL, which may carry credentials", async () => {
    const root = await makeRepo({});
    const issues = await issuesOf(
      loadProject(root, { overrides: { apiBaseUrl: { value: "notaurl://user:hunter2@proxy", source: "--base-url" } } }),
    );
    expect(issues).toHaveLength(1);
    expect(JSON.stringify(issues)).not.toContain("hunter2");
  });

  it("loadConfig reports only the config's problems", async () => {
    const row = BAD_ROWS.find((r) => r.name.startsWith("several errors"));
    const root = await makeRepo(row?.files ?? {});
    const issues = await issuesOf(loadConfig(root));
    expect(issues.map((issue) => issue.file)).toEqual(["skillbench.yml", "skillbench.yml"]);
  });
});

describe("skillbench validate (CLI, in process) on the same bad inputs", () => {
  async function runValidate(root: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const { runCli } = await import("./support/cli-runner.js");
    return runCli(["validate", ...args], { cwd: root, env: {} });
  }

  // Overrides come from `run` flags and action inputs; validate checks files (and --config) only.
  const cliRows = BAD_ROWS.filter((row) => row.options === undefined || row.cliArgs !== undefined);

  it.each(cliRows)("$name", async (row) => {
    const root = await makeRepo(row.files);
    const { code, stderr } = await runValidate(root, row.cliArgs ?? []);
    expect(code, stderr).toBe(2);
    for (const want of row.issues) {
      expect(stderr).toContain(want.line === null ? want.file : `${want.file}:${want.line}:`);
    }
  });

  it("exits 0 on a valid repository", async () => {
    const root = await makeRepo({});
    const { code, stdout, stderr } = await runValidate(root, []);
    expect(code, stderr).toBe(0);
    expect(stdout).toContain("1 benchmark");
  });
});

describe("a skill that cannot be loaded", () => {
  // A run skips it and benchmarks the rest; validate is the check, so it fails (exit 2) naming the file and line.
  it.each(BROKEN_SKILL_ROWS)("$name: skipped by loadProject, an error for validate", async (row) => {
    const root = await makeRepo(row.files);
    const project = await loadProject(root);
    for (const want of row.issues) {
      const skipped = (project.skipped ?? []).find((s) => s.skill === want.file);
      expect(skipped?.reason).toContain(want.message);
    }
    const { runCli } = await import("./support/cli-runner.js");
    const { code, stderr } = await runCli(["validate"], { cwd: root, env: {} });
    expect(code, stderr).toBe(2);
    for (const want of row.issues) expect(stderr).toContain(want.message);
  });
});

describe("loadConfig and loadProject on good input", () => {
  it("uses every default when there is no skillbench.yml and no benchmark", async () => {
    const root = await makeRepo({}, {});
    const project = await loadProject(root);
    expect(project.benchmarks).toEqual([]);
    expect(project.skills.size).toBe(0);
    const config = project.config;
    expect(config.root).toBe(root);
    expect(config.configPath).toBeNull();
    expect(config.models).toEqual(["claude-sonnet-5", "claude-haiku-4-5"]);
    expect(config.judge).toEqual({ model: "claude-opus-4-8", maxTokens: 2048, pairwise: false, samples: 2 });
    expect([config.samples, config.adaptive, config.maxSamples]).toEqual([1, null, 4]);
    expect(config.compare).toBe("baseline");
    expect(config.benchmarks).toEqual(["benchmarks/**/*.yml", "benchmarks/**/*.yaml"]);
    expect(config.concurrency).toBe(8);
    expect(config.maxTokens).toBe(2048);
    expect(config.thresholds).toEqual({ quality: 5, dimension: 10, cost: 25, errors: 20, passRate: 10 });
    expect(config.gate).toBe("significant");
    expect(config.baseline).toEqual({ branch: "skillbench-baseline", staleAfterDays: 90, historyLimit: 365, maxAgeHours: null });
    expect(config).toMatchObject({ gateDimensions: false, failOnInconclusive: false, correction: "benjamini-hochberg" });
    expect(config.sampling).toEqual({});
    expect(config.api).toEqual({ baseUrl: null, maxRetries: 4, timeoutMs: 600_000, rateLimitBudgetMs: 600_000 });
    expect(config.pricing).toEqual(BUILTIN_PRICING);
    expect(config.limits).toEqual({ skillBytes: 1_048_576, benchmarkBytes: 5_242_880, inputBytes: 262_144 });
    expect(project.warnings).toEqual([]);
    // The defaults are copied: changing a loaded config must not change the next one.
    config.models.push("mutated");
    expect(CONFIG_DEFAULTS.models).not.toContain("mutated");
  });

  it("treats an empty config file as all defaults, and records that it was read", async () => {
    const root = await makeRepo({ "skillbench.yml": "# nothing configured yet\n" });
    const config = await loadConfig(root);
    expect(config.configPath).toBe("skillbench.yml");
    expect(config.concurrency).toBe(8);
  });

  it("treats a missing default config as defaults even when it is named explicitly", async () => {
    const root = await makeRepo({});
    const config = await loadConfig(root, { configPath: DEFAULT_CONFIG_PATH });
    expect(config.configPath).toBeNull();
  });

  it("maps every key of a full config", async () => {
    const root = await makeRepo({
      "ci/bench.yml": [
        "models: [claude-haiku-4-5, my-proxy/model@v2]",
        "judge: { model: claude-opus-5, max-tokens: 4000, samples: 3 }",
        "benchmarks: ['evals/*.yml']",
        "samples: 2",
        "adaptive: false",
        "max-samples: 6",
        "concurrency: 3",
        "max-tokens: 1000",
        "gate: threshold",
        "thresholds: { quality: 2.5, dimension: 0, cost: 400 }",
        "baseline: { branch: bench/base, stale-after-days: 7, history-limit: 30, max-age-hours: 36 }",
        "gate-dimensions: true",
        "fail-on-inconclusive: true",
        "correction: holm",
        "sampling:",
        "  claude-haiku-4-5: { temperature: 0, top_k: 40 }",
        "  my-proxy/model@v2: {}",
        "api: { base-url: 'http://127.0.0.1:9999/v1', max-retries: 0, timeout-seconds: 1.5, rate-limit-budget-seconds: 90 }",
        "limits: { skill-bytes: 4096, benchmark-bytes: 8192, input-bytes: 100 }",
      ].join("\n"),
      "evals/summarize.yml": BENCHMARK,
      "benchmarks/summarize.yml": null,
    });
    const project = await loadProject(root, { configPath: "ci/bench.yml" });
    const { config } = project;
    expect(config.configPath).toBe("ci/bench.yml");
    expect(config.models).toEqual(["claude-haiku-4-5", "my-proxy/model@v2"]);
    expect(config.judge).toEqual({ model: "claude-opus-5", maxTokens: 4000, pairwise: false, samples: 3 });
    expect([config.samples, config.adaptive, config.maxSamples]).toEqual([2, false, 6]);
    expect(config.benchmarks).toEqual(["evals/*.yml"]);
    expect(config.concurrency).toBe(3);
    expect(config.maxTokens).toBe(1000);
    expect(config.gate).toBe("threshold");
    expect(config.thresholds).toEqual({ quality: 2.5, dimension: 0, cost: 400, errors: 20, passRate: 10 });
    expect(config.baseline).toEqual({ branch: "bench/base", staleAfterDays: 7, historyLimit: 30, maxAgeHours: 36 });
    expect(config).toMatchObject({ gateDimensions: true, failOnInconclusive: true, correction: "holm" });
    // Only configured parameters are kept: an empty entry means "send none".
    expect(config.sampling).toEqual({ "claude-haiku-4-5": { temperature: 0, top_k: 40 } });
    expect(config.api).toEqual({ baseUrl: "http://127.0.0.1:9999/v1", maxRetries: 0, timeoutMs: 1500, rateLimitBudgetMs: 90_000 });
    expect(config.limits).toEqual({ skillBytes: 4096, benchmarkBytes: 8192, inputBytes: 100 });
    expect(project.benchmarks.map((b) => b.path)).toEqual(["evals/summarize.yml"]);
    // A proxy's own model id is not an error, only a warning at its place.
    expect(project.warnings.map((w) => `${w.file}:${w.line}: ${w.field}`)).toEqual(["ci/bench.yml:1: models[1]"]);
  });

  it("applies overrides over the config, ignoring unset (empty) ones", async () => {
    const root = await makeRepo({
      "skillbench.yml":
        "models: [claude-sonnet-5]\nconcurrency: 2\njudge: { model: claude-opus-5 }\napi: { base-url: 'https://a.example' }\n",
    });
    const overrides: Overrides = {
      models: { value: " claude-haiku-4-5,claude-opus-4-8\n  claude-sonnet-4-6 ", source: "input models" },
      concurrency: { value: "16", source: "input max-concurrency" },
      maxTokens: { value: "512", source: "--max-tokens" },
      baselineBranch: { value: "perf/baseline", source: "--baseline-branch" },
      apiBaseUrl: { value: "https://proxy.example/anthropic", source: "input anthropic-base-url" },
      judgeModel: { value: "   ", source: "input judge-model" },
    };
    const config = await loadConfig(root, { overrides });
    expect(config.models).toEqual(["claude-haiku-4-5", "claude-opus-4-8", "claude-sonnet-4-6"]);
    expect(config.concurrency).toBe(16);
    expect(config.maxTokens).toBe(512);
    expect(config.baseline.branch).toBe("perf/baseline");
    expect(config.api.baseUrl).toBe("https://proxy.example/anthropic");
    expect(config.judge.model).toBe("claude-opus-5");
  });

  it("merges config pricing over the built-in table and derives missing cache prices", async () => {
    const builtIn: Record<string, Price> = {
      kept: { input: 1, output: 2, cacheWrite5m: 1.25, cacheWrite1h: 2, cacheRead: 0.1 },
      replaced: {
        input: 9,
        output: 9,
        cacheWrite5m: 9,
        cacheWrite1h: 9,
        cacheRead: 9,
        above: { tokens: 10, input: 9, output: 9, cacheWrite5m: 9, cacheWrite1h: 9, cacheRead: 9 },
      },
    };
    const root = await makeRepo({
      "skillbench.yml": [
        "pricing:",
        "  replaced: { input: 3, output: 15 }",
        "  added: { input: 0.8, output: 4, cache-read: 0.05, cache-write-1h: 1 }",
        "  tiered:",
        "    input: 0.1",
        "    output: 0.5",
        "    above: { tokens: 100000, input: 0.5, output: 2.5, cache-write: 0.7 }",
      ].join("\n"),
    });
    const { pricing } = await loadConfig(root, { pricing: builtIn });
    expect(pricing["kept"]).toEqual(builtIn["kept"]);
    expect(pricing["replaced"]).toEqual({ input: 3, output: 15, cacheWrite5m: 3.75, cacheWrite1h: 6, cacheRead: 0.3 });
    expect(pricing["added"]).toEqual({ input: 0.8, output: 4, cacheWrite5m: 1, cacheWrite1h: 1, cacheRead: 0.05 });
    expect(pricing["tiered"]).toEqual({
      input: 0.1,
      output: 0.5,
      cacheWrite5m: 0.125,
      cacheWrite1h: 0.2,
      cacheRead: 0.01,
      above: { tokens: 100000, input: 0.5, output: 2.5, cacheWrite5m: 0.7, cacheWrite1h: 1, cacheRead: 0.05 },
    });
    // The caller's table is not modified.
    expect(builtIn["replaced"]?.input).toBe(9);
  });

  it("reads benchmarks in path order, with cases, models, hashes and lines", async () => {
    const root = await makeRepo({
      "benchmarks/z/last.yaml": "skill: prompts/tone.txt\nmodels: [claude-haiku-4-5]\ncases:\n  - input: Be nice.\n",
      "benchmarks/a.yml": "skill: ./skills/summarize/SKILL.md\ncases:\n  - input: x\n  - id: with-expected\n    input: y\n    expected: z\n",
      "benchmarks/summarize.yml": null,
      "benchmarks/notes.md": "not a benchmark",
      "node_modules/pkg/benchmarks/x.yml": "garbage: [",
      "benchmarks/node_modules/x.yml": "garbage: [",
      "prompts/tone.txt": "Answer kindly.\n",
    });
    const project = await loadProject(root);
    expect(project.benchmarks.map((b) => b.path)).toEqual(["benchmarks/a.yml", "benchmarks/z/last.yaml"]);
    const [first, second] = project.benchmarks;
    expect(first?.skillPath).toBe("skills/summarize/SKILL.md");
    expect(first?.models).toBeNull();
    expect(first?.cases.map((c) => [c.id.startsWith("x-"), c.line, c.expected])).toEqual([
      [true, 3, null],
      [false, 4, "z"],
    ]);
    const sha = (text: string) => createHash("sha256").update(text).digest("hex");
    expect(first?.cases[1]?.hash).toBe(sha(JSON.stringify(["y", "z"])));
    expect(first?.cases[0]?.hash).toBe(sha(JSON.stringify(["x", null])));
    expect(second?.models).toEqual(["claude-haiku-4-5"]);
    expect([...project.skills.keys()].sort()).toEqual(["prompts/tone.txt", "skills/summarize/SKILL.md"]);
    expect(project.skills.get("prompts/tone.txt")?.instructions).toBe("Answer kindly.");
  });

  it("never reads the config file as a benchmark, whatever the globs say", async () => {
    const root = await makeRepo({ "skillbench.yml": "benchmarks: ['*.yml', 'benchmarks/*.yml']\n" });
    const project = await loadProject(root);
    expect(project.benchmarks.map((b) => b.path)).toEqual(["benchmarks/summarize.yml"]);
  });

  it("derives case ids that stay stable while the input does", async () => {
    const input = "Summarize: the  build broke on Tuesday because of a flaky test.";
    const rootA = await makeRepo({
      "benchmarks/summarize.yml": `skill: skills/summarize/SKILL.md\ncases:\n  - input: other\n  - input: "${input}"\n`,
    });
    const rootB = await makeRepo({
      "benchmarks/summarize.yml": `skill: skills/summarize/SKILL.md\ncases:\n  - input: "${input}"\n    expected: A short summary.\n`,
    });
    const idsA = (await loadProject(rootA)).benchmarks[0]?.cases ?? [];
    const idsB = (await loadProject(rootB)).benchmarks[0]?.cases ?? [];
    const inA = idsA.find((c) => c.input === input);
    const inB = idsB.find((c) => c.input === input);
    // Same input: same id, wherever the case sits and whatever its expected answer; the hash does change.
    expect(inA?.id).toBeDefined();
    expect(inA?.id).toBe(inB?.id);
    expect(inA?.hash).not.toBe(inB?.hash);
    expect(inA?.id).toBe(deriveCaseId(input));
    expect(inA?.id).toMatch(/^summarize-the-build-broke-on-[0-9a-f]{6}$/);
    expect(inA?.id.slice(-6)).toBe(createHash("sha256").update(input).digest("hex").slice(0, 6));
    expect(deriveCaseId(`${input}!`)).not.toBe(inA?.id);
    expect(deriveCaseId("日本語のテキスト")).toMatch(/^case-[0-9a-f]{6}$/);
    expect(deriveCaseId("Crème brûlée recipe")).toMatch(/^creme-brulee-recipe-[0-9a-f]{6}$/);
  });
});

describe("glob", () => {
  const rows: [string, string, boolean][] = [
    ["benchmarks/**/*.yml", "benchmarks/a.yml", true],
    ["benchmarks/**/*.yml", "benchmarks/x/y/a.yml", true],
    ["benchmarks/**/*.yml", "benchmarks/a.yaml", false],
    ["benchmarks/**/*.yml", "other/benchmarks/a.yml", false],
    ["benchmarks/*.yml", "benchmarks/x/a.yml", false],
    ["benchmarks/?.yml", "benchmarks/a.yml", true],
    ["benchmarks/?.yml", "benchmarks/ab.yml", false],
    ["benchmarks/*.{yml,yaml}", "benchmarks/a.yaml", true],
    ["{evals,benchmarks}/**", "evals/deep/x.json", true],
    ["{evals,benchmarks}/**", "skills/x.json", false],
    ["a/{b,c{d,e}}/f", "a/ce/f", true],
    ["a/{b}/f", "a/{b}/f", true],
    ["file.yml", "fileXyml", false],
    ["**/*.yml", "a.yml", true],
  ];
  it.each(rows)("%s against %s is %s", (pattern, file, expected) => {
    expect(matchGlob(pattern, file)).toBe(expected);
  });

  it("walks the tree below the root, skipping .git and node_modules, sorted, without duplicates", async () => {
    const root = await makeRepo(
      {
        "b/2.yml": "",
        "b/10.yml": "",
        "b/a/1.yml": "",
        "b/.git/x.yml": "",
        "b/node_modules/x.yml": "",
        "c.yml": "",
      },
      {},
    );
    expect(await findFiles(root, ["b/**/*.yml", "b/*.yml", "**/c.yml", "missing/**"])).toEqual([
      "b/10.yml",
      "b/2.yml",
      "b/a/1.yml",
      "c.yml",
    ]);
  });

  it("measures edit distance with swaps", () => {
    expect(editDistance("qualty", "quality")).toBe(1);
    expect(editDistance("csaes", "cases")).toBe(1);
    expect(editDistance("models", "judge")).toBeGreaterThan(2);
  });
});

describe("published JSON schemas", () => {
  it.each(Object.entries(schemaFiles()))("%s matches src/schemas.ts", async (relative, expected) => {
    const actual = await readFile(path.join(REPO_ROOT, relative), "utf8").catch(() => "(missing)");
    expect(
      actual === expected,
      `${relative} differs from src/schemas.ts; regenerate it with: npx tsx scripts/write-schemas.ts`,
    ).toBe(true);
  });

  // Generated from the Report type by ts-json-schema-generator: a few seconds of compiler work, hence the timeout.
  it(`${REPORT_SCHEMA_FILE} matches the Report type in src/types.ts`, { timeout: 120_000 }, async () => {
    const expected = reportSchemaFiles()[REPORT_SCHEMA_FILE];
    const actual = await readFile(path.join(REPO_ROOT, REPORT_SCHEMA_FILE), "utf8").catch(() => "(missing)");
    expect(
      actual === expected,
      `${REPORT_SCHEMA_FILE} differs from src/types.ts; regenerate it with: npx tsx scripts/write-schemas.ts`,
    ).toBe(true);
  });
});
