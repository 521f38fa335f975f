// The model client: one Messages API call per CallRequest through the official SDK, with our retry policy.

import { setTimeout as delay } from "node:timers/promises";
import Anthropic, { APIConnectionError, APIConnectionTimeoutError, APIError } from "@anthropic-ai/sdk";
import { ModelCallError, messageOf } from "./errors.js";
import { Redactor } from "./redact.js";
import { RateLimitGate, type GateOutcome } from "./limiter.js";
import { classifyFailure, withRetries, type FailureVerdict, type RetryDecision } from "./retry.js";
import { BatchesUnavailableError } from "./batch.js";
import type { BatchApi, BatchEntry, BatchEntryOutcome, BatchStatus, CallErrorKind, CallRequest, CallResult, ChatMessage, ContentBlock, ModelClient, SamplingParams, Usage } from "./types.js";

export interface RetryInfo {
  model: string;
  /** 1-based number of the attempt that just failed. */
  attempt: number;
  delayMs: number;
  reason: string;
}

export interface ClientOptions {
  apiKey: string;
  /** null or absent: the SDK's default (api.anthropic.com). */
  baseUrl?: string | null;
  /** Retries of failures other than rate limits. */
  maxRetries: number;
  timeoutMs: number;
  /** The configured concurrency: the client's adaptive in-flight cap starts here and never exceeds it. Default 64. */
  concurrency?: number;
  /** How long one call keeps retrying 429s (from its first 429) before it fails; default 10 minutes. */
  rateLimitBudgetMs?: number;
  onRetry?: (info: RetryInfo) => void;
  /** Injectable for tests; defaults to a real timer. */
  sleep?: (ms: number) => Promise<void>;
  /** Redacts the run's known secrets from error messages; the key itself is always redacted. */
  redactor?: Redactor;
  /** Injectable for tests; defaults to Date.now. */
  now?: () => number;
  /** Injectable for tests (jitter of the rate-limit pause); defaults to Math.random. */
  random?: () => number;
}

export const DEFAULT_RATE_LIMIT_BUDGET_MS = 600_000;
const DEFAULT_CLIENT_CONCURRENCY = 64;

/**
 * SDK 1.11 dropped temperature/top_p/top_k from its request type (current models reject them), but older models
 * still accept them and users may configure them per model; the SDK sends the body as given.
 */
type ParamsWithSampling = Anthropic.MessageCreateParamsNonStreaming & SamplingParams;

function buildParams(request: CallRequest): ParamsWithSampling {
  const params: ParamsWithSampling = {
    model: request.model,
    max_tokens: request.maxTokens,
    // No system prompt at all (the without-skill control) is left out, not sent empty.
    ...(request.system === ""
      ? {}
      : {
          system: request.cacheSystem
            ? [{ type: "text" as const, text: request.system, cache_control: { type: "ephemeral" as const } }]
            : request.system,
        }),
    messages: request.messages
      ? request.messages.map(toApiMessage)
      : [{ role: "user", content: userContent(request) }],
  };
  if (request.tools && request.tools.length > 0) {
    params.tools = request.tools.map((tool) => ({
      name: tool.name,
      description: tool.description,
      input_schema: tool.inputSchema as Anthropic.Tool.InputSchema,
    }));
  }
  // Newer models reject sampling parameters with a 400: send only what the user configured for this model.
  const sampling = request.sampling;
  if (sampling?.temperature !== undefined) params.temperature = sampling.temperature;
  if (sampling?.top_p !== undefined) params.top_p = sampling.top_p;
  if (sampling?.top_k !== undefined) params.top_k = sampling.top_k;
  if (request.outputSchema) {
    params.output_config = { format: { type: "json_schema", schema: request.outputSchema } };
  }
  return params;
}

/** The one user message: blocks with breakpoints when the request has them, else the text (one breakpoint with cacheUser). */
function userContent(request: CallRequest): string | Anthropic.TextBlockParam[] {
  const blocks = request.userBlocks;
  if (!blocks || blocks.length === 0) {
    return request.cacheUser ? [{ type: "text", text: request.user, cache_control: { type: "ephemeral" } }] : request.user;
  }
  return blocks.map((block, index) => ({
    type: "text" as const,
    text: block.text,
    ...(block.cache || (request.cacheUser && index === blocks.length - 1) ? { cache_control: { type: "ephemeral" as const } } : {}),
  }));
}

