// The one way skillbench reads a file of the repository it benchmarks. A pull request's files are data: a symlink
// must not turn `skills/leak.md` into /proc/self/environ or .git/config (which holds the checkout's token), a FIFO
// must not hang the run, and a huge or non-UTF-8 file must be refused before it is read into memory or silently
// mangled. Every path is resolved with realpath against the repository root (resolved once) and must stay inside
// it, outside `.git`, and be a regular file no larger than the caller's limit. Refusals come back as data (a kind
// and a phrase that follows the file's name in a message); they never quote the file's content.
import { constants } from "node:fs";
import { lstat, open, readdir, readlink, realpath, stat } from "node:fs/promises";
import type { Dirent, Stats } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import path from "node:path";
import { messageOf } from "./errors.js";

export type RefusalKind =
  | "missing"
  | "folder"
  | "outside"
  | "git"
  | "untracked"
  | "special"
  | "too-large"
  | "not-utf8"
  | "unreadable";

/** Why a repository file was not read. `problem` follows the file's name: `"skills/a.md" ${problem}`. */
export interface Refusal {
  ok: false;
  kind: RefusalKind;
  problem: string;
  /** 1-based line of the problem inside the file (invalid UTF-8), else null. */
  line: number | null;
}

export interface ReadLimit {
  /** Largest accepted size in bytes. */
  maxBytes: number;
  /** What the limit is called, for the message: "the skill file limit (limits.skill-bytes)". */
  limitName: string;
}

export interface BytesRead {
  ok: true;
  bytes: Buffer;
}

export interface TextRead {
  ok: true;
  bytes: Buffer;
  /** The bytes decoded as UTF-8 (a leading byte order mark removed). */
  text: string;
}

/** A file of a folder listing: repository-relative POSIX path and size in bytes. */
export interface ListedFile {
  path: string;
  bytes: number;
}

export interface FolderListing {
  ok: true;
  files: ListedFile[];
  /** Entries that were not listed: symlinks leaving the repository, FIFOs, sockets, devices, linked folders. */
  refused: { path: string; problem: string }[];
  /** True when the listing stopped at `maxFiles`. */
  truncated: boolean;
}

const MB = 1024 * 1024;
const CHANGED_WHILE_READ = "changed while it was being read";
/** Tries for a file that keeps being replaced while it is read. */
const REREAD_ATTEMPTS = 3;

/** A readable size: "1 MB", "256 KB", "1,234,567 bytes". */
export function formatBytes(bytes: number): string {
  if (bytes >= MB && bytes % MB === 0) return `${bytes / MB} MB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KB`;
  return `${bytes.toLocaleString("en-US")} bytes`;
}

/** The repository's files, reached only through realpath checks. Create one per load with `RepoFiles.open`. */
export class RepoFiles {
  private constructor(
    /** The root as given (used to build paths). */
    readonly root: string,
    /** realpath of the root: every file must resolve below it. */
    readonly realRoot: string,
    /** When set, only these repository-relative POSIX paths (what git tracks) may be read. */
    private readonly tracked: ReadonlySet<string> | null = null,
  ) {}

  /**
   * `tracked`: the files git tracks (`git ls-files`). The action passes it, so a file that another step wrote
   * into the workspace (cloud credentials, a token file) is never read, whatever a pull request's config or
   * benchmark points at. The CLI on a developer's machine reads untracked files too.
   */
  static async open(root: string, options: { tracked?: ReadonlySet<string> | null } = {}): Promise<RepoFiles> {
    return new RepoFiles(root, await realpath(root), options.tracked ?? null);
  }

  /**
   * Where a repository-relative POSIX path really is, or why it must not be used. A symlink that stays inside the
   * repository is fine; one that leaves it, or leads into .git, is refused. Follows nothing beyond realpath.
   */
  async resolve(relative: string): Promise<{ ok: true; real: string; stats: Stats } | Refusal> {
    const given = path.join(this.realRoot, ...relative.split("/"));
    const located = await this.locate(given, { namesLoops: true });
    if (!located.ok) return located;
    const { real, inside } = located;
    if (inside.split(path.sep).includes(".git")) {
      const via = real === given ? "is inside .git" : `resolves into .git (symlink to ${await linkTarget(given, real)})`;
      return refuse("git", `${via}, which skillbench never reads`);
    }
    const insidePosix = inside.split(path.sep).join("/");
    if (this.tracked !== null && !this.tracked.has(insidePosix)) {
      const via = real === given ? "" : ` (symlink to ${insidePosix})`;
      return refuse(
        "untracked",
        `is not committed to the repository${via}: in the action skillbench reads only files git tracks, so files ` +
          "other steps wrote into the workspace (credentials, tokens) are never read",
      );
    }
    let stats: Stats;
    try {
      stats = await stat(real);
    } catch (error) {
      return refuse("unreadable", `could not be read: ${messageOf(error)}`);
    }
    if (stats.isDirectory()) return refuse("folder", "is a folder, not a file");
    if (!stats.isFile()) return refuse("special", `is not a regular file (${kindOf(stats)})`);
    return { ok: true, real, stats };
  }

