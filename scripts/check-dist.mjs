// Fails when dist/ is not what `npm run bundle` builds from the current sources (the action users run is stale).
// Rebuilds into a temporary directory and compares file by file, so the working tree is never modified.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), "skillbench-dist-"));
const ncc = join(root, "node_modules", ".bin", "ncc");

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

try {
  execFileSync(ncc, ["build", "src/index.ts", "-o", join(tmp, "dist"), "--license", "licenses.txt"], { cwd: root, stdio: "ignore" });
  execFileSync(ncc, ["build", "src/cli-entry.ts", "-o", join(tmp, "dist", "cli")], { cwd: root, stdio: "ignore" });
  execFileSync(join(root, "node_modules", ".bin", "tsx"), ["scripts/dist-hash.ts", join(tmp, "dist")], { cwd: root, stdio: "ignore" });
  const built = new Map(files(join(tmp, "dist")).map((p) => [relative(join(tmp, "dist"), p), p]));
  const committed = new Map(files(join(root, "dist")).map((p) => [relative(join(root, "dist"), p), p]));
  const problems = [];
  for (const [name, path] of built) {
    if (!committed.has(name)) problems.push(`missing: dist/${name}`);
    else if (!readFileSync(path).equals(readFileSync(committed.get(name)))) problems.push(`differs: dist/${name}`);
  }
  for (const name of committed.keys()) if (!built.has(name)) problems.push(`not built any more: dist/${name}`);
  if (problems.length > 0) {
    console.error(`dist/ is stale: run \`npm run bundle\` and commit dist/.\n  ${problems.join("\n  ")}`);
    process.exit(1);
  }
  console.log(`dist/ is up to date (${built.size} files).`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
