// `npm run bench`: how throughput scales with the concurrency limit, against the simulated API with a fixed
// per-request latency; then a steady rate limit (a token bucket) at high concurrency: pairs lost and wall time
// against calls / rate. Prints figures; asserts nothing (speed is measured here, never in unit tests).
//   npm run bench -- [--skills 6] [--cases 8] [--latency 150] [--levels 1,4,8,16]
//                    [--rate 10] [--burst 10] [--rate-concurrency 16] [--rate-cases 8] [--rate-only]
// `npm run bench -- cache [--latency 100] [--ttl-calls 20] [--skills-list 10,60]`: prompt caching on long skills
// (~5,000 tokens, 6 cases, 3 models, concurrency 16): cached / uncached input cost for candidates and the judge.
// `npm run bench -- batch [--skills 10] [--cases 6] [--latency 50]`: a nightly-sized run synchronous vs as Message
// Batches: total cost ratio and wall time (scripts/bench-batch.ts).
// `npm run bench -- gate [...]` runs the gate benchmark instead (scripts/bench-gate.ts).
// `npm run bench -- shard | rerun | scale [...]`: 4 shards vs 1 job (scripts/bench-shard.ts), model calls of a re-run
// of an unchanged PR (bench-rerun.ts), peak RSS and CPU per call at 1,000 skills (bench-scale.ts).
// `npm run bench -- cost [...]`: a PR run, a re-run of it and a nightly run, before and after caching, reuse and
// batches: total cost of each and the ratio to its "before" (scripts/bench-cost.ts).
// `npm run bench -- all`: every scenario with small sizes, then one table of figures (bench-all.ts).
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { markdownTable } from "markdown-table";
import { createModelClient } from "../src/anthropic.js";
import { loadProject } from "../src/project.js";
import { blindingTerms, configuredModels, judgeKeyOf } from "../src/judge.js";
import { planRun, runPlan } from "../src/run.js";
import { startSimServer } from "../src/sim/server.js";
import { recordFigures } from "./bench-support.js";

if (process.argv[2] === "gate") {
  await import("./bench-gate.js");
  process.exit(process.exitCode ?? 0);
}
if (process.argv[2] === "batch") {
  process.argv.splice(2, 1);
  await import("./bench-batch.js");
  process.exit(process.exitCode ?? 0);
}
if (process.argv[2] === "cache") {
  process.argv.splice(2, 1);
  await import("./bench-cache.js");
  process.exit(process.exitCode ?? 0);
}
const SCALE_SCENARIOS: Record<string, () => Promise<unknown>> = {
  shard: () => import("./bench-shard.js"),
  rerun: () => import("./bench-rerun.js"),
  scale: () => import("./bench-scale.js"),
  cost: () => import("./bench-cost.js"),
  all: () => import("./bench-all.js"),
};
const scaleScenario = SCALE_SCENARIOS[process.argv[2] ?? ""];
if (scaleScenario) {
  process.argv.splice(2, 1);
  await scaleScenario();
  process.exit(process.exitCode ?? 0);
}

const { values } = parseArgs({
  options: {
    skills: { type: "string", default: "6" },
    cases: { type: "string", default: "8" },
    latency: { type: "string", default: "150" },
    levels: { type: "string", default: "1,4,8,16" },
    rate: { type: "string", default: "10" },
    burst: { type: "string", default: "10" },
    "rate-concurrency": { type: "string", default: "16" },
    "rate-cases": { type: "string", default: "8" },
    "rate-only": { type: "boolean", default: false },
  },
});
const skills = Number(values.skills);
const cases = Number(values.cases);
const latency = Number(values.latency);
const levels = values["rate-only"] ? [] : values.levels.split(",").map(Number);
const rate = Number(values.rate);
const burst = Number(values.burst);
const rateConcurrency = Number(values["rate-concurrency"]);
const rateCases = Number(values["rate-cases"]);

