// Project assembly: the config (config.ts), every benchmark its globs find and every evals.json under the skill
// folders (benchmarks.ts), the skills they name (skills.ts), and the model ids they use, checked together into
// one Project. Every problem found anywhere is collected and thrown as one InputError.
import path from "node:path";
import { readBenchmark, readEvals, type BenchmarkRead, type SkillReference } from "./benchmarks.js";
import { openRepo, readConfig, type ConfigRead, type LoadOptions } from "./config.js";
import { formatIssue, InputError, type InputIssue } from "./errors.js";
import { findFiles, type GlobRefusal } from "./glob.js";
import { BUILTIN_PRICING, checkModelId, tierFromRates } from "./pricing.js";
import { MODEL_ID_PATTERN } from "./schemas.js";
import { AGENT_SKILL_FILE, EVALS_FILE, readSkill } from "./skills.js";
import type { RepoFiles } from "./repo-files.js";
import type { CatalogueEntry, Config, Price, Project, Skill } from "./types.js";
import { isRecord } from "./util.js";
import { issueAt, sortIssues } from "./yaml.js";

const MODEL_ID = new RegExp(MODEL_ID_PATTERN, "u");

/** The SKILL.md files a folder glob covers: `skills/**` finds `skills/**\/SKILL.md`. */
export function skillFileGlobs(dirs: readonly string[]): string[] {
  return dirs.map((dir) => {
    const trimmed = dir.replace(/\/+$/, "");
    return trimmed.endsWith(AGENT_SKILL_FILE) ? trimmed : `${trimmed}/${AGENT_SKILL_FILE}`;
  });
}

