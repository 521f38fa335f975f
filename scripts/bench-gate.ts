// `npm run bench -- gate` (or `npx tsx scripts/bench-gate.ts`): how often the regression gate is right, measured
// by running the real pipeline (runPipeline, the CLI's engine) against the simulated Messages API with a seeded
// noisy judge (SimOptions.judgeNoise): every case has a true quality, every judgement adds N(0, sd) noise.
//
// Per (judge sd, cases) row it measures, with 95% Wilson intervals:
//   - harmless PR, one skill: a comment in the skill changes; true quality is unchanged. How often it fails.
//   - true drop, one skill: the skill gains `sim:drop=10` (or 20); how often the gate catches it (regressed).
//   - harmless PR re-running 20 skills (as any skillbench.yml edit does): how often the whole run fails.
//   - cost: mean total USD of a one-skill PR run (report totals), and its multiple of today's default settings.
// Each trial is a nightly baseline run (mode baseline) then a PR run (mode pr, the changed skill selected as a
// pull request's file list selects it). The baseline lives in an in-memory BaselineStore that writes and reads
// the baseline branch's own files (src/baseline/format.ts, read.ts, merge.ts) without git: the store is not what is
// measured.
// Prints figures; asserts nothing.
//
//   npx tsx scripts/bench-gate.ts [--trials 60] [--run-trials 6] [--rows 5:6,10:3,10:6,10:10,15:6]
//     [--run-skills 20] [--seed gate] [--config extra.yml] [--parallel 6] [--concurrency 32]
import { mkdir, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { readFileSync } from "node:fs";
import { markdownTable } from "markdown-table";
import { createModelClient } from "../src/anthropic.js";
import { contributionFromReport } from "../src/baseline/contribution.js";
import { filesForWrite } from "../src/baseline/format.js";
import { applyRun } from "../src/baseline/merge.js";
import { parseBranch, toSnapshot } from "../src/baseline/read.js";
import { runPipeline, type Logger } from "../src/pipeline.js";
import { Redactor } from "../src/redact.js";
import { startSimServer, type SimServer } from "../src/sim/server.js";
import type { BaselineSnapshot, BaselineStore, Mode, Report } from "../src/types.js";

const USAGE = `usage: npx tsx scripts/bench-gate.ts [options]   (or: npm run bench -- gate [options])
  --trials N        one-skill trials per row (each: harmless, -10 and -20 points PRs); default 60
  --run-trials N    20-skill PR runs per row; default 6
  --rows LIST       judge sd:cases pairs; default 5:6,10:3,10:6,10:10,15:6
  --run-skills N    skills in the run-level scenario; default 20
  --seed S          noise and case seed; default "gate"
  --config FILE     YAML appended to every trial's skillbench.yml (new settings to measure); the cost multiple is
                    then taken against a run with today's settings (adaptive: false)
  --parallel N      PR runs in flight at once; default 6
  --concurrency N   model calls in flight per run (config key concurrency); default 32
`;

const { values } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== "gate"),
  options: {
    trials: { type: "string", default: "60" },
    "run-trials": { type: "string", default: "6" },
    rows: { type: "string", default: "5:6,10:3,10:6,10:10,15:6" },
    "run-skills": { type: "string", default: "20" },
    seed: { type: "string", default: "gate" },
    config: { type: "string" },
    parallel: { type: "string", default: "6" },
    concurrency: { type: "string", default: "32" },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

function positiveInt(name: string, text: string, allowZero = false): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < (allowZero ? 0 : 1)) {
    process.stderr.write(`--${name}: expected a ${allowZero ? "non-negative" : "positive"} integer, got "${text}"\n${USAGE}`);
    process.exit(2);
  }
  return value;
}

const trials = positiveInt("trials", values.trials);
const runTrials = positiveInt("run-trials", values["run-trials"], true);
const runSkills = positiveInt("run-skills", values["run-skills"]);
const parallel = positiveInt("parallel", values.parallel);
const concurrency = positiveInt("concurrency", values.concurrency);
const seed = values.seed;
const extraConfig = values.config === undefined ? "" : readFileSync(values.config, "utf8");
/** Today's settings, the cost reference: one generation and one judgement per pair, no adaptive rounds. */
const TODAY = "adaptive: false\n";
const rows = values.rows.split(",").map((pair) => {
  const [sd, cases] = pair.split(":").map(Number);
  if (sd === undefined || cases === undefined || !(sd >= 0) || !Number.isInteger(cases) || cases < 1) {
    process.stderr.write(`--rows: expected sd:cases pairs like 10:6, got "${pair}"\n${USAGE}`);
    process.exit(2);
  }
  return { sd, cases };
});