const dir = await mkdtemp(join(tmpdir(), "skillbench-bench-"));
const sim = await startSimServer({ latencyMs: latency });
try {
  await writeFile(join(dir, "skillbench.yml"), "models: [claude-sonnet-5, claude-haiku-4-5]\n");
  for (let s = 0; s < skills; s += 1) {
    await mkdir(join(dir, "skills"), { recursive: true });
    await mkdir(join(dir, "benchmarks"), { recursive: true });
    await writeFile(join(dir, "skills", `skill-${s}.md`), `Answer question ${s} briefly and precisely.\n`);
    const list = Array.from({ length: cases }, (_, c) => `  - id: c${c}\n    input: "Question ${c} for skill ${s}?"`).join("\n");
    await writeFile(join(dir, "benchmarks", `skill-${s}.yml`), `skill: skills/skill-${s}.md\ncases:\n${list}\n`);
  }
  const project = await loadProject(dir);
  const blindTerms = blindingTerms(configuredModels(project.config, project.benchmarks));
  const judgeKey = judgeKeyOf(project.config.judge.model, blindTerms);
  const rows: string[][] = [["concurrency", "pairs", "calls", "wall time", "calls/s", "max in flight (server)", "ideal time"]];
  for (const level of levels) {
    sim.reset();
    const config = { ...project.config, concurrency: level };
    const plan = planRun(project.benchmarks, project.skills, config, judgeKey);
    const started = performance.now();
    const outcome = await runPlan(plan, {
      client: createModelClient({ apiKey: "bench", baseUrl: sim.url, maxRetries: 0, timeoutMs: 60_000 }),
      config,
      judge: {
        model: config.judge.model,
        maxTokens: config.judge.maxTokens,
        blindTerms,
      },
    });
    const seconds = (performance.now() - started) / 1000;
    // Every pair is two dependent calls; with `level` slots the floor is calls x latency / level.
    const ideal = Math.max((outcome.calls * latency) / level, 2 * latency) / 1000;
    await recordFigures([
      { scenario: "throughput", figure: `wall / lower bound (K=${level})`, value: `${(seconds / ideal).toFixed(2)}x`, setting: `${skills} skills x ${cases} cases x 2 models, L=${latency} ms` },
    ]);
    rows.push([
      String(level),
      String(plan.length),
      String(outcome.calls),
      `${seconds.toFixed(2)} s`,
      (outcome.calls / seconds).toFixed(1),
      String(sim.maxInFlight),
      `${ideal.toFixed(2)} s`,
    ]);
  }
  if (levels.length > 0) {
    process.stdout.write(
      `skillbench scheduler throughput: ${skills} skills x ${cases} cases x 2 models, simulated latency ${latency} ms per call\n\n` +
        `${markdownTable(rows)}\n`,
    );
  }

  // A steady rate limit: every call goes through one token bucket; nothing may be lost, and the run should take
  // little longer than the bucket allows (calls / rate).
  const limited = await startSimServer({ latencyMs: latency, rateLimit: { perSecond: rate, burst } });
  try {
    const config = { ...project.config, concurrency: rateConcurrency };
    const plan = planRun(project.benchmarks, project.skills, config, judgeKey).filter(
      (item) => Number(item.testCase.id.slice(1)) < rateCases,
    );
    let retries = 0;
    const started = performance.now();
    const outcome = await runPlan(plan, {
      client: createModelClient({
        apiKey: "bench",
        baseUrl: limited.url,
        maxRetries: project.config.api.maxRetries,
        timeoutMs: 60_000,
        concurrency: rateConcurrency,
        rateLimitBudgetMs: project.config.api.rateLimitBudgetMs,
        onRetry: () => (retries += 1),
      }),
      config,
      judge: { model: config.judge.model, maxTokens: config.judge.maxTokens, blindTerms: blindingTerms(config.models) },
    });
    const seconds = (performance.now() - started) / 1000;
    const lost = outcome.results.filter((r) => r.error !== null || !r.judged).length;
    const served = limited.requests.filter((r) => r.status === 200).length;
    const limitedCount = limited.requests.filter((r) => r.status === 429).length;
    const floor = served / rate;
    const rateSetting = `${plan.length} pairs, bucket ${rate}/s (burst ${burst}), K=${rateConcurrency}, L=${latency} ms`;
    await recordFigures([
      { scenario: "rate limit", figure: "lost pairs", value: String(lost), setting: rateSetting },
      { scenario: "rate limit", figure: "wall / (calls / rate)", value: `${(seconds / floor).toFixed(3)}x`, setting: rateSetting },
    ]);
    process.stdout.write(
      `\nskillbench under a steady rate limit: token bucket ${rate}/s (burst ${burst}), concurrency ${rateConcurrency}, ` +
        `latency ${latency} ms\n\n` +
        `${markdownTable([
          ["pairs", "lost pairs", "calls", "429s", "retries", "wall time", "calls / rate", "wall time / (calls / rate)"],
          [
            String(plan.length),
            `${lost} (${((100 * lost) / Math.max(1, plan.length)).toFixed(1)}%)`,
            String(served),
            String(limitedCount),
            String(retries),
            `${seconds.toFixed(2)} s`,
            `${floor.toFixed(2)} s`,
            `${(seconds / floor).toFixed(3)}x`,
          ],
        ])}\n`,
    );
  } finally {
    await limited.close();
  }
} finally {
  await sim.close();
  await rm(dir, { recursive: true, force: true });
}
