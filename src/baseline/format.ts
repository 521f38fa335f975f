// What the baseline branch holds and how its files are written: file names, the history encoding (scaled
// integers, run spans), the order of points, the serializers and the branch README. Reading the files back is
// read.ts (against the JSON Schemas in file-schemas.ts); merging a run onto the branch is merge.ts.

import { createHash } from "node:crypto";
import type { BaselineEntry, HistoryPoint, MetricSet, Mode, SkillBaseline } from "../types.js";
import { METRICS } from "../types.js";
import { byMetric } from "../util.js";

export const SCHEMA_VERSION = 1;
export const README_FILE = "README.md";
export const RUNS_FILE = "runs.json";
export const SKILLS_DIR = "skills";
export const HISTORY_DIR = "history";

/** The metric columns of a history file, in order. */
export const HISTORY_COLUMNS = [...METRICS, "costUsd", "latencyMsP50"] as const;
export type HistoryColumn = (typeof HISTORY_COLUMNS)[number];

// Stored value = real value x scale, as an integer for scores and latency: it keeps 100 skills x 3 models x
// 365 runs under ~4 MB (scores in tenths of a point, cost in micro-USD to 6 significant digits).
export const HISTORY_SCALE: Record<HistoryColumn, number> = {
  quality: 10,
  faithfulness: 10,
  relevancy: 10,
  precision: 10,
  recall: 10,
  costUsd: 1_000_000,
  latencyMsP50: 1,
};

/** The columns of a runs.json row. */
export const RUN_COLUMNS = ["seq", "id", "commit", "time", "mode"] as const;

export interface RunRecord {
  /** Small integer naming the run inside history files (cheaper than repeating the id in every file). */
  seq: number;
  id: string;
  commit: string | null;
  time: string;
  mode: Mode;
}

/** Everything the branch holds that parsed, keyed for merging. */
export interface BranchData {
  /** Keyed by skill path. */
  skills: Map<string, SkillBaseline>;
  /** Keyed by skill path; points in any order. */
  history: Map<string, HistoryPoint[]>;
  /** Keyed by run id. */
  runs: Map<string, RunRecord>;
  /** Highest run seq seen anywhere (runs file or history files), so a new run never reuses one. */
  maxSeq: number;
}

export function emptyBranchData(): BranchData {
  return { skills: new Map(), history: new Map(), runs: new Map(), maxSeq: 0 };
}

// ---------------------------------------------------------------------------------------------------------
// Names

/** `<readable>-<8 hex of sha256(path)>`: readable in listings, and two paths never share a file. */
export function slugFor(skillPath: string): string {
  const readable =
    skillPath
      .replace(/\/SKILL\.md$/i, "")
      .replace(/\.[^./]+$/, "")
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+/, "")
      .slice(0, 60)
      .replace(/-+$/, "") || "skill";
  const hash = createHash("sha256").update(skillPath, "utf8").digest("hex").slice(0, 8);
  return `${readable}-${hash}`;
}

export function skillFileFor(skillPath: string): string {
  return `${SKILLS_DIR}/${slugFor(skillPath)}.json`;
}

export function historyFileFor(skillPath: string): string {
  return `${HISTORY_DIR}/${slugFor(skillPath)}.json`;
}

export function isSkillFile(path: string): boolean {
  return path.startsWith(`${SKILLS_DIR}/`) && path.endsWith(".json");
}

export function isHistoryFile(path: string): boolean {
  return path.startsWith(`${HISTORY_DIR}/`) && path.endsWith(".json");
}

export function isLayoutFile(path: string): boolean {
  return path === RUNS_FILE || isSkillFile(path) || isHistoryFile(path);
}

// ---------------------------------------------------------------------------------------------------------
// Rounding and the history encoding

export function roundScore(value: number | null): number | null {
  return value === null ? null : Math.round(value * 10) / 10;
}

export function roundSignificant(value: number | null, digits = 6): number | null {
  if (value === null) return null;
  if (value === 0 || !Number.isFinite(value)) return value;
  return Number(value.toPrecision(digits));
}

export function roundMetrics(metrics: MetricSet): MetricSet {
  return {
    quality: roundScore(metrics.quality),
    faithfulness: roundScore(metrics.faithfulness),
    relevancy: roundScore(metrics.relevancy),
    precision: roundScore(metrics.precision),
    recall: roundScore(metrics.recall),
    costUsd: roundSignificant(metrics.costUsd),
    latencyMsP50: metrics.latencyMsP50 === null ? null : Math.round(metrics.latencyMsP50),
  };
}

function encodeValue(column: HistoryColumn, value: number | null, scale: number): number | null {
  if (value === null || !Number.isFinite(value)) return null;
  return column === "costUsd" ? roundSignificant(value * scale) : Math.round(value * scale);
}

