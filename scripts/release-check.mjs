// `npm run release-check`: what must hold before a release is tagged (README "Versioning"):
// - dist/ is what `npm run bundle` builds from the sources (scripts/check-dist.mjs);
// - package.json's version, src/version.ts's VERSION and CHANGELOG.md's top entry are the same version, and that
//   entry is released (has a date, not "unreleased").
// `--skip-dist` checks only the versions (tests use it; the dist check rebuilds the bundle).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** The version in src/version.ts (`export const VERSION = "x.y.z";`), or null. */
export function versionTsVersion(text) {
  return /export const VERSION\s*=\s*"([^"]+)"/.exec(text)?.[1] ?? null;
}

/** CHANGELOG.md's first `## ` entry: `## [0.2.0] - 2026-11-30` or `## 0.2.0 (unreleased)`. */
export function changelogTop(text) {
  const line = text.split("\n").find((l) => l.startsWith("## "));
  if (!line) return null;
  const version = /\[?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)\]?/.exec(line)?.[1] ?? null;
  const released = /\d{4}-\d{2}-\d{2}/.test(line) && !/unreleased/i.test(line);
  return { line: line.trim(), version, released };
}

/** Problems with the versions of the checkout at `root` (empty when ready to release). */
export function versionProblems(root) {
  const problems = [];
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version;
  const ts = versionTsVersion(readFileSync(join(root, "src", "version.ts"), "utf8"));
  const top = changelogTop(readFileSync(join(root, "CHANGELOG.md"), "utf8"));
  if (ts === null) problems.push("src/version.ts: no `export const VERSION = \"x.y.z\"`");
  else if (ts !== pkg) problems.push(`src/version.ts VERSION ${ts} differs from package.json version ${pkg}`);
  if (top === null || top.version === null) problems.push("CHANGELOG.md: no `## x.y.z` entry at the top");
  else {
    if (top.version !== pkg) problems.push(`CHANGELOG.md top entry is ${top.version}, package.json version is ${pkg}`);
    if (!top.released) problems.push(`CHANGELOG.md top entry "${top.line}" is not released (give it a date: "## [${top.version}] - YYYY-MM-DD")`);
  }
  return problems;
}

function main() {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const problems = versionProblems(root);
  if (!process.argv.includes("--skip-dist")) {
    try {
      execFileSync(process.execPath, [join(root, "scripts", "check-dist.mjs")], { cwd: root, stdio: "inherit" });
    } catch {
      problems.push("dist/ is stale (see above): run `npm run bundle` and commit dist/");
    }
  }
  if (problems.length > 0) {
    console.error(`Not ready to release:\n  ${problems.join("\n  ")}`);
    process.exit(1);
  }
  console.log("Ready to release: dist/ is fresh and package.json, src/version.ts and CHANGELOG.md agree.");
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
