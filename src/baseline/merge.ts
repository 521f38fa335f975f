// How a run is recorded onto what the branch already holds: the 3-way merge of a skill's entries with what
// concurrent writers added (a good reference is never replaced by a failed one), and the retention that keeps
// history to the newest runs. Pure functions over BranchData; the file format is format.ts, git is store.ts.

import type { BaselineEntry, HistoryPoint, Mode, MetricSet, SkillBaseline } from "../types.js";
import { compareStrings, roundMetrics, sortPoints, type BranchData, type RunRecord } from "./format.js";

/** What one run adds to the branch: its baseline entries and history points per skill (see contribution.ts). */
export interface RunContribution {
  run: { id: string; commit: string | null; time: string; mode: Mode };
  skills: {
    skill: string;
    /** This run's baseline for the skill; null when it produced no results (the stored entries stay). */
    baseline: SkillBaseline | null;
    points: { model: string; metrics: MetricSet }[];
  }[];
}

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
export function newestPerCaseAndModel(entries: BaselineEntry[], preferred: ReadonlySet<string> = new Set()): BaselineEntry[] {
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

