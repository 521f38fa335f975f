// Trigger evaluation: does an agent pick this skill from the repository's skill catalogue for the queries it should
// handle, and leave it alone for the ones it should not? Each query goes to each candidate model `trigger-samples`
// times with the catalogue in the system prompt and the `Skill` tool (design.md); the first Skill tool_use names
// the skill invoked. No judge. In pr mode the same queries run against the base commit's catalogue and the change is
// tested per query like a pass rate (thresholds.pass-rate points).
import { ModelCallError } from "./errors.js";
import { contentHash } from "./hash.js";
import { decideTest, MIN_PAIRS, testOf } from "./compare.js";
import { benjaminiHochberg, holm } from "./stats.js";
import { costOf, priceFor } from "./pricing.js";
import { worstVerdict } from "./verdict.js";
import { approxTokens } from "./estimate.js";
import type {
  Benchmark,
  CallRequest,
  CallResult,
  CatalogueEntry,
  Config,
  Correction,
  Gate,
  MetricTest,
  Report,
  SkillTriggers,
  ToolDefinition,
  TriggerModelSummary,
  TriggerQueryResult,
  TriggerSample,
  Verdict,
} from "./types.js";

export const SKILL_TOOL_NAME = "Skill";
/** max_tokens of a trigger call: room for a sentence and a tool call, not for an answer. */
export const TRIGGER_MAX_TOKENS = 512;
/** The confusion entry for should samples that invoked no skill at all. */
export const NO_SKILL = "(none)";

/** The `Skill` tool (design.md "Tools the candidate sees"): input `{ name }`, an enum of the catalogue's names. */
export function skillTool(catalogue: readonly CatalogueEntry[]): ToolDefinition {
  return {
    name: SKILL_TOOL_NAME,
    description:
      "Invoke a skill: its full instructions are loaded before you answer. Use it when one of the available skills " +
      "(listed in the system prompt with their descriptions) matches the request; otherwise answer directly.",
    inputSchema: {
      type: "object",
      properties: { name: { type: "string", enum: catalogue.map((entry) => entry.name), description: "The skill's name." } },
      required: ["name"],
      additionalProperties: false,
    },
  };
}

/** A short agent-like system prompt with the catalogue: each skill's name and description, as an agent sees them. */
export function triggerSystemPrompt(catalogue: readonly CatalogueEntry[]): string {
  const skills = catalogue
    .map((entry) => `<skill>\n<name>${entry.name}</name>\n<description>${entry.description}</description>\n</skill>`)
    .join("\n");
  return [
    "You are a helpful assistant working in a user's repository. You have skills: packaged instructions for tasks.",
    "When a request matches a skill's description, invoke that skill with the Skill tool before doing anything else.",
    "When no skill fits, answer directly without invoking one.",
    "",
    "<available_skills>",
    skills,
    "</available_skills>",
  ].join("\n");
}

export function triggerRequest(catalogue: readonly CatalogueEntry[], query: string, model: string, config: Config): CallRequest {
  return {
    model,
    system: triggerSystemPrompt(catalogue),
    user: query,
    tools: [skillTool(catalogue)],
    maxTokens: TRIGGER_MAX_TOKENS,
    ...(config.sampling[model] ? { sampling: config.sampling[model] } : {}),
  };
}

/** The skill named by the answer's first Skill tool_use; null when it called none (or named no catalogue skill). */
export function invokedSkill(answer: Pick<CallResult, "content">, catalogue: readonly CatalogueEntry[]): string | null {
  const use = (answer.content ?? []).find((block) => block.type === "tool_use" && block.name === SKILL_TOOL_NAME);
  if (use?.type !== "tool_use") return null;
  const input = use.input as { name?: unknown } | null;
  const name = typeof input?.name === "string" ? input.name : null;
  return name !== null && catalogue.some((entry) => entry.name === name) ? name : null;
}

