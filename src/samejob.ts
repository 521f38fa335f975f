// The base side of a pull request's comparison, built in the same job as the head side (config `compare`), so
// that the judge's drift (rejudge) and the models' drift too (rerun) cancel out of the paired deltas:
// - rejudge: the outputs the last baseline run stored on the baseline branch are judged again, beside the head's;
// - rerun: the skill as it is on the base commit is generated and judged again, on the same cases and models.
// The result is a SkillBaseline per skill (compare.ts does not care where entries came from), plus, with
// judge.pairwise, side-by-side preferences of head over base.
import { storedPassItems } from "./checks.js";
import { messageOf } from "./errors.js";
import { COMMIT_ID, ensureCommit, type GitRunner } from "./git.js";
import { sha256Hex } from "./hash.js";
import { judgePair, pairwisePreference, type JudgeSettings, type PairwiseOutcome } from "./judge.js";
import { Limiter } from "./limiter.js";
import { costOf, priceFor } from "./pricing.js";
import type { PlanItem } from "./plan.js";
import { resultKey, runPlan, type RunStop } from "./run.js";
import { signTestPValue } from "./sign-test.js";
import { parseSkill } from "./skills.js";
import type {
  BaselineEntry,
  BaselineSnapshot,
  CaseResult,
  CompareMode,
  Config,
  Metric,
  ModelClient,
  PairwiseSummary,
  SameJobInfo,
  Skill,
  SkillBaseline,
} from "./types.js";
import { costPerGeneration } from "./aggregate.js";
import { byMetric } from "./util.js";

export interface SameJobOptions {
  mode: Exclude<CompareMode, "baseline">;
  /** The head's plan and its results, in plan order (runPlan's). */
  plan: readonly PlanItem[];
  results: readonly CaseResult[];
  /** The baseline branch as read (rejudge takes its stored outputs); null when none was read. */
  snapshot: BaselineSnapshot | null;
  git: GitRunner | null;
  /** The pull request's base: a commit id or a ref (the merge base with HEAD is used when there is one). */
  base: string | null;
  client: ModelClient;
  config: Config;
  judge: JudgeSettings;
  judgeKey: string;
  now: Date;
  signal?: AbortSignal;
  graceMs?: number;
}

export interface SameJobOutcome {
  /** The snapshot to compare with: the read one with the selected skills' baselines built in this job. */
  snapshot: BaselineSnapshot;
  /** Keyed by pairwiseKey(skill, model); empty unless judge.pairwise. */
  pairwise: Map<string, PairwiseSummary>;
  info: SameJobInfo;
  candidateCostUsd: number;
  judgeCostUsd: number;
  warnings: string[];
}

export function pairwiseKey(skill: string, model: string): string {
  return `${skill}\u0000${model}`;
}

/** A base item with the stored entry it came from (rejudge) or null (rerun). */
interface BaseItem {
  item: PlanItem;
  /** Index of the head item it pairs with. */
  head: number;
  stored: BaselineEntry | null;
}