export function decodeValue(column: HistoryColumn, stored: number | null, scale: number): number | null {
  if (stored === null) return null;
  const value = stored / scale;
  if (column === "costUsd") return roundSignificant(value);
  if (column === "latencyMsP50") return Math.round(value);
  return roundScore(value);
}

/** Consecutive integers as [first, count] spans: a model present in every run costs one pair. */
function toSpans(values: number[]): [number, number][] {
  const spans: [number, number][] = [];
  for (const value of values) {
    const last = spans[spans.length - 1];
    if (last && last[0] + last[1] === value) last[1] += 1;
    else spans.push([value, 1]);
  }
  return spans;
}

// Far above any real history (retention keeps it to hundreds of runs); guards against a damaged span such as
// [1, 1e12] making the reader allocate without bound.
const MAX_SPAN_VALUES = 1_000_000;

/** Expands [first, count] spans; null when a span is malformed or leaves [min, max). */
export function fromSpans(spans: readonly (readonly [number, number])[], min: number, max: number): number[] | null {
  const values: number[] = [];
  for (const [first, count] of spans) {
    if (!Number.isInteger(first) || !Number.isInteger(count) || first < min || count < 1 || first + count > max) {
      return null;
    }
    if (values.length + count > MAX_SPAN_VALUES) return null;
    for (let i = 0; i < count; i++) values.push(first + i);
  }
  return values;
}

// ---------------------------------------------------------------------------------------------------------
// Order

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Sorts points by run time, then run seq, skill and model; parses each time once (histories are long). */
export function sortPoints(points: HistoryPoint[], runs: Map<string, RunRecord>): HistoryPoint[] {
  const parsedTimes = new Map<string, number>();
  const keyed = points.map((point) => {
    let ms = parsedTimes.get(point.time);
    if (ms === undefined) {
      const parsed = Date.parse(point.time);
      ms = Number.isFinite(parsed) ? parsed : 0;
      parsedTimes.set(point.time, ms);
    }
    return { point, ms, seq: runs.get(point.runId)?.seq ?? Number.MAX_SAFE_INTEGER };
  });
  keyed.sort(
    (a, b) =>
      a.ms - b.ms ||
      compareStrings(a.point.time, b.point.time) ||
      a.seq - b.seq ||
      compareStrings(a.point.runId, b.point.runId) ||
      compareStrings(a.point.skill, b.point.skill) ||
      compareStrings(a.point.model, b.point.model),
  );
  return keyed.map((k) => k.point);
}

// ---------------------------------------------------------------------------------------------------------
// Writing files