function toApiBlock(block: ContentBlock): Anthropic.ContentBlockParam {
  switch (block.type) {
    case "text":
      return { type: "text", text: block.text };
    case "tool_use":
      return { type: "tool_use", id: block.id, name: block.name, input: block.input };
    case "tool_result":
      return { type: "tool_result", tool_use_id: block.toolUseId, content: block.content, ...(block.isError ? { is_error: true } : {}) };
  }
}

function toApiMessage(message: ChatMessage): Anthropic.MessageParam {
  return {
    role: message.role,
    content: typeof message.content === "string" ? message.content : message.content.map(toApiBlock),
  };
}

/** The answer's text and tool_use blocks, in our names (thinking and other blocks are not ours to keep). */
function contentOf(message: Anthropic.Message): ContentBlock[] {
  const blocks: ContentBlock[] = [];
  for (const block of message.content) {
    if (block.type === "text") blocks.push({ type: "text", text: block.text });
    else if (block.type === "tool_use") blocks.push({ type: "tool_use", id: block.id, name: block.name, input: block.input });
  }
  return blocks;
}

function usageOf(message: Anthropic.Message): Usage {
  return {
    inputTokens: message.usage.input_tokens,
    outputTokens: message.usage.output_tokens,
    cacheCreationInputTokens: message.usage.cache_creation_input_tokens ?? 0,
    cacheReadInputTokens: message.usage.cache_read_input_tokens ?? 0,
  };
}

function textOf(message: Anthropic.Message): string {
  return message.content
    .filter((block): block is Anthropic.TextBlock => block.type === "text")
    .map((block) => block.text)
    .join("");
}

/** A message as our answer; a refusal or a cut-off answer is a failed call (ModelCallError) that keeps its text. */
function answerOf(message: Anthropic.Message, request: CallRequest, attempt: number, latencyMs: number): Omit<CallResult, "attempts"> {
  const text = textOf(message);
  if (message.stop_reason === "refusal") {
    throw new ModelCallError("refusal", "the model refused to answer (stop_reason refusal)", {
      status: 200,
      attempts: attempt,
      partialText: text,
    });
  }
  if (message.stop_reason === "max_tokens") {
    throw new ModelCallError(
      "truncated",
      `the answer was cut off at max_tokens (${request.maxTokens}); raise max-tokens in skillbench.yml ` +
        `(judge.max-tokens for the judge) so a whole answer fits`,
      { status: 200, attempts: attempt, partialText: text },
    );
  }
  return { text, stopReason: message.stop_reason ?? "end_turn", content: contentOf(message), usage: usageOf(message), latencyMs };
}

/** The error kind of an errored batch entry, from the API error type it carries. */
const BATCH_ERROR_KINDS: Record<string, CallErrorKind> = {
  invalid_request_error: "invalid-request",
  authentication_error: "auth",
  permission_error: "auth",
  not_found_error: "not-found",
  rate_limit_error: "rate-limit",
  overloaded_error: "overloaded",
  api_error: "server",
  timeout_error: "timeout",
};

const BATCH_ERROR_STATUS: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  permission_error: 403,
  not_found_error: 404,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

function batchStatusOf(batch: Anthropic.Messages.MessageBatch): BatchStatus {
  return { id: batch.id, status: batch.processing_status, counts: { ...batch.request_counts } };
}

function verdictOf(error: unknown): FailureVerdict | null {
  if (error instanceof APIConnectionTimeoutError) return classifyFailure({ status: null, headers: null, timedOut: true });
  if (error instanceof APIConnectionError) return classifyFailure({ status: null, headers: null, timedOut: false });
  if (error instanceof APIError && typeof error.status === "number") {
    return classifyFailure({ status: error.status, headers: error.headers ?? null, timedOut: false });
  }
  return null;
}

/** "HTTP 529 overloaded_error: Overloaded (request-id req_...)" */
function describeApiError(error: APIError): string {
  const type = error.type ?? "error";
  const detail = error.apiMessage ?? error.message;
  const requestId = error.requestID ? ` (request-id ${error.requestID})` : "";
  return `HTTP ${error.status ?? "?"} ${type}: ${detail}${requestId}`;
}

/** fetch wraps the useful part ("connect ECONNREFUSED 127.0.0.1:1") a few causes deep. */
function innermostMessage(error: Error): string {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error && current.cause instanceof Error; depth++) current = current.cause;
  return messageOf(current);
}

