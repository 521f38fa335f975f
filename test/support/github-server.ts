// A local server speaking the GitHub REST endpoints skillbench uses, with in-memory state. It serves at its
// root like api.github.com (no /api/v3 prefix), so it works as Octokit's baseUrl or as GITHUB_API_URL.
// Pagination follows GitHub: per_page (default 30, max 100), page (1-based), and a Link header with absolute
// URLs for rel="next"/"last" (and "prev"/"first" after page 1).

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export const GITHUB_COMMENT_LIMIT = 65_536;
const MAX_REQUEST_BYTES = 5 * 1024 * 1024;

export interface ServerUser {
  login: string;
  id: number;
  type: "User" | "Bot";
}

export interface ServerComment {
  id: number;
  owner: string;
  repo: string;
  issue: number;
  body: string;
  user: ServerUser;
  createdAt: string;
  updatedAt: string;
}

export interface ServerFile {
  filename: string;
  status: "added" | "modified" | "removed" | "renamed" | "copied" | "changed" | "unchanged";
  previous_filename?: string;
}

export interface SeedComment {
  owner?: string;
  repo?: string;
  issue?: number;
  body: string;
  /** Author; default the authenticated user (or github-actions[bot] when there is none). */
  user?: ServerUser;
}

/** An injected failure: the next `times` requests matching `method` and `path` get `answer` instead. */
export interface GitHubFault {
  /** Default: any method. */
  method?: "GET" | "POST" | "PATCH";
  /** A substring of the request path (without the query), e.g. "/issues/7/comments". */
  path: string;
  /** Default 1; Infinity allowed. */
  times?: number;
  answer:
    | "server-error" // 500
    | "bad-gateway" // 502
    | "secondary-rate-limit" // 403 with retry-after, GitHub's secondary-limit message
    | "secondary-rate-limit-429" // the same as a 429
    | "primary-rate-limit" // 403 with x-ratelimit-remaining: 0 and a reset time
    | "body-too-long"; // 422 with GitHub's validation error for an over-long comment
  /** retry-after of the secondary limits, and seconds to the reset of the primary one; default 1. */
  retryAfterSeconds?: number;
}

export interface GitHubServerOptions {
  /** The token's user for GET /user; null answers 403 like a GitHub App installation token. Default octocat. */
  user?: ServerUser | null;
  /** Author of comments created when `user` is null. Default github-actions[bot]. */
  appUser?: ServerUser;
  /** When set, requests without "Authorization: token|Bearer <token>" get 401. */
  token?: string;
  forbidWrites?: boolean;
  /** Changed files per pull request, keyed "owner/repo#number". */
  files?: Record<string, ServerFile[]>;
  /** Pull requests for GET /repos/:o/:r/pulls/:n, keyed "owner/repo#number". */
  pulls?: Record<string, ServerPull>;
  comments?: SeedComment[];
  /** Injected failures, consumed in order of the list (first matching rule with times left). */
  faults?: GitHubFault[];
  /** Defaults for SeedComment owner/repo/issue. */
  owner?: string;
  repo?: string;
  issue?: number;
}

export interface ServerPull {
  headSha: string;
  headRepo: string;
  baseRef: string;
  baseSha: string;
}

export interface GitHubServerState {
  user: ServerUser | null;
  appUser: ServerUser;
  forbidWrites: boolean;
  files: Map<string, ServerFile[]>;
  pulls: Map<string, ServerPull>;
  comments: ServerComment[];
  nextCommentId: number;
  /** Pending injected failures; push more at any time. `times` counts down as they are served. */
  faults: GitHubFault[];
  /** Adds a comment as if someone had posted it; returns it. */
  addComment(seed: SeedComment): ServerComment;
}

export interface LoggedRequest {
  method: string;
  /** Path and query, e.g. /repos/o/r/issues/1/comments?per_page=100&page=2 */
  url: string;
  status: number;
  /** Whether an Authorization header was present (its value is never recorded). */
  authorized: boolean;
  /** Parsed JSON body of POST/PATCH requests. */
  body: unknown;
}

