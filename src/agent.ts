// One candidate generation as an agent runs a skill: the skill's instructions as the system prompt, its folder's
// other files listed there (progressive disclosure), and a read-only `read_file` tool the runner answers from the
// repository, turn after turn, until the model answers or max-turns is reached. Nothing is ever executed: a script
// is returned as text like any other file.
import path from "node:path";
import { ModelCallError } from "./errors.js";
import { formatBytes, type RepoFiles } from "./repo-files.js";
import { repoRelativePath } from "./skills.js";
import type {
  BenchmarkCase,
  CallResult,
  ChatMessage,
  ContentBlock,
  ModelClient,
  SamplingParams,
  Skill,
  SkillFile,
  ToolDefinition,
  Usage,
} from "./types.js";

/** The contract of design.md: name and input schema are fixed (simulated APIs and tests rely on them). */
export const READ_FILE_TOOL: ToolDefinition = {
  name: "read_file",
  description:
    "Read one file of the skill's folder as text. `path` is relative to the skill folder, as listed in the system " +
    "prompt (e.g. references/guide.md). Files are read-only; scripts can be read but not run.",
  inputSchema: {
    type: "object",
    properties: { path: { type: "string", description: "Path relative to the skill folder, as listed." } },
    required: ["path"],
    additionalProperties: false,
  },
};

/** Largest file read_file returns. */
export const MAX_TOOL_FILE_BYTES = 256 * 1024;
export const DEFAULT_MAX_TURNS = 8;

export interface GenerateOptions {
  maxTokens: number;
  sampling?: SamplingParams;
  cacheSystem?: boolean;
  /** Model turns before the generation ends as an error; default 8. */
  maxTurns?: number;
  /** The repository the skill's files are read from; null offers no tool (the body alone, as before). */
  repo: RepoFiles | null;
  /** The without-skill control: the bare input alone, no system prompt, no tool (the skill is not used at all). */
  withoutSkill?: boolean;
}

export interface Generation {
  /** The last turn's text: the output. */
  text: string;
  /** Summed over turns. */
  usage: Usage;
  /** Summed over turns. */
  latencyMs: number;
  turns: number;
  /** Files read with read_file, relative to the skill folder, in the order first read. */
  filesRead: string[];
  stopReason: string;
  /** Attempts of all turns' calls (1 per turn when nothing was retried). */
  attempts: number;
}

/** A generation that failed after some turns: usage, latency and text so far, and the files already read. */
export class GenerationError extends ModelCallError {
  constructor(
    cause: { kind: ModelCallError["kind"]; message: string; status?: number | null; attempts?: number },
    readonly filesRead: string[],
    readonly turns: number,
    extra: { partialText: string | null; usage: Usage | null; latencyMs: number | null },
  ) {
    super(cause.kind, cause.message, { status: cause.status ?? null, attempts: cause.attempts ?? 1, ...extra });
    this.name = "GenerationError";
  }
}

const ZERO: Usage = { inputTokens: 0, outputTokens: 0, cacheCreationInputTokens: 0, cacheReadInputTokens: 0 };

function addUsage(a: Usage, b: Usage | null): Usage {
  if (!b) return a;
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cacheCreationInputTokens: a.cacheCreationInputTokens + b.cacheCreationInputTokens,
    cacheReadInputTokens: a.cacheReadInputTokens + b.cacheReadInputTokens,
  };
}

/**
 * The files a case may read: the skill folder's (evals/ left out) and the case's own `files`, with sizes, in
 * path order. Case files the repository refuses (missing, untracked, outside) are left out; reading them fails.
 */
