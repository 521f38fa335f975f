// A small glob matcher for benchmark discovery: `*`, `**`, `?` and `{a,b}` over repository-relative POSIX paths.
// Written here rather than pulled in as a dependency because the action bundle should stay small and these four
// forms are all that skillbench.yml documents.
import { readdir } from "node:fs/promises";
import path from "node:path";
import { RepoFiles, SKIPPED_DIRS, type RefusalKind } from "./repo-files.js";

/** Guards against patterns like `{a,b}{c,d}{e,f}...` that would expand into an absurd number of alternatives. */
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

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

function segmentSource(segment: string): string {
  let source = "";
  for (const char of segment) {
    if (char === "*") source += "[^/]*";
    else if (char === "?") source += "[^/]";
    else source += escapeRegExp(char);
  }
  return source;
}

/** One brace-free pattern as an anchored regular expression source. */
function patternSource(pattern: string): string {
  const segments = pattern.split("/");
  let source = "";
  segments.forEach((segment, index) => {
    const last = index === segments.length - 1;
    if (segment === "**") {
      // `a/**/b` also matches `a/b`; a trailing `**` matches everything below.
      source += last ? ".*" : "(?:[^/]+/)*";
    } else {
      source += segmentSource(segment) + (last ? "" : "/");
    }
  });
  return source;
}

/** Compiles a glob (braces included) into one anchored RegExp over POSIX paths. */
export function globToRegExp(pattern: string): RegExp {
  const sources = expandBraces(pattern).map(patternSource);
  return new RegExp(`^(?:${sources.join("|")})$`);
}

/** Whether a repository-relative POSIX path matches the glob. */
export function matchGlob(pattern: string, filePath: string): boolean {
  return globToRegExp(pattern).test(filePath);
}

/** The leading folders of a pattern that hold no glob syntax: the walk starts there instead of at the root. */
function staticBase(pattern: string): string {
  const segments = pattern.split("/");
  const base: string[] = [];
  for (const segment of segments.slice(0, -1)) {
    if (/[*?{}]/.test(segment)) break;
    base.push(segment);
  }
  return base.join("/");
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
  let entries;
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
    // the repository. Every other entry (files, links, FIFOs...) is a candidate; the caller checks what matches.
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) await walk(repo, rel, out);
    } else {
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
  const compiled = patterns.map((pattern) => ({ pattern, expanded: expandBraces(pattern) }));
  const matcher = new RegExp(`^(?:${compiled.flatMap((c) => c.expanded).map(patternSource).join("|")})$`);
  const patternOf = (file: string) =>
    compiled.find((c) => globToRegExp(c.pattern).test(file))?.pattern ?? patterns[0] ?? "";
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
      if (!matcher.test(file)) continue;
      const resolved = await repo.resolve(file);
      if (resolved.ok) found.add(file);
      else onRefused({ pattern: patternOf(file), path: file, problem: resolved.problem, base: false, kind: resolved.kind });
    }
  }
  return [...found].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function isInside(child: string, parent: string): boolean {
  return parent === "" || child.startsWith(`${parent}/`);
}
