import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Git } from "../src/git.js";
import { changedFilesSince, selectBenchmarks } from "../src/select.js";
import type { Benchmark, Skill } from "../src/types.js";
import { GIT_TEST_ENV, makeRepoWithOrigin, writeFiles, type RepoWithOrigin } from "./support/git-repo.js";

const FILES: Record<string, string> = {
  "skillbench.yml": "models: [claude-haiku-4-5]\n",
  "README.md": "# project\n",
  "docs/guide.md": "guide\n",
  "skills/alpha/SKILL.md": "---\nname: alpha\ndescription: a\n---\nDo alpha.\n",
  "skills/alpha/references/style.md": "style\n",
  "skills/beta/SKILL.md": "---\nname: beta\ndescription: b\n---\nDo beta.\n",
  "skills/beta-extra/notes.md": "a sibling folder whose name starts like beta's\n",
  "prompts/gamma.md": "Do gamma.\n",
  "benchmarks/alpha.yml": "skill: skills/alpha/SKILL.md\ncases: []\n",
  "benchmarks/beta.yml": "skill: skills/beta/SKILL.md\ncases: []\n",
  "benchmarks/gamma.yml": "skill: prompts/gamma.md\ncases: []\n",
};

function skill(path: string, dir: string | null): Skill {
  const name = dir ? (dir.split("/").pop() ?? path) : path;
  return {
    path,
    dir,
    name,
    description: null,
    format: dir ? "agent-skill" : "prompt",
    instructions: `Do ${name}.`,
    hash: `hash-of-${path}`,
  };
}

function benchmark(path: string, skillPath: string): Benchmark {
  return { path, skillPath, models: null, cases: [] };
}

const SKILLS = new Map<string, Skill>([
  ["skills/alpha/SKILL.md", skill("skills/alpha/SKILL.md", "skills/alpha")],
  ["skills/beta/SKILL.md", skill("skills/beta/SKILL.md", "skills/beta")],
  ["prompts/gamma.md", skill("prompts/gamma.md", null)],
]);
const BENCHMARKS = [
  benchmark("benchmarks/alpha.yml", "skills/alpha/SKILL.md"),
  benchmark("benchmarks/beta.yml", "skills/beta/SKILL.md"),
  benchmark("benchmarks/gamma.yml", "prompts/gamma.md"),
];

let repo: RepoWithOrigin;
let git: Git;
beforeEach(async () => {
  repo = await makeRepoWithOrigin(FILES);
  await repo.branch("feature");
  git = await Git.create(repo.dir, { extraEnv: GIT_TEST_ENV });
});
afterEach(async () => {
  await repo.cleanup();
});

async function selectedAfter(change: () => Promise<unknown>, configPath: string | null = "skillbench.yml") {
  await change();
  const changed = await changedFilesSince(git, "main");
  const selection = selectBenchmarks(BENCHMARKS, SKILLS, changed, configPath);
  return { changed, selection, paths: selection.selected.map((b) => b.path) };
}

