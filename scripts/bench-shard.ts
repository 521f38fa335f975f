// `npm run bench -- shard [--skills 40] [--cases 3] [--latency 200] [--concurrency 8] [--shards 4]`: one job against
// N shard jobs plus the merge, against the simulated API with a fixed latency. Matrix jobs run on separate runners,
// so each shard runs alone here (its own concurrency limit, the machine to itself) and the sharded wall time is the
// slowest shard's plus the merge's; `--together` runs the shards at once in this process instead (one machine's
// CPU for all). Prints the wall times, their ratio, and whether the merged report has the same pairs, scores and
// verdict as the single job. Asserts nothing.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { markdownTable } from "markdown-table";
import { modelClientFactory, runPipeline } from "../src/pipeline.js";
import type { ShardReport } from "../src/shard.js";
import { startSimServer } from "../src/sim/server.js";
import type { Report } from "../src/types.js";
import { benchRun, quietLogger, recordFigures, writeProject } from "./bench-support.js";

const { values } = parseArgs({
  options: {
    skills: { type: "string", default: "40" },
    cases: { type: "string", default: "3" },
    latency: { type: "string", default: "200" },
    concurrency: { type: "string", default: "8" },
    shards: { type: "string", default: "4" },
    together: { type: "boolean", default: false },
  },
});
const skills = Number(values.skills);
const cases = Number(values.cases);
const latency = Number(values.latency);
const concurrency = Number(values.concurrency);
const count = Number(values.shards);
const MODELS = ["claude-sonnet-5", "claude-haiku-4-5"];

/** Pairs, scores and verdicts: what one job and merged shards must agree on (not costs or latencies). */
function essence(report: Report): string {
  return JSON.stringify({
    verdict: report.verdict,
    skills: report.skills.map((s) => ({
      benchmark: s.benchmark,
      verdict: s.verdict,
      models: s.models.map((m) => [m.model, m.cases, m.quality, m.verdict]),
      results: s.results.map((r) => [r.key, r.quality, r.error]),
    })),
  });
}

const dir = await mkdtemp(join(tmpdir(), "skillbench-bench-shard-"));
const sim = await startSimServer({ latencyMs: latency });
try {
  await writeProject(dir, { skills, cases, models: MODELS, extraConfig: `concurrency: ${concurrency}\n` });
  const common = benchRun(dir, sim.url, "baseline");
  // Warm-up (module loading, JIT) on one skill, so neither side pays it.
  await runPipeline({ ...common, skillFilter: { patterns: ["skill-0"], source: "bench" } });
  sim.reset();
  let started = performance.now();
  const single = await runPipeline(common);
  const singleMs = performance.now() - started;
  const singleCalls = sim.requests.length;

  sim.reset();
  started = performance.now();
  const runShard = async (i: number) => {
    const begun = performance.now();
    const result = await runPipeline({ ...common, client: modelClientFactory("bench", quietLogger), shard: { spec: { index: i + 1, count }, source: "bench" } });
    return { result, ms: performance.now() - begun };
  };
  const parts: Awaited<ReturnType<typeof runShard>>[] = [];
  if (values.together) parts.push(...(await Promise.all(Array.from({ length: count }, (_, i) => runShard(i)))));
  else for (let i = 0; i < count; i += 1) parts.push(await runShard(i));
  const shardsMs = values.together ? performance.now() - started : Math.max(...parts.map((p) => p.ms));
  const reports: ShardReport[] = parts.map(({ result }, i) => ({ file: `shard-${i + 1}`, report: result.report as ShardReport["report"] }));
  started = performance.now();
  const merged = await runPipeline({ ...common, client: null, merge: reports });
  const mergeMs = performance.now() - started;
  const shardCalls = sim.requests.length;

  const same = single.report && merged.report ? essence(single.report) === essence(merged.report) : false;
  const totalMs = shardsMs + mergeMs;
  const pairs = single.plan.length;
  const shardPairs = parts.map(({ result }) => result.plan.length);
  process.stdout.write(
    `skillbench shards: ${skills} skills x ${cases} cases x ${MODELS.length} models (${pairs} pairs), latency ${latency} ms, ` +
      `concurrency ${concurrency} per job, ${count} shards (${values.together ? "at once in one process" : "each alone, as on its own runner"})\n\n` +
      `${markdownTable([
        ["run", "calls", "pairs per job", "wall time", "vs 1 job"],
        ["1 job", String(singleCalls), String(pairs), `${(singleMs / 1000).toFixed(2)} s`, "1.00x"],
        [
          `${count} shards + merge`,
          String(shardCalls),
          shardPairs.join(" / "),
          `${(totalMs / 1000).toFixed(2)} s (slowest shard ${(Math.max(...parts.map((p) => p.ms)) / 1000).toFixed(2)} s, merge ${(mergeMs / 1000).toFixed(2)} s)`,
          `${(totalMs / singleMs).toFixed(2)}x`,
        ],
      ])}\n\nSame pairs, scores and verdict as one job: ${same ? "yes" : "NO"}\n`,
  );
  const setting = `${skills} skills x ${cases} cases x ${MODELS.length} models, L=${latency} ms, K=${concurrency} per job${values.together ? ", shards in one process" : ", shards on separate runners"}`;
  await recordFigures([
    { scenario: "shard", figure: `${count}-shard wall / 1-job wall`, value: `${(totalMs / singleMs).toFixed(2)}x`, setting },
    { scenario: "shard", figure: "merged report = 1-job report (pairs, scores, verdict)", value: same ? "yes" : "NO", setting },
  ]);
} finally {
  await sim.close();
  await rm(dir, { recursive: true, force: true });
}
