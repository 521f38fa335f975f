// The baseline kept on a git branch, read and written with plumbing only: the user's working tree, index, HEAD
// and current branch are never touched. The branch is fetched into a private ref, new trees are built in a
// temporary index, and pushes that lose a race are rebuilt on the new tip and retried.

import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { Limiter } from "../limiter.js";
import { Redactor } from "../redact.js";
import type { BaselineSnapshot, BaselineStore, Report } from "../types.js";
import { backoffDelay, execWithRetry, isTransientGitFailure, type GitResult, type GitRunner } from "../git.js";
import { withRetries } from "../retry.js";
import { contributionFromReport } from "./contribution.js";
import { emptyBranchData, filesForWrite, isLayoutFile, type BranchData } from "./format.js";
import { applyRun } from "./merge.js";
import { parseBranch, toSnapshot, type ParsedBranch } from "./read.js";

export interface GitBaselineStoreOptions {
  branch: string;
  /** Default "origin". */
  remote?: string;
  /** Runs kept per skill in the history. */
  historyLimit: number;
  /** Accepted for symmetry with the config; staleness is judged by the engine from entries' recordedAt. */
  staleAfterDays?: number;
  now?: () => Date;
  /**
   * How long pushes that lose the race to concurrent writers keep being rebuilt and retried, from the first
   * push; default 2 minutes. Measured with `now`.
   */
  pushBudgetMs?: number;
  /** Loop bound on push tries, whatever the budget; default 100. */
  maxPushAttempts?: number;
  /** Tries for each fetch on transient network errors; default 3. */
  maxFetchAttempts?: number;
  /** Names this run in the history; default derived from the time plus random hex. */
  runId?: string;
  /** Default skillbench <skillbench@users.noreply.github.com>. */
  author?: { name: string; email: string };
  log?: (message: string) => void;
  /** Known secrets, removed from every string of a report before any of it is written to the branch. */
  redactor?: Redactor;
  /** Backoff between push retries: jittered, from min, the ceiling doubling up to max; default 100-5000 ms. */
  retryDelayMs?: { min: number; max: number };
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

const DEFAULT_AUTHOR = { name: "skillbench", email: "skillbench@users.noreply.github.com" };

// Push outcomes that mean "the branch moved under us": rebuild on the new tip and try again.
const RACE_PATTERNS: RegExp[] = [
  /\(fetch first\)/,
  /\(non-fast-forward\)/,
  /\(stale info\)/,
  /failed to update ref/,
  /cannot lock ref/,
  /incorrect old value/,
  /reference already exists/,
];

export class GitBaselineStore implements BaselineStore {
  private readonly git: GitRunner;
  private readonly branch: string;
  private readonly remote: string;
  private readonly privateRef: string;
  private readonly historyLimit: number;
  private readonly now: () => Date;
  private readonly maxPushAttempts: number;
  private readonly pushBudgetMs: number;
  private readonly maxFetchAttempts: number;
  private readonly runId: string | undefined;
  private readonly author: { name: string; email: string };
  private readonly log: (message: string) => void;
  private readonly redactor: Redactor;
  private readonly retryDelay: { min: number; max: number };
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private checked: Promise<void> | null = null;

  constructor(git: GitRunner, options: GitBaselineStoreOptions) {
    if (!Number.isInteger(options.historyLimit) || options.historyLimit < 1) {
      throw new Error(`baseline history limit must be a positive integer, got ${String(options.historyLimit)}`);
    }
    this.git = git;
    this.branch = options.branch;
    this.remote = options.remote ?? "origin";
    this.privateRef = `refs/skillbench/${options.branch}`;
    this.historyLimit = options.historyLimit;
    this.now = options.now ?? (() => new Date());
    this.maxPushAttempts = Math.max(1, options.maxPushAttempts ?? 100);
    this.pushBudgetMs = Math.max(0, options.pushBudgetMs ?? 120_000);
    this.maxFetchAttempts = Math.max(1, options.maxFetchAttempts ?? 3);
    this.runId = options.runId;
    this.author = options.author ?? DEFAULT_AUTHOR;
    this.log = options.log ?? (() => undefined);
    this.redactor = options.redactor ?? Redactor.none;
    this.retryDelay = options.retryDelayMs ?? { min: 100, max: 5000 };
    this.sleep = options.sleep ?? ((ms) => delay(ms).then(() => undefined));
    this.random = options.random ?? Math.random;
  }

  async read(): Promise<BaselineSnapshot> {
    const commit = await this.fetchBranch();
    return toSnapshot(this.branch, commit, await this.load(commit));
  }