describe("changed-skill selection against a real repository", () => {
  it("selects the skill whose file changed", async () => {
    const { changed, selection, paths } = await selectedAfter(() =>
      repo.commit("edit alpha", { "skills/alpha/SKILL.md": "---\nname: alpha\ndescription: a\n---\nDo alpha better.\n" }),
    );
    expect(changed).toEqual(["skills/alpha/SKILL.md"]);
    expect(paths).toEqual(["benchmarks/alpha.yml"]);
    expect(selection.reasons.get("benchmarks/alpha.yml")).toContain("skills/alpha/SKILL.md");
    expect(selection.skipped.map((s) => s.skill)).toEqual(["skills/beta/SKILL.md", "prompts/gamma.md"]);
  });

  it("selects a skill when a file in its folder changed (references/), not a sibling with a similar name", async () => {
    const { paths, selection } = await selectedAfter(() =>
      repo.commit("edit refs", { "skills/alpha/references/style.md": "new style\n", "skills/beta-extra/notes.md": "x\n" }),
    );
    expect(paths).toEqual(["benchmarks/alpha.yml"]);
    expect(selection.reasons.get("benchmarks/alpha.yml")).toContain("skills/alpha/references/style.md");
  });

  it("selects a skill when its benchmark changed", async () => {
    const { paths, selection } = await selectedAfter(() =>
      repo.commit("edit bench", { "benchmarks/gamma.yml": "skill: prompts/gamma.md\ncases: [{input: hi}]\n" }),
    );
    expect(paths).toEqual(["benchmarks/gamma.yml"]);
    expect(selection.reasons.get("benchmarks/gamma.yml")).toContain("benchmarks/gamma.yml");
  });

  it("selects every skill when the config file changed", async () => {
    const { paths, selection } = await selectedAfter(() =>
      repo.commit("edit config", { "skillbench.yml": "models: [claude-sonnet-5]\n" }),
    );
    expect(paths).toEqual(BENCHMARKS.map((b) => b.path));
    expect(selection.skipped).toEqual([]);
    for (const b of BENCHMARKS) expect(selection.reasons.get(b.path)).toContain("skillbench.yml");
  });

  it("selects every skill when the default config file was removed (configPath null)", async () => {
    const { paths } = await selectedAfter(() => repo.commit("drop config", {}, ["skillbench.yml"]), null);
    expect(paths).toEqual(BENCHMARKS.map((b) => b.path));
  });

  it("honours a custom config path and ignores skillbench.yml then", async () => {
    await writeFiles(repo.dir, { "ci/bench.yml": "models: [claude-haiku-4-5]\n" });
    await repo.git(["add", "-A"]);
    await repo.git(["commit", "-q", "-m", "custom config"]);
    await repo.git(["branch", "-f", "main", "HEAD"]);
    const onlyDefault = await selectedAfter(() => repo.commit("edit default", { "skillbench.yml": "x: 1\n" }), "ci/bench.yml");
    expect(onlyDefault.paths).toEqual([]);
    const custom = await selectedAfter(() => repo.commit("edit custom", { "ci/bench.yml": "x: 2\n" }), "ci/bench.yml");
    expect(custom.paths).toEqual(BENCHMARKS.map((b) => b.path));
  });

  it("selects nothing for unrelated changes and lists every skill as skipped", async () => {
    const { paths, selection } = await selectedAfter(() =>
      repo.commit("docs", { "README.md": "# project v2\n", "docs/guide.md": "guide v2\n" }),
    );
    expect(paths).toEqual([]);
    expect(selection.reasons.size).toBe(0);
    expect(selection.skipped.map((s) => s.skill).sort()).toEqual([...SKILLS.keys()].sort());
    for (const s of selection.skipped) expect(s.reason).toContain("unchanged");
  });

  it("counts both sides of a rename, even with rename detection configured on", async () => {
    await repo.git(["config", "diff.renames", "copies"]);
    const { changed, paths } = await selectedAfter(async () => {
      await repo.move("skills/alpha/references/style.md", "docs/style.md");
      await repo.move("docs/guide.md", "skills/beta/references/guide.md");
      await repo.git(["commit", "-q", "-m", "move files"]);
    });
    expect(changed).toEqual([
      "docs/guide.md",
      "docs/style.md",
      "skills/alpha/references/style.md",
      "skills/beta/references/guide.md",
    ]);
    expect(paths).toEqual(["benchmarks/alpha.yml", "benchmarks/beta.yml"]);
  });

  it("only counts committed changes since the merge base", async () => {
    // main moves on after the branch point: its change is not the branch's.
    await repo.checkout("main");
    await repo.commit("main edits beta", { "skills/beta/SKILL.md": "changed on main\n" });
    await repo.checkout("feature");
    await repo.commit("feature edits gamma", { "prompts/gamma.md": "Do gamma now.\n" });
    // Uncommitted and staged edits are not part of the comparison.
    await writeFiles(repo.dir, { "skills/alpha/SKILL.md": "uncommitted\n", "benchmarks/beta.yml": "staged\n" });
    await repo.git(["add", "benchmarks/beta.yml"]);
    const changed = await changedFilesSince(git, "main");
    expect(changed).toEqual(["prompts/gamma.md"]);
    const selection = selectBenchmarks(BENCHMARKS, SKILLS, changed, "skillbench.yml");
    expect(selection.selected.map((b) => b.path)).toEqual(["benchmarks/gamma.yml"]);
  });

  it("reports unusual file names verbatim, repository-relative", async () => {
    await repo.git(["config", "diff.relative", "true"]);
    git = await Git.create(`${repo.dir}/docs`, { extraEnv: GIT_TEST_ENV });
    const changed = await (async () => {
      await repo.commit("odd names", { "skills/alpha/references/naïve file.md": "x\n", "docs/tab\there.md": "y\n" });
      return changedFilesSince(git, "main");
    })();
    expect(changed).toEqual(["docs/tab\there.md", "skills/alpha/references/naïve file.md"]);
  });

  it("names a base ref that does not resolve", async () => {
    await expect(changedFilesSince(git, "origin/no-such-branch")).rejects.toThrow(
      'base ref "origin/no-such-branch" does not resolve to a commit',
    );
  });

  it("works against a remote-tracking base after a fetch", async () => {
    await repo.commit("edit beta", { "skills/beta/SKILL.md": "new beta\n" });
    await repo.git(["fetch", "-q", "origin"]);
    const changed = await changedFilesSince(git, "origin/main");
    expect(changed).toEqual(["skills/beta/SKILL.md"]);
  });
});

describe("selectBenchmarks without git", () => {
  it("keeps a skill with several benchmarks out of skipped when one of them is selected", () => {
    const benchmarks = [...BENCHMARKS, benchmark("benchmarks/alpha-long.yml", "skills/alpha/SKILL.md")];
    const selection = selectBenchmarks(benchmarks, SKILLS, ["benchmarks/alpha-long.yml"], "skillbench.yml");
    expect(selection.selected.map((b) => b.path)).toEqual(["benchmarks/alpha-long.yml"]);
    expect(selection.skipped.map((s) => s.skill)).toEqual(["skills/beta/SKILL.md", "prompts/gamma.md"]);
  });

  it("treats a skill folder at the repository root as containing every file", () => {
    const rootSkill = new Map<string, Skill>([["SKILL.md", skill("SKILL.md", "")]]);
    const selection = selectBenchmarks([benchmark("bench.yml", "SKILL.md")], rootSkill, ["scripts/run.sh"], null);
    expect(selection.selected).toHaveLength(1);
  });
});
