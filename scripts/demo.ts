// `npm run demo`: the real pipeline on this repository's example skills, against the local simulated Anthropic
// API (no key, no network). It plays both sides of the product in a throwaway copy with a bare `origin`:
//   1. a nightly run records the baseline on the skillbench-baseline branch;
//   2. a pull request edits one skill for the worse, and the PR run compares it with that baseline.
// Reports land in out/ (demo-report.json, demo-report.md).
import { execFileSync } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { main } from "../src/cli.js";
import { startSimServer } from "../src/sim/server.js";

const repoRoot = resolve(import.meta.dirname, "..");
const outDir = join(repoRoot, "out");

function git(cwd: string, ...args: string[]): void {
  execFileSync("git", args, { cwd, stdio: "ignore", env: { ...process.env, GIT_TERMINAL_PROMPT: "0" } });
}

function banner(text: string): void {
  process.stdout.write(`\n${"=".repeat(100)}\n${text}\n${"=".repeat(100)}\n`);
}

async function demo(): Promise<number> {
  const sim = await startSimServer({ latencyMs: [40, 160] });
  const sandbox = await mkdtemp(join(tmpdir(), "skillbench-demo-"));
  try {
    const origin = join(sandbox, "origin.git");
    const work = join(sandbox, "work");
    await mkdir(work);
    for (const entry of ["skills", "benchmarks", "schema", "skillbench.yml"]) {
      await cp(join(repoRoot, entry), join(work, entry), { recursive: true });
    }
    git(sandbox, "init", "-q", "--bare", "-b", "main", origin);
    git(work, "init", "-q", "-b", "main");
    git(work, "config", "user.name", "skillbench demo");
    git(work, "config", "user.email", "demo@skillbench.invalid");
    git(work, "add", "-A");
    git(work, "commit", "-q", "-m", "example skills");
    git(work, "remote", "add", "origin", origin);
    git(work, "push", "-q", "origin", "main");

    const io = {
      cwd: work,
      env: { ...process.env, ANTHROPIC_API_KEY: "sk-demo-not-a-real-key", ANTHROPIC_BASE_URL: sim.url },
      stdout: (text: string) => process.stdout.write(text),
      stderr: (text: string) => process.stderr.write(text),
      isTTY: Boolean(process.stderr.isTTY),
    };

    banner("1/3  Nightly run: benchmark every skill and record the baseline (skillbench run --mode baseline)");
    const nightly = await main(["run", "--mode", "baseline", "--report", join(outDir, "demo-baseline-report.json")], io);
    if (nightly !== 0) throw new Error(`the nightly run exited ${nightly}`);

    // A pull request that drops a rule from one skill. The simulated judge scores outputs around NN when the
    // request contains `sim:quality=NN`, which stands in for a real model getting worse at the task.
    git(work, "checkout", "-q", "-b", "shorter-commit-skill");
    const skillPath = join(work, "skills/commit-message/SKILL.md");
    const skill = await readFile(skillPath, "utf8");
    await writeFile(
      skillPath,
      `${skill.replace(/- Describe only what the diff shows\.[^\n]*\n[^\n]*\n/, "")}\n<!-- sim:quality=52 -->\n`,
    );
    git(work, "commit", "-q", "-am", "commit-message: drop the 'describe only the diff' rule");

    banner("2/3  Pull request: benchmark the changed skill and compare (skillbench run --base main)");
    const pr = await main(
      ["run", "--base", "main", "--report", join(outDir, "demo-report.json"), "--markdown", join(outDir, "demo-report.md")],
      io,
    );
    banner(
      pr === 1
        ? "The PR run exited 1: the regression gate would fail this pull request's check, as designed."
        : `The PR run exited ${pr}.`,
    );
    // 3. A pull request that only blurs a skill's description: nothing a generation sees changed, so only the
    // trigger queries run (no generation, no judge), against the base commit's catalogue.
    git(work, "checkout", "-q", "-b", "vague-description", "main");
    const threadPath = join(work, "skills/summarize-thread/SKILL.md");
    const thread = await readFile(threadPath, "utf8");
    await writeFile(threadPath, thread.replace(/^description: .*$/m, "description: Helps with text."));
    git(work, "commit", "-q", "-am", "summarize-thread: shorter description");
    banner("3/3  Pull request that only changes a description: trigger queries only (skillbench run --base main)");
    const described = await main(
      ["run", "--base", "main", "--report", join(outDir, "demo-triggers-report.json"), "--markdown", join(outDir, "demo-triggers-report.md")],
      io,
    );
    banner(described === 1 ? "The description-only PR exited 1: agents would no longer pick the skill." : `The description-only PR exited ${described}.`);
    process.stdout.write(
      `Simulated API served ${sim.requests.length} requests, at most ${sim.maxInFlight} at once.\n` +
        `Reports: ${join(outDir, "demo-report.json")} and ${join(outDir, "demo-report.md")}\n`,
    );
    return pr === 0 || pr === 1 ? 0 : pr;
  } finally {
    await sim.close();
    await rm(sandbox, { recursive: true, force: true });
  }
}

process.exitCode = await demo();
