// The one GitHub REST client: changed files of a pull request and the sticky report comment. Pagination
// everywhere (long PRs have hundreds of comments), GitHub Enterprise Server through the base URL.

import { getOctokit } from "@actions/github";
import { throttling } from "@octokit/plugin-throttling";
import Bottleneck from "bottleneck/light.js";
import { messageOf } from "./errors.js";
import { jitteredBackoff, withRetries } from "./retry.js";
import { GITHUB_COMMENT_LIMIT } from "./util.js";

/** Known API errors, by name. */
export const GITHUB_ERRORS = { forbidden: 403, notFound: 404, validation: 422, tooManyRequests: 429 } as const;

/** pulls.listFiles stops at 3,000 files however it is paginated. */
const LIST_FILES_CAP = 3000;
/** The login of the default GITHUB_TOKEN's app, which cannot call GET /user. */
const ACTIONS_BOT_LOGIN = "github-actions[bot]";
/** Retries of a 5xx, and of a rate-limited request, before the call fails. */
const DEFAULT_RETRIES = 3;
/** A rate limit that asks for a longer wait than this is reported, not waited out. */
const MAX_RATE_LIMIT_WAIT_SECONDS = 300;
/**
 * Statuses not retried here: client errors that a retry cannot fix (a 403 is a permission error or a rate
 * limit, and 429 is always a rate limit: the throttling plugin handles both with the server's wait).
 */
const DO_NOT_RETRY = [400, 401, 403, 404, 410, 422, 429, 451];

export interface PullRef {
  owner: string;
  repo: string;
  number: number;
}

export interface StickyComment {
  url: string;
  id: number;
  created: boolean;
}

export interface GitHubClientOptions {
  /** REST API root; default GITHUB_API_URL, else https://api.github.com. */
  baseUrl?: string;
  log?: (message: string) => void;
  /** Retries of a 5xx or a rate-limited request; default 3. */
  retries?: number;
  /**
   * How long one second of waiting lasts, in ms: GitHub's 1 s between writes (3 s between writes that notify),
   * the 5xx backoff (jittered, from 1 s, the ceiling doubling up to 8 s), and a rate limit's retry-after.
   * Default 1000; tests make it small.
   */
  msPerSecond?: number;
  /** Injectable for tests: the wait before a 5xx retry, and its jitter. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface UpsertOptions {
  /** false: refresh an existing comment but never start one (null when there is none). Default true. */
  create?: boolean;
  /** A shorter body (with the marker) to try once when GitHub answers 422 "body is too long". */
  shorten?: () => string;
}

/** A failed API call, named after what we were doing; `status` is the HTTP status (0 when there was no response). */
export class GitHubRequestError extends Error {
  readonly status: number;
  constructor(message: string, status: number, options: { cause: unknown }) {
    super(message, options);
    this.name = "GitHubRequestError";
    this.status = status;
  }
}

function statusOf(error: unknown): number | null {
  if (typeof error === "object" && error !== null && "status" in error) {
    const status = (error as { status: unknown }).status;
    if (typeof status === "number") return status;
  }
  return null;
}

/** What an error (or the Octokit RequestError in its cause chain) says about the HTTP answer. */
function answerOf(error: unknown): { status: number | null; headers: Record<string, unknown>; text: string } {
  let status: number | null = null;
  let headers: Record<string, unknown> = {};
  let text = "";
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 5; depth += 1) {
    status ??= statusOf(e);
    text += ` ${messageOf(e)}`;
    if (typeof e === "object" && "response" in e) {
      const response = (e as { response?: { headers?: unknown; data?: unknown } }).response;
      if (typeof response?.headers === "object" && response.headers !== null) headers = response.headers as Record<string, unknown>;
      if (response?.data !== undefined) text += ` ${JSON.stringify(response.data)}`;
    }
    e = e instanceof Error ? e.cause : undefined;
  }
  return { status, headers, text };
}

/**
 * True for a 403 or 429 that is a rate limit: GitHub sends retry-after with a secondary limit and
 * x-ratelimit-remaining: 0 when the primary limit is used up; the message says so as a last resort.
 */
