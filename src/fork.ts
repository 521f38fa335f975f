// Fork pull requests, in two workflows (README "Fork pull requests"):
// 1. `mode: fork-validate` runs in the fork's unprivileged pull_request workflow (no secrets): it validates the
//    project and copies the skill and benchmark files into a folder that the workflow uploads as an artifact,
//    with pull-request.txt naming the PR.
// 2. `skills-from: DIR` runs in a workflow_run workflow of the base repository (with the secret, on the default
//    branch's checkout): it lays that folder's files over the checkout as DATA. Only text files that are skills
//    or benchmarks are accepted (the config, workflows, scripts, package files are refused), each read through
//    RepoFiles rooted at the folder (realpath inside it, regular file, size cap, strict UTF-8) and written without
//    following a link in the checkout. Nothing from the fork is executed, and the config stays the base branch's.
import { lstat, mkdir, realpath, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { InputError, type InputIssue } from "./errors.js";
import { matchGlob } from "./glob.js";
import { RepoFiles } from "./repo-files.js";
import type { Config, Project } from "./types.js";

/** Folders whose text files are skills (Agent Skills folders and prompt files). */
export const SKILL_ROOTS = ["skills/", ".claude/skills/"] as const;
/** The only file types laid over the checkout: skill text and benchmark data. */
export const OVERLAY_EXTENSIONS = [".md", ".markdown", ".txt", ".yml", ".yaml", ".json"] as const;
/** In the artifact: the pull request's number (digits), written by fork-validate. */
export const PR_NUMBER_FILE = "pull-request.txt";
/** More files than this in an artifact is not a skill change. */
export const MAX_OVERLAY_FILES = 500;

/** Why a repository-relative path may not be laid over the checkout, or null when it may. */
export function overlayRefusal(rel: string, benchmarkGlobs: readonly string[]): string | null {
  const segments = rel.split("/");
  if (rel === "" || segments.some((s) => s === "" || s === "." || s === "..")) return "is not a plain relative path";
  if (segments.includes(".git")) return "is inside .git";
  const ext = path.posix.extname(rel).toLowerCase();
  if (!(OVERLAY_EXTENSIONS as readonly string[]).includes(ext)) {
    return `is not a skill or benchmark text file (allowed: ${OVERLAY_EXTENSIONS.join(", ")})`;
  }
  const isSkill = SKILL_ROOTS.some((root) => rel.startsWith(root));
  const isBenchmark = benchmarkGlobs.some((glob) => matchGlob(glob, rel));
  if (!isSkill && !isBenchmark) {
    return `is neither under ${SKILL_ROOTS.join(" or ")} nor a benchmark (${benchmarkGlobs.join(", ")}); the config and everything else come from the base branch`;
  }
  return null;
}

function issue(file: string, message: string, line: number | null = null): InputIssue {
  return { file, line, column: null, field: "", message };
}

/**
 * Copies the files a run of this project reads (benchmark files, skill files, the files of skill folders that are
 * allowed in an overlay) into `outDir`, and the PR number into pull-request.txt. Returns the copied paths.
 */
export async function exportPrFiles(options: {
  root: string;
  project: Project;
  outDir: string;
  prNumber: number | null;
  tracked?: ReadonlySet<string> | null;
}): Promise<string[]> {
  const { config } = options.project;
  const repo = await RepoFiles.open(options.root, { tracked: options.tracked ?? null });
  const wanted = new Set<string>();
  for (const benchmark of options.project.benchmarks) wanted.add(benchmark.path);
  for (const skill of options.project.skills.values()) {
    wanted.add(skill.path);
    if (skill.dir) {
      const listing = await repo.listFolder(skill.dir);
      if (listing.ok) for (const file of listing.files) wanted.add(file.path);
    }
  }
  const limit = { maxBytes: Math.max(config.limits.skillBytes, config.limits.benchmarkBytes), limitName: "the skill and benchmark file limits" };
  const copied: string[] = [];
  await rm(options.outDir, { recursive: true, force: true });
  await mkdir(options.outDir, { recursive: true });
  for (const rel of [...wanted].sort()) {
    if (overlayRefusal(rel, config.benchmarks) !== null) continue;
    const read = await repo.readText(rel, limit);
    if (!read.ok) continue;
    const target = path.join(options.outDir, ...rel.split("/"));
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, read.bytes);
    copied.push(rel);
  }
  if (options.prNumber !== null) await writeFile(path.join(options.outDir, PR_NUMBER_FILE), `${options.prNumber}\n`);
  return copied;
}

