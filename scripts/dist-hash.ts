// What dist/ was built from: a hash of the sources and the lockfile, written beside the bundle by `npm run bundle`
// (and by check-dist into its fresh build), so the end-to-end tests can refuse a dist/ older than the sources
// without rebuilding it. Usage: tsx scripts/dist-hash.ts [DIST_DIR]  (default dist/)
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));
/** The file inside dist/ that records the hash. */
export const SOURCE_HASH_FILE = "source-hash.txt";
/** What the bundle is built from: every file under these folders, and these files. */
const INPUT_DIRS = ["src"];
const INPUT_FILES = ["package-lock.json", "tsconfig.json"];

function filesBelow(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesBelow(path) : [path];
  });
}

/** sha256 over the bundle's inputs (POSIX relative paths and contents, in code-unit order). */
export function sourceHash(root: string = REPO_ROOT): string {
  const files = [...INPUT_DIRS.flatMap((dir) => filesBelow(join(root, dir))), ...INPUT_FILES.map((file) => join(root, file))]
    .map((path) => ({ path, name: relative(root, path).split(sep).join("/") }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const hash = createHash("sha256");
  for (const { path, name } of files) {
    const content = readFileSync(path);
    hash.update(`${name}\0${content.length}\0`);
    hash.update(content);
  }
  return hash.digest("hex");
}

/** Why dist/ may not be used for a test (null when it was built from the current sources). */
export function staleDistReason(distDir: string = join(REPO_ROOT, "dist"), root: string = REPO_ROOT): string | null {
  let recorded: string;
  try {
    recorded = readFileSync(join(distDir, SOURCE_HASH_FILE), "utf8").trim();
  } catch {
    return `dist/ is stale: run npm run bundle (dist/${SOURCE_HASH_FILE} is missing, so what dist/ was built from is unknown)`;
  }
  const current = sourceHash(root);
  if (recorded !== current) {
    return `dist/ is stale: run npm run bundle (it was built from sources hashing to ${recorded.slice(0, 12)}, they hash to ${current.slice(0, 12)} now)`;
  }
  return null;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const distDir = process.argv[2] ?? join(REPO_ROOT, "dist");
  writeFileSync(join(distDir, SOURCE_HASH_FILE), `${sourceHash()}\n`);
}