export function isRateLimited(error: unknown): boolean {
  const { status, headers, text } = answerOf(error);
  if (status === GITHUB_ERRORS.tooManyRequests) return true;
  if (status !== GITHUB_ERRORS.forbidden) return false;
  if (headers["retry-after"] !== undefined && headers["retry-after"] !== null) return true;
  if (String(headers["x-ratelimit-remaining"]) === "0") return true;
  return /rate limit/i.test(text);
}

/**
 * True for a 403 that means "this token may not do that" (a read-only GITHUB_TOKEN on a fork PR answers
 * "Resource not accessible by integration"), false for other errors, including 403s that are rate limits.
 */
export function isForbidden(error: unknown): boolean {
  return answerOf(error).status === GITHUB_ERRORS.forbidden && !isRateLimited(error);
}

/** A 422 whose validation errors say the comment body is over GitHub's limit. */
export function isBodyTooLong(error: unknown): boolean {
  const { status, text } = answerOf(error);
  return status === GITHUB_ERRORS.validation && /too long/i.test(text);
}

/** The comment author we look for: the token's own user, or (when GET /user is refused) any bot. */
type Identity = { kind: "user"; login: string } | { kind: "bot" };

interface CommentLike {
  id: number;
  body?: string | null | undefined;
  created_at: string;
  html_url: string;
  user: { login: string; type?: string | undefined } | null;
}

function where(pr: PullRef): string {
  return `${pr.owner}/${pr.repo}#${pr.number}`;
}

let clientCount = 0;

export class GitHubClient {
  private readonly octokit: ReturnType<typeof getOctokit>;
  private readonly log: (message: string) => void;
  private identity: Promise<Identity> | null = null;

  constructor(token: string, options: GitHubClientOptions = {}) {
    if (token.trim() === "") throw new Error("A GitHub token is required (input github-token).");
    const baseUrl = (options.baseUrl ?? process.env.GITHUB_API_URL ?? "").trim().replace(/\/+$/, "");
    const log = options.log ?? (() => undefined);
    const retries = Math.max(0, Math.floor(options.retries ?? DEFAULT_RETRIES));
    const unitMs = options.msPerSecond ?? 1000;
    // Both plugins wait `seconds x unitMs`; the throttling plugin asks before each rate-limit retry.
    const onLimit =
      (kind: string) =>
      (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number): boolean => {
        const what = `${request.method} ${request.url}`;
        if (retryCount >= retries || retryAfter > MAX_RATE_LIMIT_WAIT_SECONDS) {
          log(`GitHub ${kind} rate limit on ${what}: giving up after ${retryCount} retries (retry-after ${retryAfter} s).`);
          return false;
        }
        log(`GitHub ${kind} rate limit on ${what}: waiting ${retryAfter} s (retry ${retryCount + 1} of ${retries}).`);
        return true;
      };
    clientCount += 1;
    this.octokit = getOctokit(
      token,
      {
        ...(baseUrl ? { baseUrl } : {}),
        throttle: {
          // GitHub asks for a second between writes; the plugin's default groups are shared by the whole process.
          id: `skillbench-${clientCount}`,
          write: new Bottleneck.Group({ maxConcurrent: 1, minTime: unitMs }),
          notifications: new Bottleneck.Group({ maxConcurrent: 1, minTime: 3 * unitMs }),
          retryAfterBaseValue: unitMs,
          fallbackSecondaryRateRetryAfter: 60,
          onRateLimit: onLimit("primary"),
          onSecondaryRateLimit: onLimit("secondary"),
        },
      },
      throttling,
    );
    // 5xx answers and other client errors a retry may fix (Octokit reports a lost connection as a 500): the run's one retry helper, around every request (each page included).
    const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    this.octokit.hook.wrap("request", (request, requestOptions) =>
      withRetries(async () => request(requestOptions), {
        maxRetries: retries,
        decide: (error) => {
          const status = statusOf(error);
          const retry = status !== null && status >= 400 && !DO_NOT_RETRY.includes(status);
          return { retry, retryAfterMs: null, reason: `HTTP ${status ?? "?"}` };
        },
        backoff: (retryIndex) => Math.round(jitteredBackoff(retryIndex, { baseMs: 2 * unitMs, maxMs: 8 * unitMs, floorMs: unitMs }, options.random)),
        sleep,
        onRetry: ({ attempt, delayMs, reason }) =>
          log(`GitHub answered ${reason} to ${requestOptions.method} ${requestOptions.url}: retry ${attempt} of ${retries} in ${delayMs} ms.`),
        giveUp: (error) => (error instanceof Error ? error : new Error(messageOf(error))),
      }).then(({ value }) => value),
    );
    this.log = log;
  }

