import { createHash } from "node:crypto";
import { rm, symlink } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseSkill, readSkill, repoRelativePath } from "../src/skills.js";
import { loadSkill } from "./support/skills.js";
import { issuesOf, tempTree } from "./support/files.js";

const temps: string[] = [];
afterEach(async () => {
  await Promise.all(temps.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function makeRepo(files: Record<string, string | Uint8Array>): Promise<string> {
  return tempTree("skillbench-skills-", files, temps);
}

const sha256 = (data: string | Uint8Array) => createHash("sha256").update(data).digest("hex");

describe("loadSkill", () => {
  it("reads an Agent Skill: frontmatter fields, body as instructions, folder, hash of the bytes", async () => {
    const text = [
      "---",
      "name: triage-issues",
      "description: Sorts incoming issues by severity.",
      "license: MIT",
      "allowed-tools: Read Grep",
      "metadata:",
      "  author: team",
      "compatibility: Needs network access.",
      "---",
      "",
      "# Triage",
      "",
      "Label each issue.",
      "",
    ].join("\r\n");
    const root = await makeRepo({ "skills/triage-issues/SKILL.md": text });
    const skill = await loadSkill(root, "skills/triage-issues/SKILL.md");
    expect(skill).toEqual({
      path: "skills/triage-issues/SKILL.md",
      dir: "skills/triage-issues",
      name: "triage-issues",
      description: "Sorts incoming issues by severity.",
      format: "agent-skill",
      instructions: "# Triage\n\nLabel each issue.",
      hash: sha256(Buffer.from(text, "utf8")),
      files: [],
    });
  });

  it("reads plain prompts, stripping (not checking) any frontmatter, and hashes the exact bytes", async () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("---\nanything: [goes\n---\nBe brief.\n")]);
    const root = await makeRepo({
      "prompts/brief.md": bytes,
      "prompts/tone.TXT": "  Answer kindly.\n\n",
      "prompts/open.md": "---\nnot closed\nStill a prompt.\n",
    });
    const brief = await loadSkill(root, "prompts/brief.md");
    expect(brief).toMatchObject({ name: "brief", dir: null, description: null, format: "prompt", instructions: "Be brief." });
    expect(brief.hash).toBe(sha256(bytes));
    expect((await loadSkill(root, "./prompts/tone.TXT")).instructions).toBe("Answer kindly.");
    // An unclosed frontmatter in a prompt is just text.
    expect((await loadSkill(root, "prompts/open.md")).instructions).toBe("---\nnot closed\nStill a prompt.");
  });

  it("changes the hash when the file changes", async () => {
    const root = await makeRepo({ "a/p.md": "one", "b/p.md": "one ", "c/p.md": "one" });
    const [a, b, c] = await Promise.all(["a/p.md", "b/p.md", "c/p.md"].map((p) => loadSkill(root, p)));
    expect(a?.hash).toBe(c?.hash);
    expect(a?.hash).not.toBe(b?.hash);
  });

  const badSkills: { name: string; file: string; text: string; issues: { line: number | null; field: string; message: string }[] }[] = [
    {
      name: "missing name and description",
      file: "skills/x/SKILL.md",
      text: "---\nlicense: MIT\n---\nBody\n",
      issues: [
        { line: 2, field: "name", message: 'missing required key "name"' },
        { line: 2, field: "description", message: 'missing required key "description"' },
      ],
    },
    {
      name: "empty frontmatter",
      file: "skills/x/SKILL.md",
      text: "---\n---\nBody\n",
      issues: [{ line: 1, field: "", message: "frontmatter is empty" }],
    },
    {
      name: "frontmatter that is not a mapping",
      file: "skills/x/SKILL.md",
      text: "---\n- name: x\n---\nBody\n",
      issues: [{ line: 2, field: "", message: "must be a mapping" }],
    },
    {
      name: "unclosed frontmatter",
      file: "skills/x/SKILL.md",
      text: "---\nname: x\ndescription: y\nBody\n",
      issues: [{ line: 1, field: "", message: "never closed" }],
    },
    {
      name: "YAML syntax error in the frontmatter, on the file's line",
      file: "skills/x/SKILL.md",
      text: "---\nname: x\ndescription: [unclosed\n---\nBody\n",
      issues: [{ line: 3, field: "", message: "YAML syntax error" }],
    },
    {
      name: "name too long",
      file: `skills/${"a".repeat(65)}/SKILL.md`,
      text: `---\nname: ${"a".repeat(65)}\ndescription: y\n---\nBody\n`,
      issues: [{ line: 2, field: "name", message: "at most 64 characters" }],
    },
    {
      name: "name with a leading hyphen",
      file: "skills/-x/SKILL.md",
      text: "---\nname: -x\ndescription: y\n---\nBody\n",
      issues: [{ line: 2, field: "name", message: "must not start or end with a hyphen" }],
    },
    {
      name: "name with a double hyphen",
      file: "skills/a--b/SKILL.md",
      text: "---\nname: a--b\ndescription: y\n---\nBody\n",
      issues: [{ line: 2, field: "name", message: "two hyphens in a row" }],
    },
    {
      name: 'name containing "anthropic"',
      file: "skills/anthropic-helper/SKILL.md",
      text: "---\nname: anthropic-helper\ndescription: y\n---\nBody\n",
      issues: [{ line: 2, field: "name", message: 'reserved word "anthropic"' }],
    },
    {
      name: "name that is a number",
      file: "skills/x/SKILL.md",
      text: "---\nname: 42\ndescription: y\n---\nBody\n",
      issues: [{ line: 2, field: "name", message: "must be a string, not 42" }],
    },
    {
      name: "description with >, compatibility too long, metadata not a mapping",
      file: "skills/x/SKILL.md",
      text: `---\nname: x\ndescription: a > b\nmetadata: [1]\ncompatibility: ${"c".repeat(501)}\n---\nBody\n`,
      issues: [
        { line: 3, field: "description", message: "must not contain < or >" },
        { line: 4, field: "metadata", message: "must be a mapping" },
        { line: 5, field: "compatibility", message: "at most 500 characters" },
      ],
    },
    {
      name: "unknown key with no close match",
      file: "skills/x/SKILL.md",
      text: "---\nname: x\ndescription: y\nversion: 2\n---\nBody\n",
      issues: [{ line: 4, field: "version", message: "allowed keys: name, description" }],
    },
    {
      name: "empty plain prompt",
      file: "prompts/empty.md",
      text: "\n  \n",
      issues: [{ line: 1, field: "", message: "is empty" }],
    },
    {
      name: "unsupported extension",
      file: "prompts/p.yaml",
      text: "prompt: x\n",
      issues: [{ line: null, field: "", message: "is not a skill file" }],
    },
  ];

  it.each(badSkills)("rejects $name", async (row) => {
    const root = await makeRepo({ [row.file]: row.text });
    // Strict: the deviations Claude tolerates are errors too (they are warnings by default, tested below).
    const issues = await issuesOf(loadSkill(root, row.file, { strict: true }));
    const shown = JSON.stringify(issues, null, 2);
    expect(issues.length, shown).toBe(row.issues.length);
    for (const want of row.issues) {
      const match = issues.find(
        (issue) =>
          issue.file === row.file && issue.line === want.line && issue.field === want.field && issue.message.includes(want.message),
      );
      expect(match, `expected ${JSON.stringify(want)} among:\n${shown}`).toBeDefined();
    }
  });

  it("names the path when the skill is missing, a folder, or outside the repository", async () => {
    const root = await makeRepo({ "skills/x/SKILL.md": "---\nname: x\ndescription: y\n---\nBody\n", "empty/keep.txt": "k" });
    const cases: [string, string][] = [
      ["skills/y/SKILL.md", '"skills/y/SKILL.md" does not exist'],
      ["skills/x", 'is a folder; point at "skills/x/SKILL.md"'],
      ["empty", '"empty" is a folder, not a skill file'],
      ["../x/SKILL.md", "points outside the repository"],
      ["/etc/passwd", "not an absolute path"],
    ];
    for (const [given, message] of cases) {
      const issues = await issuesOf(loadSkill(root, given));
      expect(issues).toHaveLength(1);
      expect(issues[0]?.file).toBe(given);
      expect(issues[0]?.message).toContain(message);
    }
  });
});

