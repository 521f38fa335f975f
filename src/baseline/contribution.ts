// How a report becomes one run's contribution to the baseline branch: a baseline entry per result (its output
// stored up to a size cap) and a history point per skill and model. merge.ts records it onto the branch.

import type { BaselineEntry, Report } from "../types.js";
import { costPerGeneration } from "../aggregate.js";
import { storedPassItems } from "../checks.js";
import { newestPerCaseAndModel, type RunContribution } from "./merge.js";

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
  // Typed as always set, but a result cached by an older skillbench may lack it.
  const counted: unknown = result.judgements;
  if (typeof counted === "number" && Number.isInteger(counted) && counted >= 0) return counted;
  return result.judged ? 1 : 0;
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
