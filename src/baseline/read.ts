// Reading the baseline branch back: each file is parsed, checked against its JSON Schema (file-schemas.ts) and
// turned into BranchData. A file that fails is named with the field that is wrong and left out, never fatal.

import type { BaselineEntry, BaselineSnapshot, HistoryPoint, MetricSet, SkillBaseline } from "../types.js";
import { messageOf } from "../errors.js";
import {
  entryFields,
  HISTORY_COLUMNS,
  RUNS_FILE,
  SCHEMA_VERSION,
  compareStrings,
  decodeValue,
  emptyBranchData,
  fromSpans,
  historyFileFor,
  isHistoryFile,
  isSkillFile,
  skillFileFor,
  sortPoints,
  type BranchData,
  type HistoryColumn,
  type RunRecord,
} from "./format.js";
import {
  validateHistoryFile,
  validateRunsFile,
  validateSkillFile,
  type StoredEntry,
  type Validated,
} from "./file-schemas.js";

export interface FileProblem {
  /** Path on the branch. */
  file: string;
  skill: string | null;
  message: string;
  /** The file declares a schemaVersion newer than this code understands: never overwrite it. */
  newer: boolean;
}

export interface ParsedBranch {
  data: BranchData;
  problems: FileProblem[];
}

type Check<T> = { ok: true; value: T } | { ok: false; message: string; newer?: boolean };

function fail(message: string): { ok: false; message: string } {
  return { ok: false, message };
}

/** The file's JSON when it is an object of this schemaVersion; a newer version is flagged, never overwritten. */
function parseJson(text: string): Check<object> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return fail(`not valid JSON (${messageOf(error)})`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return fail("expected a JSON object at the top level");
  }
  const version = "schemaVersion" in value ? value.schemaVersion : undefined;
  if (version !== SCHEMA_VERSION) {
    if (typeof version === "number" && Number.isInteger(version) && version > SCHEMA_VERSION) {
      return {
        ok: false,
        newer: true,
        message:
          `schemaVersion is ${version}, newer than this skillbench understands (${SCHEMA_VERSION}); ` +
          "upgrade skillbench",
      };
    }
    return fail(`schemaVersion must be ${SCHEMA_VERSION}, found ${JSON.stringify(version) ?? "nothing"}`);
  }
  return { ok: true, value };
}

/** JSON text checked for its schemaVersion, then against its schema. */
function parseFile<T>(text: string, validate: (data: unknown) => Validated<T>): Check<T> {
  const parsed = parseJson(text);
  return parsed.ok ? validate(parsed.value) : parsed;
}

/** The entry as the engine uses it: only known fields (a file may hold others), older files' gaps filled. */
function entryOf(e: StoredEntry): BaselineEntry {
  return {
    ...entryFields(e),
    ...(e.checks ? { checks: e.checks.map(({ type, value, passed }) => ({ type, value: value ?? null, passed })) } : {}),
  };
}

export function parseSkillBaseline(text: string): Check<SkillBaseline> {
  const parsed = parseFile(text, validateSkillFile);
  if (!parsed.ok) return parsed;
  const { skill, skillHash, updatedAt, commit, entries } = parsed.value;
  return { ok: true, value: { skill, skillHash, updatedAt, commit, entries: entries.map(entryOf) } };
}

export function parseRuns(text: string): Check<RunRecord[]> {
  const parsed = parseFile(text, validateRunsFile);
  if (!parsed.ok) return parsed;
  const runs: RunRecord[] = [];
  const seen = new Set<number>();
  for (const [i, [seq, id, commit, time, mode]] of parsed.value.runs.entries()) {
    if (seen.has(seq)) return fail(`runs[${i}][0] must be a run seq no other row has, found ${seq} again`);
    seen.add(seq);
    runs.push({ seq, id, commit, time, mode });
  }
  return { ok: true, value: runs };
}

export interface ParsedHistory {
  skill: string;
  /** Run seqs in file order. */
  seqs: number[];
  points: { seq: number; model: string; metrics: MetricSet }[];
}

export function parseHistory(text: string): Check<ParsedHistory> {
  const parsed = parseFile(text, validateHistoryFile);
  if (!parsed.ok) return parsed;
  const { skill, scale, models } = parsed.value;
  const seqs = fromSpans(parsed.value.runs, 1, Number.MAX_SAFE_INTEGER);
  if (seqs === null) return fail("runs must be an array of [first run seq, count] spans");
  const points: ParsedHistory["points"] = [];
  for (const [model, columns] of Object.entries(models)) {
    const where = `models[${JSON.stringify(model)}]`;
    const indexes = fromSpans(columns.at, 0, seqs.length);
    if (indexes === null) {
      return fail(`${where}.at must be an array of [start, count] spans within the ${seqs.length} runs`);
    }
    for (const column of HISTORY_COLUMNS) {
      if (columns[column].length !== indexes.length) {
        return fail(`${where}.${column} must hold ${indexes.length} numbers or nulls (one per run in "at")`);
      }
    }
    indexes.forEach((runIndex, i) => {
      const value = (column: HistoryColumn) => decodeValue(column, columns[column][i] ?? null, scale[column]);
      points.push({
        seq: seqs[runIndex] ?? 0,
        model,
        metrics: {
          quality: value("quality"),
          faithfulness: value("faithfulness"),
          relevancy: value("relevancy"),
          precision: value("precision"),
          recall: value("recall"),
          costUsd: value("costUsd"),
          latencyMsP50: value("latencyMsP50"),
        },
      });
    });
  }
  return { ok: true, value: { skill, seqs, points } };
}

