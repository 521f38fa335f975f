// Temporary git repositories with a bare `origin` reached over file://, for tests that run real git.
// The helpers run git directly (not src/git.ts) so the module under test never sets up its own fixtures.
// Every repository is isolated from the machine's global and system git config.

import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { writeTree } from "./files.js";

/** Environment for every git command in tests: no user or system config, no prompts, English messages. */
export const GIT_TEST_ENV: Record<string, string> = {
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_TERMINAL_PROMPT: "0",
  LC_ALL: "C",
};

export interface RunGitOptions {
  input?: string;
  env?: Record<string, string>;
}

/** Runs git in `cwd` and returns trimmed stdout; throws with the command and stderr when it fails. */
export function runGit(cwd: string, args: string[], options: RunGitOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      "git",
      args,
      { cwd, env: { ...process.env, ...GIT_TEST_ENV, ...options.env }, maxBuffer: 64 * 1024 * 1024, timeout: 60_000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`test helper: git ${args.join(" ")} in ${cwd} failed: ${stderr || error.message}`));
        else resolve(stdout.trim());
      },
    );
    // git may exit without reading stdin; that EPIPE is not a test failure (the exit code tells).
    child.stdin?.on("error", () => undefined);
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}

/** Writes files (repository-relative POSIX paths) under `dir`, creating folders. */
export async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  await writeTree(dir, files);
}

export interface WorkRepo {
  /** Absolute path of the clone's working tree. */
  dir: string;
  git(args: string[], options?: RunGitOptions): Promise<string>;
  /** Writes `files`, removes `remove`, stages everything and commits; returns the new commit's sha. */
  commit(message: string, files?: Record<string, string>, remove?: string[]): Promise<string>;
  /** Creates and switches to a new branch at HEAD. */
  branch(name: string): Promise<void>;
  checkout(ref: string): Promise<void>;
  /** Renames a tracked file with `git mv` (staged, not committed). */
  move(from: string, to: string): Promise<void>;
  head(): Promise<string>;
  push(refspec?: string): Promise<void>;
}

export interface RepoWithOrigin extends WorkRepo {
  /** Folder that holds the bare origin and every clone; removed by cleanup(). */
  root: string;
  /** Absolute path of the bare repository. */
  originDir: string;
  /** file:// URL of the bare repository (the `origin` remote of every clone). */
  origin: string;
  /** Another clone of origin, with its own working tree, named `name` under root. */
  clone(name: string, options?: { depth?: number }): Promise<WorkRepo>;
  cleanup(): Promise<void>;
}

async function configure(dir: string): Promise<void> {
  await runGit(dir, ["config", "user.name", "skillbench test"]);
  await runGit(dir, ["config", "user.email", "test@skillbench.invalid"]);
  await runGit(dir, ["config", "commit.gpgsign", "false"]);
}

function workRepo(dir: string): WorkRepo {
  const git = (args: string[], options?: RunGitOptions) => runGit(dir, args, options);
  return {
    dir,
    git,
    async commit(message, files = {}, remove = []) {
      await writeFiles(dir, files);
      if (remove.length > 0) await git(["rm", "-q", "--", ...remove]);
      await git(["add", "-A"]);
      await git(["commit", "-q", "--allow-empty", "-m", message]);
      return git(["rev-parse", "HEAD"]);
    },
    async branch(name) {
      await git(["checkout", "-q", "-b", name]);
    },
    async checkout(ref) {
      await git(["checkout", "-q", ref]);
    },
    async move(from, to) {
      await mkdir(dirname(join(dir, ...to.split("/"))), { recursive: true });
      await git(["mv", from, to]);
    },
    head: () => git(["rev-parse", "HEAD"]),
    async push(refspec = "HEAD") {
      await git(["push", "-q", "origin", refspec]);
    },
  };
}

/**
 * A temporary folder holding `origin.git` (bare, default branch main) and a clone `work` whose main branch
 * has one commit with `files` (a README when none are given), pushed to origin.
 */