describe("parseSkill", () => {
  it("is pure: the path decides the format and the folder the name must match", () => {
    const text = "---\nname: notes\ndescription: d\n---\nBody\n";
    expect(parseSkill("skills/notes/SKILL.md", text).skill?.format).toBe("agent-skill");
    expect(parseSkill("skills/other/SKILL.md", text).warnings[0]?.message).toContain('folder name "other"');
    expect(parseSkill("skills/other/SKILL.md", text, { strict: true }).issues[0]?.message).toContain('folder name "other"');
    // A SKILL.md at the repository root has no folder name to match.
    expect(parseSkill("SKILL.md", text).issues).toEqual([]);
    expect(parseSkill("SKILL.md", text).warnings).toEqual([]);
    expect(parseSkill("skills/notes/notes.md", text).skill).toMatchObject({ format: "prompt", name: "notes", instructions: "Body" });
  });
});

describe("repoRelativePath", () => {
  it.each([
    ["skills/a/SKILL.md", "skills/a/SKILL.md"],
    ["./skills//a/../b/p.md", "skills/b/p.md"],
  ])("normalizes %s", (input, expected) => {
    expect(repoRelativePath(input)).toEqual({ path: expected });
  });
  it.each(["", "..", "../a.md", "a/../../b.md", "/abs.md", "C:/x.md", "a\\b.md", "skills/"])("refuses %j", (input) => {
    expect("problem" in repoRelativePath(input)).toBe(true);
  });
});

describe("readSkill reads only through the repository's checks", () => {
  it("blames the path for a link out of the repository, the file for its size or encoding", async () => {
    const outside = await makeRepo({ "secret.md": "TOP_SECRET_VALUE\n" });
    const root = await makeRepo({ "skills/big.md": "x".repeat(2048), "skills/latin.md": Buffer.from("caf\xe9\n", "latin1") });
    await symlink(path.join(outside, "secret.md"), path.join(root, "skills/out.md"));

    const out = await readSkill(root, "skills/out.md");
    expect(out.skill).toBeNull();
    expect(out.pathProblem).toBe(`skill file "skills/out.md" resolves outside the repository (symlink to ${path.join(outside, "secret.md")})`);
    expect(JSON.stringify(out)).not.toContain("TOP_SECRET_VALUE");

    const big = await readSkill(root, "skills/big.md", { maxBytes: 1024 });
    expect(big.pathProblem).toBeNull();
    expect(big.issues).toEqual([
      { file: "skills/big.md", line: null, column: null, field: "", message: "is 2 KB, larger than 1 KB, the limit for a skill file (limits.skill-bytes)" },
    ]);
    expect((await readSkill(root, "skills/big.md")).skill?.instructions).toHaveLength(2048);

    const latin = await readSkill(root, "skills/latin.md");
    expect(latin.issues).toEqual([{ file: "skills/latin.md", line: 1, column: 1, field: "", message: "is not valid UTF-8 (byte offset 3)" }]);
  });
});