// ---------------------------------------------------------------------------------------------------------
// The baseline branch, in memory

/** The baseline branch's files in a Map: the git store's layout, merge and parse, without git. */
class MemoryBaselineStore implements BaselineStore {
  private files = new Map<string, string>();
  private commits = 0;
  constructor(private readonly branch: string) {}

  async read(): Promise<BaselineSnapshot> {
    const commit = this.commits === 0 ? null : `memory-${this.commits}`;
    return toSnapshot(this.branch, commit, parseBranch(this.files));
  }

  async write(report: Report): Promise<{ commit: string; attempts: number }> {
    const parsed = parseBranch(this.files);
    const contribution = contributionFromReport(report, `run-${this.commits + 1}`);
    const merged = applyRun(parsed.data, parsed.data, contribution, 365);
    for (const [path, text] of filesForWrite(merged, contribution.skills.map((s) => s.skill))) this.files.set(path, text);
    this.commits += 1;
    return { commit: `memory-${this.commits}`, attempts: 1 };
  }
}

// ---------------------------------------------------------------------------------------------------------
// Throwaway projects

const silent: Logger = { info: () => undefined, warning: () => undefined, error: () => undefined, debug: () => undefined };

interface Project {
  dir: string;
  store: MemoryBaselineStore;
  skillPath(i: number): string;
}

function skillText(i: number, variant: "base" | "harmless" | "drop10" | "drop20"): string {
  const revision = variant === "base" ? 1 : 2;
  const drop = variant === "drop10" ? "\n<!-- sim:drop=10 -->" : variant === "drop20" ? "\n<!-- sim:drop=20 -->" : "";
  return `# Skill ${i}\n\nAnswer the user's question precisely, in at most three sentences.\n<!-- revision ${revision} -->${drop}\n`;
}

/** A repository with `skills` skills of `cases` cases; `tag` makes its case inputs (true qualities) its own. */
async function makeProject(root: string, tag: string, skills: number, cases: number, config: string): Promise<Project> {
  const dir = await mkdtemp(join(root, "p-"));
  await mkdir(join(dir, "skills"));
  await mkdir(join(dir, "benchmarks"));
  await writeFile(join(dir, "skillbench.yml"), `concurrency: ${concurrency}\n${config}`);
  for (let i = 0; i < skills; i++) {
    await writeFile(join(dir, "skills", `s${i}.md`), skillText(i, "base"));
    const list = Array.from(
      { length: cases },
      (_, c) => `  - id: c${c}\n    input: "Question ${c} on topic ${tag}-${i}: how should retries, timeouts and idempotency interact?"`,
    ).join("\n");
    await writeFile(join(dir, "benchmarks", `s${i}.yml`), `skill: skills/s${i}.md\ncases:\n${list}\n`);
  }
  return { dir, store: new MemoryBaselineStore("skillbench-baseline"), skillPath: (i) => `skills/s${i}.md` };
}

/** Replaces a file by rename, so a concurrent run that loads the project never sees it half written. */
async function replaceFile(path: string, text: string): Promise<void> {
  await writeFile(`${path}.tmp`, text);
  await rename(`${path}.tmp`, path);
}

async function runOnce(sim: SimServer, project: Project, mode: Mode, changedFiles: string[] | null): Promise<Report> {
  const result = await runPipeline({
    root: project.dir,
    mode,
    skills: changedFiles === null ? "all" : "changed",
    changedFiles,
    commit: null,
    client: () => createModelClient({ apiKey: "sk-bench-gate", baseUrl: sim.url, maxRetries: 2, timeoutMs: 60_000 }),
    store: () => project.store,
    git: null,
    log: silent,
    redactor: Redactor.none,
  });
  return result.report;
}

// ---------------------------------------------------------------------------------------------------------
// Outcomes and rates

type Verdict = "pass" | "regressed" | "inconclusive" | "error";

