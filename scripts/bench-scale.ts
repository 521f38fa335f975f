// `npm run bench -- scale [--skills 1000] [--cases 10] [--concurrency 16]`: the engine's own cost at scale. Asserts
// nothing. The engine runs as it ships: this file is bundled (esbuild, like dist/'s ncc bundle: no per-function
// name wrappers) and the bundle runs in a child `node` process, which reports its own figures. Measured under tsx
// instead, every function expression gets a keepNames wrapper (a property write per closure created) and the
// process carries tsx's transform caches and source maps: about 50 MB of RSS and a quarter of the live heap that
// users never pay. The simulator runs in a third process with near-zero latency, so the child's peak RSS and CPU
// time are the engine's (config load, planning, scheduling, the SDK, judging, aggregation, comparison).
// Figures: peak RSS (the process's maxRSS), RSS and V8 heap at the end of the run (before and after a full GC,
// the report still held: what the run keeps), CPU per call.
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { markdownTable } from "markdown-table";
import { runPipeline } from "../src/pipeline.js";
import { benchRun, recordFigures, startSimProcess, writeProject } from "./bench-support.js";

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
const SIM_ENV = "SKILLBENCH_BENCH_SCALE_SIM";

const simUrl = process.env[SIM_ENV];
if (simUrl) await measure(simUrl);
else await orchestrate();

/** The parent (under tsx): bundles this file, starts the simulator, runs the bundle in a child and waits. */
async function orchestrate(): Promise<void> {
  const self = fileURLToPath(import.meta.url);
  // Under node_modules, so the bundle's external packages resolve from the project's node_modules.
  const bundle = join(dirname(self), "..", "node_modules", ".cache", "skillbench-bench", "scale.mjs");
  await mkdir(dirname(bundle), { recursive: true });
  const { build } = await import("esbuild");
  await build({ entryPoints: [self], bundle: true, platform: "node", format: "esm", target: "node20", packages: "external", outfile: bundle, logLevel: "warning" });
  const sim = await startSimProcess(["--latency", "0-1"]);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(process.execPath, ["--expose-gc", bundle, ...process.argv.slice(2)], {
        env: { ...process.env, [SIM_ENV]: sim.url },
        stdio: ["ignore", "inherit", "inherit"],
      });
      child.once("error", reject);
      child.once("exit", resolve);
    });
    if (code !== 0) process.exitCode = 1;
  } finally {
    await sim.close();
  }
}

/** The child (the bundle): runs the engine against the simulator at `url` and prints and records its figures. */
async function measure(url: string): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
  const dir = await mkdtemp(join(tmpdir(), "skillbench-bench-scale-"));
  try {
    await writeProject(dir, { skills, cases, models: MODELS, extraConfig: `judge: { model: claude-opus-5 }\nconcurrency: ${values.concurrency}\n` });
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const result = await runPipeline(benchRun(dir, url, "baseline"));
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const calls = result.report?.totals.calls ?? 0;
    const peakMb = process.resourceUsage().maxRSS / 1024;
    const end = process.memoryUsage();
    gc?.();
    const kept = process.memoryUsage();
    const lost = result.report?.skills.flatMap((s) => s.results).filter((r) => r.error !== null || !r.judged).length ?? 0;
    process.stdout.write(
      `skillbench at scale: ${skills} skills x ${cases} cases x ${MODELS.length} models, near-zero latency, concurrency ${values.concurrency}, ` +
        `the engine bundled (as shipped) in its own process, simulator in another\n\n` +
        `${markdownTable([
          ["pairs", "calls", "lost pairs", "wall time", "CPU", "CPU per call", "peak RSS", "RSS at end", "heap at end", "heap kept (after GC)"],
          [
            String(result.plan.length),
            String(calls),
            String(lost),
            `${seconds.toFixed(1)} s`,
            `${(cpuMs / 1000).toFixed(1)} s`,
            `${(cpuMs / Math.max(1, calls)).toFixed(3)} ms`,
            `${peakMb.toFixed(0)} MB`,
            mb(end.rss),
            mb(end.heapUsed),
            gc ? mb(kept.heapUsed) : "n/a",
          ],
        ])}\n`,
    );
    const setting = `${skills} skills x ${cases} cases x ${MODELS.length} models, near-zero latency, engine bundled`;
    await recordFigures([
      { scenario: "scale", figure: "CPU per call (engine)", value: `${(cpuMs / Math.max(1, calls)).toFixed(3)} ms`, setting },
      { scenario: "scale", figure: "peak RSS", value: `${peakMb.toFixed(0)} MB`, setting },
      ...(gc ? [{ scenario: "scale", figure: "heap kept after the run (after GC)", value: mb(kept.heapUsed), setting }] : []),
    ]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