/** Output tokens a trigger call is assumed to take for estimates (a sentence and a tool call). */
const TRIGGER_ANSWER_TOKENS = 60;

/**
 * The most calls the jobs make and roughly what they cost (USD; the priced part when a model has no price): each
 * query on each model `trigger-samples` times, twice when compared with a base catalogue.
 */
export function estimateTriggers(
  jobs: readonly TriggerJob[],
  catalogue: readonly CatalogueEntry[],
  config: Config,
  compared: boolean,
): { calls: number; usd: number } {
  const sides = compared ? 2 : 1;
  const prompt = approxTokens(triggerSystemPrompt(catalogue)) + approxTokens(JSON.stringify(skillTool(catalogue)));
  let calls = 0;
  let usd = 0;
  for (const job of jobs) {
    for (const query of [...job.benchmark.triggers.should, ...job.benchmark.triggers.shouldNot]) {
      for (const model of config.models) {
        const n = config.triggerSamples * sides;
        calls += n;
        const price = priceFor(model, config.pricing);
        if (price) {
          const usage = { inputTokens: prompt + approxTokens(query), outputTokens: TRIGGER_ANSWER_TOKENS, cacheCreationInputTokens: 0, cacheReadInputTokens: 0 };
          usd += n * costOf(usage, price);
        }
      }
    }
  }
  return { calls, usd };
}

/** One benchmark's trigger evaluation to run. */
export interface TriggerJob {
  benchmark: Benchmark & { triggers: NonNullable<Benchmark["triggers"]> };
  /** The skill's name in the catalogue. */
  name: string;
  reason: string;
}

export interface TriggerRunOptions {
  jobs: readonly TriggerJob[];
  catalogue: readonly CatalogueEntry[];
  /** The base commit's catalogue (pr mode); null: nothing to compare with. */
  baseCatalogue: readonly CatalogueEntry[] | null;
  /** Why there is no base catalogue, for the verdict ("no base commit"). */
  noBase?: string;
  /** A baseline (nightly) run measures, it does not compare: no base is not a reason for "inconclusive". */
  measureOnly?: boolean;
  config: Config;
  /** The run's entry point for one more call (RunOutcome.call): same limiter, stops, budget and cancellation. */
  call: (request: CallRequest) => Promise<CallResult>;
  /** Words for a trigger test that did not pass (report/triggers.ts triggerTestReason); null for one that did. */
  describe: (test: MetricTest) => string | null;
}

function sameCatalogue(a: readonly CatalogueEntry[], b: readonly CatalogueEntry[]): boolean {
  return JSON.stringify(a.map((e) => [e.name, e.description])) === JSON.stringify(b.map((e) => [e.name, e.description]));
}

/**
 * Runs every job's queries on the config's models, `trigger-samples` times each; identical requests (the same query
 * under the same catalogue, on the same model) are sent once per sample and shared between skills. With a base
 * catalogue that differs from the head's, the same queries run on it too (paired per query).
 */
