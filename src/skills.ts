// Reads a skill: an Agent Skill (`<name>/SKILL.md` with frontmatter, checked against the Agent Skills rules) or a
// plain .md/.txt prompt. Problems are returned as located InputIssues so the loader can report them all at once.
import path from "node:path";
import { InputError, type InputIssue } from "./errors.js";
import { sha256Hex } from "./hash.js";
import { RepoFiles, type FolderListing, type Refusal } from "./repo-files.js";
import { issueAt, parseYaml, SKILL_FRONTMATTER_SCHEMA, sortIssues, validateYaml } from "./schemas.js";
import type { Skill } from "./types.js";

export const AGENT_SKILL_FILE = "SKILL.md";
const PROMPT_EXTENSIONS = [".md", ".txt"];
const RESERVED_NAME_WORDS = ["anthropic", "claude"];

/**
 * A repository-relative POSIX path from user input, or the reason it cannot be one. `./a/../b` becomes `b`;
 * absolute paths and paths that climb out of the repository are refused.
 */
export function repoRelativePath(input: string): { path: string } | { problem: string } {
  if (input.trim() === "") return { problem: "the path is empty" };
  if (input.includes("\\")) return { problem: `"${input}" must use / between folders, not \\` };
  if (input.startsWith("/") || /^[A-Za-z]:/.test(input)) {
    return { problem: `"${input}" must be a path from the repository root, not an absolute path` };
  }
  const normalized = path.posix.normalize(input);
  if (normalized === ".." || normalized.startsWith("../")) {
    return { problem: `"${input}" points outside the repository` };
  }
  if (normalized === "." || normalized.endsWith("/")) return { problem: `"${input}" is a folder, not a file` };
  return { path: normalized };
}

interface Frontmatter {
  /** The YAML between the --- lines. */
  yaml: string;
  /** The text after the closing --- line. */
  body: string;
  /** 1-based line where the body starts. */
  bodyLine: number;
}

/** Splits `---\nyaml\n---\nbody`; null when the text does not open with `---`, "unclosed" when it never closes. */
function splitFrontmatter(text: string): Frontmatter | "unclosed" | null {
  const lines = text.split(/\r?\n/);
  if (lines[0]?.trimEnd() !== "---") return null;
  const close = lines.findIndex((line, index) => index > 0 && line.trimEnd() === "---");
  if (close === -1) return "unclosed";
  return {
    yaml: lines.slice(1, close).join("\n"),
    body: lines.slice(close + 1).join("\n"),
    bodyLine: close + 2,
  };
}

export interface ParsedSkill {
  /** The skill without its hash (hashing needs the file's bytes); null when there are issues. */
  skill: Omit<Skill, "hash"> | null;
  issues: InputIssue[];
}

/** Parses a skill file's text. `skillPath` is repository-relative; it decides the format and is used in issues. */
export function parseSkill(skillPath: string, rawText: string): ParsedSkill {
  const text = rawText.startsWith("\uFEFF") ? rawText.slice(1) : rawText;
  const base = path.posix.basename(skillPath);
  if (base === AGENT_SKILL_FILE) return parseAgentSkill(skillPath, text);
  const extension = path.posix.extname(base).toLowerCase();
  if (!PROMPT_EXTENSIONS.includes(extension)) {
    return {
      skill: null,
      issues: [
        {
          file: skillPath,
          line: null,
          column: null,
          field: "",
          message: `is not a skill file: use an Agent Skill (${AGENT_SKILL_FILE}) or a .md/.txt prompt`,
        },
      ],
    };
  }
  const frontmatter = splitFrontmatter(text);
  // A prompt may carry frontmatter from some other tool: it is not ours to check, only to keep out of the prompt.
  const instructions = (frontmatter && frontmatter !== "unclosed" ? frontmatter.body : text).trim();
  if (instructions === "") {
    return {
      skill: null,
      issues: [{ file: skillPath, line: 1, column: 1, field: "", message: "is empty: a prompt file needs instructions" }],
    };
  }
  return {
    skill: {
      path: skillPath,
      dir: null,
      name: path.posix.basename(base, path.posix.extname(base)),
      description: null,
      format: "prompt",
      instructions,
    },
    issues: [],
  };
}

function parseAgentSkill(skillPath: string, text: string): ParsedSkill {
  const at = (line: number, message: string, field = ""): InputIssue => ({
    file: skillPath,
    line,
    column: 1,
    field,
    message,
  });
  const frontmatter = splitFrontmatter(text);
  if (frontmatter === null) {
    return {
      skill: null,
      issues: [at(1, "an Agent Skill must open with YAML frontmatter between --- lines, with name and description")],
    };
  }
  if (frontmatter === "unclosed") {
    return { skill: null, issues: [at(1, "the frontmatter opened on line 1 is never closed by a --- line")] };
  }
  const dir = path.posix.dirname(skillPath);
  const issues: InputIssue[] = [];
  const parsed = parseYaml(skillPath, frontmatter.yaml, 1);
  issues.push(...parsed.issues);
  let name: string | null = null;
  let description: string | null = null;
  if (parsed.value === null) {
    issues.push(at(1, "the frontmatter is empty: it needs name and description"));
  } else if (parsed.value !== undefined) {
    issues.push(...validateYaml(parsed.source, SKILL_FRONTMATTER_SCHEMA, parsed.value));
    const fields = parsed.value as Record<string, unknown>;
    if (typeof fields["name"] === "string") {
      name = fields["name"];
      const problem = nameProblem(name, dir === "." ? null : path.posix.basename(dir));
      if (problem) issues.push(issueAt(parsed.source, ["name"], problem));
    }
    if (typeof fields["description"] === "string") description = fields["description"];
  }
  const instructions = frontmatter.body.trim();
  if (instructions === "") {
    issues.push(at(frontmatter.bodyLine - 1, "has no instructions: the markdown after the frontmatter is empty"));
  }
  if (issues.length > 0 || name === null) return { skill: null, issues: sortIssues(issues) };
  return {
    skill: { path: skillPath, dir, name, description, format: "agent-skill", instructions },
    issues: [],
  };
}