/** Loads the config, every benchmark its globs find, and every skill they name. Throws one InputError for all. */
export async function loadProject(root: string, options: LoadOptions = {}): Promise<Project> {
  const repo = await openRepo(root, options.tracked);
  const configRead = await readConfig(repo, options);
  const { limits } = configRead;
  const issues: InputIssue[] = [...configRead.issues];

  const refusals: GlobRefusal[] = [];
  const found = await findFiles(repo, configRead.benchmarkGlobs, (refusal) => refusals.push(refusal));
  // A glob that matches a file git does not track (in the action) skips it with a warning: such files are not the
  // repository's, and a build step may leave matching files around. Every other refusal is an error.
  issues.push(...refusals.filter((r) => r.kind !== "untracked").map((refusal) => globRefusalIssue(configRead, refusal)));
  const untracked = refusals.filter((r) => r.kind === "untracked").map((refusal) => globRefusalIssue(configRead, refusal));
  const files = found.filter((file) => file !== configRead.configPath);
  const reads = await Promise.all(files.map((file) => readBenchmark(repo, file, limits)));

  // Skills found under skill-dirs: an evals/evals.json beside a SKILL.md is a benchmark (skill-creator's format).
  const strict = options.strict === true || configRead.raw?.["strict"] === true;
  const warnings: InputIssue[] = [];
  const discovered = await findFiles(repo, skillFileGlobs(configRead.skillDirs), (refusal) => {
    if (refusal.kind !== "untracked") {
      warnings.push({ file: refusal.path, line: null, column: null, field: "", message: `skipped while looking for skills: it ${refusal.problem}` });
    }
  });
  const evalsFiles: string[] = [];
  for (const skillFile of discovered) {
    const evalsPath = `${path.posix.dirname(skillFile)}/${EVALS_FILE}`;
    if ((await repo.resolve(evalsPath)).ok) evalsFiles.push(evalsPath);
  }
  const evalsReads = await Promise.all(evalsFiles.map((file) => readEvals(repo, file, limits)));
  for (const read of evalsReads) warnings.push(...read.warnings);
  const allReads: BenchmarkRead[] = [...reads, ...evalsReads];
  const allFiles = [...files, ...evalsFiles];

  // One YAML benchmark per skill: a later file (by path) naming an already benchmarked skill is the problem. A
  // skill's evals/evals.json runs beside its YAML benchmark: they are two benchmarks with distinct case ids.
  const firstBenchmarkOf = new Map<string, string>();
  const referencesOf = new Map<string, SkillReference[]>();
  const referenceIssues = new Map<string, InputIssue[]>();
  for (const read of allReads) {
    const reference = read.reference;
    if (!reference) continue;
    const first = read.evals ? undefined : firstBenchmarkOf.get(reference.skillPath);
    if (first) {
      const issue = issueAt(
        reference.source,
        ["skill"],
        `skill "${reference.skillPath}" is benchmarked by both ${first} and ${reference.benchmark}; keep one benchmark per skill`,
      );
      referenceIssues.set(reference.benchmark, [...(referenceIssues.get(reference.benchmark) ?? []), issue]);
    } else if (!read.evals) {
      firstBenchmarkOf.set(reference.skillPath, reference.benchmark);
    }
    referencesOf.set(reference.skillPath, [...(referencesOf.get(reference.skillPath) ?? []), reference]);
  }

  const skillPaths = [...referencesOf.keys()].sort();
  const skillReads = await Promise.all(
    skillPaths.map((skillPath) => readSkill(root, skillPath, { repo, maxBytes: limits.skillBytes, strict })),
  );
  const skills = new Map<string, Skill>();
  const skillIssues: InputIssue[] = [];
  const skipped: { skill: string; reason: string }[] = [];
  const brokenIssues: InputIssue[] = [];
  skillPaths.forEach((skillPath, index) => {
    const read = skillReads[index];
    if (!read) return;
    if (read.skill) skills.set(skillPath, read.skill);
    warnings.push(...read.warnings);
    if (read.issues.length > 0) {
      if (read.issues.some((issue) => issue.rule !== undefined)) {
        // strict: a tolerated deviation is the user's chosen error, for the whole run.
        skillIssues.push(...read.issues);
      } else {
        // A broken skill (unparsable frontmatter, unreadable file) stops only itself: the others still run.
        brokenIssues.push(...read.issues);
        const more = read.issues.length > 1 ? ` (and ${read.issues.length - 1} more problem(s))` : "";
        skipped.push({ skill: skillPath, reason: `could not be loaded: ${formatIssue(read.issues[0] as InputIssue)}${more}` });
      }
    }
    if (read.pathProblem !== null) {
      // A skill that cannot be found is the benchmark's mistake: point at its `skill:` line.
      for (const reference of referencesOf.get(skillPath) ?? []) {
        const issue = issueAt(reference.source, ["skill"], read.pathProblem);
        referenceIssues.set(reference.benchmark, [...(referenceIssues.get(reference.benchmark) ?? []), issue]);
      }
    }
  });

  allFiles.forEach((file, index) => {
    issues.push(...sortIssues([...(allReads[index]?.issues ?? []), ...(referenceIssues.get(file) ?? [])]));
  });
  issues.push(...skillIssues);

  const models = modelIdIssues(configRead, reads, options.pricing ?? BUILTIN_PRICING);
  issues.push(...models.errors);

  // Trigger evaluation shows the model a catalogue: a skill without a description cannot be picked from it.
  const withTriggers = allReads.filter((read) => read.benchmark?.triggers && read.reference);
  for (const read of withTriggers) {
    const skill = read.benchmark ? skills.get(read.benchmark.skillPath) : undefined;
    if (read.reference && skill && !skill.description?.trim()) {
      issues.push(
        issueAt(
          read.reference.source,
          ["triggers"],
          `${skill.path} has no description: an agent picks a skill from its catalogue by name and description, ` +
            "so triggers need a skill with a description (a SKILL.md, or frontmatter with one)",
          "key",
        ),
      );
    }
  }
  const catalogue =
    withTriggers.length > 0 ? await loadCatalogue(root, repo, discovered, skills, limits, warnings) : undefined;

  const benchmarkedSkills = new Set(allReads.flatMap((read) => (read.reference ? [read.reference.skillPath] : [])));
  // When the run cannot start anyway, every problem is listed at once, the broken skills' too.
  if (issues.length > 0 || !configRead.config) throw new InputError([...issues, ...brokenIssues]);
  const config = options.strict ? { ...configRead.config, strict: true } : configRead.config;
  const benchmarks = allReads.flatMap((read) => (read.benchmark && skills.has(read.benchmark.skillPath) ? [read.benchmark] : []));
  return {
    config,
    benchmarks,
    skills,
    warnings: [...untracked, ...models.warnings, ...warnings],
    skipped,
    rawConfig: configRead.raw,
    unbenchmarked: discovered.filter((file) => !benchmarkedSkills.has(file)).sort(),
    ...(catalogue ? { catalogue } : {}),
  };
}

/** A benchmark glob's folder or match that was refused, located at the glob in the config when it is there. */
function globRefusalIssue(configRead: ConfigRead, refusal: GlobRefusal): InputIssue {
  const what = refusal.base ? `the folder "${refusal.path}"` : `"${refusal.path}"`;
  const message = `${what} (found by the benchmark glob "${refusal.pattern}") ${refusal.problem}`;
  const globs = configRead.raw?.["benchmarks"];
  const index = Array.isArray(globs) ? globs.indexOf(refusal.pattern) : -1;
  if (configRead.source && index >= 0) return issueAt(configRead.source, ["benchmarks", index], message);
  return { file: refusal.path, line: null, column: null, field: "", message };
}

/** Where a model id was written, to locate a message about it. */
interface ModelIdUse {
  id: string;
  at: (message: string) => InputIssue;
}

/**
 * Every model id the run would call (candidates from the config, the overrides and each benchmark, the judge),
 * checked against the known models before anything is spent. A clear typo of a known id is an error with a "did you
 * mean"; an unknown id that may be a newer model (or a proxy's own) is a warning.
 */
