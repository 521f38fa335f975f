// `npm run bench -- batch`: what Message Batches save on a nightly-sized run. The same run (N skills of ~5,000 tokens,
// 6 cases, 3 candidate models, judge.samples 2, concurrency 16) twice against the simulated API: once with every call
// synchronous (prompt caching as usual), once with batch on (generations in one batch, judgements in a second, half
// price, caching as the batch's order allows). Prints the total cost of each, their ratio, the calls, the batches
// and the wall time. Asserts nothing.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { markdownTable } from "markdown-table";
import { createModelClient } from "../src/anthropic.js";
import { loadProject } from "../src/project.js";
import { blindingTerms, configuredModels, judgeKeyOf } from "../src/judge.js";
import { planRun, runPlan } from "../src/run.js";
import { startSimServer } from "../src/sim/server.js";
import { longSkill, recordFigures, supportRequest, writeProject } from "./bench-support.js";

const { values } = parseArgs({
  options: {
    skills: { type: "string", default: "10" },
    cases: { type: "string", default: "6" },
    latency: { type: "string", default: "50" },
    concurrency: { type: "string", default: "16" },
    "poll-ms": { type: "string", default: "100" },
  },
});
const latency = Number(values.latency);
const MODELS = ["claude-sonnet-5", "claude-haiku-4-5", "claude-opus-4-8"];
const JUDGE = "claude-opus-5";

const dir = await mkdtemp(join(tmpdir(), "skillbench-bench-batch-"));
const rows: string[][] = [["mode", "pairs", "calls", "batches", "candidate cost", "judge cost", "total cost", "vs sync", "errors", "wall time"]];
try {
  await writeProject(dir, {
    skills: Number(values.skills),
    cases: Number(values.cases),
    models: MODELS,
    extraConfig: `judge: { model: ${JUDGE}, samples: 2 }\n`,
    skillText: longSkill,
    caseInput: supportRequest,
  });
  const project = await loadProject(dir);
  const config = { ...project.config, concurrency: Number(values.concurrency) };
  const blindTerms = blindingTerms(configuredModels(config, project.benchmarks));
  let syncTotal = 0;
  for (const batched of [false, true]) {
    const sim = await startSimServer({ latencyMs: latency, batch: { concurrency: config.concurrency } });
    try {
      const plan = planRun(project.benchmarks, project.skills, config, judgeKeyOf(config.judge.model, blindTerms));
      const started = performance.now();
      const outcome = await runPlan(plan, {
        client: createModelClient({ apiKey: "bench", baseUrl: sim.url, maxRetries: 0, timeoutMs: 60_000, concurrency: config.concurrency }),
        config,
        judge: { model: config.judge.model, maxTokens: config.judge.maxTokens, blindTerms },
        batch: batched ? { timeoutMs: 3_600_000, pollMs: Number(values["poll-ms"]) } : null,
      });
      const seconds = (performance.now() - started) / 1000;
      const candidate = outcome.results.reduce((sum, r) => sum + (r.costUsd ?? 0), 0);
      const judge = outcome.results.reduce((sum, r) => sum + (r.judgeCostUsd ?? 0), 0);
      const total = candidate + judge;
      if (!batched) syncTotal = total;
      rows.push([
        batched ? "batch" : "sync",
        String(plan.length),
        String(outcome.calls),
        String(outcome.batch?.batches ?? 0),
        `$${candidate.toFixed(4)}`,
        `$${judge.toFixed(4)}`,
        `$${total.toFixed(4)}`,
        `${(total / syncTotal).toFixed(2)}x`,
        String(outcome.results.filter((r) => r.error !== null || !r.judged).length),
        `${seconds.toFixed(1)} s`,
      ]);
    } finally {
      await sim.close();
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
process.stdout.write(
  `skillbench Message Batches: ${values.skills} skills of ~5,000 tokens x ${values.cases} cases x ${MODELS.length} models, ` +
    `judge ${JUDGE} x 2, concurrency ${values.concurrency}, latency ${latency} ms (simulated; a real batch takes minutes to hours)\n\n` +
    `${markdownTable(rows)}\n`,
);
await recordFigures([
  {
    scenario: "batch",
    figure: "nightly cost, Message Batches / synchronous",
    value: rows[2]?.[7] ?? "n/a",
    setting: `${values.skills} skills of ~5,000 tokens x ${values.cases} cases x ${MODELS.length} models, judge x 2`,
  },
]);
