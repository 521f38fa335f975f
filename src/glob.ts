// Benchmark and skill discovery: globs over repository-relative POSIX paths, matched by picomatch (bash rules: `*`
// and `**` skip dotfiles unless the pattern names the dot, `[ab]` classes, `{a,b}`), and a walk of the repository
// that reads every folder through RepoFiles' checks.
import type { Dirent } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";
import picomatch from "picomatch";
import { RepoFiles, SKIPPED_DIRS, type RefusalKind } from "./repo-files.js";
import { isInside } from "./util.js";

/**
 * Bounds how much alternation a pattern (which a pull request's config may set) puts into the matcher:
 * `{a,b}{c,d}{e,f}...` is refused past this many alternatives.
 */
const MAX_EXPANSIONS = 256;

/** Expands `{a,b}` alternatives (nested braces too) into plain patterns. A brace without a comma is literal. */
export function expandBraces(pattern: string): string[] {
  const open = findBraceGroup(pattern);
  if (!open) return [pattern];
  const { start, end, alternatives } = open;
  const head = pattern.slice(0, start);
  const tail = pattern.slice(end + 1);
  const out: string[] = [];
  for (const alternative of alternatives) {
    for (const expanded of expandBraces(head + alternative + tail)) {
      out.push(expanded);
      if (out.length > MAX_EXPANSIONS) {
        throw new Error(`the glob "${pattern}" expands into more than ${MAX_EXPANSIONS} alternatives`);
      }
    }
  }
  return out;
}

/** The first `{...}` group that holds a top-level comma, with its alternatives. */
function findBraceGroup(pattern: string): { start: number; end: number; alternatives: string[] } | null {
  for (let start = pattern.indexOf("{"); start !== -1; start = pattern.indexOf("{", start + 1)) {
    let depth = 0;
    let pieceStart = start + 1;
    const alternatives: string[] = [];
    for (let i = start; i < pattern.length; i++) {
      const char = pattern[i];
      if (char === "{") depth++;
      else if (char === "}") {
        depth--;
        if (depth === 0) {
          if (alternatives.length === 0) break; // `{abc}` has no comma: literal braces
          alternatives.push(pattern.slice(pieceStart, i));
          return { start, end: i, alternatives };
        }
      } else if (char === "," && depth === 1) {
        alternatives.push(pattern.slice(pieceStart, i));
        pieceStart = i + 1;
      }
    }
  }
  return null;
}

const MATCH_OPTIONS: picomatch.PicomatchOptions = { dot: false, strictSlashes: true };

/** Whether a repository-relative POSIX path matches the glob. */
export function matchGlob(pattern: string, filePath: string): boolean {
  return picomatch.isMatch(filePath, pattern, MATCH_OPTIONS);
}

/** The leading folders of a (brace-free) pattern that hold no glob syntax: the walk starts there, not at the root. */
function staticBase(pattern: string): string {
  const scan = picomatch.scan(pattern);
  return scan.isGlob ? scan.base : path.posix.dirname(pattern).replace(/^\.$/, "");
}

/** A glob result that was not returned: a base folder or a matching link that leaves the repository, a FIFO... */
export interface GlobRefusal {
  /** The pattern (as given, braces included) whose walk met the entry. */
  pattern: string;
  /** Repository-relative path of the refused folder or file. */
  path: string;
  problem: string;
  /** True when the refused entry is a folder the pattern's walk starts from. */
  base: boolean;
  /** Why, as a kind: "untracked" matches are skipped with a warning, the others are errors. */
  kind: RefusalKind;
}

async function walk(repo: RepoFiles, relDir: string, out: string[]): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(path.join(repo.realRoot, ...relDir.split("/").filter(Boolean)), { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return; // a base folder that does not exist matches nothing
    throw error;
  }
  for (const entry of entries) {
    const rel = relDir ? `${relDir}/${entry.name}` : entry.name;
    // Symbolic links to folders are not followed, so a link cycle cannot make the walk endless and no walk leaves
    // the repository; nor are they files: a link to a folder inside the repository is passed over. Every other
    // entry (files, links to files or out of the repository, FIFOs...) is a candidate; the caller checks matches.
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) await walk(repo, rel, out);
    } else if (!(entry.isSymbolicLink() && (await repo.resolveFolder(rel)).ok)) {
      out.push(rel);
    }
  }
}

/**
 * Repository-relative POSIX paths of the files below `root` that match any of the globs, sorted by code unit
 * order (stable across machines and locales), without duplicates. `.git` and `node_modules` are never searched.
 * Every base folder and every match is resolved with realpath: a folder or file that leaves the repository (or
 * is not a regular file) is not walked nor returned but passed to `onRefused`.
 */
export async function findFiles(
  root: string | RepoFiles,
  patterns: readonly string[],
  onRefused: (refusal: GlobRefusal) => void = () => {},
): Promise<string[]> {
  const repo = typeof root === "string" ? await RepoFiles.open(root) : root;
  const compiled = patterns.map((pattern) => ({ pattern, expanded: expandBraces(pattern), test: picomatch(pattern, MATCH_OPTIONS) }));
  const matches = (file: string) => compiled.some((c) => c.test(file));
  const patternOf = (file: string) => compiled.find((c) => c.test(file))?.pattern ?? patterns[0] ?? "";
  const bases = [...new Set(compiled.flatMap((c) => c.expanded.map(staticBase)))].sort();
  // A base inside another base would be walked twice; keep the outermost ones.
  const outermost = bases.filter((base) => !bases.some((other) => other !== base && isInside(base, other)));
  const found = new Set<string>();
  for (const base of outermost) {
    if (base !== "") {
      const folder = await repo.resolveFolder(base);
      if (!folder.ok) {
        if (folder.kind !== "missing") {
          const pattern = compiled.find((c) => c.expanded.some((e) => staticBase(e) === base))?.pattern ?? "";
          onRefused({ pattern, path: base, problem: folder.problem, base: true, kind: folder.kind });
        }
        continue;
      }
    }
    const files: string[] = [];
    await walk(repo, base, files);
    for (const file of files) {
      if (!matches(file)) continue;
      const resolved = await repo.resolve(file);
      if (resolved.ok) found.add(file);
      else onRefused({ pattern: patternOf(file), path: file, problem: resolved.problem, base: false, kind: resolved.kind });
    }
  }
  return [...found].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