function modelIdIssues(
  configRead: ConfigRead,
  reads: BenchmarkRead[],
  builtIn: Record<string, Price>,
): { errors: InputIssue[]; warnings: InputIssue[] } {
  const uses: ModelIdUse[] = [];
  const { source, raw, overrides } = configRead;
  const fromOverride = (entry: { value: string; source: string }) => (message: string): InputIssue => ({
    file: entry.source,
    line: null,
    column: null,
    field: "",
    message,
  });
  const modelsOverride = overrides.models?.value.trim() ? overrides.models : undefined;
  if (modelsOverride) {
    for (const id of modelsOverride.value.split(/[\s,]+/).filter((m) => m !== "")) uses.push({ id, at: fromOverride(modelsOverride) });
  } else if (source && Array.isArray(raw?.["models"])) {
    raw["models"].forEach((id: unknown, index) => {
      if (typeof id === "string") uses.push({ id, at: (message) => issueAt(source, ["models", index], message) });
    });
  }
  const judgeOverride = overrides.judgeModel?.value.trim() ? overrides.judgeModel : undefined;
  if (judgeOverride) {
    uses.push({ id: judgeOverride.value.trim(), at: fromOverride(judgeOverride) });
  } else if (source && isRecord(raw?.["judge"]) && typeof raw["judge"]["model"] === "string") {
    uses.push({ id: raw["judge"]["model"], at: (message) => issueAt(source, ["judge", "model"], message) });
  }
  for (const read of reads) {
    if (!read.models || !Array.isArray(read.models.value)) continue;
    const benchmarkSource = read.models.source;
    read.models.value.forEach((id: unknown, index) => {
      if (typeof id === "string") uses.push({ id, at: (message) => issueAt(benchmarkSource, ["models", index], message) });
    });
  }

  // The ids the user priced are known too, whatever else is wrong with the config.
  const table: Record<string, Price> = { ...builtIn };
  const pricing = raw?.["pricing"];
  const priced = pricing && typeof pricing === "object" ? Object.keys(pricing) : [];
  for (const id of priced) table[id] ??= { ...tierFromRates(0, 0) };

  const errors: InputIssue[] = [];
  const warnings: InputIssue[] = [];
  const warned = new Set<string>();
  for (const use of uses) {
    if (!MODEL_ID.test(use.id)) continue; // the schema or the override check reports malformed ids
    const check = checkModelId(use.id, table);
    if (check.status === "known") continue;
    if (check.status === "typo") {
      errors.push(use.at(`"${use.id}" is not a known model id; did you mean ${check.suggestion}?`));
      continue;
    }
    const issue = use.at(
      `"${use.id}" is not a model skillbench knows` +
        (check.suggestion ? ` (did you mean ${check.suggestion}?)` : "") +
        `; it is used as written. If it is a new model, add its price under pricing: to silence this warning`,
    );
    const key = `${issue.file}\0${use.id}`;
    if (!warned.has(key)) warnings.push(issue);
    warned.add(key);
  }
  return { errors, warnings };
}


/**
 * The skill catalogue an agent sees: every loaded skill with a description, plus every SKILL.md found under
 * skill-dirs (benchmarked or not), by name. A prompt file without a description is not in it (an agent cannot pick
 * it); a skill that does not load is left out with a warning; a name used twice keeps the first path (sorted).
 */
async function loadCatalogue(
  root: string,
  repo: RepoFiles,
  discovered: readonly string[],
  skills: ReadonlyMap<string, Skill>,
  limits: Config["limits"],
  warnings: InputIssue[],
): Promise<CatalogueEntry[]> {
  const all = new Map<string, Pick<Skill, "name" | "description" | "path">>(skills);
  const others = discovered.filter((file) => !skills.has(file)).sort();
  const reads = await Promise.all(others.map((file) => readSkill(root, file, { repo, maxBytes: limits.skillBytes })));
  others.forEach((file, index) => {
    const read = reads[index];
    const first = read?.issues[0];
    if (read?.skill) all.set(file, read.skill);
    else if (first) warnings.push({ ...first, message: `left out of the trigger catalogue: ${first.message}` });
  });
  const byName = new Map<string, CatalogueEntry>();
  for (const skill of [...all.values()].sort((a, b) => a.path.localeCompare(b.path))) {
    const description = skill.description?.trim() ?? "";
    if (description === "") continue;
    const known = byName.get(skill.name);
    if (known) {
      warnings.push({ file: skill.path, line: null, column: null, field: "name", message: `has the same name as ${known.path} ("${skill.name}"): left out of the trigger catalogue` });
      continue;
    }
    byName.set(skill.name, { name: skill.name, description, path: skill.path });
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The line that names skills no benchmark measures, with how to add one; null when every skill has a benchmark.
 * A repository of skills with no benchmark at all (most public skill repositories) otherwise reads as "0 skills".
 */
export function unbenchmarkedNote(skills: readonly string[], shown = 8): string | null {
  if (skills.length === 0) return null;
  const names = skills.slice(0, shown).map((file) => path.posix.dirname(file)).join(", ");
  const more = skills.length > shown ? ` and ${skills.length - shown} more` : "";
  return (
    `${skills.length} skill(s) have no benchmark, so nothing measures them: ${names}${more}. ` +
    `Add <skill folder>/${EVALS_FILE} (skill-creator's format) or a benchmarks/<name>.yml with skill: and cases:.`
  );
}