function reasonOf(error: unknown, verdict: FailureVerdict | null, timeoutMs: number): string {
  if (verdict?.kind === "timeout" && !(error instanceof APIError && typeof error.status === "number")) {
    return `no answer within ${timeoutMs} ms`;
  }
  if (error instanceof APIConnectionError) return `connection failed: ${innermostMessage(error)}`;
  if (error instanceof APIError) return describeApiError(error);
  return messageOf(error);
}

export function createModelClient(options: ClientOptions): ModelClient {
  const client = new Anthropic({
    apiKey: options.apiKey,
    baseURL: options.baseUrl ?? undefined,
    maxRetries: 0,
    timeout: options.timeoutMs,
  });
  const sleep = options.sleep ?? ((ms: number) => delay(ms));
  const now = options.now ?? Date.now;
  const where = options.baseUrl ? ` at ${options.baseUrl}` : "";
  // Never let the key reach a message, even if some layer (a proxy, the API) echoed it.
  const redact = (options.redactor ?? Redactor.none).with([options.apiKey]).text;
  const budgetMs = options.rateLimitBudgetMs ?? DEFAULT_RATE_LIMIT_BUDGET_MS;
  // One rate-limit state for every call of this client: a 429 pauses them all and lowers the in-flight cap.
  const gate = new RateLimitGate({
    maxInFlight: options.concurrency ?? DEFAULT_CLIENT_CONCURRENCY,
    now,
    sleep,
    ...(options.random ? { random: options.random } : {}),
  });

  const finalError = (request: CallRequest, error: unknown, attempts: number): Error => {
    if (error instanceof ModelCallError) return error;
    const verdict = verdictOf(error);
    const status = error instanceof APIError && typeof error.status === "number" ? error.status : null;
    const tries = attempts === 1 ? "1 attempt" : `${attempts} attempts`;
    const reason = reasonOf(error, verdict, options.timeoutMs);
    let message: string;
    switch (verdict?.kind) {
      case "spend-cap":
        message =
          `the API's spend limit was reached for ${request.model} (${reason}); it will not clear by retrying: ` +
          `raise the limit in the Anthropic Console or wait for it to reset`;
        break;
      case "auth":
        message = `the API rejected the key for ${request.model} (${reason}); check anthropic-api-key / ANTHROPIC_API_KEY`;
        break;
      case "not-found":
        message = `model ${request.model} was not found (${reason}); check the model id`;
        break;
      case "invalid-request":
        message = `the API rejected the request to ${request.model} as invalid (${reason}), not retried`;
        break;
      case "connection":
        message = `could not reach the Anthropic API${where} for ${request.model} after ${tries}: ${reason}`;
        break;
      case "timeout":
        message = `the call to ${request.model} timed out after ${tries}: ${reason}`;
        break;
      case "rate-limit":
        message =
          `the call to ${request.model} was still rate limited after ${tries} over ` +
          `${Math.round(budgetMs / 1000)} s (api.rate-limit-budget-seconds): ${reason}`;
        break;
      case undefined:
        message = `the call to ${request.model} failed: ${reason}`;
        break;
      default:
        message = `the call to ${request.model} failed after ${tries}: ${reason}`;
    }
    return new ModelCallError(verdict?.kind ?? "unknown", redact(message), { status, attempts });
  };

  /** `firstRateLimitAt`: when this call first met a 429 (its rate-limit budget runs from there). */
  const decide = (error: unknown, firstRateLimitAt: number | null): RetryDecision => {
    if (error instanceof ModelCallError) return { retry: false, retryAfterMs: null, reason: error.message };
    const verdict = verdictOf(error);
    const reason = redact(reasonOf(error, verdict, options.timeoutMs));
    if (verdict?.kind === "rate-limit" && verdict.retry) {
      const withinBudget = firstRateLimitAt === null || now() - firstRateLimitAt < budgetMs;
      return { retry: withinBudget, retryAfterMs: gate.pauseMs, reason, rateLimited: true };
    }
    return { retry: verdict?.retry ?? false, retryAfterMs: verdict?.retryAfterMs ?? null, reason };
  };

  /** What the gate learns from an attempt's failure. */
  const outcomeOf = (error: unknown): GateOutcome => {
    const verdict = verdictOf(error);
    return verdict?.kind === "rate-limit" && verdict.retryAfterMs !== null
      ? { kind: "rate-limited", retryAfterMs: verdict.retryAfterMs }
      : { kind: "other" };
  };

  return {
    async call(request: CallRequest): Promise<CallResult> {
      const params = buildParams(request);
      let firstRateLimitAt: number | null = null;
      const { value, attempts } = await withRetries(
        async (attempt) => {
          const ticket = await gate.acquire();
          let message: Anthropic.Message;
          const started = performance.now();
          try {
            message = await client.messages.create(params, request.signal ? { signal: request.signal } : undefined);
          } catch (error) {
            const outcome = outcomeOf(error);
            if (outcome.kind === "rate-limited") firstRateLimitAt ??= now();
            gate.release(ticket, outcome);
            throw error;
          }
          gate.release(ticket, { kind: "ok" });
          return answerOf(message, request, attempt, Math.round(performance.now() - started));
        },
        {
          maxRetries: options.maxRetries,
          decide: (error) => decide(error, firstRateLimitAt),
          giveUp: (error, attempts) => finalError(request, error, attempts),
          sleep,
          onRetry: (info) => options.onRetry?.({ model: request.model, ...info }),
          ...(options.random ? { random: options.random } : {}),
        },
      );
      return { ...value, attempts };
    },
    batches: batchApi(),
  };

  /** A batches endpoint call (create, retrieve, cancel), with the same retries as a message call. */
  async function batchOp<T>(what: string, op: () => Promise<T>): Promise<T> {
    const { value } = await withRetries(() => op(), {
      maxRetries: options.maxRetries,
      decide: (error) => decide(error, null),
      giveUp: (error) => {
        if (error instanceof APIError && error.status === 404 && what === "create") return new BatchesUnavailableError(redact(describeApiError(error)));
        return new Error(redact(`the Message Batches API failed (${what}): ${reasonOf(error, verdictOf(error), options.timeoutMs)}`));
      },
      sleep,
    });
    return value;
  }

  function batchApi(): BatchApi {
    const byId = new Map<string, Map<string, CallRequest>>();
    return {
      async create(entries: readonly BatchEntry[]): Promise<BatchStatus> {
        const requests = entries.map((entry) => ({ custom_id: entry.customId, params: buildParams(entry.request) as Anthropic.MessageCreateParamsNonStreaming }));
        const batch = await batchOp("create", () => client.messages.batches.create({ requests }));
        byId.set(batch.id, new Map(entries.map((entry) => [entry.customId, entry.request])));
        return batchStatusOf(batch);
      },
      async retrieve(id: string): Promise<BatchStatus> {
        return batchStatusOf(await batchOp("retrieve", () => client.messages.batches.retrieve(id)));
      },
      async cancel(id: string): Promise<BatchStatus> {
        return batchStatusOf(await batchOp("cancel", () => client.messages.batches.cancel(id)));
      },
      async *results(id: string): AsyncIterable<BatchEntryOutcome> {
        const requests = byId.get(id) ?? new Map<string, CallRequest>();
        const decoder = await batchOp("results", () => client.messages.batches.results(id));
        for await (const line of decoder) {
          const customId = line.custom_id;
          const result = line.result;
          const request = requests.get(customId);
          if (result.type === "succeeded" && request) {
            try {
              // Batch latency is queueing, not the model's: not measured (0, and the result says batched).
              yield { customId, type: "succeeded", result: { ...answerOf(result.message, request, 1, 0), attempts: 1, batched: true } };
            } catch (error) {
              yield { customId, type: "failed", error: error instanceof Error ? error : new Error(String(error)) };
            }
          } else if (result.type === "errored") {
            const type = result.error.error.type;
            const kind = BATCH_ERROR_KINDS[type] ?? "unknown";
            const model = request?.model ?? "the model";
            // An entry's error has no HTTP status; each API error type has one, which names the cause as a call's would.
            const status = BATCH_ERROR_STATUS[type] ?? null;
            const detail = redact(`HTTP ${status ?? "?"} ${type}: ${result.error.error.message}`);
            const message =
              kind === "not-found" ? `model ${model} was not found (batch entry ${detail}); check the model id` : `the batched call to ${model} failed: ${detail}`;
            yield { customId, type: "failed", error: new ModelCallError(kind, message, { status, attempts: 1 }) };
          } else if (result.type === "canceled" || result.type === "expired") {
            yield { customId, type: result.type };
          }
        }
        byId.delete(id);
      },
    };
  }
}
