// Which benchmarks a pull request run needs: those whose skill file, skill folder or benchmark file changed
// since the merge base with the base branch; a changed config file changes everything.

import type { Benchmark, Skill } from "./types.js";
import type { GitRunner } from "./git.js";

const DEFAULT_CONFIG_PATH = "skillbench.yml";

/**
 * Files changed by the commits between merge-base(baseRef, HEAD) and HEAD, repository-relative with POSIX
 * separators. Uncommitted changes are not included. Renames list both the old and the new path. Fetching
 * baseRef is the caller's job.
 */
export async function changedFilesSince(git: GitRunner, baseRef: string): Promise<string[]> {
  const resolved = await git.exec(["rev-parse", "--verify", "--quiet", "--end-of-options", `${baseRef}^{commit}`], {
    allowFailure: true,
  });
  if (resolved.code !== 0 || resolved.stdout.trim() === "") {
    throw new Error(
      `base ref "${baseRef}" does not resolve to a commit in this repository; fetch it first ` +
        `(for example \`git fetch origin ${baseRef.replace(/^origin\//, "")}\`)`,
    );
  }
  const base = resolved.stdout.trim();
  const mergeBase = await git.exec(["merge-base", base, "HEAD"], { allowFailure: true });
  if (mergeBase.code !== 0 || mergeBase.stdout.trim() === "") {
    throw new Error(
      `base ref "${baseRef}" and HEAD have no common ancestor in this repository` +
        " (a shallow checkout? fetch more history, e.g. actions/checkout with fetch-depth: 0)" +
        (mergeBase.stderr.trim() ? `: ${mergeBase.stderr.trim()}` : ""),
    );
  }
  // --no-renames reports a rename as a deletion plus an addition, so both paths are listed whatever the
  // repository's diff.renames setting; -z keeps unusual file names unquoted; --no-relative keeps paths
  // repository-relative even with diff.relative set.
  const diff = await git.exec([
    "diff",
    "--name-only",
    "--no-renames",
    "--no-relative",
    "--no-ext-diff",
    "-z",
    mergeBase.stdout.trim(),
    "HEAD",
    "--",
  ]);
  const files = diff.stdout.split("\0").filter((path) => path !== "");
  return [...new Set(files)].sort();
}

export interface Selection {
  selected: Benchmark[];
  skipped: { skill: string; reason: string }[];
  /** Keyed by benchmark path: why it was selected. */
  reasons: Map<string, string>;
}

function normalize(path: string): string {
  return path.replace(/\\/g, "/").replace(/^(\.\/)+/, "").replace(/\/+$/, "");
}

function isInside(file: string, dir: string): boolean {
  const folder = normalize(dir);
  return folder === "" || folder === "." || file.startsWith(`${folder}/`);
}

export function selectBenchmarks(
  benchmarks: Benchmark[],
  skills: Map<string, Skill>,
  changed: string[],
  configPath: string | null,
): Selection {
  const files = [...new Set(changed.map(normalize))].filter((f) => f !== "");
  const changedSet = new Set(files);
  // With no config file, a change to the default name can only be its removal (or an addition the config
  // loader did not see); either way every skill's settings may have changed.
  const config = normalize(configPath ?? DEFAULT_CONFIG_PATH);
  const configChanged = changedSet.has(config);

  const selected: Benchmark[] = [];
  const reasons = new Map<string, string>();
  for (const benchmark of benchmarks) {
    const skill = skills.get(benchmark.skillPath);
    const reason = reasonFor(benchmark, skill, files, changedSet, configChanged ? config : null);
    if (reason !== null) {
      selected.push(benchmark);
      reasons.set(benchmark.path, reason);
    }
  }

  const selectedSkills = new Set(selected.map((b) => b.skillPath));
  const skipped: Selection["skipped"] = [];
  for (const skill of new Set(benchmarks.map((b) => b.skillPath))) {
    if (!selectedSkills.has(skill)) skipped.push({ skill, reason: "unchanged since the base branch" });
  }
  return { selected, skipped, reasons };
}

function reasonFor(
  benchmark: Benchmark,
  skill: Skill | undefined,
  files: string[],
  changed: Set<string>,
  changedConfig: string | null,
): string | null {
  if (changedConfig !== null) return `config ${changedConfig} changed`;
  const skillPath = normalize(benchmark.skillPath);
  if (changed.has(skillPath)) return `skill file ${skillPath} changed`;
  if (skill?.dir != null) {
    const inFolder = files.filter((f) => isInside(f, skill.dir as string));
    if (inFolder.length > 0) {
      const more = inFolder.length > 1 ? ` and ${inFolder.length - 1} more` : "";
      return `${inFolder[0]} in the skill folder changed${more}`;
    }
  }
  const benchmarkPath = normalize(benchmark.path);
  if (changed.has(benchmarkPath)) return `benchmark ${benchmarkPath} changed`;
  return null;
}
