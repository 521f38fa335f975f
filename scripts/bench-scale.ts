// `npm run bench -- scale [--skills 1000] [--cases 10] [--concurrency 16]`: the engine's own cost at scale. The
// simulator runs in a separate process with near-zero latency, so this process's peak RSS and CPU time are the
// engine's (config load, planning, scheduling, the SDK, judging, aggregation, comparison). Asserts nothing.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { markdownTable } from "markdown-table";
import { modelClientFactory, runPipeline } from "../src/pipeline.js";
import { quietLogger, recordFigures, startSimProcess, writeProject } from "./bench-support.js";

const { values } = parseArgs({
  options: {
    skills: { type: "string", default: "1000" },
    cases: { type: "string", default: "10" },
    concurrency: { type: "string", default: "16" },
  },
});
const skills = Number(values.skills);
const cases = Number(values.cases);
const MODELS = ["claude-sonnet-5", "claude-haiku-4-5", "claude-opus-4-8"];

const dir = await mkdtemp(join(tmpdir(), "skillbench-bench-scale-"));
const sim = await startSimProcess(["--latency", "0-1"]);
try {
  await writeProject(dir, { skills, cases, models: MODELS, extraConfig: `judge: { model: claude-opus-5 }\nconcurrency: ${values.concurrency}\n` });
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const result = await runPipeline({
    root: dir,
    mode: "baseline",
    skills: "all",
    commit: null,
    client: modelClientFactory("bench", quietLogger),
    store: null,
    git: null,
    log: quietLogger,
    defaultCachePath: false,
    overrides: { apiBaseUrl: { value: sim.url, source: "bench" } },
  });
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const calls = result.report?.totals.calls ?? 0;
  const peakMb = process.resourceUsage().maxRSS / 1024;
  const lost = result.report?.skills.flatMap((s) => s.results).filter((r) => r.error !== null || !r.judged).length ?? 0;
  process.stdout.write(
    `skillbench at scale: ${skills} skills x ${cases} cases x ${MODELS.length} models, near-zero latency, concurrency ${values.concurrency}, ` +
      `simulator in another process\n\n` +
      `${markdownTable([
        ["pairs", "calls", "lost pairs", "wall time", "CPU", "CPU per call", "peak RSS"],
        [String(result.plan.length), String(calls), String(lost), `${seconds.toFixed(1)} s`, `${(cpuMs / 1000).toFixed(1)} s`, `${(cpuMs / Math.max(1, calls)).toFixed(3)} ms`, `${peakMb.toFixed(0)} MB`],
      ])}\n`,
  );
  const setting = `${skills} skills x ${cases} cases x ${MODELS.length} models, near-zero latency`;
  await recordFigures([
    { scenario: "scale", figure: "CPU per call (engine)", value: `${(cpuMs / Math.max(1, calls)).toFixed(3)} ms`, setting },
    { scenario: "scale", figure: "peak RSS", value: `${peakMb.toFixed(0)} MB`, setting },
  ]);
} finally {
  await sim.close();
  await rm(dir, { recursive: true, force: true });
}