/**
 * The skill a damaged file belongs to, when its "skill" field can still be found and the file name's hash
 * confirms it; null otherwise (the engine can still match `file` against skillFileFor()).
 */
function skillOfFile(file: string, text: string): string | null {
  let candidate: unknown = null;
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === "object" && value !== null && !Array.isArray(value) && "skill" in value) {
      candidate = value.skill;
    }
  } catch {
    const match = /^\s*\{[\s\S]*?"skill"\s*:\s*("(?:[^"\\\n]|\\.)*")/.exec(text);
    if (match?.[1]) {
      try {
        candidate = JSON.parse(match[1]);
      } catch {
        candidate = null;
      }
    }
  }
  if (typeof candidate !== "string") return null;
  return skillFileFor(candidate) === file || historyFileFor(candidate) === file ? candidate : null;
}

/**
 * Parses every layout file of the branch. A bad file becomes a problem naming it and is left out: a skill
 * file leaves its skill without a baseline; a bad history file empties that skill's history; a bad runs file
 * empties all history (points cannot be dated without it).
 */
export function parseBranch(files: Map<string, string>): ParsedBranch {
  const data = emptyBranchData();
  const problems: FileProblem[] = [];
  const problem = (
    file: string,
    skill: string | null,
    check: { message: string; newer?: boolean },
    consequence: string,
  ) => problems.push({ file, skill, message: `${check.message}; ${consequence}`, newer: check.newer === true });
  const noBaseline =
    "the skill is treated as having no baseline; the next baseline write for the skill replaces the file";
  const noHistory = "the skill's history is treated as empty; the next baseline write for the skill replaces the file";

  const runsText = files.get(RUNS_FILE);
  const bySeq = new Map<number, RunRecord>();
  let runsReadable = true;
  if (runsText !== undefined) {
    const runs = parseRuns(runsText);
    if (runs.ok) {
      for (const run of runs.value) {
        bySeq.set(run.seq, run);
        data.runs.set(run.id, run);
        data.maxSeq = Math.max(data.maxSeq, run.seq);
      }
    } else {
      runsReadable = false;
      problem(RUNS_FILE, null, runs, "all history is treated as empty; the next baseline write replaces the file");
    }
  }

  for (const [file, text] of [...files.entries()].sort(([a], [b]) => compareStrings(a, b))) {
    if (isSkillFile(file)) {
      const parsed = parseSkillBaseline(text);
      if (parsed.ok) data.skills.set(parsed.value.skill, parsed.value);
      else problem(file, skillOfFile(file, text), parsed, noBaseline);
    } else if (isHistoryFile(file)) {
      const parsed = parseHistory(text);
      if (!parsed.ok) {
        problem(file, skillOfFile(file, text), parsed, noHistory);
        continue;
      }
      for (const seq of parsed.value.seqs) data.maxSeq = Math.max(data.maxSeq, seq);
      if (!runsReadable) continue;
      const points: HistoryPoint[] = [];
      let orphans = 0;
      for (const p of parsed.value.points) {
        const run = bySeq.get(p.seq);
        if (!run) {
          orphans += 1;
          continue;
        }
        const { id: runId, commit, time, mode } = run;
        points.push({ runId, commit, time, mode, skill: parsed.value.skill, model: p.model, metrics: p.metrics });
      }
      if (orphans > 0) {
        problem(
          file,
          parsed.value.skill,
          { message: `${orphans} history point(s) refer to runs missing from ${RUNS_FILE}` },
          "those points are left out; the next baseline write for the skill drops them",
        );
      }
      data.history.set(parsed.value.skill, points);
    }
  }
  return { data, problems };
}

/** The snapshot the engine reads: history across skills, oldest first. */
export function toSnapshot(
  branch: string,
  commit: string | null,
  parsed: ParsedBranch,
): BaselineSnapshot {
  const history = sortPoints([...parsed.data.history.values()].flat(), parsed.data.runs);
  return {
    branch,
    commit,
    found: commit !== null,
    skills: new Map(parsed.data.skills),
    history,
    errors: parsed.problems.map((p) => ({
      file: p.file,
      skill: p.skill,
      message: `${branch}:${p.file}: ${p.message}`,
    })),
  };
}

