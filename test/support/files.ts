// Files for tests: temporary trees written from a path -> content map, and the issues of a failed load.
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { InputError, type InputIssue } from "../../src/errors.js";

/** Writes files (repository-relative POSIX paths) under `root`, creating folders; null entries are skipped. */
export async function writeTree(root: string, files: Record<string, string | Uint8Array | null>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    if (content === null) continue;
    const full = join(root, ...path.split("/"));
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, content);
  }
}

/** A new temporary folder holding `files`; its path is pushed to `temps` for the caller's cleanup. */
export async function tempTree(prefix: string, files: Record<string, string | Uint8Array | null>, temps: string[]): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), prefix));
  temps.push(root);
  await writeTree(root, files);
  return root;
}

/** The issues of the InputError a load rejects with; fails the test when it loads or throws anything else. */
export async function issuesOf(promise: Promise<unknown>): Promise<InputIssue[]> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof InputError) return error.issues;
    throw error;
  }
  throw new Error("expected an InputError, but loading succeeded");
}
