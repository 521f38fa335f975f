// `npm run bench -- rerun [--skills 10] [--cases 6]`: a pull request run with a result cache (cache-path), then the
// same run again with nothing changed, as a re-run of the workflow would: model calls made by each. The re-run must
// make none. Asserts nothing.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { markdownTable } from "markdown-table";
import { runPipeline } from "../src/pipeline.js";
import { startSimServer } from "../src/sim/server.js";
import { benchRun, recordFigures, writeProject } from "./bench-support.js";

const { values } = parseArgs({
  options: {
    skills: { type: "string", default: "10" },
    cases: { type: "string", default: "6" },
    latency: { type: "string", default: "20" },
  },
});
const skills = Number(values.skills);
const cases = Number(values.cases);
const MODELS = ["claude-sonnet-5", "claude-haiku-4-5", "claude-opus-4-8"];

const dir = await mkdtemp(join(tmpdir(), "skillbench-bench-rerun-"));
const cacheDir = await mkdtemp(join(tmpdir(), "skillbench-bench-rerun-cache-"));
const sim = await startSimServer({ latencyMs: Number(values.latency) });
try {
  await writeProject(dir, { skills, cases, models: MODELS, extraConfig: "judge: { model: claude-opus-5 }\nconcurrency: 16\n" });
  const options = benchRun(dir, sim.url, "pr", { defaultCachePath: cacheDir, overrides: { adaptive: { value: "false", source: "bench" } } });
  const first = await runPipeline(options);
  const firstCalls = sim.requests.length;
  sim.reset();
  const second = await runPipeline(options);
  const rerunCalls = sim.requests.length;
  const reused = second.report?.skills.flatMap((s) => s.results).filter((r) => r.reused).length ?? 0;
  process.stdout.write(
    `skillbench re-run of an unchanged pull request: ${skills} skills x ${cases} cases x ${MODELS.length} models, cache-path set\n\n` +
      `${markdownTable([
        ["run", "pairs", "model calls", "results reused", "cost"],
        ["first", String(first.plan.length), String(firstCalls), "0", `$${(first.report?.totals.costUsd ?? 0).toFixed(4)}`],
        ["re-run", String(second.plan.length), String(rerunCalls), String(reused), `$${(second.report?.totals.costUsd ?? 0).toFixed(4)}`],
      ])}\n`,
  );
  await recordFigures([
    { scenario: "rerun", figure: "model calls made by a re-run of an unchanged PR", value: String(rerunCalls), setting: `${skills} skills x ${cases} cases x ${MODELS.length} models (first run: ${firstCalls} calls)` },
  ]);
} finally {
  await sim.close();
  await rm(dir, { recursive: true, force: true });
  await rm(cacheDir, { recursive: true, force: true });
}