export async function runSameJob(options: SameJobOptions): Promise<SameJobOutcome> {
  const { mode, plan, config, judgeKey } = options;
  const warnings: string[] = [];
  const now = options.now.toISOString();
  const commit = await resolveBase(options.git, options.base);
  if (commit.problem) warnings.push(commit.problem);

  // The skill files as they are on the base commit: what rerun generates with, and the instructions the judge
  // is shown with a base output (as the baseline run that judged it first was).
  const baseSkills = new Map<string, Skill | null>();
  const newSkills: string[] = [];
  for (const path of new Set(plan.map((item) => item.skill.path))) {
    if (commit.sha === null || !options.git) {
      baseSkills.set(path, null);
      continue;
    }
    const read = await readSkillAtCommit(options.git, commit.sha, path, config.limits.skillBytes);
    baseSkills.set(path, read.skill);
    if (read.problem) warnings.push(read.problem);
    if (read.skill === null && mode === "rerun") newSkills.push(path);
  }
  if (mode === "rerun" && commit.sha === null) {
    warnings.push("compare: rerun needs the pull request's base commit (--base REF in the CLI): nothing was compared.");
  }

  // The base items to run, and (rejudge) the stored entries that stay as they are.
  const baseItems: BaseItem[] = [];
  const kept = new Map<string, BaselineEntry[]>();
  let fallback = 0;
  plan.forEach((headItem, index) => {
    const path = headItem.skill.path;
    const baseSkill = baseSkills.get(path) ?? null;
    if (mode === "rerun") {
      if (!baseSkill) return;
      const key = resultKey(baseSkill.hash, headItem.testCase.hash, headItem.model, judgeKey);
      baseItems.push({ item: { ...headItem, skill: baseSkill, key }, head: index, stored: null });
      return;
    }
    const stored = storedEntryFor(options.snapshot?.skills.get(path), headItem);
    if (!stored) return;
    if (stored.error === null && stored.quality !== null && typeof stored.output === "string" && !stored.outputTruncated) {
      const judgeSkill = baseSkill ?? headItem.skill;
      baseItems.push({ item: { ...headItem, skill: judgeSkill, key: stored.key, fixedOutput: stored.output }, head: index, stored });
    } else {
      fallback += 1;
    }
  });
  if (mode === "rejudge") {
    // Stored entries not judged again (other cases, older files without outputs) stay as the reference.
    for (const path of baseSkills.keys()) kept.set(path, [...(options.snapshot?.skills.get(path)?.entries ?? [])]);
    if (!options.snapshot) warnings.push("compare: rejudge needs the baseline branch's stored outputs, and no baseline was read.");
  }

  let baseResults: CaseResult[] = [];
  let calls = 0;
  let stops: RunStop[] = [];
  if (baseItems.length > 0) {
    const outcome = await runPlan(
      baseItems.map((b) => b.item),
      {
        client: options.client,
        config,
        judge: options.judge,
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.graceMs !== undefined ? { graceMs: options.graceMs } : {}),
      },
    );
    baseResults = outcome.results;
    calls += outcome.calls;
    stops = outcome.stops;
  }
  for (const stop of stops) warnings.push(`Base side (compare: ${mode}): ${stop.message}`);

  // The fresh SkillBaselines: one per selected skill that has a base side.
  const built = new Map<string, BaselineEntry[]>();
  let judged = 0;
  let candidateCostUsd = 0;
  let judgeCostUsd = 0;
  baseItems.forEach((base, i) => {
    const result = baseResults[i];
    if (!result) return;
    candidateCostUsd += result.costUsd ?? 0;
    judgeCostUsd += result.judgeCostUsd ?? 0;
    if (result.judged) judged += 1;
    const path = plan[base.head]?.skill.path ?? base.item.skill.path;
    const entries = built.get(path) ?? [];
    built.set(path, entries);
    if (base.stored) {
      // rejudge: a failed judgement leaves the stored scores as the reference.
      if (!result.judged) {
        fallback += 1;
        return;
      }
      const list = kept.get(path) ?? [];
      kept.set(path, list.filter((entry) => entry !== base.stored));
      entries.push({ ...base.stored, ...scoresOf(result), ...storedPassItems(result), judgeKey, judgements: judgementsOf(result), error: null });
      return;
    }
    entries.push({
      key: result.key,
      caseId: result.caseId,
      caseHash: result.caseHash,
      model: result.model,
      skillHash: base.item.skill.hash,
      judgeKey,
      ...scoresOf(result),
      // Per generation, as on the head side, so samples never read as a cost change.
      costUsd: costPerGeneration(result),
      latencyMs: result.latencyMs,
      error: result.error ?? result.judgeError,
      recordedAt: now,
      commit: commit.sha,
      output: result.output,
      judgements: judgementsOf(result),
      ...storedPassItems(result),
    });
  });

  const skills = new Map(options.snapshot?.skills ?? []);
  for (const path of baseSkills.keys()) {
    const entries = [...(kept.get(path) ?? []), ...(built.get(path) ?? [])];
    const stored = options.snapshot?.skills.get(path);
    const baseSkill = baseSkills.get(path) ?? null;
    if (mode === "rerun") {
      if (baseSkill) skills.set(path, { skill: path, skillHash: baseSkill.hash, updatedAt: now, commit: commit.sha, entries });
      // A skill the base commit does not have has no base side: a stored baseline of it (a skill deleted and
      // added again) is not what this pull request changes.
      else skills.delete(path);
    } else if (stored) {
      skills.set(path, { ...stored, entries } satisfies SkillBaseline);
    }
  }
  if (fallback > 0) {
    warnings.push(
      `compare: rejudge: ${fallback} base pair(s) had no stored output to judge again (older baseline, an output over ` +
        "the size cap, or a failed judgement): compared with their stored scores.",
    );
  }
  for (const path of newSkills) warnings.push(`${path}: new skill, not on the base commit: nothing to compare it with (compare: rerun).`);

  // Pairwise: head against base output of each case, both orders.
  const pairwise = new Map<string, PairwiseSummary>();
  if (config.judge.pairwise) {
    const pairs: { head: number; base: string }[] = [];
    baseItems.forEach((base, i) => {
      const head = options.results[base.head];
      const result = baseResults[i];
      const baseOutput = base.item.fixedOutput ?? (result?.error === null ? result.output : null);
      if (head && head.error === null && head.output !== null && baseOutput !== null && baseOutput !== undefined) {
        pairs.push({ head: base.head, base: baseOutput });
      }
    });
    const judged = await judgePairs(pairs, options);
    calls += judged.calls;
    judgeCostUsd += judged.costUsd;
    for (const item of plan) {
      const key = pairwiseKey(item.skill.path, item.model);
      if (!pairwise.has(key)) pairwise.set(key, { wins: 0, ties: 0, losses: 0, pValue: 1, errors: 0 });
    }
    judged.outcomes.forEach((outcome, i) => {
      const head = plan[pairs[i]?.head ?? -1];
      const summary = head ? pairwise.get(pairwiseKey(head.skill.path, head.model)) : undefined;
      if (!summary) return;
      if (outcome === null) summary.errors += 1;
      else if (outcome === "win") summary.wins += 1;
      else if (outcome === "loss") summary.losses += 1;
      else summary.ties += 1;
    });
    for (const summary of pairwise.values()) summary.pValue = signTestPValue(summary.wins, summary.losses);
    if (judged.firstError) warnings.push(`Pairwise judgements failed for ${judged.failed} case(s), e.g. ${judged.firstError}`);
  }

  const snapshot: BaselineSnapshot = {
    branch: options.snapshot?.branch ?? config.baseline.branch,
    commit: options.snapshot?.commit ?? null,
    found: options.snapshot?.found ?? false,
    skills,
    history: options.snapshot?.history ?? [],
    errors: options.snapshot?.errors ?? [],
  };
  return {
    snapshot,
    pairwise,
    info: { mode, baseCommit: commit.sha, judged, fallback, newSkills, costUsd: candidateCostUsd + judgeCostUsd, calls },
    candidateCostUsd,
    judgeCostUsd,
    warnings,
  };
}

