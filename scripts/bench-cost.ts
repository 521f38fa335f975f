// `npm run bench -- cost [--skills 10] [--cases 6] [--latency 50] [--ttl-calls 20]`: what a pull request run and a
// nightly run cost before and after issue 11 (prompt caching, result reuse, Message Batches), on one realistic
// repository shape: N skills of ~5,000 tokens x 6 cases x 3 candidate models, judge claude-opus-5 with
// judge.samples 2, concurrency 16, through the whole pipeline against the simulated API.
//   PR before:       every input token at the uncached price, synchronous (no caching, no reuse, no batch);
//   PR after:        the defaults in pr mode (caching on; batch auto is off in pr mode), with cache-path set;
//   PR re-run after: the same PR run again, unchanged, with its cache-path (results reused: no model call);
//   nightly before:  every token uncached and synchronous;
//   nightly after:   the defaults in baseline mode (caching, and batch auto: on at 20+ calls).
// "before" prices the tokens its own run used as if no cache_control had been sent and nothing was batched: the
// requests are the same, so is every token; only the price of each changes. Each run gets a cold simulator whose
// cache entries live `--ttl-calls` call latencies on a work clock (scripts/bench-support.ts workClock), so a slow
// loaded machine does not expire them. Adaptive sampling is off so both modes make the same calls. Asserts nothing.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { markdownTable } from "markdown-table";
import { runPipeline, type PipelineOptions, type PipelineRunOptions } from "../src/pipeline.js";
import { costOf, priceFor, totalInputTokens } from "../src/pricing.js";
import { startSimServer, type SimServer } from "../src/sim/server.js";
import type { Config, Report, Usage } from "../src/types.js";
import { benchRun, longSkill, recordFigures, workClock, writeProject } from "./bench-support.js";

const { values } = parseArgs({
  options: {
    skills: { type: "string", default: "10" },
    cases: { type: "string", default: "6" },
    latency: { type: "string", default: "50" },
    "ttl-calls": { type: "string", default: "20" },
    "poll-ms": { type: "string", default: "100" },
  },
});
const skills = Number(values.skills);
const cases = Number(values.cases);
const latency = Number(values.latency);
const CONCURRENCY = 16;
const MODELS = ["claude-sonnet-5", "claude-haiku-4-5", "claude-opus-4-8"];
const JUDGE = "claude-opus-5";

interface Cost {
  candidates: number;
  judge: number;
}

/** What the report's tokens cost at the uncached, synchronous price: the run without caching or batches. */
function uncachedCost(report: Report, pricing: Config["pricing"]): Cost {
  const uncached = (usage: Usage | null, model: string): number => {
    const price = priceFor(model, pricing);
    if (!usage || !price) return 0;
    return costOf({ inputTokens: totalInputTokens(usage), outputTokens: usage.outputTokens, cacheCreationInputTokens: 0, cacheReadInputTokens: 0 }, price);
  };
  const cost: Cost = { candidates: 0, judge: 0 };
  for (const result of report.skills.flatMap((skill) => skill.results)) {
    cost.candidates += uncached(result.usage, result.model);
    cost.judge += uncached(result.judgeUsage, report.judgeModel);
  }
  return cost;
}

/** A cold simulator (empty prompt cache) with batch endpoints, its cache entries on the work clock. */
async function coldSim(): Promise<SimServer> {
  let ref: SimServer | undefined;
  const sim = await startSimServer({
    latencyMs: latency,
    cacheTtlMs: latency * Number(values["ttl-calls"]),
    cacheClock: workClock(() => ref, latency, CONCURRENCY),
    batch: { concurrency: CONCURRENCY },
  });
  ref = sim;
  return sim;
}

interface Row {
  run: string;
  calls: number;
  batches: number;
  cost: Cost;
  /** The "before" this row is compared with (null: it is a before). */
  before: Cost | null;
  seconds: number | null;
}

const usd = (value: number): string => `$${value.toFixed(4)}`;
const total = (cost: Cost): number => cost.candidates + cost.judge;

