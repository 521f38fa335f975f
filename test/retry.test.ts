// The one retry helper (src/retry.ts withRetries) as the git runner and the GitHub client use it: bounded, and
// every wait goes through the injected sleep with the one backoff formula.
import { describe, expect, it } from "vitest";
import { GitHubClient, GitHubRequestError } from "../src/github.js";
import { execWithRetry, GitError, type GitResult, type GitRunner } from "../src/git.js";
import { jitteredBackoff, withRetries } from "../src/retry.js";
import { startGitHubServer } from "./support/github-server.js";

describe("withRetries", () => {
  it("is bounded by maxRetries and sleeps only through the injected sleep", async () => {
    const slept: number[] = [];
    let calls = 0;
    const error = await withRetries(
      async () => {
        calls += 1;
        throw new Error("always");
      },
      {
        maxRetries: 4,
        decide: () => ({ retry: true, retryAfterMs: null, reason: "always" }),
        backoff: (i) => jitteredBackoff(i, { baseMs: 10, maxMs: 40 }, () => 1),
        sleep: async (ms) => {
          slept.push(ms);
        },
        giveUp: (e, attempts) => new Error(`gave up after ${attempts}: ${String(e)}`),
      },
    ).then(
      () => new Error("resolved"),
      (e: unknown) => e as Error,
    );
    expect(calls).toBe(5);
    expect(slept).toEqual([10, 20, 40, 40]);
    expect(error.message).toBe("gave up after 5: Error: always");
  });

  it("bounds rate-limited retries by their own loop bound", async () => {
    let calls = 0;
    await expect(
      withRetries(
        async () => {
          calls += 1;
          throw new Error("429");
        },
        {
          maxRetries: 0,
          maxRateLimitedRetries: 7,
          decide: () => ({ retry: true, retryAfterMs: 5, reason: "429", rateLimited: true }),
          sleep: async () => undefined,
          giveUp: (e) => e as Error,
        },
      ),
    ).rejects.toThrow("429");
    expect(calls).toBe(8);
  });
});

describe("git commands retry through withRetries", () => {
  const failing = (stderr: string): GitRunner & { calls: number } => {
    const runner = {
      calls: 0,
      async exec(): Promise<GitResult> {
        runner.calls += 1;
        return { stdout: "", stderr, code: 128 };
      },
    };
    return runner;
  };

  it("a transient failure is tried `attempts` times with the git backoff, then a GitError says how many", async () => {
    const runner = failing("fatal: unable to access 'x': The requested URL returned error: 503");
    const slept: number[] = [];
    const retries: number[] = [];
    const error = await execWithRetry(runner, ["fetch", "origin"], {
      attempts: 3,
      minDelayMs: 10,
      maxDelayMs: 15,
      random: () => 1,
      sleep: async (ms) => {
        slept.push(ms);
      },
      onRetry: ({ attempt, stderr }) => {
        retries.push(attempt);
        expect(stderr).toMatch(/503/);
      },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitError);
    expect((error as GitError).attempts).toBe(3);
    expect((error as GitError).message).toMatch(/after 3 attempts/);
    expect(runner.calls).toBe(3);
    expect(slept).toEqual([15, 15]);
    expect(retries).toEqual([1, 2]);
  });

  it("a permanent failure is not retried; allowFailure returns it as a result", async () => {
    const runner = failing("fatal: couldn't find remote ref nope");
    const result = await execWithRetry(runner, ["fetch", "origin", "nope"], { attempts: 5, allowFailure: true, sleep: async () => undefined });
    expect(result.code).toBe(128);
    expect(runner.calls).toBe(1);
  });
});

describe("GitHub 5xx retries go through withRetries", () => {
  it("waits through the injected sleep, jittered from one second, and gives up after the retries", async () => {
    const server = await startGitHubServer({ token: "ghs_t", owner: "acme", repo: "skills", issue: 7, files: { "acme/skills#7": [] } });
    try {
      server.state.faults.push({ path: "/pulls/7/files", answer: "server-error", times: Infinity });
      const slept: number[] = [];
      const gh = new GitHubClient("ghs_t", {
        baseUrl: server.url,
        msPerSecond: 100,
        random: () => 0.5,
        sleep: async (ms) => {
          slept.push(ms);
        },
      });
      const error = await gh.listChangedFiles({ owner: "acme", repo: "skills", number: 7 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GitHubRequestError);
      expect(server.requests.filter((r) => r.url.includes("/pulls/7/files"))).toHaveLength(4);
      // Uniform in [1 s, min(8 s, 2 s x 2^i)] at 100 ms a second, at the middle: 150, 250, 450 ms.
      expect(slept).toEqual([150, 250, 450]);
    } finally {
      await server.close();
    }
  });
});