/** The stored entry a head pair is compared with: same case content and model, the newest. */
function storedEntryFor(baseline: SkillBaseline | undefined, item: PlanItem): BaselineEntry | null {
  let best: BaselineEntry | null = null;
  for (const entry of baseline?.entries ?? []) {
    if (entry.caseId !== item.testCase.id || entry.model !== item.model || entry.caseHash !== item.testCase.hash) continue;
    if (!best || Date.parse(entry.recordedAt) > Date.parse(best.recordedAt)) best = entry;
  }
  return best;
}

function scoresOf(result: CaseResult): Pick<BaselineEntry, Metric | "matchesExpected"> {
  return { ...byMetric((metric) => result[metric]), matchesExpected: result.matchesExpected };
}

/** CaseResult.judgements when the run sets it (repeated judgements), else 1 when judged. */
function judgementsOf(result: CaseResult): number {
  const counted = (result as { judgements?: unknown }).judgements;
  if (typeof counted === "number" && Number.isInteger(counted) && counted >= 0) return counted;
  return result.judged ? 1 : 0;
}

/** Runs both orders of every pair under one limiter; null for a case whose judgement failed. */
async function judgePairs(
  pairs: readonly { head: number; base: string }[],
  options: SameJobOptions,
): Promise<{ outcomes: ("win" | "tie" | "loss" | null)[]; calls: number; costUsd: number; failed: number; firstError: string | null }> {
  const limiter = new Limiter(options.config.concurrency);
  const price = priceFor(options.judge.model, options.config.pricing);
  let calls = 0;
  let costUsd = 0;
  let failed = 0;
  let firstError: string | null = null;
  const ask = (first: string, second: string, item: PlanItem): Promise<PairwiseOutcome> =>
    limiter.run(async () => {
      if (options.signal?.aborted) return { winner: null, error: "cancelled: not judged", call: null };
      calls += 1;
      const outcome = await judgePair(options.client, { skill: item.skill, testCase: item.testCase, first, second }, options.judge);
      if (outcome.call && price) costUsd += costOf(outcome.call.usage, price);
      return outcome;
    });
  const outcomes = await Promise.all(
    pairs.map(async (pair) => {
      const item = options.plan[pair.head];
      const head = options.results[pair.head];
      if (!item || head?.output === null || head === undefined) return null;
      // The judge is shown the head's instructions: the task as this pull request defines it.
      const [baseFirst, headFirst] = await Promise.all([ask(pair.base, head.output, item), ask(head.output, pair.base, item)]);
      if (baseFirst.winner === null || headFirst.winner === null) {
        failed += 1;
        firstError ??= baseFirst.error ?? headFirst.error;
        return null;
      }
      return pairwisePreference(baseFirst.winner, headFirst.winner);
    }),
  );
  return { outcomes, calls, costUsd, failed, firstError };
}