  /**
   * Records the report's results on the branch. A push that loses the race to another writer is rebuilt on the
   * new tip (re-fetched and re-merged) and retried with jittered backoff until pushBudgetMs has passed.
   */
  async write(unredacted: Report): Promise<{ commit: string; attempts: number }> {
    // The branch is public to everyone who can read the repository and is never rewritten: redact first.
    const report = this.redactor.deep(unredacted);
    const runId = this.runId ?? defaultRunId(this.now());
    const contribution = contributionFromReport(report, runId);
    const touched = contribution.skills.map((s) => s.skill);
    let base: BranchData | null = null;
    const started = this.now().getTime();
    const within = () => this.now().getTime() - started < this.pushBudgetMs;
    const { value: commit, attempts } = await withRetries(
      async () => {
        const parent = await this.fetchBranch();
        const parsed = await this.load(parent);
        const newer = parsed.problems.filter((p) => p.newer);
        if (newer.length > 0) {
          throw new Error(
            `refusing to write the baseline: ${newer.map((p) => `${this.branch}:${p.file}`).join(", ")} ` +
              `${newer.length === 1 ? "was" : "were"} written by a newer skillbench (${newer[0]?.message ?? ""})`,
          );
        }
        base ??= parsed.data;
        const merged = applyRun(parsed.data, base, contribution, this.historyLimit);
        const message =
          `skillbench baseline: ${report.mode} run ${runId}` +
          (report.commit ? ` at ${report.commit.slice(0, 12)}` : "") +
          `, ${touched.length} skill${touched.length === 1 ? "" : "s"}`;
        const commit = await this.commitFiles(parent, filesForWrite(merged, touched), message);
        if (commit === parent && parent !== null) return commit;

        const push = await this.git.exec(
          ["push", "--no-verify", "--porcelain", this.remote, `${commit}:refs/heads/${this.branch}`],
          { allowFailure: true },
        );
        if (push.code !== 0) throw new PushRejected(push);
        // Keep the private ref current so a read right after sees this write without waiting for a fetch.
        await this.git.exec(["update-ref", this.privateRef, commit], { allowFailure: true });
        return commit;
      },
      {
        maxRetries: this.maxPushAttempts - 1,
        decide: (error) => ({
          retry: error instanceof PushRejected && error.retryable && within(),
          retryAfterMs: null,
          reason: error instanceof PushRejected ? error.why : "",
        }),
        backoff: (retryIndex) => backoffDelay(retryIndex + 1, this.retryDelay.min, this.retryDelay.max, this.random),
        sleep: this.sleep,
        onRetry: ({ attempt, delayMs, reason }) =>
          this.log(
            `baseline push to "${this.branch}" was rejected (${reason}); rebuilding on the new tip in ${delayMs} ms ` +
              `(attempt ${attempt + 1}; retrying for up to ${Math.round(this.pushBudgetMs / 1000)} s)`,
          ),
        giveUp: (error, tries) => {
          if (!(error instanceof PushRejected)) return error instanceof Error ? error : new Error(String(error));
          const where = `could not push the baseline to branch "${this.branch}" of ${this.remote}`;
          if (!error.retryable) return new Error(`${where}: ${error.detail}${hint(error.detail)}`);
          const seconds = Math.round((this.now().getTime() - started) / 1000);
          return new Error(
            `${where} after ${tries} attempts over ${seconds} s: ` +
              (error.race ? "it kept changing under concurrent writers" : "the remote kept failing") +
              ` (last: ${error.detail}); the results of this run are in the report but not in the baseline`,
          );
        },
      },
    );
    return { commit, attempts };
  }

  /** Fetches the branch into the private ref; null when the remote has no such branch. */
  private async fetchBranch(): Promise<string | null> {
    if (!this.checked) this.checked = this.checkBranchName();
    await this.checked;
    const shallow = await this.git.exec(["rev-parse", "--is-shallow-repository"], { allowFailure: true });
    // In a shallow checkout (the CI default) only the tip is needed: the branch's history is never read.
    const depth = shallow.stdout.trim() === "true" ? ["--depth=1"] : [];
    const args = [
      "fetch",
      "--no-tags",
      "--no-write-fetch-head",
      ...depth,
      this.remote,
      `+refs/heads/${this.branch}:${this.privateRef}`,
    ];
    const result = await execWithRetry(this.git, args, {
      attempts: this.maxFetchAttempts,
      allowFailure: true,
      sleep: this.sleep,
      random: this.random,
      onRetry: ({ attempt, delayMs, stderr }) =>
        this.log(
          `fetching baseline branch "${this.branch}" failed (${firstLine(stderr)}); ` +
            `retry ${attempt + 1} in ${delayMs} ms`,
        ),
    });
    if (result.code !== 0) {
      if (/couldn't find remote ref/i.test(result.stderr)) {
        await this.git.exec(["update-ref", "-d", this.privateRef], { allowFailure: true });
        return null;
      }
      const detail = oneLine(result.stderr);
      throw new Error(`could not fetch baseline branch "${this.branch}" from ${this.remote}: ${detail}`);
    }
    const rev = await this.git.exec(["rev-parse", "--verify", `${this.privateRef}^{commit}`]);
    return rev.stdout.trim();
  }

  private async checkBranchName(): Promise<void> {
    const check = await this.git.exec(["check-ref-format", `refs/heads/${this.branch}`], { allowFailure: true });
    if (check.code !== 0 || this.branch.trim() === "") {
      throw new Error(`baseline branch "${this.branch}" is not a valid git branch name`);
    }
  }