export interface GitHubServer {
  /** Base URL, e.g. http://127.0.0.1:54321 (no trailing slash). */
  url: string;
  state: GitHubServerState;
  requests: LoggedRequest[];
  close(): Promise<void>;
}

const OCTOCAT: ServerUser = { login: "octocat", id: 1, type: "User" };
const ACTIONS_BOT: ServerUser = { login: "github-actions[bot]", id: 41898282, type: "Bot" };

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly payload: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(String(payload.message));
  }
}

const notFound = (): HttpError => new HttpError(404, { message: "Not Found", documentation_url: "https://docs.github.com/rest" });

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) {
        reject(new HttpError(413, { message: "Payload too large" }));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function positiveInt(value: string | null, fallback: number): number {
  if (value === null) return fallback;
  const n = Number(value);
  return Number.isInteger(n) && n >= 1 ? n : fallback;
}

/** One page of `items` and GitHub's Link header for it. */
function paginate<T>(items: T[], url: URL, origin: string): { page: T[]; link: string | null } {
  const perPage = Math.min(100, positiveInt(url.searchParams.get("per_page"), 30));
  const page = positiveInt(url.searchParams.get("page"), 1);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const linkTo = (n: number, rel: string): string => {
    const target = new URL(url.pathname + url.search, origin);
    target.searchParams.set("per_page", String(perPage));
    target.searchParams.set("page", String(n));
    return `<${target.href}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (page > 1) links.push(linkTo(Math.min(page - 1, last), "prev"));
  if (page < last) links.push(linkTo(page + 1, "next"), linkTo(last, "last"));
  if (page > 1) links.push(linkTo(1, "first"));
  return { page: items.slice((page - 1) * perPage, page * perPage), link: links.length > 0 ? links.join(", ") : null };
}

function userJson(user: ServerUser): Record<string, unknown> {
  return { login: user.login, id: user.id, type: user.type, site_admin: false };
}

function commentJson(c: ServerComment, origin: string): Record<string, unknown> {
  return {
    id: c.id,
    node_id: `IC_${c.id}`,
    url: `${origin}/repos/${c.owner}/${c.repo}/issues/comments/${c.id}`,
    html_url: `https://github.com/${c.owner}/${c.repo}/pull/${c.issue}#issuecomment-${c.id}`,
    issue_url: `${origin}/repos/${c.owner}/${c.repo}/issues/${c.issue}`,
    body: c.body,
    user: userJson(c.user),
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    author_association: "MEMBER",
  };
}

function fileJson(f: ServerFile, index: number): Record<string, unknown> {
  return {
    sha: index.toString(16).padStart(40, "0"),
    filename: f.filename,
    status: f.status,
    additions: 1,
    deletions: 0,
    changes: 1,
    ...(f.previous_filename !== undefined ? { previous_filename: f.previous_filename } : {}),
  };
}

function validateBody(raw: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new HttpError(400, { message: "Problems parsing JSON" });
  }
  const body = typeof parsed === "object" && parsed !== null ? (parsed as { body?: unknown }).body : undefined;
  if (typeof body !== "string") {
    throw new HttpError(422, { message: "Invalid request.\n\n\"body\" wasn't supplied.", status: "422" });
  }
  if (body.length > GITHUB_COMMENT_LIMIT) {
    throw new HttpError(422, {
      message: "Validation Failed",
      errors: [
        {
          resource: "IssueComment",
          code: "custom",
          field: "body",
          message: `body is too long (maximum is ${GITHUB_COMMENT_LIMIT} characters)`,
        },
      ],
      documentation_url: "https://docs.github.com/rest/issues/comments#create-an-issue-comment",
      status: "422",
    });
  }
  return body;
}