interface Outcome {
  verdict: Verdict;
  costUsd: number;
  /** Some model's quality (not only a dimension or the cost) is among the regression reasons. */
  qualityFlagged: boolean;
}

/** The run's verdict: the report's `verdict` when this version has one, else `regressed` (today's report). */
function outcomeOf(report: Report): Outcome {
  const field = (report as unknown as { verdict?: unknown }).verdict;
  const verdict: Verdict =
    field === "pass" || field === "regressed" || field === "inconclusive" || field === "error"
      ? field
      : report.regressed
        ? "regressed"
        : report.totals.errors > 0 && report.totals.errors === report.totals.cases
          ? "error"
          : "pass";
  const qualityFlagged = report.skills.some((skill) =>
    skill.models.some((model) => model.regressions.some((reason) => reason.startsWith("quality "))),
  );
  return { verdict, costUsd: report.totals.costUsd, qualityFlagged };
}

let verdictFieldSeen = false;

async function pool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  });
  await Promise.all(workers);
}

/** 95% Wilson score interval for k successes in n trials, in percent. */
function wilson(k: number, n: number): [number, number] {
  if (n === 0) return [0, 100];
  const z = 1.96;
  const p = k / n;
  const denominator = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / denominator;
  return [Math.max(0, centre - half) * 100, Math.min(1, centre + half) * 100];
}

function rate(outcomes: Outcome[], verdict: Verdict): string {
  const n = outcomes.length;
  if (n === 0) return "-";
  const k = outcomes.filter((o) => o.verdict === verdict).length;
  const [low, high] = wilson(k, n);
  const inconclusive = outcomes.filter((o) => o.verdict === "inconclusive").length;
  const errors = outcomes.filter((o) => o.verdict === "error").length;
  const extra = [
    verdictFieldSeen ? `inconcl. ${Math.round((inconclusive / n) * 100)}%` : null,
    errors > 0 ? `error ${errors}` : null,
  ].filter((x) => x !== null);
  return `${Math.round((k / n) * 100)}% [${Math.round(low)}-${Math.round(high)}]${extra.length ? ` (${extra.join(", ")})` : ""}`;
}

/** The share of all outcomes (not only the failures) that flagged quality itself, as a percentage. */
function qualityShare(outcomes: Outcome[]): string {
  if (outcomes.length === 0) return "-";
  return `${Math.round((outcomes.filter((o) => o.qualityFlagged).length / outcomes.length) * 100)}%`;
}

function meanCost(outcomes: Outcome[]): number {
  return outcomes.reduce((sum, o) => sum + o.costUsd, 0) / Math.max(1, outcomes.length);
}

// ---------------------------------------------------------------------------------------------------------
// Scenarios

interface OneSkillResult {
  harmless: Outcome[];
  drop10: Outcome[];
  drop20: Outcome[];
  nightlyCostPerSkill: number;
}

/** `count` trials: one nightly over `count` skills, then per skill a harmless, a -10 and a -20 PR. */
async function oneSkillTrials(
  sim: SimServer,
  root: string,
  tag: string,
  cases: number,
  count: number,
  config: string,
  variants: readonly ("harmless" | "drop10" | "drop20")[],
): Promise<OneSkillResult> {
  const project = await makeProject(root, tag, count, cases, config);
  const nightly = outcomeOf(await runOnce(sim, project, "baseline", null));
  const result: OneSkillResult = { harmless: [], drop10: [], drop20: [], nightlyCostPerSkill: nightly.costUsd / count };
  await pool(
    Array.from({ length: count }, (_, i) => i),
    parallel,
    async (i) => {
      const path = join(project.dir, project.skillPath(i));
      for (const variant of variants) {
        await replaceFile(path, skillText(i, variant));
        const report = await runOnce(sim, project, "pr", [project.skillPath(i)]);
        if ((report as unknown as { verdict?: unknown }).verdict !== undefined) verdictFieldSeen = true;
        if (report.skills.length !== 1) throw new Error(`internal: a one-skill PR benchmarked ${report.skills.length} skills`);
        result[variant].push(outcomeOf(report));
      }
      await replaceFile(path, skillText(i, "base"));
    },
  );
  return result;
}