export async function runTriggers(options: TriggerRunOptions): Promise<SkillTriggers[]> {
  const { config, catalogue } = options;
  const samples = config.triggerSamples;
  const base = options.baseCatalogue;
  const changed = base !== null && !sameCatalogue(base, catalogue);
  const sent = new Map<string, Promise<{ sample: TriggerSample; cost: number; called: boolean }>>();
  const once = (side: readonly CatalogueEntry[], query: string, model: string, index: number) => {
    const key = contentHash("trigger", JSON.stringify(side), query, model, String(index));
    const known = sent.get(key);
    if (known) return { pending: known, first: false };
    const pending = sampleOnce(options.call, triggerRequest(side, query, model, config), side, config);
    sent.set(key, pending);
    return { pending, first: true };
  };
  const costs = new Map<string, { usd: number; calls: number }>();
  const runs = options.jobs.map(async (job): Promise<SkillTriggers> => {
    const queries: { query: string; kind: "should" | "should-not" }[] = [
      ...job.benchmark.triggers.should.map((query) => ({ query, kind: "should" as const })),
      ...job.benchmark.triggers.shouldNot.map((query) => ({ query, kind: "should-not" as const })),
    ];
    const baseHasSkill = base?.some((entry) => entry.name === job.name) ?? false;
    const compareBase = changed && baseHasSkill;
    let usd = 0;
    let calls = 0;
    const results = await Promise.all(
      queries.flatMap(({ query, kind }) =>
        config.models.map(async (model): Promise<TriggerQueryResult> => {
          const side = async (cat: readonly CatalogueEntry[]) =>
            Promise.all(Array.from({ length: samples }, async (_, i) => {
              // A request shared with another skill is paid (and counted) once, by the skill that sent it.
              const { pending, first } = once(cat, query, model, i);
              const outcome = await pending;
              if (first) {
                usd += outcome.cost;
                calls += outcome.called ? 1 : 0;
              }
              return outcome.sample;
            }));
          const head = await side(catalogue);
          const result: TriggerQueryResult = { query, kind, model, samples: head };
          if (compareBase && base) result.baseSamples = await side(base);
          return result;
        }),
      ),
    );
    costs.set(job.benchmark.path, { usd, calls });
    const compared: SkillTriggers["compared"] = compareBase ? "base-catalogue" : base !== null && baseHasSkill ? "unchanged" : "no-base";
    const models = config.models.map((model) => summarizeModel(job.name, model, results.filter((r) => r.model === model), config.thresholds.passRate ?? 10));
    return {
      skill: job.benchmark.skillPath,
      name: job.name,
      benchmark: job.benchmark.path,
      samples,
      reason: job.reason,
      compared,
      models,
      queries: results,
      verdict: "pass",
      verdictReasons: [],
      costUsd: 0,
      calls: 0,
    };
  });
  const done = await Promise.all(runs);
  return done.map((skill) => {
    const cost = costs.get(skill.benchmark) ?? { usd: 0, calls: 0 };
    const noBase = base === null ? (options.noBase ?? "no base catalogue to compare with") : "the skill is new (not on the base commit)";
    return decideTriggers({ ...skill, costUsd: cost.usd, calls: cost.calls }, config.gate, config.correction, options.measureOnly ? null : noBase, options.describe);
  });
}

async function sampleOnce(
  call: TriggerRunOptions["call"],
  request: CallRequest,
  catalogue: readonly CatalogueEntry[],
  config: Config,
): Promise<{ sample: TriggerSample; cost: number; called: boolean }> {
  const price = priceFor(request.model, config.pricing);
  try {
    const answer = await call(request);
    const cost = price ? costOf(answer.usage, price) : null;
    return { sample: { invoked: invokedSkill(answer, catalogue), error: null, costUsd: cost, latencyMs: Math.round(answer.latencyMs) }, cost: cost ?? 0, called: true };
  } catch (error) {
    const cost = error instanceof ModelCallError && price && error.usage ? costOf(error.usage, price) : null;
    const latencyMs = error instanceof ModelCallError && error.latencyMs !== null ? Math.round(error.latencyMs) : null;
    // max_tokens is kept small on purpose: a model still writing text when it ran out invoked no skill.
    if (error instanceof ModelCallError && error.kind === "truncated") {
      return { sample: { invoked: null, error: null, costUsd: cost, latencyMs }, cost: cost ?? 0, called: true };
    }
    const message = error instanceof ModelCallError ? `${error.kind}: ${error.message}` : error instanceof Error ? error.message : String(error);
    return { sample: { invoked: null, error: message, costUsd: cost, latencyMs }, cost: cost ?? 0, called: error instanceof ModelCallError };
  }
}

