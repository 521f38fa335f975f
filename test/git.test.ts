import { createHash } from "node:crypto";
import { mkdir, mkdtemp, realpath, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Git, GitError, backoffDelay, execWithRetry, isTransientGitFailure, redactUrlCredentials } from "../src/git.js";
import { GIT_TEST_ENV, makeRepoWithOrigin, serveDumbHttp, type RepoWithOrigin } from "./support/git-repo.js";

const TOKEN = "ghs_TestToken1234567890abcdefABCDEF";
const BASIC = Buffer.from(`x-access-token:${TOKEN}`).toString("base64");

let repo: RepoWithOrigin;
beforeEach(async () => {
  repo = await makeRepoWithOrigin({ "README.md": "# hello\n", "src/a.txt": "a\n" });
});
afterEach(async () => {
  await repo.cleanup();
});

describe("Git.create", () => {
  it("finds the top level from a subdirectory and runs commands there", async () => {
    const git = await Git.create(join(repo.dir, "src"), { extraEnv: GIT_TEST_ENV });
    expect(git.root).toBe(await realpath(repo.dir));
    const listed = await git.exec(["ls-files"]);
    expect(listed.stdout.split("\n").filter(Boolean)).toEqual(["README.md", "src/a.txt"]);
  });

  it("names the folder when it is not inside a repository", async () => {
    const outside = await mkdtemp(join(tmpdir(), "skillbench-nogit-"));
    try {
      await mkdir(join(outside, "deeper"));
      await expect(
        Git.create(join(outside, "deeper"), { extraEnv: { ...GIT_TEST_ENV, GIT_CEILING_DIRECTORIES: outside } }),
      ).rejects.toThrow(`${join(outside, "deeper")} is not inside a git work tree`);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });
});

describe("Git.create without git", () => {
  it("says git is not usable when it cannot be started", async () => {
    await expect(Git.create(repo.dir, { extraEnv: { ...GIT_TEST_ENV, PATH: join(repo.root, "no-bin") } })).rejects.toThrow(
      /git is not usable .*could not run git --version/,
    );
  });
});

describe("Git.exec", () => {
  it("captures stdout, stderr and the exit code; allowFailure returns instead of throwing", async () => {
    const git = await Git.create(repo.dir, { extraEnv: GIT_TEST_ENV });
    const head = await git.exec(["rev-parse", "HEAD"]);
    expect(head.code).toBe(0);
    expect(head.stdout.trim()).toBe(await repo.head());

    const missing = await git.exec(["rev-parse", "--verify", "no-such-branch"], { allowFailure: true });
    expect(missing.code).toBe(128);
    expect(missing.stderr).toContain("Needed a single revision");
  });

  it("throws a GitError carrying the command, exit code and stderr", async () => {
    const git = await Git.create(repo.dir, { extraEnv: GIT_TEST_ENV });
    const error = await git.exec(["rev-parse", "--verify", "no-such-branch"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitError);
    const gitError = error as GitError;
    expect(gitError.args).toEqual(["rev-parse", "--verify", "no-such-branch"]);
    expect(gitError.code).toBe(128);
    expect(gitError.message).toContain("git rev-parse --verify no-such-branch failed (exit code 128)");
    expect(gitError.message).toContain("Needed a single revision");
  });

  it("feeds input to stdin byte for byte", async () => {
    const git = await Git.create(repo.dir, { extraEnv: GIT_TEST_ENV });
    const content = "héllo wörld\nsecond line\n";
    const bytes = Buffer.from(content, "utf8");
    const expected = createHash("sha1")
      .update(Buffer.concat([Buffer.from(`blob ${bytes.length}\0`), bytes]))
      .digest("hex");
    const hashed = await git.exec(["hash-object", "--stdin"], { input: content });
    expect(hashed.stdout.trim()).toBe(expected);
  });

  it("never prompts and speaks English; per-call env is added", async () => {
    const git = await Git.create(repo.dir, { extraEnv: { ...GIT_TEST_ENV, LC_ALL: "de_DE.UTF-8", GIT_TERMINAL_PROMPT: "1" } });
    const env = await git.exec(["-c", "alias.showenv=!env", "showenv"], { env: { SKILLBENCH_PROBE: "yes" } });
    const lines = env.stdout.split("\n");
    expect(lines).toContain("GIT_TERMINAL_PROMPT=0");
    expect(lines).toContain("LC_ALL=C");
    expect(lines).toContain("SKILLBENCH_PROBE=yes");
  });
});

describe("token authentication", () => {
  it("sends the token only as an http.extraheader from the environment, appended to existing env config", async () => {
    const server = await serveDumbHttp(repo.originDir);
    try {
      const git = await Git.create(repo.dir, {
        extraEnv: { ...GIT_TEST_ENV, GIT_CONFIG_COUNT: "1", GIT_CONFIG_KEY_0: "skillbench.probe", GIT_CONFIG_VALUE_0: "kept" },
        token: TOKEN,
        serverUrl: `${server.serverUrl}/`,
      });
      const fetched = await git.exec(["fetch", "--no-tags", server.repoUrl, "+refs/heads/main:refs/probe/main"]);
      expect(fetched.code).toBe(0);
      expect((await git.exec(["rev-parse", "refs/probe/main"])).stdout.trim()).toBe(await repo.head());
      expect(server.requests.length).toBeGreaterThan(0);
      for (const request of server.requests) expect(request.authorization).toBe(`basic ${BASIC}`);

      const config = await git.exec(["config", "--get-regexp", "^(skillbench\\.probe|http\\..*extraheader)$"]);
      expect(config.stdout).toContain("skillbench.probe kept");
      expect(config.stdout).toContain(`http.${server.serverUrl}/.extraheader AUTHORIZATION: basic ${BASIC}`);
      // Nothing was persisted in the repository's config.
      const local = await repo.git(["config", "--local", "--list"]);
      expect(local).not.toContain(BASIC);
    } finally {
      await server.close();
    }
  });

  it("redacts the token and its base64 header from errors", async () => {
    const git = await Git.create(repo.dir, { extraEnv: GIT_TEST_ENV, token: TOKEN });
    for (const secret of [TOKEN, BASIC]) {
      const error = await git.exec(["rev-parse", "--verify", secret]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GitError);
      const gitError = error as GitError;
      expect(gitError.message).toContain("***");
      expect(gitError.message).not.toContain(secret);
      expect(gitError.stderr).not.toContain(secret);
      expect(gitError.args.join(" ")).not.toContain(secret);
      const result = await git.exec(["rev-parse", "--verify", secret], { allowFailure: true });
      expect(result.stderr).not.toContain(secret);
    }
  });

  it("hides credentials embedded in URLs", async () => {
    expect(redactUrlCredentials("fatal: unable to access 'https://x-access-token:abc123@github.com/o/r.git/'")).toBe(
      "fatal: unable to access 'https://***@github.com/o/r.git/'",
    );
    expect(redactUrlCredentials("To https://github.com/o/r.git and git@github.com:o/r")).toBe(
      "To https://github.com/o/r.git and git@github.com:o/r",
    );
    const server = await serveDumbHttp(repo.originDir, () => 500);
    try {
      const git = await Git.create(repo.dir, { extraEnv: GIT_TEST_ENV });
      const url = server.repoUrl.replace("http://", "http://someone:pa55word@");
      const result = await git.exec(["fetch", url, "main"], { allowFailure: true });
      expect(result.code).not.toBe(0);
      expect(result.stderr).not.toContain("pa55word");
    } finally {
      await server.close();
    }
  });

  it("keeps the token out of errors from a server that refuses it", async () => {
    const server = await serveDumbHttp(repo.originDir, () => 403);
    try {
      const git = await Git.create(repo.dir, { extraEnv: GIT_TEST_ENV, token: TOKEN, serverUrl: server.serverUrl });
      const error = await git.exec(["fetch", server.repoUrl, "main"]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GitError);
      expect((error as GitError).message).toContain("403");
      expect((error as GitError).message).not.toContain(TOKEN);
      expect((error as GitError).message).not.toContain(BASIC);
      expect(server.requests[0]?.authorization).toBe(`basic ${BASIC}`);
    } finally {
      await server.close();
    }
  });
});

describe("execWithRetry", () => {
  it("retries transient server errors with bounded, jittered backoff and then succeeds", async () => {
    let failures = 0;
    const server = await serveDumbHttp(repo.originDir, (request) => {
      if (request.url.includes("info/refs") && failures < 2) {
        failures += 1;
        return 503;
      }
      return null;
    });
    try {
      const git = await Git.create(repo.dir, { extraEnv: GIT_TEST_ENV });
      const delays: number[] = [];
      const retries: number[] = [];
      const result = await git.execWithRetry(["fetch", "--no-tags", server.repoUrl, "+refs/heads/main:refs/probe/main"], {
        attempts: 4,
        minDelayMs: 10,
        maxDelayMs: 40,
        sleep: async (ms) => {
          delays.push(ms);
        },
        onRetry: ({ attempt, stderr }) => {
          retries.push(attempt);
          expect(stderr).toContain("503");
        },
      });
      expect(result.code).toBe(0);
      expect(failures).toBe(2);
      expect(retries).toEqual([1, 2]);
      expect(delays).toHaveLength(2);
      for (const ms of delays) {
        expect(ms).toBeGreaterThanOrEqual(10);
        expect(ms).toBeLessThanOrEqual(40);
      }
      expect((await git.exec(["rev-parse", "refs/probe/main"])).stdout.trim()).toBe(await repo.head());
    } finally {
      await server.close();
    }
  });

  it("gives up after the attempt limit with the count in the error", async () => {
    const server = await serveDumbHttp(repo.originDir, () => 502);
    try {
      const git = await Git.create(repo.dir, { extraEnv: GIT_TEST_ENV });
      const error = await execWithRetry(git, ["fetch", server.repoUrl, "main"], { attempts: 3, sleep: async () => undefined }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(GitError);
      expect((error as GitError).attempts).toBe(3);
      expect((error as GitError).message).toContain("after 3 attempts");
      expect(server.requests.filter((r) => r.url.includes("info/refs"))).toHaveLength(3);
    } finally {
      await server.close();
    }
  });

  it("does not retry errors that another try cannot fix", async () => {
    const server = await serveDumbHttp(repo.originDir, () => 404);
    try {
      const git = await Git.create(repo.dir, { extraEnv: GIT_TEST_ENV });
      let retried = 0;
      const result = await execWithRetry(git, ["fetch", server.repoUrl, "main"], {
        attempts: 5,
        allowFailure: true,
        sleep: async () => undefined,
        onRetry: () => {
          retried += 1;
        },
      });
      expect(result.code).not.toBe(0);
      expect(retried).toBe(0);
      expect(server.requests.filter((r) => r.url.includes("info/refs"))).toHaveLength(1);
    } finally {
      await server.close();
    }
  });
});

describe("retry helpers", () => {
  it.each([
    ["fatal: unable to access 'https://x/': The requested URL returned error: 503", true],
    ["fatal: unable to access 'https://x/': Could not resolve host: github.com", true],
    ["error: RPC failed; curl 56 GnuTLS recv error (-9)\nfatal: early EOF", true],
    ["fatal: unable to access 'https://x/': The requested URL returned error: 403", false],
    ["fatal: couldn't find remote ref refs/heads/nope", false],
    [" ! [rejected]        main -> main (fetch first)", false],
  ])("classifies %j as transient=%s", (stderr, transient) => {
    expect(isTransientGitFailure({ stdout: "", stderr, code: 128 })).toBe(transient);
  });

  it("keeps backoff within [min, min * 2^attempt] capped at max", () => {
    for (let attempt = 1; attempt <= 6; attempt++) {
      const ceiling = Math.min(400, 50 * 2 ** attempt);
      expect(backoffDelay(attempt, 50, 400, () => 0)).toBe(50);
      expect(backoffDelay(attempt, 50, 400, () => 1)).toBe(ceiling);
      const middle = backoffDelay(attempt, 50, 400, () => 0.5);
      expect(middle).toBeGreaterThan(50);
      expect(middle).toBeLessThan(ceiling);
    }
  });
});