/** `count` PR runs that each re-run `skills` unchanged skills (as a skillbench.yml edit does), one nightly first. */
async function runLevelTrials(sim: SimServer, root: string, tag: string, cases: number, count: number): Promise<Outcome[]> {
  if (count === 0) return [];
  const project = await makeProject(root, tag, count * runSkills, cases, extraConfig);
  await runOnce(sim, project, "baseline", null);
  const outcomes: Outcome[] = [];
  await pool(
    Array.from({ length: count }, (_, r) => r),
    Math.max(1, Math.floor(parallel / 2)),
    async (r) => {
      const files = Array.from({ length: runSkills }, (_, s) => project.skillPath(r * runSkills + s));
      const report = await runOnce(sim, project, "pr", files);
      if (report.skills.length !== runSkills) throw new Error(`internal: the PR run benchmarked ${report.skills.length} skills`);
      outcomes.push(outcomeOf(report));
    },
  );
  return outcomes;
}

// ---------------------------------------------------------------------------------------------------------

const started = performance.now();
const root = await mkdtemp(join(tmpdir(), "skillbench-bench-gate-"));
const table: string[][] = [
  [
    "judge sd",
    "cases",
    "harmless PR fails (one skill)",
    "... with a quality flag",
    "true 10-point drop caught",
    "true 20-point drop caught",
    `harmless PR re-running ${runSkills} skills fails`,
    "PR run cost (one skill)",
    "cost x today",
  ],
];
let pairsJudged = 0;
try {
  for (const [index, row] of rows.entries()) {
    const rowSeed = `${seed}/sd${row.sd}/cases${row.cases}`;
    const sim = await startSimServer({ latencyMs: [0, 1], seed: rowSeed, judgeNoise: { sd: row.sd, seed: rowSeed } });
    try {
      const tag = `r${index}`;
      const one = await oneSkillTrials(sim, root, tag, row.cases, trials, extraConfig, ["harmless", "drop10", "drop20"]);
      const run = await runLevelTrials(sim, root, `${tag}run`, row.cases, runTrials);
      const cost = meanCost(one.harmless);
      let multiple = 1;
      if (extraConfig !== TODAY) {
        // Token counts barely depend on the noise: a few trials with today's settings give the reference cost.
        const reference = await oneSkillTrials(sim, root, `${tag}ref`, row.cases, Math.min(trials, 4), TODAY, ["harmless"]);
        multiple = cost / meanCost(reference.harmless);
      }
      pairsJudged += sim.requests.filter((r) => r.kind === "judge").length;
      table.push([
        String(row.sd),
        String(row.cases),
        rate(one.harmless, "regressed"),
        qualityShare(one.harmless),
        rate(one.drop10, "regressed"),
        rate(one.drop20, "regressed"),
        rate(run, "regressed"),
        `$${cost.toFixed(4)} (nightly $${one.nightlyCostPerSkill.toFixed(4)}/skill)`,
        `${multiple.toFixed(2)}x`,
      ]);
      process.stderr.write(`row ${index + 1}/${rows.length} (sd ${row.sd}, ${row.cases} cases) done at ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
    } finally {
      await sim.close();
    }
  }
} finally {
  await rm(root, { recursive: true, force: true });
}

const seconds = (performance.now() - started) / 1000;
process.stdout.write(
  `skillbench gate benchmark: the real pipeline (runPipeline) against the simulated Messages API, noisy judge\n` +
    `(each case has a true quality; each judgement adds N(0, sd) to quality and to each dimension), 2 models,\n` +
    `settings: ${extraConfig === "" ? "today's defaults" : `defaults + ${values.config}`}; seed "${seed}".\n` +
    `Trials per row: ${trials} one-skill trials (each a harmless, a -10 and a -20 PR against one nightly baseline),\n` +
    `${runTrials} PR runs of ${runSkills} skills. Cells: rate [95% Wilson interval]; "with a quality flag": harmless runs whose\n` +
    `reasons include quality itself (the other failures came from a dimension or the cost alone)` +
    `${verdictFieldSeen ? "; inconclusive verdicts are counted apart" : ""}. "caught" = regressed.\n` +
    `Baseline store: in memory, same file layout and merge as the baseline branch, without git (not what is measured).\n\n` +
    `${markdownTable(table)}\n\n` +
    `${pairsJudged} judgements in ${seconds.toFixed(0)} s.\n`,
);