export async function makeRepoWithOrigin(files: Record<string, string> = {}): Promise<RepoWithOrigin> {
  const root = await mkdtemp(join(tmpdir(), "skillbench-git-"));
  try {
    const originDir = join(root, "origin.git");
    await mkdir(originDir);
    await runGit(originDir, ["init", "-q", "--bare", "-b", "main"]);
    const origin = pathToFileURL(originDir).href;
    const dir = join(root, "work");
    await mkdir(dir);
    await runGit(dir, ["init", "-q", "-b", "main"]);
    await configure(dir);
    await runGit(dir, ["remote", "add", "origin", origin]);
    const work = workRepo(dir);
    const initial = Object.keys(files).length > 0 ? files : { "README.md": "# test repository\n" };
    await work.commit("initial", initial);
    await runGit(dir, ["push", "-q", "-u", "origin", "main"]);
    return {
      ...work,
      root,
      originDir,
      origin,
      async clone(name, options = {}) {
        const target = join(root, name);
        const depth = options.depth ? ["--depth", String(options.depth)] : [];
        await runGit(root, ["clone", "-q", ...depth, origin, target]);
        await configure(target);
        return workRepo(target);
      },
      cleanup: () => rm(root, { recursive: true, force: true }),
    };
  } catch (error) {
    await rm(root, { recursive: true, force: true });
    throw error;
  }
}

/** Everything about a clone's local state that a plumbing-only tool must leave as it was. */
export async function localState(repo: WorkRepo): Promise<Record<string, string>> {
  return {
    head: await repo.git(["rev-parse", "HEAD"]),
    branch: await repo.git(["symbolic-ref", "-q", "HEAD"]),
    status: await repo.git(["status", "--porcelain=v1", "--untracked-files=all"]),
    staged: await repo.git(["diff", "--cached"]),
    unstaged: await repo.git(["diff"]),
    index: await repo.git(["ls-files", "--stage"]),
    localBranches: await repo.git(["for-each-ref", "--format=%(refname) %(objectname)", "refs/heads"]),
  };
}

export interface GitHttpRequest {
  method: string;
  url: string;
  authorization: string | null;
}

export interface DumbHttpServer {
  /** Base URL of the server, e.g. http://127.0.0.1:PORT (no trailing slash). */
  serverUrl: string;
  /** URL of the served repository. */
  repoUrl: string;
  requests: GitHttpRequest[];
  close(): Promise<void>;
}

/**
 * Serves a bare repository read-only over git's "dumb" HTTP protocol on 127.0.0.1 (a random port): enough for
 * fetch and clone, with every request and its Authorization header recorded. `respond` may answer a request
 * itself (return a status code) to inject failures; return null to serve the file.
 */
export async function serveDumbHttp(
  bareDir: string,
  respond: (request: GitHttpRequest, index: number) => number | null = () => null,
): Promise<DumbHttpServer> {
  await runGit(bareDir, ["update-server-info"]);
  const requests: GitHttpRequest[] = [];
  const server = createServer((req, res) => {
    const header = req.headers.authorization;
    const request: GitHttpRequest = { method: req.method ?? "GET", url: req.url ?? "/", authorization: header ?? null };
    requests.push(request);
    const injected = respond(request, requests.length - 1);
    if (injected !== null) {
      res.writeHead(injected, { "content-type": "text/plain" }).end(`injected ${injected}\n`);
      return;
    }
    const path = decodeURIComponent(new URL(request.url, "http://localhost").pathname);
    const relative = path.replace(/^\/repo\.git\/?/, "");
    if (relative === path || relative.split("/").includes("..")) {
      res.writeHead(404).end();
      return;
    }
    readFile(join(bareDir, ...relative.split("/"))).then(
      (body) => res.writeHead(200, { "content-type": "application/octet-stream" }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("test helper: server has no TCP address");
  const serverUrl = `http://127.0.0.1:${address.port}`;
  return {
    serverUrl,
    repoUrl: `${serverUrl}/repo.git`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