/** The Agent Skills naming rules beyond the length limit (which the schema checks). */
function nameProblem(name: string, folder: string | null): string | null {
  if (name === "") return "must not be empty";
  if (!/^[a-z0-9-]+$/.test(name)) return `"${name}" may use only lowercase letters, digits and hyphens`;
  if (name.startsWith("-") || name.endsWith("-")) return `"${name}" must not start or end with a hyphen`;
  if (name.includes("--")) return `"${name}" must not contain two hyphens in a row`;
  const reserved = RESERVED_NAME_WORDS.find((word) => name.includes(word));
  if (reserved) return `"${name}" must not contain the reserved word "${reserved}"`;
  if (folder !== null && folder !== name) return `"${name}" must match the skill's folder name "${folder}"`;
  return null;
}

export interface SkillRead {
  skill: Skill | null;
  /** Why the path itself is unusable (missing, outside the repository, a folder); blame whoever named it. */
  pathProblem: string | null;
  /** Problems inside the skill file. */
  issues: InputIssue[];
}

/** Default cap of a skill file's size (config `limits.skill-bytes`). */
export const DEFAULT_SKILL_BYTES = 1024 * 1024;

export interface ReadSkillOptions {
  /** The repository's files, when the caller has opened them already (the root is then resolved once). */
  repo?: RepoFiles;
  /** Largest accepted skill file; default 1 MB. */
  maxBytes?: number;
}

/**
 * Reads and parses a skill without throwing for input problems. `skillPath` is repository-relative. The file is read
 * through RepoFiles: a path that resolves outside the repository or into .git, a FIFO or device, a file over the size
 * limit or one that is not UTF-8 is refused with a message that names the path and never quotes the file.
 */
export async function readSkill(root: string, skillPath: string, options: ReadSkillOptions = {}): Promise<SkillRead> {
  const relative = repoRelativePath(skillPath);
  if ("problem" in relative) return { skill: null, pathProblem: relative.problem, issues: [] };
  const repo = options.repo ?? (await RepoFiles.open(root));
  const maxBytes = options.maxBytes ?? DEFAULT_SKILL_BYTES;
  const read = await repo.readText(relative.path, { maxBytes, limitName: "the limit for a skill file (limits.skill-bytes)" });
  if (!read.ok) {
    if (read.kind === "too-large" || read.kind === "not-utf8") {
      // The path is fine; the file itself is the problem.
      const issue: InputIssue = { file: relative.path, line: read.line, column: read.line === null ? null : 1, field: "", message: read.problem };
      return { skill: null, pathProblem: null, issues: [issue] };
    }
    return { skill: null, pathProblem: await readProblem(repo, relative.path, read), issues: [] };
  }
  const parsed = parseSkill(relative.path, read.text);
  if (!parsed.skill) return { skill: null, pathProblem: null, issues: parsed.issues };
  return { skill: { ...parsed.skill, hash: sha256Hex(read.bytes) }, pathProblem: null, issues: [] };
}

async function readProblem(repo: RepoFiles, relative: string, refusal: Refusal): Promise<string> {
  if (refusal.kind === "folder") {
    const inside = `${relative}/${AGENT_SKILL_FILE}`;
    const hasSkill = (await repo.resolve(inside)).ok;
    return hasSkill ? `"${relative}" is a folder; point at "${inside}"` : `"${relative}" is a folder, not a skill file`;
  }
  return `skill file "${relative}" ${refusal.problem}`;
}

/** Loads one skill, throwing an InputError that lists every problem with it. */
export async function loadSkill(root: string, skillPath: string, options: ReadSkillOptions = {}): Promise<Skill> {
  const read = await readSkill(root, skillPath, options);
  if (read.skill) return read.skill;
  if (read.pathProblem !== null) {
    throw new InputError([{ file: skillPath, line: null, column: null, field: "", message: read.pathProblem }]);
  }
  throw new InputError(read.issues);
}

/**
 * Every file of an Agent Skill's folder (SKILL.md included), checked like the skill file itself: for reading the
 * folder's other files (references, scripts) with `repo.readText`/`readBytes`. Links that leave the repository,
 * linked folders, FIFOs and devices come back in `refused`; nothing outside the repository is ever listed.
 */
export async function listSkillFolder(repo: RepoFiles, skill: Pick<Skill, "dir">, maxFiles = 1000): Promise<FolderListing | Refusal> {
  if (skill.dir === null) return { ok: true, files: [], refused: [], truncated: false };
  return repo.listFolder(skill.dir, { maxFiles });
}