  /** The bytes of a regular file inside the repository, refused before reading when it is over the limit. */
  async readBytes(relative: string, limit: ReadLimit): Promise<BytesRead | Refusal> {
    // A file replaced by rename between the checks and the open (an editor saving, a script rewriting it) is a
    // new file: check it again from the start, a bounded number of times.
    let read: BytesRead | Refusal = refuse("unreadable", "changed while it was being read");
    for (let attempt = 0; attempt < REREAD_ATTEMPTS; attempt += 1) {
      read = await this.readBytesOnce(relative, limit);
      if (read.ok || read.problem !== CHANGED_WHILE_READ) return read;
    }
    return read;
  }

  private async readBytesOnce(relative: string, limit: ReadLimit): Promise<BytesRead | Refusal> {
    const resolved = await this.resolve(relative);
    if (!resolved.ok) return resolved;
    const { real, stats } = resolved;
    if (stats.size > limit.maxBytes) return tooLarge(stats.size, limit);
    let handle: FileHandle;
    try {
      // O_NONBLOCK: should the file be swapped for a FIFO after the stat, opening it still cannot hang.
      // O_NOFOLLOW: realpath has removed every link, so a link appearing now is a swap, not the user's file.
      handle = await open(real, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
    } catch (error) {
      return refuse("unreadable", `could not be read: ${messageOf(error)}`);
    }
    try {
      const opened = await handle.stat();
      if (!opened.isFile() || opened.ino !== stats.ino || opened.dev !== stats.dev) {
        return refuse("unreadable", CHANGED_WHILE_READ);
      }
      // Read at most one byte past the limit: a file whose stat size lies (or that grows) is still capped.
      const chunks: Buffer[] = [];
      let total = 0;
      for (;;) {
        const want = Math.min(64 * 1024, limit.maxBytes + 1 - total);
        if (want <= 0) break;
        const chunk = Buffer.alloc(want);
        const { bytesRead } = await handle.read(chunk, 0, want, null);
        if (bytesRead === 0) break;
        chunks.push(chunk.subarray(0, bytesRead));
        total += bytesRead;
      }
      if (total > limit.maxBytes) return tooLarge(null, limit);
      return { ok: true, bytes: Buffer.concat(chunks, total) };
    } catch (error) {
      return refuse("unreadable", `could not be read: ${messageOf(error)}`);
    } finally {
      await handle.close();
    }
  }

  /** A UTF-8 text file of the repository; invalid UTF-8 is refused with its byte offset, never replaced. */
  async readText(relative: string, limit: ReadLimit): Promise<TextRead | Refusal> {
    const read = await this.readBytes(relative, limit);
    if (!read.ok) return read;
    const decoded = decodeUtf8(read.bytes);
    if (typeof decoded !== "string") return decoded;
    return { ok: true, bytes: read.bytes, text: decoded };
  }

  /**
   * Every regular file below a repository folder (recursively, sorted), with sizes, for reading one by one with
   * readBytes/readText. Symlinks are resolved: one to a file inside the repository is listed under its own path;
   * one leaving the repository, a linked folder (never followed, so no cycles), a FIFO, socket or device is refused.
   * `.git` and `node_modules` are skipped. Stops after `maxFiles` files.
   */
  async listFolder(relativeDir: string, options: { maxFiles?: number } = {}): Promise<FolderListing | Refusal> {
    const maxFiles = options.maxFiles ?? 1000;
    const base = await this.resolveFolder(relativeDir);
    if (!base.ok) return base;
    const listing: FolderListing = { ok: true, files: [], refused: [], truncated: false };
    const pending = [relativeDir === "." ? "" : relativeDir];
    // Each folder is visited once (links to folders are not followed), so the loop is bounded by the tree.
    while (pending.length > 0) {
      const dir = pending.shift() ?? "";
      let entries: Dirent[];
      try {
        entries = await readdir(path.join(this.realRoot, ...dir.split("/").filter(Boolean)), { withFileTypes: true });
      } catch (error) {
        listing.refused.push({ path: dir, problem: `could not be listed: ${messageOf(error)}` });
        continue;
      }
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const entry of entries) {
        const rel = dir ? `${dir}/${entry.name}` : entry.name;
        if (entry.isDirectory()) {
          if (!SKIPPED_DIRS.has(entry.name)) pending.push(rel);
          continue;
        }
        const resolved = await this.resolve(rel);
        if (!resolved.ok) {
          const problem = resolved.kind === "folder" ? "is a link to a folder, which is not followed" : resolved.problem;
          listing.refused.push({ path: rel, problem });
          continue;
        }
        if (listing.files.length >= maxFiles) {
          listing.truncated = true;
          return listing;
        }
        listing.files.push({ path: rel, bytes: resolved.stats.size });
      }
    }
    listing.files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return listing;
  }

