// Which benchmarks a pull request run needs: those whose skill file, skill folder or benchmark file changed
// since the merge base with the base branch; a changed config file changes everything.

import { matchGlob } from "./glob.js";
import { parseYaml } from "./yaml.js";
import { parseSkill } from "./skills.js";
import type { Benchmark, CaseResult, Skill } from "./types.js";
import type { GitRunner } from "./git.js";
import { isInside } from "./util.js";

const DEFAULT_CONFIG_PATH = "skillbench.yml";
const ALTERNATE_CONFIG_PATH = "skillbench.yaml";

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
  const configChanged = changedSet.has(config) || (configPath === null && changedSet.has(ALTERNATE_CONFIG_PATH));

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

/** Whether a `--skills` name or glob picks this skill: its name, folder name, folder, SKILL.md path or benchmark path. */
export function skillMatches(pattern: string, skill: Skill | undefined, benchmark: Benchmark): boolean {
  const candidates = [benchmark.skillPath, benchmark.path];
  if (skill) {
    candidates.push(skill.name);
    if (skill.dir !== null && skill.dir !== ".") candidates.push(skill.dir, skill.dir.split("/").pop() ?? skill.dir);
  }
  return candidates.some((candidate) => candidate === pattern || matchGlob(pattern, candidate));
}

/**
 * The benchmarks `--skills NAME|GLOB,...` and `--cases ID|GLOB,...` pick, cases filtered; benchmarks left with no
 * case are dropped. `unmatched` lists the patterns that picked nothing (the caller reports them as input errors).
 */
export function filterBenchmarks(
  benchmarks: Benchmark[],
  skills: Map<string, Skill>,
  filter: { skills?: string[] | null; cases?: string[] | null },
): { selected: Benchmark[]; unmatchedSkills: string[]; unmatchedCases: string[] } {
  const skillPatterns = filter.skills ?? null;
  const casePatterns = filter.cases ?? null;
  const usedSkills = new Set<string>();
  const usedCases = new Set<string>();
  const selected: Benchmark[] = [];
  for (const benchmark of benchmarks) {
    const skill = skills.get(benchmark.skillPath);
    if (skillPatterns) {
      const hits = skillPatterns.filter((pattern) => skillMatches(pattern, skill, benchmark));
      if (hits.length === 0) continue;
      for (const hit of hits) usedSkills.add(hit);
    }
    if (!casePatterns) {
      selected.push(benchmark);
      continue;
    }
    const cases = benchmark.cases.filter((testCase) => {
      const hits = casePatterns.filter((pattern) => testCase.id === pattern || matchGlob(pattern, testCase.id));
      for (const hit of hits) usedCases.add(hit);
      return hits.length > 0;
    });
    if (cases.length > 0) selected.push({ ...benchmark, cases });
  }
  return {
    selected,
    unmatchedSkills: (skillPatterns ?? []).filter((pattern) => !usedSkills.has(pattern)),
    unmatchedCases: (casePatterns ?? []).filter((pattern) => !usedCases.has(pattern)),
  };
}

/**
 * Files of the skill's folder that the change touched but no case read with read_file (relative to the folder):
 * such an edit was never seen by a model, whatever the scores say. SKILL.md (always in the prompt) and evals/
 * (the cases themselves) are not listed; nor are files the folder no longer holds.
 */
export function untestedChanges(skill: Skill, changed: readonly string[], results: readonly CaseResult[]): string[] {
  if (skill.dir === null || skill.dir === "." || !skill.files || skill.files.length === 0) return [];
  const prefix = `${normalize(skill.dir)}/`;
  const present = new Set(skill.files.map((file) => file.path));
  const read = new Set(results.flatMap((result) => result.filesRead ?? []));
  return [...new Set(changed.map(normalize))]
    .filter((file) => file.startsWith(prefix))
    .map((file) => file.slice(prefix.length))
    .filter((file) => present.has(file) && !read.has(file))
    .sort();
}

/** A file's text at the base commit, or null when the base does not have it (or it cannot be read). */
export type ReadAtBase = (path: string) => Promise<string | null>;