  /** The pull request's head commit and head repository ("owner/name"; null when the fork was deleted). */
  async getPullRequest(pr: PullRef): Promise<{ headSha: string; headRepo: string | null }> {
    const { data } = await this.call(`read ${where(pr)}`, () =>
      this.octokit.rest.pulls.get({ owner: pr.owner, repo: pr.repo, pull_number: pr.number }),
    );
    return { headSha: data.head.sha, headRepo: data.head.repo?.full_name ?? null };
  }

  /** Every path the pull request touches, including the old path of renamed files; in API order, no duplicates. */
  async listChangedFiles(pr: PullRef): Promise<string[]> {
    const files = await this.call(`list the files of ${where(pr)}`, () =>
      this.octokit.paginate(this.octokit.rest.pulls.listFiles, {
        owner: pr.owner,
        repo: pr.repo,
        pull_number: pr.number,
        per_page: 100,
      }),
    );
    if (files.length >= LIST_FILES_CAP) {
      this.log(`${where(pr)} lists ${files.length} files, GitHub's maximum: later files are missing; consider skills: all.`);
    }
    const paths = new Set<string>();
    for (const file of files) {
      paths.add(file.filename);
      if (file.previous_filename) paths.add(file.previous_filename);
    }
    return [...paths];
  }

  /**
   * Updates the newest comment that contains `marker` and was written by this token's user, or creates one.
   * Authorship: GET /user names the user for personal and OAuth tokens. A GitHub App installation token (the
   * default GITHUB_TOKEN included) gets 403 there; then we take comments by github-actions[bot], else by any
   * user of type Bot, and if updating such a comment is refused (another app's comment) we create our own.
   * With `create: false` an absent comment stays absent (null): a run with nothing to report refreshes an
   * earlier comment but does not start a new one. When GitHub refuses the body as too long (422) and `shorten`
   * is given, the write is tried once more with its shorter body.
   */
  async upsertStickyComment(pr: PullRef, body: string, marker: string): Promise<StickyComment>;
  async upsertStickyComment(
    pr: PullRef,
    body: string,
    marker: string,
    options: UpsertOptions & { create?: true },
  ): Promise<StickyComment>;
  async upsertStickyComment(pr: PullRef, body: string, marker: string, options: UpsertOptions): Promise<StickyComment | null>;
  async upsertStickyComment(pr: PullRef, body: string, marker: string, options: UpsertOptions = {}): Promise<StickyComment | null> {
    checkBody(body, marker);
    const identity = await this.whoAmI();
    const comments = await this.call(`list the comments of ${where(pr)}`, () =>
      this.octokit.paginate(this.octokit.rest.issues.listComments, {
        owner: pr.owner,
        repo: pr.repo,
        issue_number: pr.number,
        per_page: 100,
      }),
    );
    const existing = pickSticky(comments, marker, identity);
    if (existing) {
      try {
        const { data } = await this.shortenedOnce(body, marker, options.shorten, (text) =>
          this.octokit.rest.issues.updateComment({ owner: pr.owner, repo: pr.repo, comment_id: existing.id, body: text }),
        );
        this.log(`Updated comment ${data.id} on ${where(pr)}.`);
        return { url: data.html_url, id: data.id, created: false };
      } catch (error) {
        // A bot comment picked without knowing our own login may belong to another app: post our own instead.
        if (!(identity.kind === "bot" && isForbidden(error))) {
          throw this.wrap(`update comment ${existing.id} on ${where(pr)}`, error);
        }
        this.log(`Comment ${existing.id} on ${where(pr)} is not ours to edit; creating a new one.`);
      }
    }
    if (options.create === false) {
      this.log(`No earlier report comment on ${where(pr)}; not creating one.`);
      return null;
    }
    const { data } = await this.call(`create a comment on ${where(pr)}`, () =>
      this.shortenedOnce(body, marker, options.shorten, (text) =>
        this.octokit.rest.issues.createComment({ owner: pr.owner, repo: pr.repo, issue_number: pr.number, body: text }),
      ),
    );
    this.log(`Created comment ${data.id} on ${where(pr)}.`);
    return { url: data.html_url, id: data.id, created: true };
  }