export async function offeredFiles(skill: Skill, testCase: BenchmarkCase, repo: RepoFiles | null): Promise<SkillFile[]> {
  if (repo === null || skill.dir === null || skill.dir === ".") return [];
  const files = new Map<string, SkillFile>((skill.files ?? []).map((file) => [file.path, file]));
  for (const given of testCase.files ?? []) {
    if (files.has(given)) continue;
    const resolved = await repo.resolve(`${skill.dir}/${given}`);
    if (resolved.ok) files.set(given, { path: given, bytes: resolved.stats.size });
  }
  return [...files.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The system prompt: the instructions, then (when there are any) the folder's files with their sizes. */
export function systemPromptFor(skill: Skill, files: readonly SkillFile[]): string {
  if (files.length === 0) return skill.instructions;
  const list = files.map((file) => `- ${file.path} (${formatBytes(file.bytes)})`).join("\n");
  return (
    `${skill.instructions}\n\n<skill_files>\n` +
    "This skill's folder holds these files besides SKILL.md. Read one with the read_file tool (its path as listed) " +
    "when the instructions call for it; scripts can be read but not run.\n" +
    `${list}\n</skill_files>`
  );
}

export interface ToolAnswer {
  content: string;
  isError: boolean;
  /** The file read (relative to the skill folder), when it was. */
  read: string | null;
}

/**
 * Answers one read_file call: the file's text, or an error the model sees. Refused: a path outside the skill
 * folder (or one that resolves outside it through a link), a file that is not offered or does not exist, a binary
 * file, a file over 256 KB. The file is read through RepoFiles (realpath, inside the repository, regular file).
 */
export async function answerReadFile(
  repo: RepoFiles,
  skill: Skill,
  offered: readonly SkillFile[],
  input: unknown,
): Promise<ToolAnswer> {
  const refuse = (content: string): ToolAnswer => ({ content, isError: true, read: null });
  const given = input && typeof input === "object" ? (input as Record<string, unknown>)["path"] : undefined;
  if (typeof given !== "string" || given.trim() === "") return refuse('read_file needs {"path": "<file of the skill folder>"}');
  const relative = repoRelativePath(given);
  if ("problem" in relative || skill.dir === null) return refuse(`"${given}" is outside this skill's folder: give a path as listed`);
  const file = relative.path;
  if (!offered.some((entry) => entry.path === file)) {
    return refuse(`"${given}" is not a file of this skill's folder; the readable files are listed in the system prompt`);
  }
  const full = `${skill.dir}/${file}`;
  const [resolved, folder] = await Promise.all([repo.resolve(full), repo.resolveFolder(skill.dir)]);
  if (!resolved.ok) return refuse(`"${given}" ${resolved.problem}`);
  if (!folder.ok || !resolved.real.startsWith(`${folder.real}${path.sep}`)) {
    return refuse(`"${given}" is a link that leads outside this skill's folder: not read`);
  }
  const read = await repo.readBytes(full, { maxBytes: MAX_TOOL_FILE_BYTES, limitName: "the read_file limit" });
  if (!read.ok) return refuse(`"${given}" ${read.problem}`);
  const text = textOf(read.bytes);
  if (text === null) return refuse(`"${given}" is a binary file: read_file returns text files only`);
  return { content: text === "" ? "(the file is empty)" : text, isError: false, read: file };
}

/** UTF-8 text without NUL bytes, else null (binary). */
function textOf(bytes: Buffer): string | null {
  if (bytes.includes(0)) return null;
  try {
    const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return text.startsWith("\uFEFF") ? text.slice(1) : text;
  } catch {
    return null;
  }
}

/**
 * Runs one case on one model. Without files to offer it is one call, exactly as before tools existed. With files it
 * offers read_file and answers each tool_use until the model stops asking; reaching `maxTurns` is an error
 * ("max-turns reached") that keeps the text so far. Usage and latency sum over turns; a failed turn's error keeps them.
 */
export async function generate(
  client: ModelClient,
  skill: Skill,
  testCase: BenchmarkCase,
  model: string,
  options: GenerateOptions,
): Promise<Generation> {
  const offered = options.withoutSkill ? [] : await offeredFiles(skill, testCase, options.repo);
  const base = {
    model,
    system: options.withoutSkill ? "" : systemPromptFor(skill, offered),
    user: testCase.input,
    maxTokens: options.maxTokens,
    ...(options.sampling ? { sampling: options.sampling } : {}),
    ...(options.cacheSystem !== undefined ? { cacheSystem: options.cacheSystem } : {}),
  };
  if (offered.length === 0 || options.repo === null) {
    const call = await client.call(base);
    return { text: call.text, usage: call.usage, latencyMs: call.latencyMs, turns: 1, filesRead: [], stopReason: call.stopReason, attempts: call.attempts };
  }
  const repo = options.repo;
  const maxTurns = Math.max(1, options.maxTurns ?? DEFAULT_MAX_TURNS);
  const messages: ChatMessage[] = [{ role: "user", content: testCase.input }];
  const filesRead: string[] = [];
  const texts: string[] = [];
  let usage = ZERO;
  let latencyMs = 0;
  let attempts = 0;
  const partial = (more: string | null = null) => [...texts, ...(more ? [more] : [])].join("\n").trim() || null;
  for (let turn = 1; turn <= maxTurns; turn++) {
    let call: CallResult;
    try {
      call = await client.call({ ...base, messages: messages.map((m) => ({ ...m })), tools: [READ_FILE_TOOL] });
    } catch (error) {
      if (!(error instanceof ModelCallError)) throw error;
      throw new GenerationError(
        { kind: error.kind, message: error.message, status: error.status, attempts: attempts + error.attempts },
        filesRead,
        turn,
        {
          partialText: partial(error.partialText),
          usage: turn === 1 && !error.usage ? null : addUsage(usage, error.usage),
          latencyMs: turn === 1 && error.latencyMs === null ? null : latencyMs + (error.latencyMs ?? 0),
        },
      );
    }
    usage = addUsage(usage, call.usage);
    latencyMs += call.latencyMs;
    attempts += call.attempts;
    const content: ContentBlock[] = call.content ?? (call.text ? [{ type: "text", text: call.text }] : []);
    const toolUses = content.filter((block): block is Extract<ContentBlock, { type: "tool_use" }> => block.type === "tool_use");
    if (call.stopReason !== "tool_use" || toolUses.length === 0) {
      return { text: call.text, usage, latencyMs, turns: turn, filesRead, stopReason: call.stopReason, attempts };
    }
    if (call.text) texts.push(call.text);
    if (turn === maxTurns) {
      throw new GenerationError(
        {
          kind: "max-turns",
          message:
            `max-turns reached: the model was still calling read_file after ${maxTurns} turn(s); ` +
            "raise max-turns in skillbench.yml if the skill needs more files",
          attempts,
        },
        filesRead,
        turn,
        { partialText: partial(), usage, latencyMs },
      );
    }
    messages.push({ role: "assistant", content });
    const results: ContentBlock[] = [];
    for (const use of toolUses) {
      const answer =
        use.name === READ_FILE_TOOL.name
          ? await answerReadFile(repo, skill, offered, use.input)
          : { content: `there is no tool "${use.name}": only read_file`, isError: true, read: null };
      if (answer.read !== null && !filesRead.includes(answer.read)) filesRead.push(answer.read);
      results.push({ type: "tool_result", toolUseId: use.id, content: answer.content, isError: answer.isError });
    }
    messages.push({ role: "user", content: results });
  }
  throw new Error("internal: the tool loop ended without an answer");
}
