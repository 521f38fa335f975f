// What the baseline branch holds, how its files are written and read back, how a run is merged onto what is
// already there, and how history is kept bounded. Pure functions: the git side lives in store.ts.

import { isStoredChecks, isStoredExpectations, storedPassItems } from "../checks.js";
import { createHash } from "node:crypto";
import type {
  BaselineEntry,
  BaselineSnapshot,
  HistoryPoint,
  MetricSet,
  Mode,
  Report,
  SkillBaseline,
} from "../types.js";
import { METRICS, MODES, isOneOf } from "../types.js";
import { messageOf } from "../errors.js";
import { costPerGeneration } from "../aggregate.js";

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

const RUN_COLUMNS = ["seq", "id", "commit", "time", "mode"] as const;

/**
 * The most of one candidate output a current entry keeps (UTF-8 bytes), so that a pull request can judge it again
 * (compare: rejudge). A longer output is cut and marked `outputTruncated` (never judged again: a cut output would
 * score lower than the one that was judged). 16 KB holds ~4000 tokens of text, more than most skills' answers.
 */
export const STORED_OUTPUT_MAX_BYTES = 16 * 1024;

/** The output as stored: at most `maxBytes` UTF-8 bytes, cut at a character boundary. */
export function storedOutput(
  output: string | null,
  maxBytes = STORED_OUTPUT_MAX_BYTES,
): { output: string | null; truncated: boolean } {
  if (output === null) return { output: null, truncated: false };
  if (Buffer.byteLength(output, "utf8") <= maxBytes) return { output, truncated: false };
  let bytes = 0;
  let end = 0;
  for (const char of output) {
    const size = Buffer.byteLength(char, "utf8");
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += char.length;
  }
  return { output: output.slice(0, end), truncated: true };
}

/** Judgements averaged into a result's scores: CaseResult.judgements when the run sets it, else 1 when judged. */
function judgementsOf(result: Report["skills"][number]["results"][number]): number {
  const counted = (result as { judgements?: unknown }).judgements;
  if (typeof counted === "number" && Number.isInteger(counted) && counted >= 0) return counted;
  return result.judged ? 1 : 0;
}

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

export function isLayoutFile(path: string): boolean {
  return (
    path === RUNS_FILE ||
    (path.startsWith(`${SKILLS_DIR}/`) && path.endsWith(".json")) ||
    (path.startsWith(`${HISTORY_DIR}/`) && path.endsWith(".json"))
  );
}

// ---------------------------------------------------------------------------------------------------------
// Rounding used for history

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

function decodeValue(column: HistoryColumn, stored: number | null, scale: number): number | null {
  if (stored === null) return null;
  const value = stored / scale;
  if (column === "costUsd") return roundSignificant(value);
  if (column === "latencyMsP50") return Math.round(value);
  return roundScore(value);
}

// ---------------------------------------------------------------------------------------------------------
// Turning a report into this run's contribution

export interface RunContribution {
  run: { id: string; commit: string | null; time: string; mode: Mode };
  skills: {
    skill: string;
    /** This run's baseline for the skill; null when it produced no results (the stored entries stay). */
    baseline: SkillBaseline | null;
    points: { model: string; metrics: MetricSet }[];
  }[];
}