/** The base commit: the merge base of `base` with HEAD when there is one (what the change branched from), else `base`. */
export async function resolveBase(git: GitRunner | null, base: string | null): Promise<{ sha: string | null; problem: string | null }> {
  if (!git || !base) return { sha: null, problem: null };
  const verify = () => git.exec(["rev-parse", "--verify", "--quiet", "--end-of-options", `${base}^{commit}`], { allowFailure: true });
  let resolved = await verify();
  if (resolved.code !== 0 && COMMIT_ID.test(base)) {
    // A shallow checkout (the action's) may not have the base commit yet.
    await ensureCommit(git, base);
    resolved = await verify();
  }
  const sha = resolved.stdout.trim();
  if (resolved.code !== 0 || sha === "") {
    return { sha: null, problem: `The base "${base}" does not resolve to a commit here: the base side could not be read from it.` };
  }
  const mergeBase = await git.exec(["merge-base", sha, "HEAD"], { allowFailure: true });
  const merged = mergeBase.stdout.trim();
  return { sha: mergeBase.code === 0 && merged !== "" ? merged : sha, problem: null };
}

/**
 * The skill file as it is on `commit`: null when the commit does not have it (a new skill). Only the prompt or
 * SKILL.md file is read; a skill's other files (issue 9 makes skills whole folders) are not taken from the base.
 */
export async function readSkillAtCommit(
  git: GitRunner,
  commit: string,
  path: string,
  maxBytes: number,
): Promise<{ skill: Skill | null; problem: string | null }> {
  const spec = `${commit}:${path}`;
  const size = await git.exec(["cat-file", "-s", spec], { allowFailure: true });
  if (size.code !== 0) return { skill: null, problem: null };
  if (Number(size.stdout.trim()) > maxBytes) {
    return { skill: null, problem: `${path} on the base commit is larger than limits.skill-bytes (${maxBytes} bytes): no base side.` };
  }
  let text: string;
  try {
    text = (await git.exec(["cat-file", "blob", spec])).stdout;
  } catch (error) {
    return { skill: null, problem: `${path} could not be read on the base commit: ${messageOf(error)}` };
  }
  const parsed = parseSkill(path, text);
  if (!parsed.skill) {
    const first = parsed.issues[0];
    return { skill: null, problem: `${path} on the base commit is not a valid skill (${first?.message ?? "unknown problem"}): no base side.` };
  }
  return { skill: { ...parsed.skill, hash: sha256Hex(text) }, problem: null };
}