export async function startGitHubServer(options: GitHubServerOptions = {}): Promise<GitHubServer> {
  // Seeded comments get increasing timestamps a minute apart, in seed order, like a real thread.
  let clock = Date.parse("2026-10-01T00:00:00.000Z");
  const tick = (): string => {
    clock += 60_000;
    return new Date(clock).toISOString();
  };
  const state: GitHubServerState = {
    user: options.user === undefined ? OCTOCAT : options.user,
    appUser: options.appUser ?? ACTIONS_BOT,
    forbidWrites: options.forbidWrites ?? false,
    files: new Map(Object.entries(options.files ?? {})),
    pulls: new Map(Object.entries(options.pulls ?? {})),
    comments: [],
    nextCommentId: 1000,
    faults: (options.faults ?? []).map((f) => ({ ...f })),
    addComment(seed: SeedComment): ServerComment {
      const time = tick();
      const comment: ServerComment = {
        id: state.nextCommentId,
        owner: seed.owner ?? options.owner ?? "acme",
        repo: seed.repo ?? options.repo ?? "skills",
        issue: seed.issue ?? options.issue ?? 1,
        body: seed.body,
        user: seed.user ?? state.user ?? state.appUser,
        createdAt: time,
        updatedAt: time,
      };
      state.nextCommentId += 1;
      state.comments.push(comment);
      return comment;
    },
  };
  for (const seed of options.comments ?? []) state.addComment(seed);
  const requests: LoggedRequest[] = [];

  const forbidden = (): HttpError =>
    new HttpError(403, {
      message: "Resource not accessible by integration",
      documentation_url: "https://docs.github.com/rest/issues/comments",
      status: "403",
    });

  /** The answer of the first pending fault that matches, as an HttpError to throw; null when none does. */
  function takeFault(method: string, path: string): HttpError | null {
    const fault = state.faults.find(
      (f) => (f.times ?? 1) > 0 && (f.method === undefined || f.method === method) && path.includes(f.path),
    );
    if (!fault) return null;
    fault.times = (fault.times ?? 1) - 1;
    const seconds = fault.retryAfterSeconds ?? 1;
    const secondary = {
      message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
      documentation_url: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
      status: "403",
    };
    switch (fault.answer) {
      case "server-error":
        return new HttpError(500, { message: "Server Error" });
      case "bad-gateway":
        return new HttpError(502, { message: "Bad Gateway" });
      case "secondary-rate-limit":
        return new HttpError(403, secondary, { "retry-after": String(seconds) });
      case "secondary-rate-limit-429":
        return new HttpError(429, { ...secondary, status: "429" }, { "retry-after": String(seconds) });
      case "primary-rate-limit":
        return new HttpError(
          403,
          { message: "API rate limit exceeded for installation ID 1.", documentation_url: "https://docs.github.com/rest", status: "403" },
          {
            "x-ratelimit-limit": "5000",
            "x-ratelimit-remaining": "0",
            "x-ratelimit-used": "5000",
            "x-ratelimit-reset": String(Math.ceil(Date.now() / 1000) + seconds),
          },
        );
      case "body-too-long":
        return new HttpError(422, {
          message: "Validation Failed",
          errors: [{ resource: "IssueComment", code: "custom", field: "body", message: "body is too long (maximum is 65536 characters)" }],
          documentation_url: "https://docs.github.com/rest/issues/comments#create-an-issue-comment",
          status: "422",
        });
    }
  }

  function route(req: IncomingMessage, url: URL, origin: string, raw: string): { status: number; json: unknown; link?: string | null } {
    const method = req.method ?? "GET";
    const parts = url.pathname.split("/").filter((p) => p !== "").map(decodeURIComponent);

    if (method === "GET" && parts.length === 1 && parts[0] === "user") {
      if (state.user === null) throw new HttpError(403, { message: "Resource not accessible by integration", status: "403" });
      return { status: 200, json: userJson(state.user) };
    }
    if (parts[0] !== "repos" || parts.length < 5) throw notFound();
    const [, owner = "", repo = "", kind = "", fourth = "", fifth = "", sixth] = parts;

    // GET /repos/:o/:r/pulls/:n
    if (method === "GET" && kind === "pulls" && /^\d+$/.test(fourth) && fifth === "") {
      const pull = state.pulls.get(`${owner}/${repo}#${fourth}`);
      if (!pull) throw notFound();
      return {
        status: 200,
        json: {
          number: Number(fourth),
          state: "open",
          head: { sha: pull.headSha, repo: { full_name: pull.headRepo } },
          base: { ref: pull.baseRef, sha: pull.baseSha, repo: { full_name: `${owner}/${repo}` } },
        },
      };
    }
    // GET /repos/:o/:r/pulls/:n/files
    if (method === "GET" && kind === "pulls" && fifth === "files" && sixth === undefined) {
      const files = state.files.get(`${owner}/${repo}#${fourth}`);
      if (!files) throw notFound();
      const { page, link } = paginate(files.map(fileJson), url, origin);
      return { status: 200, json: page, link };
    }
    // GET|POST /repos/:o/:r/issues/:n/comments
    if (kind === "issues" && fifth === "comments" && sixth === undefined && /^\d+$/.test(fourth)) {
      const issue = Number(fourth);
      if (method === "GET") {
        const mine = state.comments.filter((c) => c.owner === owner && c.repo === repo && c.issue === issue);
        const { page, link } = paginate(mine.map((c) => commentJson(c, origin)), url, origin);
        return { status: 200, json: page, link };
      }
      if (method === "POST") {
        if (state.forbidWrites) throw forbidden();
        const body = validateBody(raw);
        const comment = state.addComment({ owner, repo, issue, body, user: state.user ?? state.appUser });
        return { status: 201, json: commentJson(comment, origin) };
      }
    }
    // PATCH /repos/:o/:r/issues/comments/:id
    if (method === "PATCH" && kind === "issues" && fourth === "comments" && /^\d+$/.test(fifth) && sixth === undefined) {
      const comment = state.comments.find((c) => c.owner === owner && c.repo === repo && c.id === Number(fifth));
      if (!comment) throw notFound();
      if (state.forbidWrites) throw forbidden();
      comment.body = validateBody(raw);
      comment.updatedAt = tick();
      return { status: 200, json: commentJson(comment, origin) };
    }
    throw notFound();
  }

  const server = createServer((req, res: ServerResponse) => {
    const origin = `http://${req.headers.host ?? "127.0.0.1"}`;
    const url = new URL(req.url ?? "/", origin);
    const authorization = req.headers.authorization;
    const log: LoggedRequest = {
      method: req.method ?? "GET",
      url: url.pathname + url.search,
      status: 0,
      authorized: authorization !== undefined,
      body: undefined,
    };
    requests.push(log);
    const send = (status: number, json: unknown, link?: string | null, extra: Record<string, string> = {}): void => {
      log.status = status;
      const headers: Record<string, string> = { "content-type": "application/json; charset=utf-8", ...extra };
      if (link) headers.link = link;
      res.writeHead(status, headers);
      res.end(JSON.stringify(json));
    };
    readBody(req)
      .then((raw) => {
        if (raw !== "") {
          try {
            log.body = JSON.parse(raw);
          } catch {
            log.body = raw;
          }
        }
        if (options.token !== undefined) {
          const presented = /^(?:token|bearer)\s+(.+)$/i.exec(authorization ?? "")?.[1];
          if (presented !== options.token) throw new HttpError(401, { message: "Bad credentials", status: "401" });
        }
        const fault = takeFault(req.method ?? "GET", url.pathname);
        if (fault) throw fault;
        const { status, json, link } = route(req, url, origin, raw);
        send(status, json, link);
      })
      .catch((error: unknown) => {
        if (error instanceof HttpError) send(error.status, error.payload, null, error.headers);
        else send(500, { message: error instanceof Error ? error.message : "Internal error" });
      });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    state,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        // Octokit's fetch keeps connections alive; without this close() would wait for them to time out.
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
