// What the baseline recorded per (skill, case, model): the lookup the HTML report and the markdown views share
// to put each head result beside its base score and, when the baseline stores it, its base output.

import type { BaselineSnapshot } from "../types.js";

/** What the baseline recorded for one (skill, case, model), when the baseline stores it. */
export interface BaseCase {
  /** The base output; absent or undefined when the baseline does not store outputs. */
  output?: string | null;
  quality?: number | null;
}

/** The key of a base-case lookup. */
export function baseCaseKey(skill: string, caseId: string, model: string): string {
  return JSON.stringify([skill, caseId, model]);
}

/**
 * Base results from a baseline snapshot: the scores always, the output when the entry carries one (an `output`
 * field on baseline entries; older baselines have none, and the reports then say "base output not stored").
 */
export function baseCasesFromSnapshot(snapshot: BaselineSnapshot | null | undefined): Map<string, BaseCase> {
  const cases = new Map<string, BaseCase>();
  if (!snapshot) return cases;
  for (const [skill, baseline] of snapshot.skills) {
    for (const entry of baseline.entries) {
      const output = entry.output;
      cases.set(baseCaseKey(skill, entry.caseId, entry.model), {
        quality: entry.quality,
        ...(typeof output === "string" || output === null ? { output } : {}),
      });
    }
  }
  return cases;
}