/** The PR number in the artifact's pull-request.txt, or null when absent. Anything but digits is refused. */
export async function readPrNumber(overlayDir: string): Promise<number | null> {
  const files = await RepoFiles.open(overlayDir);
  const read = await files.readText(PR_NUMBER_FILE, { maxBytes: 32, limitName: "32 bytes" });
  if (!read.ok) {
    if (read.kind === "missing") return null;
    throw new InputError([issue(`${overlayDir}/${PR_NUMBER_FILE}`, `${PR_NUMBER_FILE} ${read.problem}`)]);
  }
  const text = read.text.trim();
  if (!/^[1-9]\d{0,9}$/.test(text)) throw new InputError([issue(`${overlayDir}/${PR_NUMBER_FILE}`, "must hold a pull request number")]);
  return Number(text);
}

/** Inside `realRoot` and not in .git: the real path of every existing folder on the way to a written file. */
async function assertInside(realRoot: string, dir: string): Promise<void> {
  const real = await realpath(dir);
  const inside = path.relative(realRoot, real);
  if (inside.startsWith("..") || path.isAbsolute(inside) || inside.split(path.sep).includes(".git")) {
    throw new Error(`skills-from: ${path.relative(realRoot, dir)} resolves outside the checkout (${real}); nothing was written there`);
  }
}

/**
 * Lays the overlay folder's skill and benchmark files over the checkout at `root`. Every file of the folder must
 * be acceptable (else an InputError lists every refused file and nothing is written): a regular file inside the
 * folder (symlinks leaving it, FIFOs, devices refused), allowed by `overlayRefusal`, within the size limits, UTF-8.
 * Returns the repository-relative paths written (they count as tracked files for the run).
 */
export async function overlayPrFiles(options: { overlayDir: string; root: string; config: Config }): Promise<string[]> {
  const { config } = options;
  const source = await RepoFiles.open(options.overlayDir);
  const listing = await source.listFolder(".", { maxFiles: MAX_OVERLAY_FILES });
  const where = (rel: string) => `skills-from ${rel}`;
  if (!listing.ok) throw new InputError([issue(`skills-from ${options.overlayDir}`, `the folder ${listing.problem}`)]);
  const problems: InputIssue[] = listing.refused.map((r) => issue(where(r.path), `${r.path} ${r.problem}`));
  if (listing.truncated) problems.push(issue(where("."), `holds more than ${MAX_OVERLAY_FILES} files: not a skill change`));
  const accepted: { rel: string; bytes: Buffer }[] = [];
  for (const file of listing.files) {
    if (file.path === PR_NUMBER_FILE) continue;
    const refusal = overlayRefusal(file.path, config.benchmarks);
    if (refusal !== null) {
      problems.push(issue(where(file.path), `${file.path} ${refusal}`));
      continue;
    }
    const isSkill = SKILL_ROOTS.some((root) => file.path.startsWith(root));
    const limit = isSkill
      ? { maxBytes: config.limits.skillBytes, limitName: "the skill file limit (limits.skill-bytes)" }
      : { maxBytes: config.limits.benchmarkBytes, limitName: "the benchmark file limit (limits.benchmark-bytes)" };
    const read = await source.readText(file.path, limit);
    if (!read.ok) {
      problems.push(issue(where(file.path), `${file.path} ${read.problem}`, read.line));
      continue;
    }
    accepted.push({ rel: file.path, bytes: read.bytes });
  }
  if (problems.length > 0) throw new InputError(problems);

  const realRoot = await realpath(options.root);
  for (const { rel, bytes } of accepted) {
    const target = path.join(realRoot, ...rel.split("/"));
    // Create the folders one by one, checking each: a link in the checkout never carries a write outside it.
    let dir = realRoot;
    for (const segment of rel.split("/").slice(0, -1)) {
      dir = path.join(dir, segment);
      await mkdir(dir).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== "EEXIST") throw error;
      });
      await assertInside(realRoot, dir);
    }
    const existing = await lstat(target).catch(() => null);
    if (existing?.isDirectory()) throw new InputError([issue(where(rel), `${rel} is a folder in the checkout`)]);
    // A link (or anything but a file) at the target is replaced, never written through.
    if (existing && !existing.isFile()) await rm(target, { force: true });
    await writeFile(target, bytes, { flag: existing?.isFile() ? "w" : "wx" });
  }
  return accepted.map((a) => a.rel);
}
