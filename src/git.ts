// The one way skillbench runs git: spawned without a shell, never prompting, with English messages (LC_ALL=C,
// so callers can recognise errors), and with an optional token passed only through environment config.

import { spawn } from "node:child_process";
import { setTimeout as delay } from "node:timers/promises";
import { messageOf } from "./errors.js";
import { jitteredBackoff, withRetries } from "./retry.js";

export interface GitResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface GitExecOptions {
  /** Written to git's stdin (which is closed right away when absent, so git never waits on it). */
  input?: string | Buffer;
  /** Added to (and overriding) the environment for this command only. */
  env?: Record<string, string>;
  /** Return a non-zero exit as a result instead of throwing. */
  allowFailure?: boolean;
}

export interface GitRunner {
  exec(args: string[], options?: GitExecOptions): Promise<GitResult>;
}

export interface RetryOptions extends GitExecOptions {
  /** Total tries, at least 1. */
  attempts: number;
  /** Backoff scale: the first retry waits between minDelayMs and twice that, doubling up to maxDelayMs. */
  minDelayMs?: number;
  maxDelayMs?: number;
  /** Which failures are worth another try; default: network-level errors (isTransientGitFailure). */
  isTransient?: (result: GitResult) => boolean;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  onRetry?: (info: { attempt: number; delayMs: number; stderr: string }) => void;
}

/** A git command that failed. The message and stderr have any secret the wrapper knows about redacted. */
export class GitError extends Error {
  readonly args: string[];
  readonly code: number;
  readonly stderr: string;
  readonly attempts: number;
  constructor(args: string[], code: number, stderr: string, attempts = 1) {
    const detail = stderr.trim() || "no error output";
    const tries = attempts > 1 ? ` after ${attempts} attempts` : "";
    super(`git ${formatArgs(args)} failed${tries} (exit code ${code}): ${detail}`);
    this.name = "GitError";
    this.args = args;
    this.code = code;
    this.stderr = stderr;
    this.attempts = attempts;
  }
}

function formatArgs(args: string[]): string {
  return args.map((a) => (/^[\w@%+=:,./^~-]+$/.test(a) ? a : JSON.stringify(a))).join(" ");
}

// Failures of the network or of the server that a later try may not hit; auth errors, missing refs and
// rejected pushes are deliberately absent (retrying them cannot help).
const TRANSIENT_PATTERNS: RegExp[] = [
  /returned error: (5\d\d|429)/i,
  /HTTP (5\d\d|429)/,
  /Could not resolve host/i,
  /Failed to connect/i,
  /Connection (refused|reset|timed out)/i,
  /Operation timed out/i,
  /early EOF/i,
  /remote end hung up unexpectedly/i,
  /RPC failed/i,
  /unexpected disconnect/i,
  /TLS connection|SSL_ERROR|gnutls_handshake|SSL_connect/i,
  /Internal Server Error|Service Unavailable|Bad Gateway/i,
];

/** Hides credentials embedded in URLs (`https://user:token@host/...`), which git echoes in some messages. */
export function redactUrlCredentials(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@'"]+@/gi, "$1***@");
}

export function isTransientGitFailure(result: GitResult): boolean {
  return result.code !== 0 && TRANSIENT_PATTERNS.some((p) => p.test(result.stderr));
}

/** Jittered exponential backoff: attempt 1 -> [min, 2*min], doubling, the ceiling capped at max. */
export function backoffDelay(
  attempt: number,
  minMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  return Math.round(jitteredBackoff(Math.max(1, attempt) - 1, { baseMs: 2 * minMs, maxMs, floorMs: minMs }, random));
}

/**
 * Runs a (network) git command up to `attempts` times, waiting with jittered backoff between tries, as long as
 * the failure looks transient. Works with any GitRunner so the baseline store can use it with a wrapped runner.
 */
export async function execWithRetry(runner: GitRunner, args: string[], options: RetryOptions): Promise<GitResult> {
  const isTransient = options.isTransient ?? isTransientGitFailure;
  const execOptions: GitExecOptions = { allowFailure: true };
  if (options.input !== undefined) execOptions.input = options.input;
  if (options.env !== undefined) execOptions.env = options.env;
  try {
    const { value } = await withRetries(
      async () => {
        const result = await runner.exec(args, execOptions);
        if (result.code !== 0) throw new FailedTry(result);
        return result;
      },
      {
        maxRetries: Math.max(1, Math.floor(options.attempts)) - 1,
        decide: (error) => ({
          retry: error instanceof FailedTry && isTransient(error.result),
          retryAfterMs: null,
          reason: error instanceof FailedTry ? error.result.stderr : messageOf(error),
        }),
        backoff: (retryIndex) => backoffDelay(retryIndex + 1, options.minDelayMs ?? 1000, options.maxDelayMs ?? 8000, options.random),
        sleep: options.sleep ?? ((ms: number) => delay(ms).then(() => undefined)),
        ...(options.onRetry ? { onRetry: ({ attempt, delayMs, reason }) => options.onRetry?.({ attempt, delayMs, stderr: reason }) } : {}),
        giveUp: (error, attempts) => {
          if (error instanceof FailedTry) error.attempts = attempts;
          return error instanceof Error ? error : new Error(String(error));
        },
      },
    );
    return value;
  } catch (error) {
    if (!(error instanceof FailedTry)) throw error;
    if (options.allowFailure) return error.result;
    throw new GitError(args, error.result.code, error.result.stderr, error.attempts);
  }
}

/** One try of execWithRetry that exited non-zero; carries the result to the retry decision and out again. */
class FailedTry extends Error {
  attempts = 1;
  constructor(readonly result: GitResult) {
    super(result.stderr);
  }
}