/** Share of the samples without error that invoked `name`; null when none succeeded. */
function rateOf(samples: readonly TriggerSample[], name: string): number | null {
  const ok = samples.filter((s) => s.error === null);
  return ok.length === 0 ? null : ok.filter((s) => s.invoked === name).length / ok.length;
}

function pooled(results: readonly TriggerQueryResult[], pick: (r: TriggerQueryResult) => TriggerSample[] | undefined, name: string): number | null {
  return rateOf(results.flatMap((r) => pick(r) ?? []), name);
}

/**
 * One model's rates: recall over every should sample, false-trigger rate over every should-not sample (failed calls
 * in neither), which skills took the should samples that missed, and the paired per-query tests against the base.
 */
export function summarizeModel(name: string, model: string, results: readonly TriggerQueryResult[], threshold: number): TriggerModelSummary {
  const should = results.filter((r) => r.kind === "should");
  const shouldNot = results.filter((r) => r.kind === "should-not");
  const ok = (rs: readonly TriggerQueryResult[]) => rs.flatMap((r) => r.samples).filter((s) => s.error === null);
  const confusion = new Map<string, number>();
  for (const sample of ok(should)) {
    if (sample.invoked === name) continue;
    const key = sample.invoked ?? NO_SKILL;
    confusion.set(key, (confusion.get(key) ?? 0) + 1);
  }
  const compared = results.some((r) => r.baseSamples !== undefined);
  const tests: MetricTest[] = [];
  if (compared) {
    // Per query: head rate minus base rate, in points. A false trigger is bad: its rise is tested as a drop.
    const deltas = (rs: readonly TriggerQueryResult[], sign: 1 | -1) =>
      rs.flatMap((r) => {
        const head = rateOf(r.samples, name);
        const baseRate = rateOf(r.baseSamples ?? [], name);
        return head === null || baseRate === null ? [] : [sign * (head - baseRate) * 100];
      });
    const recall = deltas(should, 1);
    const falseTriggers = deltas(shouldNot, -1);
    if (recall.length > 0) tests.push(testOf("trigger-recall", recall, threshold, true));
    if (falseTriggers.length > 0) tests.push(testOf("false-trigger", falseTriggers, threshold, true));
  }
  return {
    model,
    recall: pooled(should, (r) => r.samples, name),
    falseTriggerRate: pooled(shouldNot, (r) => r.samples, name),
    n: { should: ok(should).length, shouldNot: ok(shouldNot).length },
    errors: results.flatMap((r) => r.samples).filter((s) => s.error !== null).length,
    confusion: [...confusion].map(([skill, count]) => ({ skill, count })).sort((a, b) => b.count - a.count || a.skill.localeCompare(b.skill)),
    base: compared
      ? { recall: pooled(should, (r) => r.baseSamples, name), falseTriggerRate: pooled(shouldNot, (r) => r.baseSamples, name) }
      : null,
    tests,
    verdict: "pass",
    verdictReasons: [],
  };
}

/**
 * The skill's trigger verdicts: each model's tests corrected together (the skill's family) and decided like a pass
 * rate; a model all of whose calls failed is an error; nothing to compare with is inconclusive only when the
 * catalogue changed (a new skill); an unchanged catalogue passes (the requests are the base's).
 */
