// The retry policy for model calls. The SDK's own retries are off: it would retry a spend-cap 429, which keeps
// failing until the month resets, and it cannot report attempts or delays to the run's log.

import type { CallErrorKind } from "./types.js";

/** Longest server-requested wait we honour; longer retry-after values are capped to it. */
export const MAX_RETRY_AFTER_MS = 60_000;
export const BASE_BACKOFF_MS = 500;
export const MAX_BACKOFF_MS = 8_000;

/** What is known about one failed HTTP attempt, independent of the SDK. */
export interface HttpFailure {
  /** HTTP status, or null when no answer arrived (connection error, client timeout). */
  status: number | null;
  headers: Headers | null;
  /** The client gave up waiting (the SDK's timeout). */
  timedOut: boolean;
}

export interface FailureVerdict {
  kind: CallErrorKind;
  retry: boolean;
  /** Server-requested wait (retry-after-ms or retry-after), capped; null when the server named none. */
  retryAfterMs: number | null;
}

/** The wait a response asks for, from `retry-after-ms` or `retry-after` (seconds or an HTTP date), uncapped. */
export function retryAfterMs(headers: Headers | null, now: number = Date.now()): number | null {
  if (!headers) return null;
  const millis = headers.get("retry-after-ms");
  if (millis !== null && millis.trim() !== "") {
    const value = Number(millis);
    if (Number.isFinite(value) && value >= 0) return value;
  }
  const after = headers.get("retry-after");
  if (after === null || after.trim() === "") return null;
  const seconds = Number(after);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(after);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/** Which failures are worth another attempt, and how the final error is classified. */
export function classifyFailure(failure: HttpFailure): FailureVerdict {
  const after = retryAfterMs(failure.headers);
  const capped = after === null ? null : Math.min(after, MAX_RETRY_AFTER_MS);
  const verdict = (kind: CallErrorKind, retry: boolean): FailureVerdict => ({ kind, retry, retryAfterMs: capped });
  if (failure.status === null) return verdict(failure.timedOut ? "timeout" : "connection", true);
  // The API marks answers that must not be retried; honour that, but never let it force a retry of a 4xx.
  const mustNotRetry = failure.headers?.get("x-should-retry") === "false";
  const retryUnlessTold = (kind: CallErrorKind): FailureVerdict => verdict(kind, !mustNotRetry);
  switch (failure.status) {
    case 400:
    case 413:
    case 422:
      return verdict("invalid-request", false);
    case 401:
    case 403:
      return verdict("auth", false);
    case 402:
      return verdict("spend-cap", false);
    case 404:
      return verdict("not-found", false);
    case 408:
      return retryUnlessTold("timeout");
    case 409:
      return retryUnlessTold("unknown");
    case 429:
      // A 429 without any retry-after is the spend cap: it does not clear within this run.
      return after === null ? verdict("spend-cap", false) : retryUnlessTold("rate-limit");
    case 500:
    case 502:
    case 503:
      return retryUnlessTold("server");
    case 504:
      return retryUnlessTold("timeout");
    case 529:
      return retryUnlessTold("overloaded");
    default:
      return verdict(failure.status >= 500 ? "server" : "unknown", false);
  }
}

export interface BackoffShape {
  /** Ceiling of the first retry's wait. */
  baseMs: number;
  /** The ceiling stops growing here. */
  maxMs: number;
  /** Shortest wait; default 0 (full jitter). */
  floorMs?: number;
}

/**
 * The one backoff formula (model calls, git, the baseline push): exponential with jitter, uniform in
 * [floorMs, max(floorMs, min(maxMs, baseMs * 2^retryIndex))], where retryIndex 0 is the first retry.
 */
export function jitteredBackoff(retryIndex: number, shape: BackoffShape, random: () => number = Math.random): number {
  const floor = shape.floorMs ?? 0;
  const ceiling = Math.max(floor, Math.min(shape.maxMs, shape.baseMs * 2 ** Math.max(0, retryIndex)));
  return floor + random() * (ceiling - floor);
}

/** Model calls: full jitter, uniform in [0, min(500 ms * 2^retryIndex, 8 s)). */
export function backoffMs(retryIndex: number, random: () => number = Math.random): number {
  return Math.floor(jitteredBackoff(retryIndex, { baseMs: BASE_BACKOFF_MS, maxMs: MAX_BACKOFF_MS }, random));
}

export interface RetryDecision {
  retry: boolean;
  /** Server-requested wait, already capped; null to use backoff. */
  retryAfterMs: number | null;
  /** Short description for logs, e.g. "HTTP 529 overloaded_error". */
  reason: string;
  /**
   * A rate limit: this retry does not use up maxRetries (the caller bounds rate limits by time instead) and its
   * wait is already arranged by the caller (a pause shared by every call), so nothing is slept here;
   * retryAfterMs is only reported.
   */
  rateLimited?: boolean;
}

export interface RetryPolicy {
  /** Retries after the first attempt; 0 means one attempt. */
  maxRetries: number;
  /** Loop bound on rate-limit retries (which are otherwise bounded by the caller's time budget); default 1000. */
  maxRateLimitedRetries?: number;
  decide(error: unknown): RetryDecision;
  /** Turns the last error into what the caller throws, knowing how many attempts were made. */
  giveUp(error: unknown, attempts: number): Error;
  sleep(ms: number): Promise<void>;
  /** `attempt` is the 1-based number of the attempt that just failed. */
  onRetry?: (info: { attempt: number; delayMs: number; reason: string }) => void;
  random?: () => number;
  /** Wait before the retry with this 0-based index when the failure named none; default backoffMs. */
  backoff?: (retryIndex: number) => number;
}

/**
 * Runs `attempt` until it succeeds, a failure is not retryable, or maxRetries retries are used up. Rate-limited
 * retries are not counted against maxRetries (only against the loop bound maxRateLimitedRetries).
 */
export async function withRetries<T>(
  attempt: (attemptNumber: number) => Promise<T>,
  policy: RetryPolicy,
): Promise<{ value: T; attempts: number }> {
  const maxRetries = Math.max(0, Math.floor(policy.maxRetries));
  const maxRateLimited = Math.max(0, Math.floor(policy.maxRateLimitedRetries ?? 1000));
  let counted = 0;
  let rateLimited = 0;
  for (let attemptNumber = 1; ; attemptNumber++) {
    try {
      return { value: await attempt(attemptNumber), attempts: attemptNumber };
    } catch (error) {
      const decision = policy.decide(error);
      const exhausted = decision.rateLimited ? rateLimited >= maxRateLimited : counted >= maxRetries;
      if (!decision.retry || exhausted) throw policy.giveUp(error, attemptNumber);
      if (decision.rateLimited) {
        rateLimited += 1;
        policy.onRetry?.({ attempt: attemptNumber, delayMs: decision.retryAfterMs ?? 0, reason: decision.reason });
        continue;
      }
      const delayMs = decision.retryAfterMs ?? (policy.backoff ? policy.backoff(counted) : backoffMs(counted, policy.random));
      counted += 1;
      policy.onRetry?.({ attempt: attemptNumber, delayMs, reason: decision.reason });
      await policy.sleep(delayMs);
    }
  }
}
