import { afterEach, describe, expect, it } from "vitest";
import { GITHUB_ERRORS, GitHubClient, GitHubRequestError, isBodyTooLong, isForbidden, isRateLimited, type PullRef } from "../src/github.js";
import { startGitHubServer, type GitHubServer, type ServerFile, type ServerUser } from "./support/github-server.js";

const MARKER = "<!-- skillbench:report -->";
const TOKEN = "ghs_test_token_never_logged";
const PR: PullRef = { owner: "acme", repo: "skills", number: 7 };
const ME: ServerUser = { login: "skillbench-runner", id: 10, type: "User" };
const SOMEONE: ServerUser = { login: "reviewer", id: 11, type: "User" };
const OTHER_BOT: ServerUser = { login: "other-app[bot]", id: 12, type: "Bot" };
const ACTIONS_BOT: ServerUser = { login: "github-actions[bot]", id: 41898282, type: "Bot" };

let servers: GitHubServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function start(options: Parameters<typeof startGitHubServer>[0]): Promise<GitHubServer> {
  const server = await startGitHubServer({ token: TOKEN, owner: PR.owner, repo: PR.repo, issue: PR.number, ...options });
  servers.push(server);
  return server;
}

/** Waits are 1 ms per second the client would wait (5xx backoff from 1 s, retry-after as sent). */
function client(server: GitHubServer, log?: (m: string) => void): GitHubClient {
  return new GitHubClient(TOKEN, { baseUrl: server.url, msPerSecond: 1, ...(log ? { log } : {}) });
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

function commentsOn(server: GitHubServer, pr: PullRef = PR) {
  return server.state.comments.filter((c) => c.owner === pr.owner && c.repo === pr.repo && c.issue === pr.number);
}

describe("GitHubClient.upsertStickyComment", () => {
  it("with create: false refreshes an existing comment but never starts one", async () => {
    const server = await start({ user: ME });
    const gh = client(server);
    expect(await gh.upsertStickyComment(PR, `${MARKER}\nnothing to do`, MARKER, { create: false })).toBeNull();
    expect(server.requests.filter((r) => r.method === "POST")).toHaveLength(0);
    const created = await gh.upsertStickyComment(PR, `${MARKER}\nreport`, MARKER);
    const refreshed = await gh.upsertStickyComment(PR, `${MARKER}\nnothing to do`, MARKER, { create: false });
    expect(refreshed).toMatchObject({ id: created.id, created: false });
    expect(server.state.comments.find((c) => c.id === created.id)?.body).toBe(`${MARKER}\nnothing to do`);
  });

  it("finds our comment on page 2 among 120+ others and updates it in place, without duplicating", async () => {
    const server = await start({ user: ME });
    for (let i = 0; i < 110; i += 1) server.state.addComment({ body: `review comment ${i}`, user: SOMEONE });
    const ours = server.state.addComment({ body: `${MARKER}\nold report`, user: ME });
    for (let i = 0; i < 15; i += 1) server.state.addComment({ body: `later comment ${i}`, user: SOMEONE });
    expect(commentsOn(server).findIndex((c) => c.id === ours.id)).toBeGreaterThanOrEqual(100); // on page 2 at 100/page

    const before = commentsOn(server).length;
    const result = await client(server).upsertStickyComment(PR, `${MARKER}\nnew report`, MARKER);

    expect(result).toMatchObject({ id: ours.id, created: false });
    expect(result.url).toContain(`#issuecomment-${ours.id}`);
    expect(commentsOn(server)).toHaveLength(before);
    expect(server.state.comments.find((c) => c.id === ours.id)?.body).toBe(`${MARKER}\nnew report`);
    const listCalls = server.requests.filter((r) => r.method === "GET" && r.url.includes("/issues/7/comments"));
    expect(listCalls.length).toBe(2);
    expect(listCalls.every((r) => r.url.includes("per_page=100"))).toBe(true);
    expect(server.requests.some((r) => r.method === "POST")).toBe(false);
  });

  it("leaves a comment with the marker by another user alone and creates its own; a rerun updates that one", async () => {
    const server = await start({ user: ME });
    const theirs = server.state.addComment({ body: `${MARKER}\nquoted by a reviewer`, user: SOMEONE });
    const gh = client(server);

    const first = await gh.upsertStickyComment(PR, `${MARKER}\nrun 1`, MARKER);
    expect(first.created).toBe(true);
    expect(first.id).not.toBe(theirs.id);

    const second = await gh.upsertStickyComment(PR, `${MARKER}\nrun 2`, MARKER);
    expect(second).toMatchObject({ id: first.id, created: false });

    expect(server.state.comments.find((c) => c.id === theirs.id)?.body).toBe(`${MARKER}\nquoted by a reviewer`);
    expect(server.requests.some((r) => r.method === "PATCH" && r.url.endsWith(`/comments/${theirs.id}`))).toBe(false);
    expect(commentsOn(server).filter((c) => c.body.includes(MARKER) && c.user.login === ME.login)).toHaveLength(1);
    expect(server.state.comments.find((c) => c.id === first.id)?.body).toBe(`${MARKER}\nrun 2`);
  });

  it("updates the newest of several own marked comments", async () => {
    const server = await start({ user: ME });
    const older = server.state.addComment({ body: `${MARKER} v1`, user: ME });
    const newer = server.state.addComment({ body: `${MARKER} v2`, user: ME });
    const result = await client(server).upsertStickyComment(PR, `${MARKER} v3`, MARKER);
    expect(result.id).toBe(newer.id);
    expect(server.state.comments.find((c) => c.id === older.id)?.body).toBe(`${MARKER} v1`);
  });

  it("with an installation token (GET /user is 403) picks github-actions[bot]'s comment, not another bot's", async () => {
    const server = await start({ user: null, appUser: ACTIONS_BOT });
    const otherBots = server.state.addComment({ body: `${MARKER} from another app`, user: OTHER_BOT });
    const ours = server.state.addComment({ body: `${MARKER} old`, user: ACTIONS_BOT });
    const result = await client(server).upsertStickyComment(PR, `${MARKER} new`, MARKER);
    expect(result).toMatchObject({ id: ours.id, created: false });
    expect(server.state.comments.find((c) => c.id === otherBots.id)?.body).toBe(`${MARKER} from another app`);
    expect(server.requests.find((r) => r.url === "/user")?.status).toBe(403);
  });

  it("with an installation token and only another user's marked comment, creates a new one", async () => {
    const server = await start({ user: null });
    const human = server.state.addComment({ body: `${MARKER} pasted by a human`, user: SOMEONE });
    const result = await client(server).upsertStickyComment(PR, `${MARKER} new`, MARKER);
    expect(result.created).toBe(true);
    expect(server.state.comments.find((c) => c.id === result.id)?.user.login).toBe("github-actions[bot]");
    expect(server.state.comments.find((c) => c.id === human.id)?.body).toBe(`${MARKER} pasted by a human`);
  });

  it("a 403 on write is reported as forbidden, with the operation named and no token in the message", async () => {
    const server = await start({ user: ME, forbidWrites: true });
    const error = await client(server)
      .upsertStickyComment(PR, `${MARKER} body`, MARKER)
      .then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(GitHubRequestError);
    expect(isForbidden(error)).toBe(true);
    expect((error as GitHubRequestError).status).toBe(GITHUB_ERRORS.forbidden);
    expect((error as Error).message).toContain("create a comment on acme/skills#7");
    expect((error as Error).message).toContain("Resource not accessible by integration");
    expect((error as Error).message).not.toContain(TOKEN);
    expect(server.state.comments).toHaveLength(0);
  });

  it("a 403 on updating our own comment is forbidden too", async () => {
    const server = await start({ user: ME });
    server.state.addComment({ body: `${MARKER} old`, user: ME });
    server.state.forbidWrites = true;
    const error = await client(server)
      .upsertStickyComment(PR, `${MARKER} body`, MARKER)
      .then(() => null, (e: unknown) => e);
    expect(isForbidden(error)).toBe(true);
    expect((error as Error).message).toMatch(/update comment \d+ on acme\/skills#7/);
  });

  it("refuses a body over 65,536 characters or without the marker before calling the API", async () => {
    const server = await start({ user: ME });
    const gh = client(server);
    await expect(gh.upsertStickyComment(PR, `${MARKER}${"x".repeat(65_536)}`, MARKER)).rejects.toThrow(/65536/);
    await expect(gh.upsertStickyComment(PR, "no marker here", MARKER)).rejects.toThrow(/marker/);
    expect(server.requests).toHaveLength(0);
  });

  it("sends the token as an Authorization header; a wrong token is a 401 that is not 'forbidden'", async () => {
    const server = await start({ user: ME });
    const error = await new GitHubClient("wrong-token", { baseUrl: server.url })
      .upsertStickyComment(PR, `${MARKER} body`, MARKER)
      .then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(GitHubRequestError);
    expect((error as GitHubRequestError).status).toBe(401);
    expect(isForbidden(error)).toBe(false);
    expect((error as Error).message).not.toContain("wrong-token");
  });
});

describe("GitHubClient.listChangedFiles", () => {
  it("collects all 250 files across pages, with the previous path of renames", async () => {
    const files: ServerFile[] = Array.from({ length: 250 }, (_, i) => ({ filename: `skills/s${i}/SKILL.md`, status: "modified" }));
    files[240] = { filename: "skills/new-name/SKILL.md", status: "renamed", previous_filename: "skills/old-name/SKILL.md" };
    const server = await start({ user: ME, files: { "acme/skills#7": files } });
    const logged: string[] = [];
    const paths = await client(server, (m) => logged.push(m)).listChangedFiles(PR);

    expect(paths).toHaveLength(251);
    expect(paths[0]).toBe("skills/s0/SKILL.md");
    expect(paths).toContain("skills/s249/SKILL.md");
    expect(paths).toContain("skills/new-name/SKILL.md");
    expect(paths).toContain("skills/old-name/SKILL.md");
    expect(new Set(paths).size).toBe(paths.length);
    const pages = server.requests.filter((r) => r.url.includes("/pulls/7/files"));
    expect(pages).toHaveLength(3);
    expect(pages.every((r) => r.authorized)).toBe(true);
    expect(logged).toHaveLength(0);
  });

  it("names the pull request when it does not exist", async () => {
    const server = await start({ user: ME, files: {} });
    await expect(client(server).listChangedFiles({ ...PR, number: 999 })).rejects.toThrow(/acme\/skills#999.*404/);
  });
});

describe("GitHubClient: transient faults are retried, bounded", () => {
  const count = (server: GitHubServer, method: string, fragment: string) =>
    server.requests.filter((r) => r.method === method && r.url.includes(fragment)).length;

  it("posts the comment after 500s on listing the comments and on creating it", async () => {
    const server = await start({
      user: ME,
      faults: [
        { method: "GET", path: "/issues/7/comments", answer: "server-error", times: 2 },
        { method: "POST", path: "/issues/7/comments", answer: "bad-gateway", times: 2 },
      ],
    });
    const result = await client(server).upsertStickyComment(PR, `${MARKER}\nreport`, MARKER);
    expect(result.created).toBe(true);
    expect(commentsOn(server).map((c) => c.body)).toEqual([`${MARKER}\nreport`]);
    expect(count(server, "GET", "/issues/7/comments")).toBe(3);
    expect(count(server, "POST", "/issues/7/comments")).toBe(3);
  });

  it("lists the changed files after a 500 on the second page", async () => {
    const files: ServerFile[] = Array.from({ length: 150 }, (_, i) => ({ filename: `f${i}.md`, status: "added" }));
    const server = await start({ user: ME, files: { "acme/skills#7": files } });
    server.state.faults.push({ path: "/pulls/7/files", answer: "server-error", times: 1 });
    // The first page is served by the fault rule only once: consume it on page 1, then page 2 goes through.
    expect(await client(server).listChangedFiles(PR)).toHaveLength(150);
    expect(count(server, "GET", "/pulls/7/files")).toBe(3);
  });

  it("gives up on a 500 that does not clear after 3 retries, naming the operation", async () => {
    const server = await start({ user: ME, files: { "acme/skills#7": [] } });
    server.state.faults.push({ path: "/pulls/7/files", answer: "server-error", times: Infinity });
    const error = await rejection(client(server).listChangedFiles(PR));
    expect(error).toBeInstanceOf(GitHubRequestError);
    expect(error.message).toMatch(/list the files of acme\/skills#7: HTTP 500/);
    expect(count(server, "GET", "/pulls/7/files")).toBe(4);
  });

  it("waits out a secondary rate limit (403 with retry-after) on create and a 429 on update", async () => {
    const server = await start({
      user: ME,
      faults: [{ method: "POST", path: "/issues/7/comments", answer: "secondary-rate-limit", times: 2 }],
    });
    const logged: string[] = [];
    const gh = client(server, (m) => logged.push(m));
    const created = await gh.upsertStickyComment(PR, `${MARKER}\nv1`, MARKER);
    expect(created.created).toBe(true);
    expect(count(server, "POST", "/issues/7/comments")).toBe(3);
    expect(logged.filter((m) => /secondary rate limit .*waiting 1 s/.test(m))).toHaveLength(2);

    server.state.faults.push({ method: "PATCH", path: "/issues/comments/", answer: "secondary-rate-limit-429", times: 1 });
    const updated = await gh.upsertStickyComment(PR, `${MARKER}\nv2`, MARKER);
    expect(updated).toMatchObject({ id: created.id, created: false });
    expect(server.state.comments.find((c) => c.id === created.id)?.body).toBe(`${MARKER}\nv2`);
    expect(count(server, "PATCH", "/issues/comments/")).toBe(2);
  });

  it("waits for the reset of the primary rate limit (403, x-ratelimit-remaining: 0)", async () => {
    const server = await start({ user: ME, faults: [{ method: "GET", path: "/issues/7/comments", answer: "primary-rate-limit" }] });
    const result = await client(server).upsertStickyComment(PR, `${MARKER}\nreport`, MARKER);
    expect(result.created).toBe(true);
    expect(count(server, "GET", "/issues/7/comments")).toBe(2);
  });

  it("a rate limit that never clears fails after 3 retries and is told apart from a permission error", async () => {
    const server = await start({
      user: ME,
      faults: [{ method: "POST", path: "/issues/7/comments", answer: "secondary-rate-limit", times: Infinity }],
    });
    const error = await rejection(client(server).upsertStickyComment(PR, `${MARKER}\nreport`, MARKER));
    expect(isRateLimited(error)).toBe(true);
    expect(isForbidden(error)).toBe(false);
    expect(error.message).toContain("create a comment on acme/skills#7: HTTP 403");
    expect(error.message).toContain("not a permission problem");
    expect(error.message).not.toContain("lacks permission");
    expect(count(server, "POST", "/issues/7/comments")).toBe(4);
  });

  it("a permission 403 is not retried and stays 'forbidden' (the read-only token path)", async () => {
    const server = await start({ user: ME, forbidWrites: true });
    const error = await rejection(client(server).upsertStickyComment(PR, `${MARKER}\nreport`, MARKER));
    expect(isForbidden(error)).toBe(true);
    expect(isRateLimited(error)).toBe(false);
    expect(error.message).toContain("lacks permission");
    expect(count(server, "POST", "/issues/7/comments")).toBe(1);
  });

  it("a 422 'body is too long' on create is retried once with the shorter body", async () => {
    const server = await start({ user: ME, faults: [{ method: "POST", path: "/issues/7/comments", answer: "body-too-long" }] });
    const long = `${MARKER}\n${"row\n".repeat(1000)}`;
    let shortened = 0;
    const result = await client(server).upsertStickyComment(PR, long, MARKER, {
      shorten: () => {
        shortened += 1;
        return `${MARKER}\nshort report`;
      },
    });
    expect(result.created).toBe(true);
    expect(shortened).toBe(1);
    expect(commentsOn(server).map((c) => c.body)).toEqual([`${MARKER}\nshort report`]);
    expect(count(server, "POST", "/issues/7/comments")).toBe(2);
  });

  it("a 422 'body is too long' on update retries once, and a second 422 fails without a third try", async () => {
    const server = await start({ user: ME });
    const ours = server.state.addComment({ body: `${MARKER} old`, user: ME });
    server.state.faults.push({ method: "PATCH", path: `/issues/comments/${ours.id}`, answer: "body-too-long", times: 2 });
    const error = await rejection(
      client(server).upsertStickyComment(PR, `${MARKER} ${"x".repeat(500)}`, MARKER, { shorten: () => `${MARKER} short` }),
    );
    expect(isBodyTooLong(error)).toBe(true);
    expect(error.message).toMatch(/update comment \d+ on acme\/skills#7: HTTP 422/);
    expect(count(server, "PATCH", "/issues/comments/")).toBe(2);
    expect(server.state.comments.find((c) => c.id === ours.id)?.body).toBe(`${MARKER} old`);
  });

  it("without a shorter body a 422 is not retried", async () => {
    const server = await start({ user: ME, faults: [{ method: "POST", path: "/issues/7/comments", answer: "body-too-long" }] });
    const error = await rejection(client(server).upsertStickyComment(PR, `${MARKER} body`, MARKER));
    expect(isBodyTooLong(error)).toBe(true);
    expect(count(server, "POST", "/issues/7/comments")).toBe(1);
  });
});

describe("isForbidden", () => {
  it("is true only for permission 403s", () => {
    expect(isForbidden({ status: 403, message: "Resource not accessible by integration" })).toBe(true);
    expect(isForbidden(new Error("wrapped", { cause: { status: 403, message: "Forbidden" } }))).toBe(true);
    expect(isForbidden({ status: 403, message: "You have exceeded a secondary rate limit" })).toBe(false);
    expect(isForbidden({ status: 404, message: "Not Found" })).toBe(false);
    expect(isForbidden(new Error("boom"))).toBe(false);
    expect(isForbidden("403")).toBe(false);
    expect(isForbidden(null)).toBe(false);
  });

  it("tells a rate limit from a permission error by its headers, whatever the message says", () => {
    const answer = (status: number, headers: Record<string, string>, message = "Forbidden") => ({
      status,
      message,
      response: { status, headers, data: { message } },
    });
    expect(isForbidden(answer(403, { "retry-after": "30" }))).toBe(false);
    expect(isRateLimited(answer(403, { "retry-after": "30" }))).toBe(true);
    expect(isForbidden(answer(403, { "x-ratelimit-remaining": "0" }))).toBe(false);
    expect(isRateLimited(new Error("wrapped", { cause: answer(403, { "x-ratelimit-remaining": "0" }) }))).toBe(true);
    expect(isRateLimited(answer(429, {}))).toBe(true);
    expect(isForbidden(answer(403, { "x-ratelimit-remaining": "4999" }, "Resource not accessible by integration"))).toBe(true);
    expect(isRateLimited(answer(403, { "x-ratelimit-remaining": "4999" }, "Resource not accessible by integration"))).toBe(false);
  });
});

describe("startGitHubServer", () => {
  it("paginates like GitHub: per_page capped at 100, Link rel next/last then prev/first", async () => {
    const server = await start({ user: ME });
    for (let i = 0; i < 250; i += 1) server.state.addComment({ body: `c${i}` });
    const headers = { authorization: `token ${TOKEN}` };
    const first = await fetch(`${server.url}/repos/acme/skills/issues/7/comments?per_page=500`, { headers });
    expect(((await first.json()) as unknown[]).length).toBe(100);
    const link = first.headers.get("link") ?? "";
    expect(link).toContain(`<${server.url}/repos/acme/skills/issues/7/comments?per_page=100&page=2>; rel="next"`);
    expect(link).toContain('page=3>; rel="last"');
    expect(link).not.toContain('rel="prev"');

    const last = await fetch(`${server.url}/repos/acme/skills/issues/7/comments?per_page=100&page=3`, { headers });
    expect(((await last.json()) as unknown[]).length).toBe(50);
    const lastLink = last.headers.get("link") ?? "";
    expect(lastLink).not.toContain('rel="next"');
    expect(lastLink).toContain('rel="prev"');
    expect(lastLink).toContain('rel="first"');
  });

  it("answers 422 for an over-long body, like GitHub", async () => {
    const server = await start({ user: ME });
    const response = await fetch(`${server.url}/repos/acme/skills/issues/7/comments`, {
      method: "POST",
      headers: { authorization: `token ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ body: "x".repeat(65_537) }),
    });
    expect(response.status).toBe(422);
    expect(JSON.stringify(await response.json())).toContain("body is too long");
    expect(server.state.comments).toHaveLength(0);
  });
});