  private async load(commit: string | null): Promise<ParsedBranch> {
    if (commit === null) return { data: emptyBranchData(), problems: [] };
    const listing = await this.git.exec(["ls-tree", "-r", "-z", "--full-tree", commit]);
    const blobs: { path: string; sha: string }[] = [];
    for (const record of listing.stdout.split("\0")) {
      const match = /^\d+ blob ([0-9a-f]+)\t(.+)$/s.exec(record);
      if (match?.[1] && match[2] && isLayoutFile(match[2])) blobs.push({ sha: match[1], path: match[2] });
    }
    const files = new Map<string, string>();
    const limiter = new Limiter(8);
    await Promise.all(
      blobs.map(({ sha, path }) =>
        limiter.run(async () => {
          files.set(path, (await this.git.exec(["cat-file", "blob", sha])).stdout);
        }),
      ),
    );
    return parseBranch(files);
  }

  /** A commit holding `parent`'s tree with `files` replaced; returns `parent` itself when nothing changed. */
  private async commitFiles(parent: string | null, files: Map<string, string>, message: string): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), "skillbench-baseline-"));
    try {
      const env = { GIT_INDEX_FILE: join(dir, "index") };
      await this.git.exec(parent === null ? ["read-tree", "--empty"] : ["read-tree", parent], { env });
      const entries = [...files.entries()];
      const paths = await Promise.all(
        entries.map(async ([, content], i) => {
          const path = join(dir, `blob-${i}`);
          await writeFile(path, content, "utf8");
          return path;
        }),
      );
      const hashed = await this.git.exec(["hash-object", "-w", "--no-filters", "--stdin-paths"], {
        input: paths.map((p) => `${p}\n`).join(""),
      });
      const shas = hashed.stdout.split("\n").filter((line) => line !== "");
      if (shas.length !== entries.length) {
        throw new Error(`git hash-object returned ${shas.length} object ids for ${entries.length} baseline files`);
      }
      const indexInfo = entries.map(([path], i) => `100644 ${shas[i]}\t${path}\n`).join("");
      await this.git.exec(["update-index", "--add", "--index-info"], { env, input: indexInfo });
      const tree = (await this.git.exec(["write-tree"], { env })).stdout.trim();
      if (parent !== null) {
        const parentTree = (await this.git.exec(["rev-parse", `${parent}^{tree}`])).stdout.trim();
        if (parentTree === tree) return parent;
      }
      const when = `@${Math.floor(this.now().getTime() / 1000)} +0000`;
      const identity = {
        GIT_AUTHOR_NAME: this.author.name,
        GIT_AUTHOR_EMAIL: this.author.email,
        GIT_AUTHOR_DATE: when,
        GIT_COMMITTER_NAME: this.author.name,
        GIT_COMMITTER_EMAIL: this.author.email,
        GIT_COMMITTER_DATE: when,
      };
      const parents = parent === null ? [] : ["-p", parent];
      const commit = await this.git.exec(["commit-tree", "--no-gpg-sign", tree, ...parents, "-F", "-"], {
        env: identity,
        input: `${message}\n`,
      });
      return commit.stdout.trim();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

/** A push the remote refused; `retryable` when the branch moved under us or the failure looks transient. */
class PushRejected extends Error {
  readonly race: boolean;
  readonly detail: string;
  readonly retryable: boolean;
  constructor(push: GitResult) {
    const outcome = pushFailure(push);
    super(outcome.detail);
    this.name = "PushRejected";
    this.race = outcome.race;
    this.detail = outcome.detail;
    this.retryable = outcome.race || isTransientGitFailure(push);
  }

  /** For the retry log: why the push failed. */
  get why(): string {
    return `${this.race ? "the branch moved" : "transient error"}: ${this.detail}`;
  }
}

function pushFailure(push: GitResult): { race: boolean; detail: string } {
  // --porcelain puts the per-ref status ("!\t<src>:<dst>\t[rejected] (fetch first)") on stdout.
  const refLines = push.stdout.split("\n").filter((line) => line.startsWith("!"));
  const remoteLines = push.stderr
    .split("\n")
    .filter((line) => /^(remote: )?(error|fatal)/.test(line.trim()) && !/failed to push some refs/.test(line));
  const detail =
    [...refLines.map((l) => l.split("\t").slice(2).join(" ")), ...remoteLines.map((l) => l.trim())]
      .filter((l) => l !== "")
      .join("; ") || push.stderr.trim() || `exit code ${push.code}`;
  const text = `${push.stdout}\n${push.stderr}`;
  return { race: RACE_PATTERNS.some((p) => p.test(text)), detail };
}

function hint(detail: string): string {
  if (/\b403\b|Permission to .* denied|not accessible by integration/i.test(detail)) {
    return " (the token needs `contents: write`; pull requests from forks only get a read-only token)";
  }
  if (/protected branch/i.test(detail)) return " (the baseline branch must not be protected against pushes)";
  return "";
}

function oneLine(text: string): string {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "")
    .join("; ");
}

function firstLine(text: string): string {
  return text.trim().split("\n")[0] ?? "";
}

function defaultRunId(now: Date): string {
  return `${now.toISOString().replace(/[-:]|\.\d+/g, "")}-${randomBytes(3).toString("hex")}`;
}