export function contributionFromReport(report: Report, runId: string): RunContribution {
  const bySkill = new Map<string, RunContribution["skills"][number]>();
  for (const skillReport of report.skills) {
    let item = bySkill.get(skillReport.skill);
    if (!item) {
      item = { skill: skillReport.skill, baseline: null, points: [] };
      bySkill.set(skillReport.skill, item);
    }
    const entries: BaselineEntry[] = skillReport.results.map((result) => {
      // Already redacted (the store redacts the whole report first): the branch is public to repository readers.
      const stored = storedOutput(result.output);
      return {
        key: result.key,
        caseId: result.caseId,
        caseHash: result.caseHash,
        model: result.model,
        skillHash: skillReport.skillHash,
        judgeKey: report.judgeKey,
        quality: result.quality,
        faithfulness: result.faithfulness,
        relevancy: result.relevancy,
        precision: result.precision,
        recall: result.recall,
        matchesExpected: result.matchesExpected,
        costUsd: costPerGeneration(result),
        latencyMs: result.latencyMs,
        // A judge failure leaves the scores null; its reason is worth keeping next to them.
        error: result.error ?? result.judgeError,
        recordedAt: report.generatedAt,
        commit: report.commit,
        output: stored.output,
        ...(stored.truncated ? { outputTruncated: true } : {}),
        judgements: judgementsOf(result),
        ...storedPassItems(result),
      };
    });
    if (entries.length > 0) {
      const previous = item.baseline?.entries ?? [];
      item.baseline = {
        skill: skillReport.skill,
        skillHash: skillReport.skillHash,
        updatedAt: report.generatedAt,
        commit: report.commit,
        entries: newestPerCaseAndModel([...previous, ...entries], new Set()),
      };
    }
    for (const summary of skillReport.models) {
      item.points = item.points.filter((p) => p.model !== summary.model);
      item.points.push({
        model: summary.model,
        metrics: {
          quality: summary.quality,
          faithfulness: summary.faithfulness,
          relevancy: summary.relevancy,
          precision: summary.precision,
          recall: summary.recall,
          costUsd: summary.costUsd,
          latencyMsP50: summary.latencyMsP50,
        },
      });
    }
  }
  return {
    run: { id: runId, commit: report.commit, time: report.generatedAt, mode: report.mode },
    skills: [...bySkill.values()],
  };
}

// ---------------------------------------------------------------------------------------------------------
// Merging

function entryIdentity(entry: BaselineEntry): string {
  return JSON.stringify([entry.key, entry.caseId, entry.model, entry.recordedAt]);
}

/** Judged without error: an entry a comparison can use. */
export function isUsableEntry(entry: BaselineEntry): boolean {
  return entry.error === null && entry.quality !== null;
}

/** Entries a comparison treats as the same reference: same case content, model and judge settings. */
function comparisonSlot(entry: BaselineEntry): string {
  return JSON.stringify([entry.caseId, entry.model, entry.caseHash, entry.judgeKey]);
}

/**
 * One entry per (caseId, model): the newest recordedAt; on a tie, one whose identity is in `preferred`. The
 * baseline never degrades: for the same comparison slot a usable entry wins over a failed or unjudged one,
 * whatever their times (an outage must not replace a good reference; the good one keeps its recordedAt).
 */
