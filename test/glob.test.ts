// The glob rules skillbench.yml's `benchmarks` and `skill-dirs` follow (picomatch, bash semantics), and how the
// walk treats links to folders. Real files and real symlinks in temporary trees.
import { mkdir, symlink, writeFile } from "node:fs/promises";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { findFiles, matchGlob, type GlobRefusal } from "../src/glob.js";

const temps: string[] = [];
afterEach(async () => {
  await Promise.all(temps.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tree(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "skillbench-glob-"));
  temps.push(root);
  for (const [file, text] of Object.entries(files)) {
    await mkdir(join(root, file, ".."), { recursive: true });
    await writeFile(join(root, file), text);
  }
  return root;
}

describe("matchGlob", () => {
  it.each([
    // `*` and `**` do not match names starting with a dot unless the pattern names the dot.
    ["benchmarks/*.yml", "benchmarks/.draft.yml", false],
    ["benchmarks/**/*.yml", "benchmarks/.wip/a.yml", false],
    ["benchmarks/.*.yml", "benchmarks/.draft.yml", true],
    [".claude/skills/**/SKILL.md", ".claude/skills/a/SKILL.md", true],
    // Character classes.
    ["benchmarks/[ab].yml", "benchmarks/a.yml", true],
    ["benchmarks/[ab].yml", "benchmarks/b.yml", true],
    ["benchmarks/[ab].yml", "benchmarks/c.yml", false],
    ["benchmarks/[^ab].yml", "benchmarks/c.yml", true],
    ["benchmarks/v[0-9].yml", "benchmarks/v7.yml", true],
  ])("%s against %s is %s", (pattern, file, expected) => {
    expect(matchGlob(pattern, file)).toBe(expected);
  });
});

describe("findFiles", () => {
  it("skips dotfiles for `*` and lists [ab] classes", async () => {
    const root = await tree({ "b/a.yml": "", "b/b.yml": "", "b/c.yml": "", "b/.hidden.yml": "", "b/.cache/x.yml": "" });
    expect(await findFiles(root, ["b/**/*.yml"])).toEqual(["b/a.yml", "b/b.yml", "b/c.yml"]);
    expect(await findFiles(root, ["b/[ab].yml"])).toEqual(["b/a.yml", "b/b.yml"]);
  });

  it("a symlinked folder inside the repository is neither a file nor refused, and is not followed", async () => {
    const root = await tree({ "shared/x.yml": "", "benchmarks/real.yml": "" });
    await symlink(join(root, "shared"), join(root, "benchmarks/linked"));
    await symlink(join(root, "benchmarks"), join(root, "benchmarks/loop"));
    const refusals: GlobRefusal[] = [];
    expect(await findFiles(root, ["benchmarks/*", "benchmarks/**/*.yml"], (r) => refusals.push(r))).toEqual(["benchmarks/real.yml"]);
    expect(refusals).toEqual([]);
  });

  it("a link to a file inside the repository still matches; one leaving it is refused", async () => {
    const root = await tree({ "shared/x.yml": "", "benchmarks/real.yml": "" });
    const outside = await tree({ "secret.yml": "token" });
    await symlink(join(root, "shared/x.yml"), join(root, "benchmarks/x.yml"));
    await symlink(join(outside, "secret.yml"), join(root, "benchmarks/leak.yml"));
    const refusals: GlobRefusal[] = [];
    expect(await findFiles(root, ["benchmarks/*.yml"], (r) => refusals.push(r))).toEqual(["benchmarks/real.yml", "benchmarks/x.yml"]);
    expect(refusals.map((r) => [r.path, r.kind])).toEqual([["benchmarks/leak.yml", "outside"]]);
  });
});