  /**
   * Where `given` (a path under the root) really is and that path relative to the root, or why not: it does not
   * exist, cannot be read (a symlink loop named as such when `namesLoops`), or resolves outside the repository.
   */
  private async locate(given: string, options: { namesLoops: boolean }): Promise<{ ok: true; real: string; inside: string } | Refusal> {
    let real: string;
    try {
      real = await realpath(given);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") return refuse("missing", "does not exist");
      if (code === "ELOOP" && options.namesLoops) return refuse("unreadable", "is a symlink loop");
      return refuse("unreadable", `could not be read: ${messageOf(error)}`);
    }
    const inside = path.relative(this.realRoot, real);
    if (inside === ".." || inside.startsWith(`..${path.sep}`) || path.isAbsolute(inside)) {
      return refuse("outside", `resolves outside the repository (symlink to ${await linkTarget(given, real)})`);
    }
    return { ok: true, real, inside };
  }

  /** A folder inside the repository (links allowed when they stay inside), or why it must not be walked. */
  async resolveFolder(relativeDir: string): Promise<{ ok: true; real: string } | Refusal> {
    const given = path.join(this.realRoot, ...relativeDir.split("/").filter((s) => s !== "" && s !== "."));
    const located = await this.locate(given, { namesLoops: false });
    if (!located.ok) return located;
    const { real, inside } = located;
    if (inside.split(path.sep).includes(".git")) return refuse("git", "is inside .git, which skillbench never reads");
    const stats = await stat(real).catch(() => null);
    if (!stats?.isDirectory()) return refuse("missing", "is not a folder");
    return { ok: true, real };
  }
}

/** Folders never listed: they are huge and never hold skill files or benchmarks. */
export const SKIPPED_DIRS: ReadonlySet<string> = new Set([".git", "node_modules"]);

function refuse(kind: RefusalKind, problem: string, line: number | null = null): Refusal {
  return { ok: false, kind, problem, line };
}

function tooLarge(size: number | null, limit: ReadLimit): Refusal {
  const is = size === null ? "is larger than" : `is ${formatBytes(size)}, larger than`;
  return refuse("too-large", `${is} ${formatBytes(limit.maxBytes)}, ${limit.limitName}`);
}

/** What a symlink points at as written (when the last component is the link), else the resolved path. */
async function linkTarget(given: string, real: string): Promise<string> {
  try {
    if ((await lstat(given)).isSymbolicLink()) return await readlink(given);
  } catch {
    // fall through to the resolved path
  }
  return real;
}

function kindOf(stats: Stats): string {
  if (stats.isFIFO()) return "a FIFO";
  if (stats.isSocket()) return "a socket";
  if (stats.isCharacterDevice()) return "a character device";
  if (stats.isBlockDevice()) return "a block device";
  return "not a file";
}

const decoder = new TextDecoder("utf-8", { fatal: true });

/** Decodes UTF-8 strictly: invalid bytes are a refusal naming the byte offset and line, never U+FFFD. */
export function decodeUtf8(bytes: Uint8Array): string | Refusal {
  try {
    return decoder.decode(bytes);
  } catch {
    const offset = firstInvalidUtf8(bytes);
    let line = 1;
    for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
    return refuse("not-utf8", `is not valid UTF-8 (byte offset ${offset})`, line);
  }
}

/** Byte offset of the first byte that does not start a well-formed UTF-8 sequence (Unicode table 3-7). */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] ?? 0;
    let need: number;
    let low = 0x80;
    let high = 0xbf;
    if (b <= 0x7f) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) low = 0xa0;
      if (b === 0xed) high = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) low = 0x90;
      if (b === 0xf4) high = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined) return i;
      if (k === 1 ? c < low || c > high : c < 0x80 || c > 0xbf) return i;
    }
    i += need + 1;
  }
  return bytes.length;
}