export function decideTriggers(
  skill: SkillTriggers,
  gate: Gate,
  correction: Correction,
  noBase: string | null,
  describe: (test: MetricTest) => string | null,
): SkillTriggers {
  const adjust = correction === "holm" ? holm : benjaminiHochberg;
  const keys: [number, number][] = [];
  const pValues: number[] = [];
  skill.models.forEach((m, mi) => {
    m.tests.forEach((t, ti) => {
      if (t.n >= MIN_PAIRS && t.pValue !== null) {
        keys.push([mi, ti]);
        pValues.push(t.pValue);
      }
    });
  });
  const adjusted = new Map<string, number>();
  adjust(pValues).forEach((p, i) => {
    adjusted.set(String(keys[i]), p);
  });
  const models = skill.models.map((m, mi): TriggerModelSummary => {
    const total = m.n.should + m.n.shouldNot;
    if (total === 0 && m.errors > 0) {
      const first = skill.queries.find((q) => q.model === m.model && q.samples.some((s) => s.error))?.samples.find((s) => s.error)?.error;
      return { ...m, verdict: "error", verdictReasons: [`all ${m.errors} trigger call(s) failed: ${first ?? "unknown error"}`] };
    }
    const tests = m.tests.map((t, ti) => {
      const decided = decideTest(t, adjusted.get(String([mi, ti])) ?? null, gate, null);
      // Too few queries to test a change, and none worse on average: nothing to hold the change up for.
      const noWorse = decided.inconclusiveBecause === "too-few-pairs" && decided.delta !== null && decided.delta >= 0;
      return noWorse ? { ...decided, outcome: "pass" as const, inconclusiveBecause: null, casesNeeded: null } : decided;
    });
    const reasons: string[] = [];
    let verdict: Verdict = "pass";
    if (skill.compared === "no-base" && noBase !== null) {
      verdict = "inconclusive";
      reasons.push(`triggers not compared: ${noBase}`);
    }
    for (const test of tests) {
      const reason = describe(test);
      if (reason === null) continue;
      reasons.push(reason);
      verdict = worstVerdict([verdict, test.outcome], "pass");
    }
    if (m.errors > 0) reasons.push(`${m.errors} trigger call(s) failed (not counted in the rates)`);
    return { ...m, tests, verdict, verdictReasons: reasons };
  });
  return {
    ...skill,
    models,
    verdict: worstVerdict(models.map((m) => m.verdict), "pass"),
    verdictReasons: models.flatMap((m) => m.verdictReasons.map((reason) => `${m.model}: ${reason}`)),
  };
}


/**
 * The report with its trigger evaluations: `triggers` set, and each skill's trigger verdict folded into the run's
 * (a trigger regression fails like a quality regression). A run of trigger evaluations only is never "nothing
 * measured" while one trigger call succeeded.
 */
export function withTriggers(report: Report, triggers: readonly SkillTriggers[]): Report {
  if (triggers.length === 0) return report;
  const reasons = triggers.flatMap((t) => t.verdictReasons.map((reason) => `${t.skill} (triggers): ${reason}`));
  const regressed = report.regressed || triggers.some((t) => t.verdict === "regressed");
  const onlyTriggers = report.skills.length === 0;
  const verdict = onlyTriggers
    ? worstVerdict(triggers.map((t) => t.verdict), "pass")
    : worstVerdict([report.verdict, ...triggers.map((t) => t.verdict)], "pass");
  const costUsd = triggers.reduce((a, t) => a + t.costUsd, 0);
  const calls = triggers.reduce((a, t) => a + t.calls, 0);
  const totals = {
    ...report.totals,
    candidateCostUsd: report.totals.candidateCostUsd + costUsd,
    costUsd: report.totals.costUsd + costUsd,
    calls: report.totals.calls + calls,
  };
  // Trigger queries alone, and not one call answered: nothing was measured (an operational failure, exit 3).
  const samples = triggers.flatMap((t) => t.queries.flatMap((q) => [...q.samples, ...(q.baseSamples ?? [])]));
  const failed = samples.filter((s) => s.error !== null);
  const failure =
    onlyTriggers && samples.length > 0 && failed.length === samples.length
      ? { cause: `nothing could be measured: all ${samples.length} trigger calls failed: ${failed[0]?.error ?? "unknown error"}`, failed: failed.length, pairs: samples.length }
      : report.failure;
  return {
    ...report,
    triggers: [...triggers],
    regressed,
    verdict: failure ? "error" : verdict,
    verdictReasons: failure && !report.failure ? [failure.cause] : [...report.verdictReasons, ...reasons],
    failure,
    totals,
  };
}
