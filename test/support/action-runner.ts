// Runs the bundled action (dist/index.js) the way the runner does: INPUT_* variables, GITHUB_EVENT_PATH,
// GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_API_URL, a workspace. Shared by the end-to-end tests.
import { spawn } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { staleDistReason } from "../../scripts/dist-hash.js";

export const DIST = fileURLToPath(new URL("../../dist/index.js", import.meta.url));

export interface ActionRun {
  code: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  /** The environment the action ran with (to check what a workflow did not give it). */
  env: Record<string, string>;
}

export interface ActionRunOptions {
  /** Folder for event, output and summary files, HOME and RUNNER_TEMP. */
  scratch: string;
  /** The checkout the action runs in (GITHUB_WORKSPACE and cwd). */
  workspace: string;
  /** GITHUB_API_URL: the local GitHub REST server. */
  apiUrl: string;
  event: string;
  payload: Record<string, unknown>;
  /** Action inputs by name (`anthropic-api-key`), passed as INPUT_<NAME>. */
  inputs: Record<string, string>;
  /** "owner/name". */
  repository: string;
  sha: string;
  env?: Record<string, string>;
  runId?: string;
  /** Sends `signal` to the action once its stdout matches `when` (as a cancelled workflow's runner does). */
  cancel?: { signal: NodeJS.Signals; when: RegExp };
  /** Default dist/index.js of this checkout. */
  dist?: string;
  timeoutMs?: number;
}

/** Parses the GITHUB_OUTPUT file: `name<<DELIMITER`, value lines, `DELIMITER`. */
export function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i += 1) {
    const match = /^([^<]+)<<(.+)$/.exec(lines[i] ?? "");
    if (!match?.[1] || !match[2]) continue;
    const end = lines.indexOf(match[2], i + 1);
    outputs[match[1]] = lines.slice(i + 1, end).join("\n");
    i = end;
  }
  return outputs;
}

/**
 * Fails the suite's setup with the fix when dist/index.js was not built, or was built from other sources than the
 * checkout's (an end-to-end test of an old bundle proves nothing about the code under review).
 */
export async function requireBundle(dist = DIST): Promise<void> {
  await readFile(dist).catch(() => {
    throw new Error("dist/index.js is missing: run `npm run bundle`");
  });
  const stale = staleDistReason(dirname(dist));
  if (stale !== null) throw new Error(stale);
}

let runCount = 0;

export async function runBundledAction(options: ActionRunOptions): Promise<ActionRun> {
  runCount += 1;
  const id = `${process.pid}-${runCount}`;
  const eventPath = join(options.scratch, `event-${id}.json`);
  const outputPath = join(options.scratch, `output-${id}.txt`);
  const summaryPath = join(options.scratch, `summary-${id}.md`);
  await writeFile(eventPath, JSON.stringify(options.payload));
  await writeFile(outputPath, "");
  await writeFile(summaryPath, "");
  const inputs = Object.fromEntries(Object.entries(options.inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v]));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: options.scratch,
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_CONFIG_NOSYSTEM: "1",
    GITHUB_ACTIONS: "true",
    CI: "true",
    GITHUB_EVENT_NAME: options.event,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_OUTPUT: outputPath,
    GITHUB_STEP_SUMMARY: summaryPath,
    GITHUB_API_URL: options.apiUrl,
    GITHUB_SERVER_URL: "https://github.example",
    GITHUB_REPOSITORY: options.repository,
    GITHUB_SHA: options.sha,
    GITHUB_RUN_ID: options.runId ?? "4242",
    GITHUB_WORKSPACE: options.workspace,
    RUNNER_TEMP: options.scratch,
    ...inputs,
    ...options.env,
  };
  const child = spawn(process.execPath, [options.dist ?? DIST], { cwd: options.workspace, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  let signalled = false;
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    if (options.cancel && !signalled && options.cancel.when.test(stdout)) {
      signalled = true;
      child.kill(options.cancel.signal);
    }
  });
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const timeoutMs = options.timeoutMs ?? 90_000;
  const code = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${options.dist ?? DIST} did not finish in ${timeoutMs / 1000} s\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on("close", (exit) => {
      clearTimeout(timer);
      resolve(exit ?? -1);
    });
  });
  return {
    code,
    stdout,
    stderr,
    outputs: parseOutputs(await readFile(outputPath, "utf8")),
    summary: await readFile(summaryPath, "utf8"),
    env,
  };
}

/** The pull_request event payload of PR `number` from `headRef` (a fork's when `fork`) onto `main`, at the repo's HEAD. */
export async function pullRequestPayload(
  repo: { git(args: string[]): Promise<string>; head(): Promise<string> },
  pr: { repository: string; number: number; headRef: string; fork?: boolean },
): Promise<Record<string, unknown>> {
  const base = await repo.git(["rev-parse", "main"]);
  const fork = pr.fork === true;
  return {
    number: pr.number,
    pull_request: {
      number: pr.number,
      base: { sha: base, ref: "main", repo: { full_name: pr.repository } },
      head: { sha: await repo.head(), ref: pr.headRef, repo: { full_name: fork ? "fork/skills" : pr.repository, fork } },
    },
  };
}
