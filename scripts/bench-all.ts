// `npm run bench -- all`: every scenario once, with small sizes, each in its own process (so none inherits
// another's memory or JIT), then one table of the figures they recorded. Each scenario's own table goes to stderr
// as it runs. Batch (scripts/bench-batch.ts) is included when that file exists. Asserts nothing.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { markdownTable } from "markdown-table";
import type { Figure } from "./bench-support.js";

const BENCH = fileURLToPath(new URL("./bench.ts", import.meta.url));
const SCENARIOS: { name: string; args: string[] }[] = [
  { name: "throughput and rate limit", args: ["--skills", "10", "--cases", "6", "--latency", "200", "--levels", "16", "--rate-cases", "4"] },
  { name: "cache", args: ["cache", "--skills-list", "10"] },
  ...(existsSync(fileURLToPath(new URL("./bench-batch.ts", import.meta.url))) ? [{ name: "batch", args: ["batch"] }] : []),
  { name: "rerun", args: ["rerun", "--skills", "10", "--cases", "6"] },
  { name: "cost", args: ["cost", "--skills", "10", "--cases", "6"] },
  { name: "shard", args: ["shard", "--skills", "40", "--cases", "2", "--latency", "200"] },
  { name: "scale", args: ["scale", "--skills", "50"] },
];

function run(args: string[], figures: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...process.execArgv, BENCH, ...args], {
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env, SKILLBENCH_BENCH_FIGURES: figures },
    });
    child.stdout?.on("data", (chunk: Buffer) => process.stderr.write(chunk));
    child.once("exit", (code) => resolve(code ?? 1));
  });
}

const dir = await mkdtemp(join(tmpdir(), "skillbench-bench-all-"));
const file = join(dir, "figures.jsonl");
try {
  const failed: string[] = [];
  const silent: string[] = [];
  for (const scenario of SCENARIOS) {
    process.stderr.write(`\n== ${scenario.name}: npm run bench -- ${scenario.args.join(" ")}\n`);
    const before = existsSync(file) ? (await readFile(file, "utf8")).length : 0;
    const code = await run(scenario.args, file);
    const after = existsSync(file) ? (await readFile(file, "utf8")).length : 0;
    if (code !== 0) failed.push(`${scenario.name} (exit ${code})`);
    else if (after === before) silent.push(scenario.name);
  }
  const figures = existsSync(file)
    ? (await readFile(file, "utf8")).split("\n").filter((line) => line !== "").map((line) => JSON.parse(line) as Figure)
    : [];
  const date = new Date().toISOString().slice(0, 10);
  process.stdout.write(
    `\nskillbench figures (${date}, node ${process.version}, ${process.platform}/${process.arch})\n\n` +
      `${markdownTable([["scenario", "figure", "value", "measured at"], ...figures.map((f) => [f.scenario, f.figure, f.value, f.setting])])}\n`,
  );
  if (silent.length > 0) process.stdout.write(`\nNo figure recorded by: ${silent.join(", ")} (see their tables above).\n`);
  if (failed.length > 0) {
    process.stdout.write(`\nFailed: ${failed.join(", ")}\n`);
    process.exitCode = 1;
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
