// `npm run bench`: how throughput scales with the concurrency limit, against the simulated API with a fixed
// per-request latency. Prints figures; asserts nothing (speed is measured here, never in unit tests).
//   npm run bench -- [--skills 6] [--cases 8] [--latency 150] [--levels 1,4,8,16]
// `npm run bench -- gate [...]` runs the gate benchmark instead (scripts/bench-gate.ts).
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { markdownTable } from "markdown-table";
import { createModelClient } from "../src/anthropic.js";
import { loadProject } from "../src/config.js";
import { blindingTerms, judgeKeyOf } from "../src/judge.js";
import { planRun, runPlan } from "../src/run.js";
import { startSimServer } from "../src/sim/server.js";

if (process.argv[2] === "gate") {
  await import("./bench-gate.js");
  process.exit(process.exitCode ?? 0);
}

const { values } = parseArgs({
  options: {
    skills: { type: "string", default: "6" },
    cases: { type: "string", default: "8" },
    latency: { type: "string", default: "150" },
    levels: { type: "string", default: "1,4,8,16" },
  },
});
const skills = Number(values.skills);
const cases = Number(values.cases);
const latency = Number(values.latency);
const levels = values.levels.split(",").map(Number);

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
  const judgeKey = judgeKeyOf(project.config.judge.model);
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
        blindTerms: blindingTerms(config.models),
      },
    });
    const seconds = (performance.now() - started) / 1000;
    // Every pair is two dependent calls; with `level` slots the floor is calls x latency / level.
    const ideal = Math.max((outcome.calls * latency) / level, 2 * latency) / 1000;
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
  process.stdout.write(
    `skillbench scheduler throughput: ${skills} skills x ${cases} cases x 2 models, simulated latency ${latency} ms per call\n\n` +
      `${markdownTable(rows)}\n`,
  );
} finally {
  await sim.close();
  await rm(dir, { recursive: true, force: true });
}
