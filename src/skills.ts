// Reads a skill: an Agent Skill (`<name>/SKILL.md` with frontmatter, checked against the Agent Skills rules) or a
// plain .md/.txt prompt. Problems are returned as located InputIssues so the loader can report them all at once.
import path from "node:path";
import type { InputIssue } from "./errors.js";
import { contentHash, sha256Hex } from "./hash.js";
import { RepoFiles, type FolderListing, type Refusal } from "./repo-files.js";
import { SKILL_FRONTMATTER_SCHEMA } from "./schemas.js";
import { issueAt, parseYaml, sortIssues, validateYaml } from "./yaml.js";
import type { Skill, SkillFile } from "./types.js";

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
  /** Problems that stop this skill: it cannot be benchmarked. */
  issues: InputIssue[];
  /**
   * Deviations from the Agent Skills rules that Claude tolerates (a name that differs from its folder, a reserved
   * word, a long description, keys of other agents): the skill is still benchmarked. With `strict` they are issues.
   */
  warnings: InputIssue[];
}

export interface ParseSkillOptions {
  /** Deviations Claude tolerates are errors (config `strict`, `validate --strict`). */
  strict?: boolean;
}

/** Parses a skill file's text. `skillPath` is repository-relative; it decides the format and is used in issues. */
export function parseSkill(skillPath: string, rawText: string, options: ParseSkillOptions = {}): ParsedSkill {
  const parsed = parseSkillLenient(skillPath, rawText);
  if (!options.strict || parsed.warnings.length === 0) return parsed;
  const issues = sortIssues([...parsed.issues, ...parsed.warnings.map(asStrictError)]);
  return { skill: null, issues, warnings: [] };
}

function asStrictError(warning: InputIssue): InputIssue {
  return { ...warning, message: warning.message.replace(/; Claude loads the skill anyway\)$/, "; an error with strict)") };
}

function parseSkillLenient(skillPath: string, rawText: string): ParsedSkill {
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
      warnings: [],
    };
  }
  const frontmatter = splitFrontmatter(text);
  // A prompt may carry frontmatter from some other tool: it is not ours to check, only to keep out of the prompt.
  const instructions = (frontmatter && frontmatter !== "unclosed" ? frontmatter.body : text).trim();
  if (instructions === "") {
    return {
      skill: null,
      issues: [{ file: skillPath, line: 1, column: 1, field: "", message: "is empty: a prompt file needs instructions" }],
      warnings: [],
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
    warnings: [],
  };
}

