// Attacks through the repository's files: symlinks out of the checkout (/proc/self/environ, another folder's
// secret, .git/config), FIFOs, linked benchmark folders, alias bombs, oversize and non-UTF-8 files, and YAML errors
// that would quote a file's text. Real files, real symlinks, a real FIFO; the CLI in-process through main().
import { execFileSync } from "node:child_process";
import { mkdir, rm, symlink } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { LoadOptions } from "../src/config.js";
import { loadProject } from "../src/project.js";
import type { InputIssue } from "../src/errors.js";
import { findFiles, type GlobRefusal } from "../src/glob.js";
import { decodeUtf8, firstInvalidUtf8, RepoFiles } from "../src/repo-files.js";
import { listSkillFolder } from "../src/skills.js";
import { loadSkill } from "./support/skills.js";
import { runCli, type CliRun } from "./support/cli-runner.js";
import { issuesOf, tempTree, writeTree } from "./support/files.js";

const temps: string[] = [];
afterEach(async () => {
  await Promise.all(temps.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

const SECRET = "FAKE_SECRET_sk-ant-api03-zzzz9876";
const SKILL = "---\nname: greet\ndescription: Greets people.\n---\nGreet the person warmly.\n";
const benchmarkOf = (skill: string, extra = "") => `skill: ${skill}\n${extra}cases:\n  - id: one\n    input: Hello there.\n`;

async function repoWith(files: Record<string, string | Uint8Array | null>): Promise<string> {
  return tempTree("skillbench-repo-files-", files, temps);
}

/** A folder outside every repository holding a secret, as another checkout or the runner's home would. */
async function outsideSecret(name = "secret.txt"): Promise<{ dir: string; file: string }> {
  const dir = await tempTree("skillbench-outside-", { [name]: `${SECRET}\n`, "bench.yml": benchmarkOf("skills/greet/SKILL.md") }, temps);
  return { dir, file: join(dir, name) };
}

function validate(root: string, args: string[] = []): Promise<CliRun> {
  return runCli(["validate", ...args], { cwd: root, env: {} });
}

function expectIssue(issues: InputIssue[], want: Partial<InputIssue> & { message: string }): InputIssue {
  const match = issues.find(
    (issue) =>
      issue.message.includes(want.message) &&
      (want.file === undefined || issue.file === want.file) &&
      (want.line === undefined || issue.line === want.line) &&
      (want.field === undefined || issue.field === want.field),
  );
  expect(match, `expected ${JSON.stringify(want)} among:\n${JSON.stringify(issues, null, 2)}`).toBeDefined();
  return match as InputIssue;
}

function hasMkfifo(): boolean {
  try {
    execFileSync("mkfifo", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

describe("symlinks that leave the repository", () => {
  it("refuses a skill linked to /proc/self/environ at the benchmark's skill: line, and validate exits 2", async () => {
    const root = await repoWith({ "benchmarks/leak.yml": benchmarkOf("skills/leak.md") });
    await mkdir(join(root, "skills"), { recursive: true });
    await symlink("/proc/self/environ", join(root, "skills/leak.md"));

    const issues = await issuesOf(loadProject(root));
    expectIssue(issues, {
      file: "benchmarks/leak.yml",
      line: 1,
      field: "skill",
      message: 'skill file "skills/leak.md" resolves outside the repository (symlink to /proc/self/environ)',
    });
    const { code, stdout, stderr } = await validate(root);
    expect(code).toBe(2);
    expect(stdout).not.toContain("OK");
    expect(stderr).toContain("benchmarks/leak.yml:1:");
    // Nothing of the environment leaks into the message (PATH is in every process's environment).
    expect(stderr).not.toContain(process.env.PATH ?? "PATH=");
  });

  it("never shows a linked secret: not as a skill, a benchmark found by the glob, nor the config file", async () => {
    const outside = await outsideSecret();
    const root = await repoWith({
      "skills/greet/SKILL.md": SKILL,
      "benchmarks/greet.yml": benchmarkOf("skills/greet/SKILL.md"),
      "benchmarks/steal.yml": benchmarkOf("skills/stolen.md"),
    });
    await symlink(outside.file, join(root, "skills/stolen.md"));
    await symlink(outside.file, join(root, "benchmarks/leak.yml"));
    await symlink(outside.file, join(root, "skillbench.yml"));

    const issues = await issuesOf(loadProject(root));
    expect(JSON.stringify(issues)).not.toContain(SECRET);
    expectIssue(issues, { file: "skillbench.yml", message: "the config file resolves outside the repository" });
    expectIssue(issues, { file: "benchmarks/steal.yml", line: 1, field: "skill", message: "resolves outside the repository" });
    expectIssue(issues, { file: "benchmarks/leak.yml", message: `resolves outside the repository (symlink to ${outside.file})` });

    const { code, stdout, stderr } = await validate(root);
    expect(code).toBe(2);
    expect(stdout + stderr).not.toContain(SECRET);
  });

  it("refuses a link into .git (actions/checkout keeps the token in .git/config)", async () => {
    const root = await repoWith({
      ".git/config": `[http]\n\textraheader = AUTHORIZATION: basic ${SECRET}\n`,
      "benchmarks/git.yml": benchmarkOf("skills/config.md"),
      "benchmarks/direct.yml": benchmarkOf(".git/config"),
    });
    await mkdir(join(root, "skills"));
    await symlink("../.git/config", join(root, "skills/config.md"));
    const issues = await issuesOf(loadProject(root));
    expectIssue(issues, { file: "benchmarks/git.yml", line: 1, message: "resolves into .git (symlink to ../.git/config)" });
    expectIssue(issues, { file: "benchmarks/direct.yml", line: 1, message: "is inside .git" });
    expect(JSON.stringify(issues)).not.toContain(SECRET);
  });

  it("refuses a benchmarks folder linked outside, at the glob's line in the config", async () => {
    const outside = await outsideSecret();
    const root = await repoWith({
      "skills/greet/SKILL.md": SKILL,
      "skillbench.yml": "models: [claude-haiku-4-5]\nbenchmarks:\n  - evals/*.yml\n  - benchmarks/**/*.yml\n",
      "evals/greet.yml": benchmarkOf("skills/greet/SKILL.md"),
    });
    await symlink(outside.dir, join(root, "benchmarks"));
    const issues = await issuesOf(loadProject(root));
    expectIssue(issues, {
      file: "skillbench.yml",
      line: 4,
      field: "benchmarks[1]",
      message: `the folder "benchmarks" (found by the benchmark glob "benchmarks/**/*.yml") resolves outside the repository (symlink to ${outside.dir})`,
    });
    expect(issues).toHaveLength(1); // the outside benchmark was not read

    // With the default globs (no config) the folder itself is named.
    await rm(join(root, "skillbench.yml"));
    expectIssue(await issuesOf(loadProject(root)), { file: "benchmarks", line: null, message: "resolves outside the repository" });
  });

  it("does not walk a linked folder below a benchmarks folder, and refuses a linked file that leaves", async () => {
    const outside = await outsideSecret();
    const root = await repoWith({
      "skills/greet/SKILL.md": SKILL,
      "benchmarks/greet.yml": benchmarkOf("skills/greet/SKILL.md"),
    });
    await symlink(outside.dir, join(root, "benchmarks/external"));
    expect((await loadProject(root)).benchmarks.map((b) => b.path)).toEqual(["benchmarks/greet.yml"]);

    await symlink(join(outside.dir, "bench.yml"), join(root, "benchmarks/external.yml"));
    const refused: GlobRefusal[] = [];
    const files = await findFiles(root, ["benchmarks/**/*.yml"], (refusal) => refused.push(refusal));
    expect(files).toEqual(["benchmarks/greet.yml"]);
    expect(refused).toEqual([
      {
        pattern: "benchmarks/**/*.yml",
        path: "benchmarks/external.yml",
        problem: `resolves outside the repository (symlink to ${join(outside.dir, "bench.yml")})`,
        base: false,
        kind: "outside",
      },
    ]);
    expectIssue(await issuesOf(loadProject(root)), { file: "benchmarks/external.yml", message: "resolves outside the repository" });
  });

  it("follows links that stay inside the repository: a skill, a benchmark file and a benchmarks folder", async () => {
    const root = await repoWith({
      "shared/greet/SKILL.md": SKILL,
      "shared/prompt.md": "Answer in French.\n",
      "evals/greet.yml": benchmarkOf("skills/greet/SKILL.md"),
      "library/prompt.yml": benchmarkOf("skills/prompt.md"),
    });
    await mkdir(join(root, "skills"));
    await symlink("../shared/greet", join(root, "skills/greet"));
    await symlink(join(root, "shared/prompt.md"), join(root, "skills/prompt.md"));
    await symlink("evals", join(root, "benchmarks"));
    await symlink("../library/prompt.yml", join(root, "evals/prompt.yml"));
    const project = await loadProject(root);
    expect(project.benchmarks.map((b) => b.path)).toEqual(["benchmarks/greet.yml", "benchmarks/prompt.yml"]);
    expect(project.skills.get("skills/greet/SKILL.md")?.name).toBe("greet");
    expect(project.skills.get("skills/prompt.md")?.instructions).toBe("Answer in French.");
    expect((await validate(root)).code).toBe(0);
  });
});

describe.skipIf(!hasMkfifo())("FIFOs and other special files", () => {
  it("refuses a FIFO as a skill, a benchmark and the config without opening it (no hang)", async () => {
    const root = await repoWith({ "benchmarks/pipe.yml": benchmarkOf("skills/pipe.md"), "skills/.keep": "" });
    execFileSync("mkfifo", [join(root, "skills/pipe.md"), join(root, "benchmarks/fifo.yml"), join(root, "skillbench.yml")]);
    const issues = await issuesOf(loadProject(root));
    expectIssue(issues, { file: "benchmarks/pipe.yml", line: 1, field: "skill", message: '"skills/pipe.md" is not a regular file (a FIFO)' });
    expectIssue(issues, { file: "benchmarks/fifo.yml", message: "is not a regular file (a FIFO)" });
    expectIssue(issues, { file: "skillbench.yml", message: "the config file is not a regular file (a FIFO)" });
    expect((await validate(root)).code).toBe(2);
  });

  it("refuses a link to a character device (/dev/zero would never end)", async () => {
    const root = await repoWith({ "benchmarks/zero.yml": benchmarkOf("skills/zero.md"), "skills/.keep": "" });
    await symlink("/dev/zero", join(root, "skills/zero.md"));
    expectIssue(await issuesOf(loadProject(root)), { file: "benchmarks/zero.yml", message: "resolves outside the repository" });
  });
});

describe("file contents are never quoted in errors", () => {
  it.each([
    ["a broken flow sequence", "SECRET_VALUE_12345: [\n"],
    ["plain text (an env file)", "SECRET_VALUE_12345=abc\nOTHER=def\n"],
    ["a tag that quotes itself", "skill: !SECRET_VALUE_12345 x\n"],
    ["a bad escape", 'skill: "\\qSECRET_VALUE_12345"\n'],
  ])("%s", async (_name, text) => {
    const root = await repoWith({ "benchmarks/bad.yml": text });
    const issues = await issuesOf(loadProject(root));
    expect(issues.length).toBeGreaterThan(0);
    expect(issues.every((issue) => issue.file === "benchmarks/bad.yml" && issue.line !== null)).toBe(true);
    expect(JSON.stringify(issues)).not.toContain("SECRET_VALUE");
    const { code, stderr } = await validate(root);
    expect(code).toBe(2);
    expect(stderr).not.toContain("SECRET_VALUE");
  });

  it("says what is wrong and where for a syntax error", async () => {
    const root = await repoWith({ "benchmarks/bad.yml": "skill: a.md\ncases: [\n" });
    const [issue] = await issuesOf(loadProject(root));
    expect(issue).toMatchObject({ file: "benchmarks/bad.yml", line: 3, column: 1 });
    expect(issue?.message).toMatch(/^YAML syntax error: .*not closed/);
  });
});

describe("alias bombs, sizes and encodings", () => {
  const bomb = [
    "a: &a [x, x, x, x, x, x, x, x, x, x]",
    "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]",
    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]",
    "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]",
    "",
  ].join("\n");

  it("reports an alias bomb in a benchmark or the config at the first alias, exit 2", async () => {
    const root = await repoWith({ "benchmarks/bomb.yml": bomb, "skillbench.yml": `# padding\n${bomb}` });
    const issues = await issuesOf(loadProject(root));
    expectIssue(issues, { file: "benchmarks/bomb.yml", line: 2, message: "aliases expand too much" });
    expectIssue(issues, { file: "skillbench.yml", line: 3, message: "refused as an alias bomb" });
    const { code, stderr } = await validate(root);
    expect(code).toBe(2);
    expect(stderr).toContain("benchmarks/bomb.yml:2:");
  });

  it("refuses an alias bomb in SKILL.md frontmatter on the file's line", async () => {
    const root = await repoWith({ "skills/greet/SKILL.md": `---\nname: greet\ndescription: x\n${bomb}---\nHi.\n` });
    expectIssue(await issuesOf(loadSkill(root, "skills/greet/SKILL.md")), { file: "skills/greet/SKILL.md", line: 5, message: "alias bomb" });
  });

  it("caps the skill, benchmark and input sizes by default and by limits:", async () => {
    const big = `${"x".repeat(1024 * 1024)}\n`;
    const root = await repoWith({
      "skills/big.md": big,
      "benchmarks/big.yml": benchmarkOf("skills/big.md"),
      "skills/ok.md": "Be brief.\n",
      "benchmarks/input.yml": `skill: skills/ok.md\ncases:\n  - id: huge\n    input: "${"y".repeat(256 * 1024 + 1)}"\n`,
    });
    let issues = await issuesOf(loadProject(root));
    expectIssue(issues, { file: "skills/big.md", message: "is 1,048,577 bytes, larger than 1 MB, the limit for a skill file (limits.skill-bytes)" });
    expectIssue(issues, { file: "benchmarks/input.yml", line: 4, field: "cases[0].input", message: "larger than 256 KB, the limit for one input (limits.input-bytes)" });

    await writeTree(root, { "skillbench.yml": "limits: { skill-bytes: 2097152, input-bytes: 300000, benchmark-bytes: 2048 }\n" });
    issues = await issuesOf(loadProject(root));
    expect(issues.map((i) => i.file)).toEqual(["benchmarks/input.yml"]);
    expect(issues[0]?.message).toContain("larger than 2 KB, the limit for a benchmark file (limits.benchmark-bytes)");

    await writeTree(root, { "skillbench.yml": "limits: { skill-bytes: 10, benchmark-bytes: 1e12, input-bytes: 0, skill: 1 }\n" });
    issues = await issuesOf(loadProject(root));
    expectIssue(issues, { file: "skillbench.yml", line: 1, field: "limits.skill-bytes", message: "from 1024 to 104857600, not 10" });
    expectIssue(issues, { file: "skillbench.yml", field: "limits.benchmark-bytes", message: "not 1000000000000" });
    expectIssue(issues, { file: "skillbench.yml", field: "limits.input-bytes", message: "not 0" });
    expectIssue(issues, { file: "skillbench.yml", field: "limits.skill", message: 'unknown key "skill"' });
  });

  it("caps the config file at 1 MB", async () => {
    const root = await repoWith({ "skillbench.yml": `# ${"z".repeat(1024 * 1024)}\n` });
    expectIssue(await issuesOf(loadProject(root)), { file: "skillbench.yml", message: "the config file is 1,048,579 bytes, larger than 1 MB, the fixed limit for a config file" });
  });

  it("refuses non-UTF-8 skill, benchmark and config files with the byte offset and line", async () => {
    const latin1 = (text: string) => Buffer.from(text, "latin1");
    const root = await repoWith({
      "skills/latin.md": latin1("Réponds en français.\n"),
      "benchmarks/latin.yml": benchmarkOf("skills/latin.md"),
      "benchmarks/bad.yml": latin1("skill: skills/latin.md\ncases:\n  - input: caf\u00e9\n"),
      "skillbench.yml": Buffer.concat([Buffer.from("models: [claude-haiku-4-5]\n# "), Buffer.from([0xc0, 0xaf]), Buffer.from("\n")]),
    });
    const issues = await issuesOf(loadProject(root));
    expectIssue(issues, { file: "skills/latin.md", line: 1, message: "is not valid UTF-8 (byte offset 1)" });
    expectIssue(issues, { file: "benchmarks/bad.yml", line: 3, message: "is not valid UTF-8 (byte offset 44)" });
    expectIssue(issues, { file: "skillbench.yml", line: 2, message: "the config file is not valid UTF-8 (byte offset 29)" });
    expect((await validate(root)).code).toBe(2);
  });

  it("finds the first invalid UTF-8 byte (overlongs, surrogates, truncation, beyond U+10FFFF)", () => {
    const rows: [number[], number][] = [
      [[0x61, 0x62], 2],
      [[0xc3, 0xa9, 0xff], 2],
      [[0x61, 0xc0, 0x80], 1],
      [[0xe0, 0x80, 0x80], 0],
      [[0xed, 0xa0, 0x80], 0],
      [[0xf0, 0x9f, 0x98, 0x80, 0xe2, 0x82], 4],
      [[0xf4, 0x90, 0x80, 0x80], 0],
      [[0xf0, 0x9f, 0x98, 0x80], 4],
    ];
    for (const [bytes, offset] of rows) expect(firstInvalidUtf8(Uint8Array.from(bytes)), JSON.stringify(bytes)).toBe(offset);
    expect(decodeUtf8(Uint8Array.from([0xef, 0xbb, 0xbf, 0x68, 0x69]))).toBe("hi");
    expect(decodeUtf8(Uint8Array.from([0x0a, 0x0a, 0x80]))).toMatchObject({ ok: false, kind: "not-utf8", line: 3 });
  });
});

describe("RepoFiles.listFolder (every file of a skill folder)", () => {
  it("lists regular files with sizes and refuses links out, linked folders and FIFOs", async () => {
    const outside = await outsideSecret();
    const root = await repoWith({
      "skills/greet/SKILL.md": SKILL,
      "skills/greet/references/style.md": "Be kind.\n",
      "skills/greet/node_modules/x.js": "x",
      "shared/names.txt": "Ada\n",
    });
    await symlink(outside.file, join(root, "skills/greet/secret.txt"));
    await symlink("../../shared/names.txt", join(root, "skills/greet/names.txt"));
    await symlink("../../shared", join(root, "skills/greet/shared"));
    if (hasMkfifo()) execFileSync("mkfifo", [join(root, "skills/greet/pipe")]);

    const repo = await RepoFiles.open(root);
    const listing = await listSkillFolder(repo, { dir: "skills/greet" });
    if (!listing.ok) throw new Error(listing.problem);
    expect(listing.files).toEqual([
      { path: "skills/greet/SKILL.md", bytes: SKILL.length },
      { path: "skills/greet/names.txt", bytes: 4 },
      { path: "skills/greet/references/style.md", bytes: 9 },
    ]);
    const refused = Object.fromEntries(listing.refused.map((r) => [r.path, r.problem]));
    expect(refused["skills/greet/secret.txt"]).toContain("resolves outside the repository");
    expect(refused["skills/greet/shared"]).toBe("is a link to a folder, which is not followed");
    if (hasMkfifo()) expect(refused["skills/greet/pipe"]).toBe("is not a regular file (a FIFO)");
    expect(JSON.stringify(listing)).not.toContain(SECRET);

    const read = await repo.readText("skills/greet/names.txt", { maxBytes: 100, limitName: "test" });
    expect(read).toMatchObject({ ok: true, text: "Ada\n" });
    expect(await repo.readText("skills/greet/secret.txt", { maxBytes: 100, limitName: "test" })).toMatchObject({ ok: false, kind: "outside" });
    expect(await repo.listFolder("skills/greet/shared")).toMatchObject({ ok: true });
    await symlink(outside.dir, join(root, "skills/away"));
    expect(await repo.listFolder("skills/away")).toMatchObject({ ok: false, kind: "outside" });
  });
});

describe("model ids are checked before anything is spent", () => {
  const base = {
    "skills/greet/SKILL.md": SKILL,
    "benchmarks/greet.yml": benchmarkOf("skills/greet/SKILL.md"),
  };

  it("a clear typo is an error with a suggestion at its line: config, judge, benchmark, overrides", async () => {
    const root = await repoWith({
      ...base,
      "skillbench.yml": "models:\n  - claude-haiku-4-5\n  - claude-sonet-5\njudge: { model: claude-opus-48 }\n",
      "benchmarks/greet.yml": benchmarkOf("skills/greet/SKILL.md", "models: [claude-sonnet5]\n"),
    });
    const issues = await issuesOf(loadProject(root));
    expectIssue(issues, { file: "skillbench.yml", line: 3, field: "models[1]", message: '"claude-sonet-5" is not a known model id; did you mean claude-sonnet-5?' });
    expectIssue(issues, { file: "skillbench.yml", line: 4, field: "judge.model", message: "did you mean claude-opus-4-8?" });
    expectIssue(issues, { file: "benchmarks/greet.yml", line: 2, field: "models[0]", message: "did you mean claude-sonnet-5?" });
    const { code, stderr } = await validate(root);
    expect(code).toBe(2);
    expect(stderr).toContain("skillbench.yml:3:5: models[1]:");

    const options: LoadOptions = {
      overrides: {
        models: { value: "claude-haiku-4-5,Claude-Sonnet-5", source: "input models" },
        judgeModel: { value: "claude-haiku-45-20251001", source: "--judge-model" },
      },
    };
    const overridden = await issuesOf(loadProject(await repoWith(base), options));
    expectIssue(overridden, { file: "input models", line: null, message: '"Claude-Sonnet-5" is not a known model id; did you mean claude-sonnet-5?' });
    expectIssue(overridden, { file: "--judge-model", message: "did you mean claude-haiku-4-5-20251001?" });
  });

  it("an unknown but plausible id, or a proxy's own, is a warning that validate and run print", async () => {
    const root = await repoWith({
      ...base,
      "skillbench.yml": "models: [claude-sonnet-6, my-proxy/model@v2, claude-haiku-4-5-20251001, house-model]\npricing: { house-model: { input: 1, output: 2 } }\n",
    });
    await symlink(".", join(root, "self")); // an in-repo link cycle must not trouble anything
    const project = await loadProject(root);
    expect(project.warnings.map((w) => [w.file, w.line, w.field])).toEqual([
      ["skillbench.yml", 1, "models[0]"],
      ["skillbench.yml", 1, "models[1]"],
    ]);
    expect(project.warnings[0]?.message).toContain('"claude-sonnet-6" is not a model skillbench knows (did you mean claude-sonnet-5?)');

    const { code, stderr } = await validate(root);
    expect(code).toBe(0);
    expect(stderr).toContain("warning: skillbench.yml:1:10: models[0]:");
    expect(stderr).toContain('"my-proxy/model@v2" is not a model skillbench knows;');

    const dry = await runCli(["run", "--dry-run", "--no-baseline"], { cwd: root, env: {} });
    expect(dry.code).toBe(0);
    expect(dry.stdout + dry.stderr).toContain("warning: skillbench.yml:1:10: models[0]:");
  });
});

describe("files git does not track (the action reads only committed files)", () => {
  it("refuses an untracked skill, skips an untracked benchmark with a warning, and never shows their text", async () => {
    const root = await repoWith({
      "skills/greet/SKILL.md": SKILL,
      "benchmarks/greet.yml": benchmarkOf("skills/greet/SKILL.md"),
      "benchmarks/steal.yml": benchmarkOf("gha-creds-1234.txt"),
      // What a cloud-auth step leaves in the workspace: untracked, and matched by a PR's glob or skill path.
      "gha-creds-1234.txt": `${SECRET}\n`,
      "benchmarks/generated.yml": benchmarkOf("skills/greet/SKILL.md"),
    });
    const tracked = new Set(["skills/greet/SKILL.md", "benchmarks/greet.yml", "benchmarks/steal.yml"]);
    const issues = await issuesOf(loadProject(root, { tracked }));
    expectIssue(issues, { file: "benchmarks/steal.yml", line: 1, field: "skill", message: "is not committed to the repository" });
    expect(JSON.stringify(issues)).not.toContain(SECRET);
    expect(issues.some((issue) => issue.file === "benchmarks/generated.yml")).toBe(false);

    const clean = new Set(["skills/greet/SKILL.md", "benchmarks/greet.yml"]);
    const project = await loadProject(root, { tracked: clean });
    expect(project.benchmarks.map((b) => b.path)).toEqual(["benchmarks/greet.yml"]);
    expect(project.warnings.map((w) => `${w.file}: ${w.message}`).join("\n")).toMatch(
      /benchmarks\/(generated|steal)\.yml.*is not committed to the repository/,
    );
    // Without the tracked list (the CLI on a developer's machine) untracked files are read as before.
    const local = await loadProject(root, {}).catch((error: unknown) => error);
    expect(JSON.stringify(local)).not.toContain("is not committed");
  });

  it("refuses a tracked symlink that leads to an untracked file", async () => {
    const root = await repoWith({
      "skills/greet/SKILL.md": SKILL,
      "benchmarks/greet.yml": benchmarkOf("skills/link.md"),
      "token.txt": `${SECRET}\n`,
    });
    await symlink("../token.txt", join(root, "skills/link.md"));
    const tracked = new Set(["skills/greet/SKILL.md", "benchmarks/greet.yml", "skills/link.md"]);
    const issues = await issuesOf(loadProject(root, { tracked }));
    expectIssue(issues, { file: "benchmarks/greet.yml", message: "is not committed to the repository (symlink to token.txt)" });
    expect(JSON.stringify(issues)).not.toContain(SECRET);
  });
});
