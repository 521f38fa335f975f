// Shared by the bench scenarios: a synthetic project on disk, a quiet logger, the simulator in a child process,
// and the figures `npm run bench -- all` collects (each scenario appends its figures, as JSON lines, to the file
// named by SKILLBENCH_BENCH_FIGURES when that variable is set; alone, it only prints its own table).
import { spawn, type ChildProcess } from "node:child_process";
import { appendFile, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { modelClientFactory, type Logger, type PipelineOptions, type PipelineRunOptions } from "../src/pipeline.js";
import type { SimServer } from "../src/sim/server.js";

export interface Figure {
  scenario: string;
  figure: string;
  value: string;
  /** The sizes and settings the figure was measured at. */
  setting: string;
}

export async function recordFigures(figures: Figure[]): Promise<void> {
  const file = process.env.SKILLBENCH_BENCH_FIGURES;
  if (!file) return;
  await appendFile(file, figures.map((figure) => `${JSON.stringify(figure)}\n`).join(""), "utf8");
}

/**
 * The simulator's cache clock for a benchmark (SimOptions.cacheClock): the work done, not the wall time. Each request
 * that has arrived moves it by latency / concurrency ms, what it moves by on an idle machine at full concurrency; on
 * a loaded machine calls take longer than the latency, and wall time would expire entries a real run keeps.
 */
export function workClock(sim: () => SimServer | undefined, latencyMs: number, concurrency: number): () => number {
  return () => ((sim()?.requests.length ?? 0) * latencyMs) / Math.max(1, concurrency);
}

export const quietLogger: Logger = { info: () => undefined, warning: () => undefined, error: () => undefined, debug: () => undefined };

/** ~5,000 tokens of instructions, different per skill (a shared prefix would cache across skills). */
export function longSkill(index: number): string {
  const lines = [`# Skill ${index}`, "", `You handle support requests of kind ${index}. Follow every rule below.`, ""];
  for (let rule = 0; lines.join("\n").length < 20_000; rule += 1) {
    lines.push(`${rule + 1}. Rule ${rule} of skill ${index}: check the request for detail ${rule * 7 + index}, answer in plain words, and keep the customer's own terms.`);
  }
  return `${lines.join("\n")}\n`;
}

/**
 * `skills` prompt skills of `cases` short cases each, benchmarked on `models`, in `dir` (no git). Skills are one
 * short line unless `skillText` gives each one's text (e.g. longSkill).
 */
export async function writeProject(
  dir: string,
  options: {
    skills: number;
    cases: number;
    models: string[];
    extraConfig?: string;
    skillText?: (index: number) => string;
    /** Case `c` of skill `s`'s input (default "Question c for skill s?"). */
    caseInput?: (c: number, s: number) => string;
  },
): Promise<void> {
  await mkdir(join(dir, "skills"), { recursive: true });
  await mkdir(join(dir, "benchmarks"), { recursive: true });
  await writeFile(join(dir, "skillbench.yml"), `models: [${options.models.join(", ")}]\n${options.extraConfig ?? ""}`);
  for (let s = 0; s < options.skills; s += 1) {
    await writeFile(join(dir, "skills", `skill-${s}.md`), options.skillText?.(s) ?? `Answer question ${s} briefly and precisely.\n`);
    const input = options.caseInput ?? ((c: number) => `Question ${c} for skill ${s}?`);
    const list = Array.from({ length: options.cases }, (_, c) => `  - id: c${c}\n    input: "${input(c, s)}"`).join("\n");
    await writeFile(join(dir, "benchmarks", `skill-${s}.yml`), `skill: skills/skill-${s}.md\ncases:\n${list}\n`);
  }
}

/** The input of the long-skill benches' cases: a support request. */
export const supportRequest = (c: number, s: number): string => `Request ${c} for skill ${s}: my order is late.`;

/** The simulator as a separate process (src/sim/cli.ts), so this process's CPU and memory are the engine's alone. */
export async function startSimProcess(args: string[]): Promise<{ url: string; close: () => Promise<void> }> {
  const cli = fileURLToPath(new URL("../src/sim/cli.ts", import.meta.url));
  const child: ChildProcess = spawn(process.execPath, [...process.execArgv, cli, ...args], { stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on("line", (line) => {
      const match = /^SIM_URL=(.+)$/.exec(line);
      if (match?.[1]) resolve(match[1]);
    });
    child.once("exit", (code) => reject(new Error(`the simulator exited (${code}) before it listened`)));
  });
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

/**
 * Options of one bench run of the whole pipeline, as the CLI runs it: every skill of `root`, the API at `url`, no
 * git, no baseline store, no result cache, quiet; `more` adds to them (its overrides beside the API's address).
 */
export function benchRun(root: string, url: string, mode: PipelineOptions["mode"], more: Partial<PipelineRunOptions> = {}): PipelineRunOptions {
  return {
    root,
    mode,
    skills: "all",
    commit: null,
    client: modelClientFactory("bench", quietLogger),
    store: null,
    git: null,
    log: quietLogger,
    defaultCachePath: false,
    ...more,
    overrides: { apiBaseUrl: { value: url, source: "bench" }, ...more.overrides },
  };
}
