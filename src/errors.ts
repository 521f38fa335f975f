import { constants as osConstants } from "node:os";
import type { CallErrorKind, InputIssue, Usage } from "./types.js";

// Defined with the data model (src/types.ts) so that types.ts imports nothing; re-exported for the error paths.
export type { InputIssue } from "./types.js";

/** Exit codes shared by the CLI and the action's logs. */
export const EXIT = { ok: 0, regression: 1, usage: 2, failure: 3 } as const;

export function formatIssue(issue: InputIssue): string {
  const where = issue.line === null ? issue.file : `${issue.file}:${issue.line}:${issue.column ?? 1}`;
  const field = issue.field ? ` ${issue.field}:` : "";
  return `${where}:${field} ${issue.message}`;
}

/** Bad configuration, benchmark or skill files, or bad flags/inputs. Carries every issue found, not the first. */
export class InputError extends Error {
  readonly issues: InputIssue[];
  constructor(issues: InputIssue[]) {
    const lines = issues.map(formatIssue);
    super(
      issues.length === 1
        ? lines[0]
        : `${issues.length} problems in the skillbench input:\n${lines.map((l) => `  - ${l}`).join("\n")}`,
    );
    this.name = "InputError";
    this.issues = issues;
  }
}

/** A model call that failed for good (after any retries). */
export class ModelCallError extends Error {
  readonly kind: CallErrorKind;
  readonly status: number | null;
  readonly attempts: number;
  /** Partial text, e.g. of a truncated or refused answer. */
  readonly partialText: string | null;
  /** Usage of an answer that arrived but is not usable (refusal, truncation): it is still billed. */
  readonly usage: Usage | null;
  readonly latencyMs: number | null;
  constructor(
    kind: CallErrorKind,
    message: string,
    options: {
      status?: number | null;
      attempts?: number;
      partialText?: string | null;
      usage?: Usage | null;
      latencyMs?: number | null;
    } = {},
  ) {
    super(message);
    this.name = "ModelCallError";
    this.kind = kind;
    this.status = options.status ?? null;
    this.attempts = options.attempts ?? 1;
    this.partialText = options.partialText ?? null;
    this.usage = options.usage ?? null;
    this.latencyMs = options.latencyMs ?? null;
  }
}

/** The message of anything thrown, Error or not. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === "string") return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}

/** A cancelled run's exit code: 128 + the signal's number (130 for SIGINT, 143 for SIGTERM), as a shell reports it. */
export function signalExitCode(signal: unknown): number {
  const number = typeof signal === "string" ? (osConstants.signals as Record<string, number | undefined>)[signal] : undefined;
  return 128 + (number ?? osConstants.signals.SIGTERM);
}