  /** Runs `write` with `body`; on a 422 "body is too long", once more with the shorter body. */
  private async shortenedOnce<T>(
    body: string,
    marker: string,
    shorten: (() => string) | undefined,
    write: (text: string) => Promise<T>,
  ): Promise<T> {
    try {
      return await write(body);
    } catch (error) {
      if (!shorten || !isBodyTooLong(error)) throw error;
      const shorter = shorten();
      checkBody(shorter, marker);
      if (shorter.length >= body.length) throw error;
      this.log(`GitHub refused the ${body.length}-character comment as too long; posting a ${shorter.length}-character version.`);
      return await write(shorter);
    }
  }

  private whoAmI(): Promise<Identity> {
    this.identity ??= this.octokit.rest.users.getAuthenticated().then(
      ({ data }): Identity => ({ kind: "user", login: data.login }),
      (error: unknown): Identity => {
        if (isForbidden(error)) return { kind: "bot" };
        this.identity = null;
        throw this.wrap("identify the token's user (GET /user)", error);
      },
    );
    return this.identity;
  }

  private async call<T>(what: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw this.wrap(what, error);
    }
  }

  private wrap(what: string, error: unknown): GitHubRequestError {
    const status = statusOf(error) ?? 0;
    const hint = isRateLimited(error)
      ? " (GitHub's rate limit, still in force after waiting and retrying: this is not a permission problem; re-run the job later)"
      : status === GITHUB_ERRORS.forbidden
        ? " (the token lacks permission: on pull requests from forks the GITHUB_TOKEN is read-only; otherwise grant pull-requests: write)"
        : status === 401
          ? " (the token is invalid or expired)"
          : "";
    return new GitHubRequestError(`Could not ${what}: ${status ? `HTTP ${status}: ` : ""}${messageOf(error)}${hint}`, status, {
      cause: error,
    });
  }
}

function checkBody(body: string, marker: string): void {
  if (marker.trim() === "" || !body.includes(marker)) {
    throw new Error(`The comment body must contain its marker ${JSON.stringify(marker)} so the next run can find it.`);
  }
  if (body.length > GITHUB_COMMENT_LIMIT) {
    throw new Error(
      `The comment body is ${body.length} characters; GitHub accepts at most ${GITHUB_COMMENT_LIMIT} (shorten it before posting).`,
    );
  }
}

/** The newest comment that carries the marker and was written by `identity`. */
function pickSticky(comments: CommentLike[], marker: string, identity: Identity): CommentLike | null {
  const marked = comments.filter((c) => (c.body ?? "").includes(marker));
  let candidates: CommentLike[];
  if (identity.kind === "user") {
    candidates = marked.filter((c) => c.user?.login === identity.login);
  } else {
    const actionsBot = marked.filter((c) => c.user?.login === ACTIONS_BOT_LOGIN);
    candidates = actionsBot.length > 0 ? actionsBot : marked.filter((c) => c.user?.type === "Bot");
  }
  let newest: CommentLike | null = null;
  for (const c of candidates) {
    if (
      newest === null ||
      Date.parse(c.created_at) > Date.parse(newest.created_at) ||
      (c.created_at === newest.created_at && c.id > newest.id)
    ) {
      newest = c;
    }
  }
  return newest;
}