/** JSON with the header fields indented and one array item per line: compact, and diffs stay readable. */
function jsonWithRows(header: Record<string, unknown>, rowsKey: string, rows: unknown[]): string {
  const head = Object.entries(header).map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)}`);
  const body = rows.length === 0 ? "[]" : `[\n${rows.map((r) => `    ${JSON.stringify(r)}`).join(",\n")}\n  ]`;
  return `{\n${[...head, `  ${JSON.stringify(rowsKey)}: ${body}`].join(",\n")}\n}\n`;
}

/** An entry as held in memory or as read from a file, where the fields older files lack may also be null. */
type Nullable<T, K extends keyof T> = Omit<T, K> & { [P in K]?: T[P] | null };
type EntryFieldsOf = Nullable<Omit<BaselineEntry, "checks">, "judgements" | "output" | "outputTruncated" | "expectations">;

/**
 * An entry's known fields but its checks, in the order a skill file stores them, older files' gaps filled: what
 * is written, and what is read back (a file may hold other fields; they are dropped).
 */
export function entryFields(e: EntryFieldsOf): Omit<BaselineEntry, "checks"> {
  return {
    key: e.key,
    caseId: e.caseId,
    caseHash: e.caseHash,
    model: e.model,
    skillHash: e.skillHash,
    judgeKey: e.judgeKey,
    ...byMetric((metric) => e[metric]),
    matchesExpected: e.matchesExpected,
    costUsd: e.costUsd,
    latencyMs: e.latencyMs,
    error: e.error,
    recordedAt: e.recordedAt,
    commit: e.commit,
    judgements: e.judgements ?? 1,
    output: e.output ?? null,
    ...(e.outputTruncated === true ? { outputTruncated: true } : {}),
    ...(e.expectations ? { expectations: e.expectations } : {}),
  };
}

export function serializeSkillBaseline(baseline: SkillBaseline): string {
  const entries = baseline.entries.map((e) => ({ ...entryFields(e), ...(e.checks ? { checks: e.checks } : {}) }));
  return jsonWithRows(
    {
      schemaVersion: SCHEMA_VERSION,
      skill: baseline.skill,
      skillHash: baseline.skillHash,
      updatedAt: baseline.updatedAt,
      commit: baseline.commit,
    },
    "entries",
    entries,
  );
}

export function serializeHistory(skill: string, points: HistoryPoint[], runs: Map<string, RunRecord>): string {
  const sorted = sortPoints(points.filter((p) => runs.has(p.runId)), runs);
  const runIds: string[] = [];
  const indexOf = new Map<string, number>();
  for (const p of sorted) {
    if (!indexOf.has(p.runId)) {
      indexOf.set(p.runId, runIds.length);
      runIds.push(p.runId);
    }
  }
  const byModel = new Map<string, HistoryPoint[]>();
  for (const p of sorted) {
    const list = byModel.get(p.model) ?? [];
    list.push(p);
    byModel.set(p.model, list);
  }
  const lines: string[] = [
    `  "schemaVersion": ${SCHEMA_VERSION}`,
    `  "skill": ${JSON.stringify(skill)}`,
    `  "scale": ${JSON.stringify(HISTORY_SCALE)}`,
    `  "runs": ${JSON.stringify(toSpans(runIds.map((id) => runs.get(id)?.seq ?? 0)))}`,
  ];
  const models: string[] = [];
  for (const model of [...byModel.keys()].sort(compareStrings)) {
    const list = byModel.get(model) ?? [];
    const columns = [`      "at": ${JSON.stringify(toSpans(list.map((p) => indexOf.get(p.runId) ?? 0)))}`];
    for (const column of HISTORY_COLUMNS) {
      const values = list.map((p) => encodeValue(column, p.metrics[column], HISTORY_SCALE[column]));
      columns.push(`      ${JSON.stringify(column)}: ${JSON.stringify(values)}`);
    }
    models.push(`    ${JSON.stringify(model)}: {\n${columns.join(",\n")}\n    }`);
  }
  lines.push(models.length === 0 ? `  "models": {}` : `  "models": {\n${models.join(",\n")}\n  }`);
  return `{\n${lines.join(",\n")}\n}\n`;
}

export function serializeRuns(runs: Map<string, RunRecord>): string {
  const rows = [...runs.values()].sort((a, b) => a.seq - b.seq).map((r) => [r.seq, r.id, r.commit, r.time, r.mode]);
  return jsonWithRows({ schemaVersion: SCHEMA_VERSION, columns: RUN_COLUMNS }, "runs", rows);
}

/** The files a write puts on the branch: the touched skills' baseline and history, the runs file, the README. */
export function filesForWrite(data: BranchData, touchedSkills: Iterable<string>): Map<string, string> {
  const files = new Map<string, string>();
  files.set(README_FILE, README);
  files.set(RUNS_FILE, serializeRuns(data.runs));
  for (const skill of touchedSkills) {
    const baseline = data.skills.get(skill);
    if (baseline) files.set(skillFileFor(skill), serializeSkillBaseline(baseline));
    files.set(historyFileFor(skill), serializeHistory(skill, data.history.get(skill) ?? [], data.runs));
  }
  return files;
}

// ---------------------------------------------------------------------------------------------------------

export const README = `# skillbench baseline

This branch is written by skillbench baseline runs; edits by hand are overwritten by the next run that
touches the same files. Layout version 1; every JSON file carries \`"schemaVersion": 1\`.

## skills/<slug>.json

The current baseline of one skill. \`<slug>\` is a readable form of the skill's path plus 8 hex digits of the
sha256 of the path; the path itself is the \`skill\` field. \`entries\` holds one result per (caseId, model),
keyed by \`key\`: the hash of the skill text, the case, the model and the judge settings, so a result is only
compared with one produced from the same inputs. \`recordedAt\` is the time of the run that produced it.
\`judgements\` is how many judgements were averaged into its scores. \`output\` is the candidate's answer (known
secrets redacted), kept only for these current entries so that a pull request can judge it again beside its own
outputs (\`compare: rejudge\`); an answer over 16 KB is cut and marked \`outputTruncated\`, and is not judged
again. History keeps aggregates only.

## history/<slug>.json

The trend of one skill, one point per run and model, stored by column:

- \`runs\`: the run numbers (\`seq\` in runs.json) of the points, oldest first, as [first, count] spans of
  consecutive numbers.
- \`models.<model>.at\`: which of those runs the model has points for, as [start index, count] spans of
  positions in the expanded \`runs\` list.
- \`models.<model>.<metric>\`: one value per run listed in \`at\`; \`null\` when the metric was unknown.
  A stored value is the real value times \`scale.<metric>\`: scores (0-100) in tenths of a point, \`costUsd\`
  (mean cost per case) in micro-USD to 6 significant digits, \`latencyMsP50\` in whole milliseconds.

Only the newest runs of each skill are kept (the configured history limit).

## runs.json

One row per run that some history file still refers to: \`[seq, id, commit, time, mode]\`.
`;