/** What trigger evaluation a change needs (src/triggers.ts), beside the full runs of selectBenchmarks. */
export interface TriggerScope {
  /** Selected benchmarks whose change is only the skill's description and/or the trigger queries: triggers only. */
  triggerOnly: Map<string, string>;
  /** A skill file's description changed (or a skill came or went): every benchmark with triggers re-runs them. */
  descriptionsChanged: string[];
}

/**
 * Which selected benchmarks need only their trigger queries (the change touches nothing a generation sees: the
 * skill's frontmatter description, the benchmark's `triggers:`), and whether any description of the catalogue
 * changed (a sibling's description can take a skill's queries). Anything not shown to be trigger-only runs in full:
 * a config change, another file of the skill folder, a body or name change, a file missing on the base.
 */
export async function triggerScope(
  selection: Selection,
  skills: Map<string, Skill>,
  changed: readonly string[],
  catalogueSkills: readonly string[],
  reads: { base: ReadAtBase; head: ReadAtBase },
  configChanged: boolean,
): Promise<TriggerScope> {
  const readAtBase = reads.base;
  const head = reads.head;
  const files = [...new Set(changed.map(normalize))];
  const changedSet = new Set(files);
  const triggerOnly = new Map<string, string>();
  const descriptionOf = (path: string, text: string | null) => (text === null ? null : (parseSkill(path, text).skill?.description ?? "").trim());
  if (!configChanged) {
    for (const benchmark of selection.selected) {
      const skill = skills.get(benchmark.skillPath);
      const skillPath = normalize(benchmark.skillPath);
      const folderFiles = skill?.dir != null && skill.dir !== "." ? files.filter((f) => isInside(f, skill.dir as string) && f !== skillPath) : [];
      if (folderFiles.length > 0) continue;
      const parts: string[] = [];
      if (changedSet.has(skillPath)) {
        const baseText = await readAtBase(skillPath);
        const base = baseText === null ? null : parseSkill(skillPath, baseText).skill;
        if (!skill || !base || base.instructions !== skill.instructions || base.name !== skill.name || base.format !== skill.format) continue;
        if ((base.description ?? "") !== (skill.description ?? "")) parts.push("its description changed");
      }
      const benchmarkPath = normalize(benchmark.path);
      if (changedSet.has(benchmarkPath)) {
        const [baseText, headText] = await Promise.all([readAtBase(benchmarkPath), head(benchmarkPath)]);
        if (baseText === null || headText === null) continue;
        const withoutTriggers = (text: string) => {
          const value = parseYaml(benchmarkPath, text).value;
          if (!value || typeof value !== "object" || Array.isArray(value)) return null;
          const { triggers, ...rest } = value as Record<string, unknown>;
          return { rest: JSON.stringify(rest), triggers: JSON.stringify(triggers ?? null) };
        };
        const [was, now] = [withoutTriggers(baseText), withoutTriggers(headText)];
        if (!was || !now || was.rest !== now.rest) continue;
        if (was.triggers !== now.triggers) parts.push("its trigger queries changed");
      }
      triggerOnly.set(benchmark.path, parts.length > 0 ? parts.join(" and ") : "nothing a generation sees changed");
    }
  }
  const descriptionsChanged: string[] = [];
  for (const path of catalogueSkills.map(normalize).filter((p) => changedSet.has(p))) {
    const [baseText, headText] = await Promise.all([readAtBase(path), head(path)]);
    if (descriptionOf(path, baseText) !== descriptionOf(path, headText)) descriptionsChanged.push(path);
  }
  // A SKILL.md that is gone, or new, changes the catalogue too.
  for (const path of files.filter((f) => f.endsWith("/SKILL.md") && !catalogueSkills.map(normalize).includes(f))) {
    const [baseText, headText] = await Promise.all([readAtBase(path), head(path)]);
    if ((baseText === null) !== (headText === null)) descriptionsChanged.push(path);
  }
  return { triggerOnly, descriptionsChanged: [...new Set(descriptionsChanged)].sort() };
}