/** The Agent Skills rule a frontmatter deviation breaks, named in its warning. */
function ruleOf(issue: InputIssue): string {
  const top = issue.field.split(/[.[]/)[0] ?? "";
  if (issue.message.startsWith("unknown key")) return "known-keys";
  if (issue.message.startsWith("missing required key")) return `${issue.field}-required`;
  if (top === "name") return "name-format";
  if (top === "description") {
    if (issue.message.includes("< or >")) return "description-no-angle-brackets";
    if (issue.message.includes("at most")) return "description-length";
    return "description-format";
  }
  return `${top || "frontmatter"}-format`;
}

function tolerated(issue: InputIssue, rule: string): InputIssue {
  return { ...issue, rule, message: `${issue.message} (Agent Skills rule ${rule}; Claude loads the skill anyway)` };
}

function parseAgentSkill(skillPath: string, text: string): ParsedSkill {
  const at = (line: number, message: string, field = ""): InputIssue => ({
    file: skillPath,
    line,
    column: 1,
    field,
    message,
  });
  const broken = (issues: InputIssue[]): ParsedSkill => ({ skill: null, issues, warnings: [] });
  const frontmatter = splitFrontmatter(text);
  if (frontmatter === null) {
    return broken([at(1, "an Agent Skill must open with YAML frontmatter between --- lines, with name and description")]);
  }
  if (frontmatter === "unclosed") return broken([at(1, "the frontmatter opened on line 1 is never closed by a --- line")]);
  const dir = path.posix.dirname(skillPath);
  const folder = dir === "." ? null : path.posix.basename(dir);
  const issues: InputIssue[] = [];
  const warnings: InputIssue[] = [];
  const parsed = parseYaml(skillPath, frontmatter.yaml, 1);
  issues.push(...parsed.issues);
  let name: string | null = null;
  let description: string | null = null;
  if (parsed.value === null) {
    issues.push(at(1, "the frontmatter is empty: it needs name and description"));
  } else if (parsed.value !== undefined) {
    const schemaIssues = validateYaml(parsed.source, SKILL_FRONTMATTER_SCHEMA, parsed.value);
    if (typeof parsed.value !== "object" || Array.isArray(parsed.value)) {
      // Not a mapping at all: nothing to benchmark by.
      issues.push(...schemaIssues);
    } else {
      for (const issue of schemaIssues) warnings.push(tolerated(issue, ruleOf(issue)));
      const fields = parsed.value as Record<string, unknown>;
      if (typeof fields["name"] === "string" && fields["name"] !== "") {
        name = fields["name"];
        for (const problem of nameProblems(name, folder)) {
          warnings.push(tolerated(issueAt(parsed.source, ["name"], problem.message), problem.rule));
        }
      } else if (folder !== null) {
        // Claude Code names a skill by its folder when the frontmatter does not.
        name = folder;
      }
      if (typeof fields["description"] === "string") description = fields["description"];
    }
  }
  const instructions = frontmatter.body.trim();
  if (instructions === "") {
    issues.push(at(frontmatter.bodyLine - 1, "has no instructions: the markdown after the frontmatter is empty"));
  }
  if (issues.length === 0 && name === null) issues.push(at(2, "has no name, and a SKILL.md at the repository root has no folder to name it", "name"));
  if (issues.length > 0 || name === null) return { skill: null, issues: sortIssues(issues), warnings: sortIssues(warnings) };
  return {
    skill: { path: skillPath, dir, name, description, format: "agent-skill", instructions },
    issues: [],
    warnings: sortIssues(warnings),
  };
}

/** The Agent Skills naming rules beyond the length limit (which the schema checks), each with its rule name. */
function nameProblems(name: string, folder: string | null): { rule: string; message: string }[] {
  const problems: { rule: string; message: string }[] = [];
  if (!/^[a-z0-9-]+$/.test(name)) {
    problems.push({ rule: "name-format", message: `"${name}" may use only lowercase letters, digits and hyphens` });
  } else if (name.startsWith("-") || name.endsWith("-")) {
    problems.push({ rule: "name-format", message: `"${name}" must not start or end with a hyphen` });
  } else if (name.includes("--")) {
    problems.push({ rule: "name-format", message: `"${name}" must not contain two hyphens in a row` });
  }
  const reserved = RESERVED_NAME_WORDS.find((word) => name.toLowerCase().includes(word));
  if (reserved) problems.push({ rule: "name-reserved-word", message: `"${name}" must not contain the reserved word "${reserved}"` });
  if (folder !== null && folder !== name) {
    problems.push({ rule: "name-matches-folder", message: `"${name}" must match the skill's folder name "${folder}"` });
  }
  // One sentence per name: the first rule it breaks (a malformed name rarely matches its folder either).
  return problems.slice(0, 1);
}

export interface SkillRead {
  skill: Skill | null;
  /** Why the path itself is unusable (missing, outside the repository, a folder); blame whoever named it. */
  pathProblem: string | null;
  /** Problems inside the skill file. */
  issues: InputIssue[];
  /** Deviations Claude tolerates (see ParsedSkill.warnings); empty with `strict`, where they are issues. */
  warnings: InputIssue[];
}

/** Default cap of a skill file's size (config `limits.skill-bytes`). */
export const DEFAULT_SKILL_BYTES = 1024 * 1024;

export interface ReadSkillOptions {
  /** The repository's files, when the caller has opened them already (the root is then resolved once). */
  repo?: RepoFiles;
  /** Largest accepted skill file; default 1 MB. */
  maxBytes?: number;
  /** Deviations from the Agent Skills rules that Claude tolerates are errors. */
  strict?: boolean;
}

/**
 * Reads and parses a skill without throwing for input problems. `skillPath` is repository-relative. The file is read
 * through RepoFiles: a path that resolves outside the repository or into .git, a FIFO or device, a file over the size
 * limit or one that is not UTF-8 is refused with a message that names the path and never quotes the file.
 */
export async function readSkill(root: string, skillPath: string, options: ReadSkillOptions = {}): Promise<SkillRead> {
  const none = { skill: null, warnings: [] };
  const relative = repoRelativePath(skillPath);
  if ("problem" in relative) return { ...none, pathProblem: relative.problem, issues: [] };
  const repo = options.repo ?? (await RepoFiles.open(root));
  const maxBytes = options.maxBytes ?? DEFAULT_SKILL_BYTES;
  const read = await repo.readText(relative.path, { maxBytes, limitName: "the limit for a skill file (limits.skill-bytes)" });
  if (!read.ok) {
    if (read.kind === "too-large" || read.kind === "not-utf8" || read.kind === "unreadable") {
      // The path is fine; the file itself is the problem.
      const issue: InputIssue = { file: relative.path, line: read.line, column: read.line === null ? null : 1, field: "", message: read.problem };
      return { ...none, pathProblem: null, issues: [issue] };
    }
    return { ...none, pathProblem: await readProblem(repo, relative.path, read), issues: [] };
  }
  const parsed = parseSkill(relative.path, read.text, { strict: options.strict ?? false });
  if (!parsed.skill) return { ...none, pathProblem: null, issues: parsed.issues };
  const folder = await readSkillFolder(repo, parsed.skill, maxBytes);
  const hash = folder.hash ?? sha256Hex(read.bytes);
  return { skill: { ...parsed.skill, hash, files: folder.files }, pathProblem: null, issues: [], warnings: parsed.warnings };
}

/** The folder of skill-creator's evals, left out of what the candidate is shown (it holds the expected answers). */
export const EVALS_DIR = "evals";
export const EVALS_FILE = `${EVALS_DIR}/evals.json`;

/**
 * The files of an Agent Skill's folder the candidate may read (relative to the folder; SKILL.md and evals/ left
 * out) and the folder's hash: sha256 over every file's path and bytes (evals/evals.json aside: its cases carry their
 * own hashes), so an edit to references/x.md changes the skill's identity. Null hash when the folder holds only
 * SKILL.md: the skill's hash is then its file's, as before folders were read.
 */
export async function readSkillFolder(
  repo: RepoFiles,
  skill: Pick<Skill, "dir" | "path">,
  maxBytes = DEFAULT_SKILL_BYTES,
): Promise<{ files: SkillFile[]; hash: string | null }> {
  // A SKILL.md at the repository root has the whole repository as its folder: nothing of it is offered.
  if (skill.dir === null || skill.dir === ".") return { files: [], hash: null };
  const listing = await listSkillFolder(repo, skill);
  if (!listing.ok) return { files: [], hash: null };
  const prefix = `${skill.dir}/`;
  const all = listing.files
    .filter((file) => file.path.startsWith(prefix))
    .map((file) => ({ path: file.path.slice(prefix.length), bytes: file.bytes }));
  const others = all.filter((file) => file.path !== AGENT_SKILL_FILE);
  if (others.length === 0) return { files: [], hash: null };
  const parts: string[] = [];
  for (const file of all) {
    if (file.path === EVALS_FILE) continue;
    const bytes = await repo.readBytes(`${prefix}${file.path}`, { maxBytes, limitName: "the limit for a skill file (limits.skill-bytes)" });
    // A file too large to read still counts by its size: growing or shrinking it changes the hash.
    parts.push(file.path, bytes.ok ? sha256Hex(bytes.bytes) : `${bytes.kind}:${file.bytes}`);
  }
  const files = others.filter((file) => !file.path.startsWith(`${EVALS_DIR}/`));
  return { files, hash: contentHash("skill-folder", ...parts) };
}

async function readProblem(repo: RepoFiles, relative: string, refusal: Refusal): Promise<string> {
  if (refusal.kind === "folder") {
    const inside = `${relative}/${AGENT_SKILL_FILE}`;
    const hasSkill = (await repo.resolve(inside)).ok;
    return hasSkill ? `"${relative}" is a folder; point at "${inside}"` : `"${relative}" is a folder, not a skill file`;
  }
  return `skill file "${relative}" ${refusal.problem}`;
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