function newestPerCaseAndModel(entries: BaselineEntry[], preferred: Set<string>): BaselineEntry[] {
  const best = new Map<string, BaselineEntry>();
  for (const entry of entries) {
    const slot = JSON.stringify([entry.caseId, entry.model]);
    const current = best.get(slot);
    if (!current) {
      best.set(slot, entry);
      continue;
    }
    if (comparisonSlot(entry) === comparisonSlot(current) && isUsableEntry(entry) !== isUsableEntry(current)) {
      if (isUsableEntry(entry)) best.set(slot, entry);
      continue;
    }
    const order = compareTime(entry.recordedAt, current.recordedAt);
    if (order > 0 || (order === 0 && preferred.has(entryIdentity(entry)))) best.set(slot, entry);
  }
  return [...best.values()].sort(
    (a, b) => compareStrings(a.caseId, b.caseId) || compareStrings(a.model, b.model),
  );
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareTime(a: string, b: string): number {
  const ta = Date.parse(a);
  const tb = Date.parse(b);
  if (Number.isFinite(ta) && Number.isFinite(tb) && ta !== tb) return ta < tb ? -1 : 1;
  return compareStrings(a, b);
}

/**
 * This run's baseline for a skill, merged with what a concurrent writer added since `base` (the branch as this
 * writer first read it). Entries the remote shares with `base` are the old baseline and are replaced, except
 * that a failed or unjudged entry of this run never replaces a usable one for the same case, model and judge
 * (keepUsableEntries); entries only the remote has came from a concurrent run: union by key, then the newest
 * per (caseId, model), usable entries winning over failed ones of the same comparison slot.
 */
export function mergeSkillBaseline(
  fromRun: SkillBaseline,
  remote: SkillBaseline | undefined,
  base: SkillBaseline | undefined,
): SkillBaseline {
  if (!remote) return fromRun;
  const ours = keepUsableEntries(fromRun, remote);
  const known = new Set((base?.entries ?? []).map(entryIdentity));
  const foreign = remote.entries.filter((e) => !known.has(entryIdentity(e)));
  if (foreign.length === 0) return ours;
  const byKey = new Map<string, BaselineEntry>();
  for (const entry of foreign) byKey.set(entry.key, entry);
  for (const entry of ours.entries) {
    const other = byKey.get(entry.key);
    const newer = compareTime(entry.recordedAt, other?.recordedAt ?? "") >= 0;
    if (!other || (isUsableEntry(entry) === isUsableEntry(other) ? newer : isUsableEntry(entry))) byKey.set(entry.key, entry);
  }
  const entries = newestPerCaseAndModel([...byKey.values()], new Set(ours.entries.map(entryIdentity)));
  const header = compareTime(remote.updatedAt, ours.updatedAt) > 0 ? remote : ours;
  const { skillHash, updatedAt, commit } = header;
  return { skill: ours.skill, skillHash, updatedAt, commit, entries };
}

/**
 * `ours` with each failed or unjudged entry replaced by the usable entry the branch holds for the same
 * comparison slot (the newest one), if any: this run's outage does not overwrite the reference it failed to
 * reproduce. Entries of other slots (the case changed, the judge changed) are replaced as before.
 */
function keepUsableEntries(ours: SkillBaseline, remote: SkillBaseline): SkillBaseline {
  const usable = new Map<string, BaselineEntry>();
  for (const entry of remote.entries) {
    if (!isUsableEntry(entry)) continue;
    const known = usable.get(comparisonSlot(entry));
    if (!known || compareTime(entry.recordedAt, known.recordedAt) > 0) usable.set(comparisonSlot(entry), entry);
  }
  if (usable.size === 0) return ours;
  let kept = 0;
  const entries = ours.entries.map((entry) => {
    const good = isUsableEntry(entry) ? undefined : usable.get(comparisonSlot(entry));
    if (!good) return entry;
    kept += 1;
    return good;
  });
  return kept === 0 ? ours : { ...ours, entries };
}

/** Sorts points by run time, then run seq, skill and model; parses each time once (histories are long). */
function sortPoints(points: HistoryPoint[], runs: Map<string, RunRecord>): HistoryPoint[] {
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

/** Keeps the points of the newest `limit` runs (by run time, then seq). */
export function retainNewestRuns(points: HistoryPoint[], limit: number, runs: Map<string, RunRecord>): HistoryPoint[] {
  const sorted = sortPoints(points, runs);
  // Insertion order of a Set is first-appearance order: runs oldest first.
  const runOrder = [...new Set(sorted.map((p) => p.runId))];
  const kept = new Set(runOrder.slice(Math.max(0, runOrder.length - limit)));
  return sorted.filter((p) => kept.has(p.runId));
}

/**
 * The branch after recording `contribution` on top of `remote`. `base` is the branch as this writer first read
 * it (equal to `remote` on the first try). History points are unioned by (runId, skill, model), this run's
 * winning; each touched skill keeps its newest `historyLimit` runs; run metadata nobody references is dropped.
 */
export function applyRun(
  remote: BranchData,
  base: BranchData,
  contribution: RunContribution,
  historyLimit: number,
): BranchData {
  const runs = new Map(remote.runs);
  const existing = runs.get(contribution.run.id);
  const seq = existing?.seq ?? remote.maxSeq + 1;
  runs.set(contribution.run.id, { seq, ...contribution.run });

  const skills = new Map(remote.skills);
  const history = new Map(remote.history);
  for (const item of contribution.skills) {
    if (item.baseline) {
      const merged = mergeSkillBaseline(item.baseline, remote.skills.get(item.skill), base.skills.get(item.skill));
      skills.set(item.skill, merged);
    }
    const ours = new Set(item.points.map((p) => p.model));
    const kept = (remote.history.get(item.skill) ?? []).filter(
      (p) => !(p.runId === contribution.run.id && ours.has(p.model)),
    );
    const added: HistoryPoint[] = item.points.map((p) => ({
      runId: contribution.run.id,
      commit: contribution.run.commit,
      time: contribution.run.time,
      mode: contribution.run.mode,
      skill: item.skill,
      model: p.model,
      metrics: roundMetrics(p.metrics),
    }));
    history.set(item.skill, retainNewestRuns([...kept, ...added], historyLimit, runs));
  }

  const referenced = new Set<string>();
  for (const points of history.values()) for (const p of points) referenced.add(p.runId);
  for (const id of [...runs.keys()]) if (!referenced.has(id)) runs.delete(id);
  return { skills, history, runs, maxSeq: Math.max(remote.maxSeq, seq) };
}

// ---------------------------------------------------------------------------------------------------------
// Writing files

/** JSON with the header fields indented and one array item per line: compact, and diffs stay readable. */
function jsonWithRows(header: Record<string, unknown>, rowsKey: string, rows: unknown[]): string {
  const head = Object.entries(header).map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)}`);
  const body = rows.length === 0 ? "[]" : `[\n${rows.map((r) => `    ${JSON.stringify(r)}`).join(",\n")}\n  ]`;
  return `{\n${[...head, `  ${JSON.stringify(rowsKey)}: ${body}`].join(",\n")}\n}\n`;
}

export function serializeSkillBaseline(baseline: SkillBaseline): string {
  const entries = baseline.entries.map((e) => ({
    key: e.key,
    caseId: e.caseId,
    caseHash: e.caseHash,
    model: e.model,
    skillHash: e.skillHash,
    judgeKey: e.judgeKey,
    quality: e.quality,
    faithfulness: e.faithfulness,
    relevancy: e.relevancy,
    precision: e.precision,
    recall: e.recall,
    matchesExpected: e.matchesExpected,
    costUsd: e.costUsd,
    latencyMs: e.latencyMs,
    error: e.error,
    recordedAt: e.recordedAt,
    commit: e.commit,
    judgements: e.judgements ?? 1,
    output: e.output ?? null,
    ...(e.outputTruncated ? { outputTruncated: true } : {}),
    ...(e.expectations ? { expectations: e.expectations } : {}),
    ...(e.checks ? { checks: e.checks } : {}),
  }));
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
function fromSpans(spans: unknown, min: number, max: number): number[] | null {
  if (!Array.isArray(spans)) return null;
  const values: number[] = [];
  for (const span of spans) {
    if (!Array.isArray(span) || span.length !== 2) return null;
    const [first, count] = span as unknown[];
    if (typeof first !== "number" || typeof count !== "number") return null;
    if (!Number.isInteger(first) || !Number.isInteger(count) || first < min || count < 1 || first + count > max) {
      return null;
    }
    if (values.length + count > MAX_SPAN_VALUES) return null;
    for (let i = 0; i < count; i++) values.push(first + i);
  }
  return values;
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
// Reading files

type Check<T> = { ok: true; value: T } | { ok: false; message: string; newer?: boolean };

function fail(message: string): { ok: false; message: string } {
  return { ok: false, message };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function parseJson(text: string): Check<Record<string, unknown>> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return fail(`not valid JSON (${messageOf(error)})`);
  }
  if (!isRecord(value)) return fail("expected a JSON object at the top level");
  const version = value.schemaVersion;
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

const isString = (v: unknown): v is string => typeof v === "string";
const isNullableString = (v: unknown): v is string | null => v === null || typeof v === "string";
const isNullableNumber = (v: unknown): v is number | null =>
  v === null || (typeof v === "number" && Number.isFinite(v));
const isNullableBoolean = (v: unknown): v is boolean | null => v === null || typeof v === "boolean";
const isCount = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0;
const isTime = (v: unknown): v is string => typeof v === "string" && Number.isFinite(Date.parse(v));

function checkFields(
  object: Record<string, unknown>,
  where: string,
  fields: Record<string, (v: unknown) => boolean>,
  expected: Record<string, string>,
): string | null {
  for (const [name, test] of Object.entries(fields)) {
    if (!test(object[name])) {
      return `${where}${name} must be ${expected[name] ?? "valid"}, found ${JSON.stringify(object[name]) ?? "nothing"}`;
    }
  }
  return null;
}

const ENTRY_FIELDS: Record<string, (v: unknown) => boolean> = {
  key: isString,
  caseId: isString,
  caseHash: isString,
  model: isString,
  skillHash: isString,
  judgeKey: isString,
  quality: isNullableNumber,
  faithfulness: isNullableNumber,
  relevancy: isNullableNumber,
  precision: isNullableNumber,
  recall: isNullableNumber,
  matchesExpected: isNullableBoolean,
  costUsd: isNullableNumber,
  latencyMs: isNullableNumber,
  error: isNullableString,
  recordedAt: isTime,
  commit: isNullableString,
};

const EXPECTED: Record<string, string> = {
  key: "a string",
  caseId: "a string",
  caseHash: "a string",
  model: "a string",
  skillHash: "a string",
  judgeKey: "a string",
  quality: "a number or null",
  faithfulness: "a number or null",
  relevancy: "a number or null",
  precision: "a number or null",
  recall: "a number or null",
  matchesExpected: "true, false or null",
  costUsd: "a number or null",
  latencyMs: "a number or null",
  error: "a string or null",
  recordedAt: "an ISO time",
  updatedAt: "an ISO time",
  commit: "a string or null",
  skill: "a string",
};

export function parseSkillBaseline(text: string): Check<SkillBaseline> {
  const parsed = parseJson(text);
  if (!parsed.ok) return parsed;
  const o = parsed.value;
  const headerFields = { skill: isString, skillHash: isString, updatedAt: isTime, commit: isNullableString };
  const header = checkFields(o, "", headerFields, EXPECTED);
  if (header) return fail(header);
  if (!Array.isArray(o.entries)) return fail("entries must be an array");
  const entries: BaselineEntry[] = [];
  for (const [i, item] of o.entries.entries()) {
    if (!isRecord(item)) return fail(`entries[${i}] must be an object`);
    const problem = checkFields(item, `entries[${i}].`, ENTRY_FIELDS, EXPECTED);
    if (problem) return fail(problem);
    // Added later: absent in older files (no stored output, one judgement per entry).
    const optional = checkFields(
      { output: item.output ?? null, outputTruncated: item.outputTruncated ?? false, judgements: item.judgements ?? 1 },
      `entries[${i}].`,
      { output: isNullableString, outputTruncated: (v) => typeof v === "boolean", judgements: isCount },
      { output: "a string or null", outputTruncated: "true or false", judgements: "a whole number, 0 or more" },
    );
    if (optional) return fail(optional);
    // Added with graded expectations and checks: absent in older files.
    if (item.expectations !== undefined && !isStoredExpectations(item.expectations)) {
      return fail(`entries[${i}].expectations must be a list of {text, passed}`);
    }
    if (item.checks !== undefined && !isStoredChecks(item.checks)) return fail(`entries[${i}].checks must be a list of {type, value, passed}`);
    entries.push({
      key: item.key as string,
      caseId: item.caseId as string,
      caseHash: item.caseHash as string,
      model: item.model as string,
      skillHash: item.skillHash as string,
      judgeKey: item.judgeKey as string,
      quality: item.quality as number | null,
      faithfulness: item.faithfulness as number | null,
      relevancy: item.relevancy as number | null,
      precision: item.precision as number | null,
      recall: item.recall as number | null,
      matchesExpected: item.matchesExpected as boolean | null,
      costUsd: item.costUsd as number | null,
      latencyMs: item.latencyMs as number | null,
      error: item.error as string | null,
      recordedAt: item.recordedAt as string,
      commit: item.commit as string | null,
      output: (item.output ?? null) as string | null,
      ...(item.outputTruncated === true ? { outputTruncated: true } : {}),
      judgements: (item.judgements ?? 1) as number,
      ...(item.expectations !== undefined ? { expectations: item.expectations } : {}),
      ...(item.checks !== undefined ? { checks: item.checks } : {}),
    });
  }
  return {
    ok: true,
    value: {
      skill: o.skill as string,
      skillHash: o.skillHash as string,
      updatedAt: o.updatedAt as string,
      commit: o.commit as string | null,
      entries,
    },
  };
}

export function parseRuns(text: string): Check<RunRecord[]> {
  const parsed = parseJson(text);
  if (!parsed.ok) return parsed;
  const o = parsed.value;
  if (JSON.stringify(o.columns) !== JSON.stringify(RUN_COLUMNS)) {
    return fail(`columns must be ${JSON.stringify(RUN_COLUMNS)}, found ${JSON.stringify(o.columns) ?? "nothing"}`);
  }
  if (!Array.isArray(o.runs)) return fail("runs must be an array");
  const runs: RunRecord[] = [];
  const seen = new Set<number>();
  for (const [i, row] of o.runs.entries()) {
    if (!Array.isArray(row) || row.length !== RUN_COLUMNS.length) {
      return fail(`runs[${i}] must be a row of ${RUN_COLUMNS.length} values (${RUN_COLUMNS.join(", ")})`);
    }
    const [seq, id, commit, time, mode] = row as unknown[];
    if (typeof seq !== "number" || !Number.isInteger(seq) || seq < 1 || seen.has(seq)) {
      return fail(`runs[${i}] seq must be a unique positive integer, found ${JSON.stringify(seq)}`);
    }
    if (!isString(id) || !isNullableString(commit) || !isTime(time) || !isOneOf(MODES, mode)) {
      return fail(`runs[${i}] must be [seq, id string, commit string or null, ISO time, "pr" or "baseline"]`);
    }
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
  const parsed = parseJson(text);
  if (!parsed.ok) return parsed;
  const o = parsed.value;
  if (!isString(o.skill)) return fail(`skill must be a string, found ${JSON.stringify(o.skill) ?? "nothing"}`);
  const scale = o.scale;
  if (!isRecord(scale)) return fail("scale must be an object");
  for (const column of HISTORY_COLUMNS) {
    const s = scale[column];
    if (typeof s !== "number" || !Number.isFinite(s) || s <= 0) {
      return fail(`scale.${column} must be a positive number`);
    }
  }
  const seqs = fromSpans(o.runs, 1, Number.MAX_SAFE_INTEGER);
  if (seqs === null) return fail("runs must be an array of [first run seq, count] spans");
  if (!isRecord(o.models)) return fail("models must be an object");
  const points: ParsedHistory["points"] = [];
  for (const [model, raw] of Object.entries(o.models)) {
    const where = `models[${JSON.stringify(model)}]`;
    const indexes = isRecord(raw) ? fromSpans(raw.at, 0, seqs.length) : null;
    if (!isRecord(raw) || indexes === null) {
      return fail(`${where}.at must be an array of [start, count] spans within the ${seqs.length} runs`);
    }
    const columns = new Map<HistoryColumn, (number | null)[]>();
    for (const column of HISTORY_COLUMNS) {
      const values = raw[column];
      if (!Array.isArray(values) || values.length !== indexes.length || !values.every(isNullableNumber)) {
        return fail(`${where}.${column} must hold ${indexes.length} numbers or nulls (one per run in "at")`);
      }
      columns.set(column, values as (number | null)[]);
    }
    indexes.forEach((runIndex, i) => {
      const value = (column: HistoryColumn) =>
        decodeValue(column, columns.get(column)?.[i] ?? null, scale[column] as number);
      points.push({
        seq: seqs[runIndex] as number,
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
  return { ok: true, value: { skill: o.skill, seqs, points } };
}

/**
 * The skill a damaged file belongs to, when its "skill" field can still be found and the file name's hash
 * confirms it; null otherwise (the engine can still match `file` against skillFileFor()).
 */
function skillOfFile(file: string, text: string): string | null {
  let candidate: unknown = null;
  try {
    const value: unknown = JSON.parse(text);
    if (isRecord(value)) candidate = value.skill;
  } catch {
    const match = /^\s*\{[^]*?"skill"\s*:\s*("(?:[^"\\\n]|\\.)*")/.exec(text);
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
    if (file.startsWith(`${SKILLS_DIR}/`) && file.endsWith(".json")) {
      const parsed = parseSkillBaseline(text);
      if (parsed.ok) data.skills.set(parsed.value.skill, parsed.value);
      else
        problem(file, skillOfFile(file, text), parsed, noBaseline);
    } else if (file.startsWith(`${HISTORY_DIR}/`) && file.endsWith(".json")) {
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