/** A full commit id (SHA-1 or SHA-256), as events and `--base` give them. */
export const COMMIT_ID = /^[0-9a-f]{40}([0-9a-f]{24})?$/i;

/**
 * Makes sure `commit` is in the local repository. actions/checkout clones only the merge commit (depth 1), so a
 * pull request's base commit is often missing: a full commit id is then fetched from origin at depth 1. Returns
 * null when the commit is there, else why it could not be had.
 */
export async function ensureCommit(runner: GitRunner, commit: string): Promise<string | null> {
  const present = await runner.exec(["cat-file", "-e", `${commit}^{commit}`], { allowFailure: true });
  if (present.code === 0) return null;
  if (!COMMIT_ID.test(commit)) return `"${commit}" is not a commit here`;
  const fetched = await execWithRetry(runner, ["fetch", "--no-tags", "--depth=1", "origin", commit], {
    attempts: 3,
    allowFailure: true,
  });
  return fetched.code === 0 ? null : `could not fetch the base commit ${commit.slice(0, 12)}: ${fetched.stderr.trim()}`;
}

export interface GitCreateOptions {
  /** Extra environment for every command (e.g. GIT_CONFIG_GLOBAL in tests). */
  extraEnv?: Record<string, string>;
  /** A token for HTTPS remotes on serverUrl; passed to git only as an http.extraheader in the environment. */
  token?: string;
  /** Default https://github.com. */
  serverUrl?: string;
}

export class Git implements GitRunner {
  readonly root: string;
  private readonly env: Record<string, string>;
  private readonly secrets: string[];

  private constructor(root: string, env: Record<string, string>, secrets: string[]) {
    this.root = root;
    this.env = env;
    this.secrets = secrets;
  }

  /** Checks that git runs and that `cwd` is inside a work tree; every command then runs at its top level. */
  static async create(cwd: string, options: GitCreateOptions = {}): Promise<Git> {
    const { env, secrets } = buildEnv(options);
    const probe = new Git(cwd, env, secrets);
    const version = await probe.exec(["--version"], { allowFailure: true });
    if (version.code !== 0) {
      throw new Error(`git is not usable (\`git --version\` exited with ${version.code}): ${version.stderr.trim()}`);
    }
    const top = await probe.exec(["rev-parse", "--show-toplevel"], { allowFailure: true });
    if (top.code !== 0 || top.stdout.trim() === "") {
      throw new Error(`${cwd} is not inside a git work tree: ${top.stderr.trim() || "git found no top level"}`);
    }
    return new Git(top.stdout.trim(), env, secrets);
  }

  /** Replaces every secret this wrapper was given (token and its header forms) and URL userinfo with ***. */
  redact(text: string): string {
    let out = redactUrlCredentials(text);
    for (const secret of this.secrets) out = out.split(secret).join("***");
    return out;
  }

  exec(args: string[], options: GitExecOptions = {}): Promise<GitResult> {
    return new Promise((resolve, reject) => {
      const child = spawn("git", args, {
        cwd: this.root,
        env: { ...this.env, ...options.env },
        stdio: ["pipe", "pipe", "pipe"],
        windowsHide: true,
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
      child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
      // git may exit before reading all of stdin (EPIPE); the exit code tells what happened.
      child.stdin.on("error", () => undefined);
      child.on("error", (error) => {
        const command = formatArgs(args.map((a) => this.redact(a)));
        const message = `could not run git ${command} in ${this.root}: ${this.redact(messageOf(error))}`;
        // 127: the shell's "command not found", so allowFailure callers still get a result, not a throw.
        if (options.allowFailure) resolve({ stdout: "", stderr: message, code: 127 });
        else reject(new Error(message));
      });
      child.on("close", (code, signal) => {
        const result: GitResult = {
          stdout: Buffer.concat(out).toString("utf8"),
          stderr: this.redact(Buffer.concat(err).toString("utf8")),
          code: code ?? (signal ? 128 : 1),
        };
        if (result.code !== 0 && !options.allowFailure) {
          reject(new GitError(args.map((a) => this.redact(a)), result.code, result.stderr));
        } else {
          resolve(result);
        }
      });
      if (options.input !== undefined) child.stdin.end(options.input);
      else child.stdin.end();
    });
  }

  execWithRetry(args: string[], options: RetryOptions): Promise<GitResult> {
    return execWithRetry(this, args, options);
  }
}

function buildEnv(options: GitCreateOptions): { env: Record<string, string>; secrets: string[] } {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) if (value !== undefined) env[name] = value;
  Object.assign(env, options.extraEnv ?? {}, { GIT_TERMINAL_PROMPT: "0", LC_ALL: "C" });
  const secrets: string[] = [];
  if (options.token) {
    const serverUrl = (options.serverUrl ?? "https://github.com").replace(/\/+$/, "");
    const basic = Buffer.from(`x-access-token:${options.token}`, "utf8").toString("base64");
    // Environment config (git >= 2.31) adds to, rather than replaces, entries the runner may already have set.
    const existing = Number.parseInt(env.GIT_CONFIG_COUNT ?? "0", 10);
    const index = Number.isFinite(existing) && existing > 0 ? existing : 0;
    env.GIT_CONFIG_COUNT = String(index + 1);
    env[`GIT_CONFIG_KEY_${index}`] = `http.${serverUrl}/.extraheader`;
    env[`GIT_CONFIG_VALUE_${index}`] = `AUTHORIZATION: basic ${basic}`;
    secrets.push(options.token, basic, Buffer.from(options.token, "utf8").toString("base64"));
  }
  return { env, secrets: secrets.filter((s) => s.length > 0).sort((a, b) => b.length - a.length) };
}
