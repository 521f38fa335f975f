// `npm run bench -- cache`: what prompt caching saves on long skills. Each run: N skills of ~5,000 tokens, 6 cases,
// 3 candidate models, concurrency 16, against the simulated API, whose cache entries live `--ttl-calls` call
// latencies (a real 5-minute entry outlives ~20 calls of ~15 s), counted on a work clock (requests arrived x latency
// / concurrency, scripts/bench-support.ts) so a loaded machine's slow calls do not expire them. Prints, for candidates and for the judge, input
// cost with caching (uncached input + cache writes at 1.25x + cache reads at 0.1x) over the same tokens at the
// uncached price, and the number of cache writes. Asserts nothing.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { markdownTable } from "markdown-table";
import { createModelClient } from "../src/anthropic.js";
import { loadProject } from "../src/project.js";
import { blindingTerms, configuredModels, judgeKeyOf } from "../src/judge.js";
import { costOf, priceFor } from "../src/pricing.js";
import { planRun, runPlan } from "../src/run.js";
import { startSimServer } from "../src/sim/server.js";
import type { SimServer } from "../src/sim/server.js";
import type { Price, Usage } from "../src/types.js";
import { longSkill, recordFigures, supportRequest, workClock, writeProject } from "./bench-support.js";

const { values } = parseArgs({
  options: {
    latency: { type: "string", default: "100" },
    "ttl-calls": { type: "string", default: "20" },
    "skills-list": { type: "string", default: "10,60" },
    cases: { type: "string", default: "6" },
    concurrency: { type: "string", default: "16" },
  },
});
const latency = Number(values.latency);
const ttlMs = latency * Number(values["ttl-calls"]);
const MODELS = ["claude-sonnet-5", "claude-haiku-4-5", "claude-opus-4-8"];
const JUDGE = "claude-opus-5";

interface Tally {
  cached: number;
  uncached: number;
  writes: number;
}

function add(tally: Tally, usage: Usage | null, price: Price | null): void {
  if (!usage || !price) return;
  const inputOnly = { ...usage, outputTokens: 0 };
  tally.cached += costOf(inputOnly, price);
  const total = usage.inputTokens + usage.cacheCreationInputTokens + usage.cacheReadInputTokens;
  tally.uncached += costOf({ inputTokens: total, outputTokens: 0, cacheCreationInputTokens: 0, cacheReadInputTokens: 0 }, price);
  if (usage.cacheCreationInputTokens > 0) tally.writes += 1;
}

const rows: string[][] = [["skills", "pairs", "calls", "candidate cached/uncached", "candidate cache writes", "judge cached/uncached", "judge cache writes", "wall time"]];
for (const skills of values["skills-list"].split(",").map(Number)) {
  const dir = await mkdtemp(join(tmpdir(), "skillbench-bench-cache-"));
  let simRef: SimServer | undefined;
  const sim = await startSimServer({ latencyMs: latency, cacheTtlMs: ttlMs, cacheClock: workClock(() => simRef, latency, Number(values.concurrency)) });
  simRef = sim;
  try {
    await writeProject(dir, {
      skills,
      cases: Number(values.cases),
      models: MODELS,
      extraConfig: `judge: { model: ${JUDGE} }\n`,
      skillText: longSkill,
      caseInput: supportRequest,
    });
    const project = await loadProject(dir);
    const config = { ...project.config, concurrency: Number(values.concurrency) };
    const blindTerms = blindingTerms(configuredModels(config, project.benchmarks));
    const plan = planRun(project.benchmarks, project.skills, config, judgeKeyOf(config.judge.model, blindTerms));
    const started = performance.now();
    const outcome = await runPlan(plan, {
      client: createModelClient({ apiKey: "bench", baseUrl: sim.url, maxRetries: 0, timeoutMs: 60_000, concurrency: config.concurrency }),
      config,
      judge: { model: config.judge.model, maxTokens: config.judge.maxTokens, blindTerms },
    });
    const seconds = (performance.now() - started) / 1000;
    const candidates: Tally = { cached: 0, uncached: 0, writes: 0 };
    const judge: Tally = { cached: 0, uncached: 0, writes: 0 };
    for (const result of outcome.results) {
      add(candidates, result.usage, priceFor(result.model, config.pricing));
      add(judge, result.judgeUsage, priceFor(config.judge.model, config.pricing));
    }
    const cacheSetting = `${skills} long skills x ${values.cases} cases x ${MODELS.length} models`;
    await recordFigures([
      { scenario: "cache", figure: "candidate input cost cached / uncached", value: `${(candidates.cached / candidates.uncached).toFixed(2)}x`, setting: cacheSetting },
      { scenario: "cache", figure: "judge input cost cached / uncached", value: `${(judge.cached / judge.uncached).toFixed(2)}x`, setting: cacheSetting },
    ]);
    rows.push([
      String(skills),
      String(plan.length),
      String(outcome.calls),
      `${(candidates.cached / candidates.uncached).toFixed(2)}x`,
      String(candidates.writes),
      `${(judge.cached / judge.uncached).toFixed(2)}x`,
      String(judge.writes),
      `${seconds.toFixed(1)} s`,
    ]);
  } finally {
    await sim.close();
    await rm(dir, { recursive: true, force: true });
  }
}
process.stdout.write(
  `skillbench prompt caching: ~5,000-token skills x ${values.cases} cases x ${MODELS.length} models, judge ${JUDGE}, ` +
    `concurrency ${values.concurrency}, latency ${latency} ms, cache entries live ${ttlMs} ms (${values["ttl-calls"]} calls) of work clock\n\n` +
    `${markdownTable(rows)}\n`,
);