const dir = await mkdtemp(join(tmpdir(), "skillbench-bench-cost-"));
const cacheDir = await mkdtemp(join(tmpdir(), "skillbench-bench-cost-cache-"));
const nightlyCacheDir = await mkdtemp(join(tmpdir(), "skillbench-bench-cost-nightly-"));
const rows: Row[] = [];
try {
  await writeProject(dir, {
    skills,
    cases,
    models: MODELS,
    extraConfig: `judge: { model: ${JUDGE}, samples: 2 }\nconcurrency: ${CONCURRENCY}\n`,
    skillText: longSkill,
  });
  const pipeline = (mode: PipelineOptions["mode"], sim: SimServer, cachePath: string): PipelineRunOptions =>
    benchRun(dir, sim.url, mode, {
      defaultCachePath: cachePath,
      batchPollMs: Number(values["poll-ms"]),
      overrides: { adaptive: { value: "false", source: "bench" } },
    });
  const measured = async (run: string, mode: PipelineOptions["mode"], sim: SimServer, cachePath: string) => {
    const calls = sim.requests.length;
    const batches = sim.batches.length;
    const started = performance.now();
    const outcome = await runPipeline(pipeline(mode, sim, cachePath));
    const seconds = (performance.now() - started) / 1000;
    const report = outcome.report;
    const errors = report.totals.errors + report.totals.unjudged;
    if (errors > 0) throw new Error(`${run}: ${errors} pair(s) ended with an error or unjudged; the figures would be wrong`);
    return {
      report,
      pricing: outcome.project.config.pricing,
      calls: sim.requests.length - calls,
      batches: sim.batches.length - batches,
      cost: { candidates: report.totals.candidateCostUsd, judge: report.totals.judgeCostUsd },
      seconds,
    };
  };

  const prSim = await coldSim();
  try {
    const pr = await measured("PR run", "pr", prSim, cacheDir);
    const prBefore = uncachedCost(pr.report, pr.pricing);
    rows.push({ run: "PR run, before (no caching, no reuse)", calls: pr.calls, batches: 0, cost: prBefore, before: null, seconds: null });
    rows.push({ run: "PR run, after (caching)", calls: pr.calls, batches: pr.batches, cost: pr.cost, before: prBefore, seconds: pr.seconds });
    const rerun = await measured("PR re-run", "pr", prSim, cacheDir);
    rows.push({ run: "PR re-run of an unchanged PR, after (reuse)", calls: rerun.calls, batches: rerun.batches, cost: rerun.cost, before: prBefore, seconds: rerun.seconds });
  } finally {
    await prSim.close();
  }

  const nightlySim = await coldSim();
  try {
    const nightly = await measured("nightly run", "baseline", nightlySim, nightlyCacheDir);
    const nightlyBefore = uncachedCost(nightly.report, nightly.pricing);
    rows.push({ run: "nightly run, before (no caching, no batch)", calls: nightly.calls, batches: 0, cost: nightlyBefore, before: null, seconds: null });
    rows.push({ run: "nightly run, after (caching + batch)", calls: nightly.calls, batches: nightly.batches, cost: nightly.cost, before: nightlyBefore, seconds: nightly.seconds });
  } finally {
    await nightlySim.close();
  }
} finally {
  await rm(dir, { recursive: true, force: true });
  await rm(cacheDir, { recursive: true, force: true });
  await rm(nightlyCacheDir, { recursive: true, force: true });
}

const ratio = (row: Row): string => (row.before ? `${(total(row.cost) / total(row.before)).toFixed(2)}x` : "1.00x");
const setting = `${skills} skills of ~5,000 tokens x ${cases} cases x ${MODELS.length} models, judge x 2`;
process.stdout.write(
  `skillbench cost before and after: ${setting} (${JUDGE}), concurrency ${CONCURRENCY}, simulated API ` +
    `(latency ${latency} ms; cache entries live ${values["ttl-calls"]} calls of work)\n\n` +
    `${markdownTable([
      ["run", "model calls", "batches", "candidates", "judge", "total", "vs before", "wall time"],
      ...rows.map((row) => [
        row.run,
        String(row.calls),
        String(row.batches),
        usd(row.cost.candidates),
        usd(row.cost.judge),
        usd(total(row.cost)),
        ratio(row),
        row.seconds === null ? "" : `${row.seconds.toFixed(1)} s`,
      ]),
    ])}\n`,
);
const figure = (run: string): string => {
  const row = rows.find((r) => r.run.startsWith(run));
  return row ? ratio(row) : "n/a";
};
await recordFigures([
  { scenario: "cost", figure: "PR run cost, caching / before", value: figure("PR run, after"), setting },
  { scenario: "cost", figure: "PR re-run cost (unchanged PR) / before", value: figure("PR re-run"), setting },
  { scenario: "cost", figure: "nightly run cost, caching + batch / before", value: figure("nightly run, after"), setting },
]);
