// npm run release-check: package.json, src/version.ts and CHANGELOG.md's top entry agree, and that entry is released.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs script without type declarations
import { changelogTop, versionProblems, versionTsVersion } from "../scripts/release-check.mjs";

type Problems = (root: string) => string[];
const problemsOf = versionProblems as Problems;
const dirs: string[] = [];

async function checkout(pkg: string, ts: string, changelog: string): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "release-check-"));
  dirs.push(root);
  await mkdir(join(root, "src"));
  await writeFile(join(root, "package.json"), JSON.stringify({ name: "skillbench", version: pkg }));
  await writeFile(join(root, "src", "version.ts"), `export const VERSION = "${ts}";\n`);
  await writeFile(join(root, "CHANGELOG.md"), `# Changelog\n\nIntro.\n\n${changelog}\n\n## [0.0.1] - 2026-01-01\n`);
  return root;
}

afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe("release-check versions", () => {
  it("passes when all three agree and the top entry has a date", async () => {
    expect(problemsOf(await checkout("1.2.3", "1.2.3", "## [1.2.3] - 2026-11-30"))).toEqual([]);
  });

  it.each([
    ["1.2.3", "1.2.2", "## [1.2.3] - 2026-11-30", /src\/version\.ts VERSION 1\.2\.2 differs from package\.json version 1\.2\.3/],
    ["1.2.3", "1.2.3", "## [1.2.4] - 2026-11-30", /top entry is 1\.2\.4, package\.json version is 1\.2\.3/],
    ["1.2.3", "1.2.3", "## 1.2.3 (unreleased)", /is not released/],
  ])("fails: package %s, version.ts %s, %s", async (pkg, ts, entry, message) => {
    expect(problemsOf(await checkout(pkg, ts, entry)).join("\n")).toMatch(message);
  });

  it("parses the sources as they are written in this repository", () => {
    expect(versionTsVersion('export const VERSION = "0.1.0";')).toBe("0.1.0");
    expect(changelogTop("# C\n## 0.2.0 (unreleased)\n## [0.1.0] - 2026-11-21")).toEqual({ line: "## 0.2.0 (unreleased)", version: "0.2.0", released: false });
  });
});
