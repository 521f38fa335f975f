// A local HTTP server that speaks the Anthropic Messages API closely enough for the real SDK, so tests, CI and
// the demo exercise the real protocol without network access or an API key.

import http from "node:http";
import type { AddressInfo } from "node:net";
import { messageOf } from "../errors.js";
import {
  STRUCTURED_ONLY_FAULTS,
  echoes,
  estimateTokens,
  gaussianOf,
  pairwiseChoice,
  freeTextAnswer,
  isNewGenerationModel,
  parseDirectives,
  qualityForGeneration,
  scoreCenter,
  selfIdentification,
  selfPreferenceBonus,
  shortId,
  structuredAnswer,
  expectationsOf,
  trueQuality,
  unitOf,
  wordsOf,
  defaultRead,
  listedSkillFiles,
  parseToolDirectives,
  type RequestKind,
  type SimFault,
} from "./script.js";
import { controlPenalty, isBareRequest, NO_SKILL_MARKER } from "./uplift.js";
import { SimBatches, type SimBatchOptions } from "./batch.js";
import { skillChoice, SKILL_TOOL } from "./triggers.js";
import { isRecord } from "../util.js";

export { SIM_BATCH_HEADER, type SimBatchOptions, type SimBatchOutcome } from "./batch.js";
export { SIM_FAULTS, type SimFault, type RequestKind } from "./script.js";

export interface SimOptions {
  /** Default 0 (ephemeral); the host is always 127.0.0.1. */
  port?: number;
  /** Per request; deterministic per request body. Default [20, 60]. */
  latencyMs?: number | [min: number, max: number];
  /** Injected failures, consumed in order. */
  faults?: FaultRule[];
  /** Changes the deterministic scores and texts. */
  seed?: string;
  /**
   * A token-bucket request limit like the real API's: `burst` requests at most, refilled at `perSecond`. A request
   * that finds the bucket empty gets a 429 rate_limit_error with retry-after (whole seconds, as the API sends) and
   * anthropic-ratelimit-requests-* headers describing the bucket; a 429 takes no token.
   */
  rateLimit?: { perSecond: number; burst: number };
  /** A noisy judge, as real judges are: see JudgeNoise. Off by default (scores are then fixed per request). */
  judgeNoise?: JudgeNoise;
  /**
   * Points added to every judge score (a judge that drifted: harsher when negative); default 0. Two servers with
   * different offsets play a judge that changed between a nightly baseline and a pull request.
   */
  judgeOffset?: number;
  /**
   * How long a 5-minute cache entry lives, in real ms (a 1-hour entry lives 12 times as long); default 300000.
   * Benchmarks shorten it in proportion to their shortened latency, so entries expire as they would in a real run.
   */
  cacheTtlMs?: number;
  /**
   * The clock cache entries live on, in ms; default Date.now. A benchmark passes a logical clock (e.g. requests
   * arrived x latency / concurrency) so entries expire by the work done, not by how slow a loaded machine is.
   */
  cacheClock?: () => number;
  /** The Message Batches endpoints (src/sim/batch.ts): outcomes, stalls, or a 404 like a gateway without them. */
  batch?: SimBatchOptions;
}

/**
 * The noisy judge. Each (case, model) has a true quality: a quality directive, else a value in 50-80 derived from
 * the case input and the model (never from the skill text, so a harmless skill edit keeps it); `sim:drop=NN` in
 * the request (the skill) lowers it by NN. Generated answers carry it to the judge as `sim:output-quality`. Each
 * judgement scores every numeric field (quality and each dimension) as true quality + N(0, sd), drawn from a
 * seeded hash of (seed, request, how many times this server has judged that same request), so the same output
 * judged twice gets two scores, and a run reproduces whatever order concurrent requests arrive in.
 */
export interface JudgeNoise {
  /** Standard deviation of each judgement's noise, in points (0-100 scale). */
  sd: number;
  /** Default "". */
  seed?: string;
}

export interface FaultRule {
  fault: SimFault;
  /** generate = no output_config.format; judge = structured output request. */
  kind?: RequestKind;
  /** Matches the request's model exactly. */
  model?: string;
  /** Matches any text in system + messages. */
  contains?: string;
  /** Default 1; Infinity allowed. */
  times?: number;
  /** For 429/529 (429 defaults to 1; "429-spend-cap" never sends retry-after). */
  retryAfterSeconds?: number;
}

export interface RecordedRequest {
  /** "" when the request named no model. */
  model: string;
  kind: RequestKind;
  /** The parsed JSON body ({} when it was not a JSON object). */
  body: Record<string, unknown>;
  /** Lower-case names; x-api-key and authorization values replaced by "[redacted]". */
  headers: Record<string, string>;
  /** HTTP status answered; 0 while the request is still being served. */
  status: number;
  /** Arrival time, ms since the epoch. */
  at: number;
}

export interface SimServer {
  /** "http://127.0.0.1:PORT": pass as baseURL to the SDK. */
  url: string;
  requests: RecordedRequest[];
  /** Highest number of requests served at once, measured at the server. */
  maxInFlight: number;
  inFlight: number;
  addFault(rule: FaultRule): void;
  /** Message batches created so far, in order. */
  readonly batches: { id: string; requests: number; status: string }[];
  /** Clears requests, maxInFlight, faults and the prompt cache. */
  reset(): void;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 32 * 1024 * 1024;
/** Shortest cacheable system prefix, in (estimated) tokens. */
const MIN_CACHE_TOKENS = 1024;
const REQUESTS_PER_MINUTE = 4000;
const TOKENS_PER_MINUTE = 2_000_000;
const SECRET_HEADERS = new Set(["x-api-key", "authorization"]);

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

interface TextPart {
  text: string;
  cached: boolean;
  ttl: string | null;
}

function systemParts(system: unknown): TextPart[] {
  if (typeof system === "string") return [{ text: system, cached: false, ttl: null }];
  if (!Array.isArray(system)) return [];
  return system.filter(isRecord).map((block) => {
    const cacheControl = block["cache_control"];
    return {
      text: typeof block["text"] === "string" ? block["text"] : "",
      cached: isRecord(cacheControl),
      ttl: isRecord(cacheControl) && typeof cacheControl["ttl"] === "string" ? cacheControl["ttl"] : null,
    };
  });
}

function contentText(content: unknown, separator = "\n"): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .filter(isRecord)
    .map((block) => (typeof block["text"] === "string" ? block["text"] : ""))
    .join(separator);
}

function messagesText(messages: unknown): string {
  return Array.isArray(messages) ? messages.filter(isRecord).map((m) => contentText(m["content"])).join("\n") : "";
}

/** Characters of tool blocks (tool_use inputs, tool_result contents), which the text of a message leaves out. */
function toolChars(content: unknown): number {
  if (!Array.isArray(content)) return 0;
  let chars = 0;
  for (const block of content.filter(isRecord)) {
    if (block["type"] === "tool_use") chars += JSON.stringify(block["input"] ?? null).length;
    if (block["type"] === "tool_result") chars += contentText(block["content"], "").length;
  }
  return chars;
}

/** Characters the usage counts: system blocks, tool definitions and message contents, without separators. */
function inputChars(body: Record<string, unknown>): number {
  const system = systemParts(body["system"]).reduce((sum, part) => sum + part.text.length, 0);
  const tools = Array.isArray(body["tools"]) ? JSON.stringify(body["tools"]).length : 0;
  const messages = Array.isArray(body["messages"])
    ? body["messages"].filter(isRecord).reduce((sum, m) => sum + contentText(m["content"], "").length + toolChars(m["content"]), 0)
    : 0;
  return system + tools + messages;
}

function blocksOf(message: unknown, type: string): Record<string, unknown>[] {
  const content = isRecord(message) ? message["content"] : undefined;
  return Array.isArray(content) ? content.filter(isRecord).filter((block) => block["type"] === type) : [];
}

function firstUserText(messages: unknown): string {
  if (!Array.isArray(messages)) return "";
  const first = messages.filter(isRecord).find((m) => m["role"] === "user");
  return contentText(first?.["content"]);
}

/** What the simulated candidate does on this turn of a read_file loop; null when no read_file is offered. */
function toolTurn(
  body: Record<string, unknown>,
  systemText: string,
): { kind: "read"; path: string } | { kind: "refuse" } | { kind: "answer"; markers: string[]; read: string[] } | null {
  const tools = Array.isArray(body["tools"]) ? body["tools"].filter(isRecord) : [];
  if (!tools.some((tool) => tool["name"] === "read_file")) return null;
  const messages = Array.isArray(body["messages"]) ? body["messages"].filter(isRecord) : [];
  const userText = firstUserText(messages);
  const directives = parseToolDirectives(`${systemText}\n${userText}`);
  const listed = listedSkillFiles(systemText);
  const turnsTaken = messages.filter((m) => m["role"] === "assistant" && blocksOf(m, "tool_use").length > 0).length;
  const results = messages.flatMap((m) => (m["role"] === "user" ? blocksOf(m, "tool_result") : []));
  if (results.length > 0 && directives.refuseAfterTool) return { kind: "refuse" };
  const planned = directives.reads.length > 0 ? directives.reads : [defaultRead(listed, userText)].filter((p): p is string => p !== null);
  if (directives.loop) return { kind: "read", path: planned[turnsTaken % Math.max(1, planned.length)] ?? "README.md" };
  const next = planned[turnsTaken];
  if (next !== undefined && listed.length + directives.reads.length > 0) return { kind: "read", path: next };
  // The answer shows which files reached the model: their fixture markers, and the paths read.
  const markers = new Set<string>();
  const read: string[] = [];
  for (const result of results) {
    if (result["is_error"] === true) continue;
    for (const match of contentText(result["content"], "").matchAll(/\bREF_MARKER_\w+/g)) markers.add(match[0]);
  }
  for (const m of messages) for (const use of blocksOf(m, "tool_use")) {
    const input = use["input"];
    if (isRecord(input) && typeof input["path"] === "string") read.push(input["path"]);
  }
  return { kind: "answer", markers: [...markers], read };
}

/**
 * One entry per cache_control breakpoint, in order: the system blocks, then the message blocks, up to and including
 * that breakpoint. As the API does, a request reads the longest of these prefixes already cached and writes the
 * rest up to its last breakpoint.
 */
function cachedPrefixes(body: Record<string, unknown>): { text: string; chars: number; ttlMs: number }[] {
  const messages = Array.isArray(body["messages"]) ? body["messages"].filter(isRecord) : [];
  const parts = [...systemParts(body["system"]), ...messages.flatMap((m) => systemParts(m["content"]))];
  const prefixes: { text: string; chars: number; ttlMs: number }[] = [];
  parts.forEach((part, index) => {
    if (!part.cached) return;
    const prefix = parts.slice(0, index + 1);
    prefixes.push({
      text: prefix.map((p) => p.text).join("\u0000"),
      chars: prefix.reduce((sum, p) => sum + p.text.length, 0),
      ttlMs: part.ttl === "1h" ? 3_600_000 : 300_000,
    });
  });
  return prefixes;
}

/** A request's cache breakpoints long enough to be cached, and how much of its prefix was already cached on arrival. */
interface CacheUse {
  entries: { key: string; chars: number; ttlMs: number }[];
  /** Characters of the longest cached prefix (0: a miss). */
  hitChars: number;
}

function lastUserText(messages: unknown): string {
  if (!Array.isArray(messages)) return "";
  const users = messages.filter(isRecord).filter((m) => m["role"] === "user");
  return contentText(users[users.length - 1]?.["content"]);
}

function formatSchema(body: Record<string, unknown>): Record<string, unknown> | null {
  const config = body["output_config"];
  const format = isRecord(config) ? config["format"] : undefined;
  if (!isRecord(format)) return null;
  return isRecord(format["schema"]) ? format["schema"] : {};
}

const UNSUPPORTED_SCHEMA_KEYWORDS = [
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "multipleOf",
  "minLength",
  "maxLength",
];

/** The structured-output limits the real API enforces, as a list of problems (empty when the schema is fine). */
function schemaProblems(schema: unknown, path: string, problems: string[]): string[] {
  if (Array.isArray(schema)) {
    schema.forEach((item, i) => {
      schemaProblems(item, `${path}[${i}]`, problems);
    });
    return problems;
  }
  if (!isRecord(schema)) return problems;
  const type = schema["type"];
  const isObject = type === "object" || (Array.isArray(type) && type.includes("object")) || isRecord(schema["properties"]);
  if (isObject && schema["additionalProperties"] !== false) {
    problems.push(`${path}: for 'object' type, 'additionalProperties' must be explicitly set to false`);
  }
  for (const keyword of UNSUPPORTED_SCHEMA_KEYWORDS) {
    if (keyword in schema) problems.push(`${path}: the '${keyword}' keyword is not supported`);
  }
  const minItems = schema["minItems"];
  if (typeof minItems === "number" && minItems > 1) problems.push(`${path}: minItems values other than 0 or 1 are not supported`);
  for (const [key, value] of Object.entries(schema)) {
    if (key === "properties" || key === "$defs" || key === "definitions") {
      if (isRecord(value)) for (const [name, sub] of Object.entries(value)) schemaProblems(sub, `${path}.${key}.${name}`, problems);
    } else if (key === "items" || key === "anyOf" || key === "oneOf" || key === "allOf" || key === "not") {
      schemaProblems(value, `${path}.${key}`, problems);
    }
  }
  return problems;
}

/** Checks the request like the real API does where it matters to skillbench; throws HttpFailure. */
function validate(body: Record<string, unknown>): void {
  const invalid = (message: string): HttpFailure => new HttpFailure(400, "invalid_request_error", message);
  const model = body["model"];
  if (typeof model !== "string" || model === "") throw invalid("model: Field required");
  const maxTokens = body["max_tokens"];
  if (maxTokens === undefined) throw invalid("max_tokens: Field required");
  if (typeof maxTokens !== "number" || !Number.isInteger(maxTokens) || maxTokens < 1) {
    throw invalid("max_tokens: Input should be a positive integer");
  }
  const messages = body["messages"];
  if (messages === undefined) throw invalid("messages: Field required");
  if (!Array.isArray(messages) || messages.length === 0) throw invalid("messages: at least one message is required");
  messages.forEach((message, i) => {
    if (!isRecord(message) || (message["role"] !== "user" && message["role"] !== "assistant")) {
      throw invalid(`messages.${i}.role: Input should be 'user' or 'assistant'`);
    }
    const content = message["content"];
    if (typeof content !== "string" && !Array.isArray(content)) throw invalid(`messages.${i}.content: Field required`);
    // Like the API: every tool_use must be answered by a tool_result in the very next (user) message.
    const uses = message["role"] === "assistant" ? blocksOf(message, "tool_use").map((b) => b["id"]) : [];
    if (uses.length > 0) {
      const next: unknown = messages[i + 1];
      const answered = new Set(blocksOf(next, "tool_result").map((b) => b["tool_use_id"]));
      if (!isRecord(next) || next["role"] !== "user" || uses.some((id) => !answered.has(id))) {
        throw invalid(`messages.${i + 1}: tool_use ids were found without tool_result blocks immediately after: ${uses.join(", ")}`);
      }
    }
  });
  if (model.includes("does-not-exist")) throw new HttpFailure(404, "not_found_error", `model: ${model}`);
  if (isNewGenerationModel(model)) {
    for (const param of ["temperature", "top_p", "top_k"]) {
      if (param in body) {
        throw invalid(`${param}: this parameter is not supported by ${model}; remove temperature, top_p and top_k`);
      }
    }
    const thinking = body["thinking"];
    if (isRecord(thinking) && thinking["type"] === "enabled") {
      throw invalid(`thinking.type: 'enabled' is not supported by ${model}; use {"type": "adaptive"} or omit thinking`);
    }
    if (isRecord(thinking) && thinking["type"] === "disabled" && model.startsWith("claude-fable")) {
      throw invalid(`thinking.type: 'disabled' is not supported by ${model}; omit thinking instead`);
    }
  }
  const config = body["output_config"];
  if (config !== undefined && config !== null) {
    if (!isRecord(config)) throw invalid("output_config: Input should be an object");
    const format = config["format"];
    if (format !== undefined && format !== null) {
      if (!isRecord(format) || format["type"] !== "json_schema" || !isRecord(format["schema"])) {
        throw invalid("output_config.format: expected {type: 'json_schema', schema: {...}}");
      }
      const problems = schemaProblems(format["schema"], "output_config.format.schema", []);
      if (problems.length > 0) throw invalid(problems.join("; "));
    }
  }
}

function ruleMatches(rule: FaultRule, model: string, kind: RequestKind, text: string): boolean {
  if (rule.kind !== undefined && rule.kind !== kind) return false;
  if (rule.model !== undefined && rule.model !== model) return false;
  if (rule.contains !== undefined && !text.includes(rule.contains)) return false;
  if (kind === "generate" && STRUCTURED_ONLY_FAULTS.includes(rule.fault)) return false;
  return true;
}

interface ActiveFault {
  fault: SimFault;
  retryAfterSeconds: number | undefined;
}

class Sim implements SimServer {
  url = "";
  requests: RecordedRequest[] = [];
  maxInFlight = 0;
  inFlight = 0;
  private faults: { rule: FaultRule; left: number }[] = [];
  /** Cache key -> expiry (ms since epoch). */
  private cache = new Map<string, number>();
  private timers = new Set<NodeJS.Timeout>();
  private counter = 0;
  /** judgeNoise: how many times each judge request (by content key) has been answered. */
  private judgements = new Map<string, number>();
  private window = { start: 0, requests: 0, tokens: 0 };
  private bucket = { tokens: 0, at: 0 };
  private readonly server: http.Server;
  private readonly batchEndpoints: SimBatches;

  constructor(private readonly options: SimOptions) {
    this.batchEndpoints = new SimBatches(options.batch ?? {}, () => this.url, (ms) => this.sleep(ms));
    for (const rule of options.faults ?? []) this.addFault(rule);
    if (options.rateLimit) this.bucket = { tokens: options.rateLimit.burst, at: Date.now() };
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        // A bug in the simulator must still answer, so the client sees a 500 rather than a hang.
        if (!res.headersSent && !res.destroyed) {
          this.sendError(res, null, new HttpFailure(500, "api_error", `simulator failure: ${messageOf(error)}`));
        }
      });
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(this.options.port ?? 0, "127.0.0.1", () => {
        this.server.off("error", reject);
        resolve();
      });
    });
    const address = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${address.port}`;
  }

  addFault(rule: FaultRule): void {
    this.faults.push({ rule, left: rule.times ?? 1 });
  }

  reset(): void {
    this.requests = [];
    this.maxInFlight = this.inFlight;
    this.faults = [];
    this.cache.clear();
    if (this.options.rateLimit) this.bucket = { tokens: this.options.rateLimit.burst, at: Date.now() };
  }

  /** Takes a token from the request bucket, or throws the 429 the API answers when it is empty. */
  private takeToken(): void {
    const limit = this.options.rateLimit;
    if (!limit) return;
    const now = Date.now();
    const tokens = Math.min(limit.burst, this.bucket.tokens + ((now - this.bucket.at) / 1000) * limit.perSecond);
    this.bucket = { tokens, at: now };
    const reset = (seconds: number): string => new Date(now + seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
    if (tokens >= 1) {
      this.bucket.tokens = tokens - 1;
      return;
    }
    const wait = (1 - tokens) / limit.perSecond;
    throw new HttpFailure(429, "rate_limit_error", "This request would exceed the rate limit for your organization (simulated token bucket).", {
      "retry-after": String(Math.max(1, Math.ceil(wait))),
      "anthropic-ratelimit-requests-limit": String(Math.round(limit.perSecond * 60)),
      "anthropic-ratelimit-requests-remaining": "0",
      "anthropic-ratelimit-requests-reset": reset(wait),
    });
  }

  get batches(): { id: string; requests: number; status: string }[] {
    return this.batchEndpoints.created;
  }

  async close(): Promise<void> {
    this.batchEndpoints.close();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }

  private latencyFor(rawBody: string): number {
    const latency = this.options.latencyMs ?? [20, 60];
    if (typeof latency === "number") return Math.max(0, latency);
    const [min, max] = latency;
    return Math.max(0, Math.round(min + unitOf("latency", rawBody, String(this.options.seed ?? "")) * (max - min)));
  }

  private rateLimitHeaders(tokens: number): Record<string, string> {
    const now = Date.now();
    if (now - this.window.start >= 60_000) this.window = { start: now, requests: 0, tokens: 0 };
    this.window.requests += 1;
    this.window.tokens += tokens;
    const reset = new Date(this.window.start + 60_000).toISOString().replace(/\.\d{3}Z$/, "Z");
    const headers: Record<string, string> = {
      "anthropic-ratelimit-requests-limit": String(REQUESTS_PER_MINUTE),
      "anthropic-ratelimit-requests-remaining": String(Math.max(0, REQUESTS_PER_MINUTE - this.window.requests)),
      "anthropic-ratelimit-requests-reset": reset,
    };
    for (const family of ["tokens", "input-tokens", "output-tokens"]) {
      headers[`anthropic-ratelimit-${family}-limit`] = String(TOKENS_PER_MINUTE);
      headers[`anthropic-ratelimit-${family}-remaining`] = String(Math.max(0, TOKENS_PER_MINUTE - this.window.tokens));
      headers[`anthropic-ratelimit-${family}-reset`] = reset;
    }
    return headers;
  }

  private send(res: http.ServerResponse, record: RecordedRequest | null, status: number, payload: unknown, headers: Record<string, string>): void {
    if (record) record.status = status;
    if (res.destroyed) return;
    const requestId = `req_sim_${shortId("request", String(++this.counter), String(Date.now()))}`;
    const body = JSON.stringify(payload);
    res.writeHead(status, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(body),
      "request-id": requestId,
      ...headers,
    });
    res.end(body);
  }

  private sendError(res: http.ServerResponse, record: RecordedRequest | null, failure: HttpFailure): void {
    this.send(
      res,
      record,
      failure.status,
      { type: "error", error: { type: failure.type, message: failure.message } },
      { ...this.rateLimitHeaders(0), ...failure.headers },
    );
  }

  private takeFault(model: string, kind: RequestKind, text: string): ActiveFault | null {
    for (const directive of parseDirectives(text).faults) {
      if (directive.model !== null && directive.model !== model) continue;
      if (directive.kind !== null && directive.kind !== kind) continue;
      if (kind === "generate" && STRUCTURED_ONLY_FAULTS.includes(directive.fault)) continue;
      return { fault: directive.fault, retryAfterSeconds: undefined };
    }
    const index = this.faults.findIndex((f) => f.left > 0 && ruleMatches(f.rule, model, kind, text));
    const entry = this.faults[index];
    if (!entry) return null;
    entry.left -= 1;
    if (entry.left <= 0) this.faults.splice(index, 1);
    return { fault: entry.rule.fault, retryAfterSeconds: entry.rule.retryAfterSeconds };
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    res.on("close", () => {
      this.inFlight -= 1;
    });

    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (path === "/v1/messages/batches" || path.startsWith("/v1/messages/batches/")) {
      await this.batchEndpoints.handle(req, res, path);
      return;
    }
    if (req.method !== "POST" || path !== "/v1/messages") {
      req.resume();
      this.sendError(res, null, new HttpFailure(404, "not_found_error", `${req.method ?? "?"} ${path}: no such endpoint in the simulator`));
      return;
    }

    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
      size += buffer.length;
      if (size > MAX_BODY_BYTES) {
        this.sendError(res, null, new HttpFailure(413, "request_too_large", "Request exceeds the maximum allowed number of bytes."));
        req.destroy();
        return;
      }
      chunks.push(buffer);
    }
    const rawBody = Buffer.concat(chunks).toString("utf8");
    const arrivedAt = Date.now();

    let parsed: unknown;
    let parseError: string | null = null;
    try {
      parsed = JSON.parse(rawBody);
    } catch (error) {
      parseError = messageOf(error);
    }
    const body = isRecord(parsed) ? parsed : {};
    const model = typeof body["model"] === "string" ? body["model"] : "";
    const schema = formatSchema(body);
    const kind: RequestKind = schema ? "judge" : "generate";
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined) continue;
      headers[name] = SECRET_HEADERS.has(name) ? "[redacted]" : Array.isArray(value) ? value.join(", ") : value;
    }
    const record: RecordedRequest = { model, kind, body, headers, status: 0, at: arrivedAt };
    this.requests.push(record);

    const systemText = systemParts(body["system"]).map((p) => p.text).join("\n");
    const text = `${systemText}\n${messagesText(body["messages"])}`;
    // Decided at arrival: a cache entry only exists once the first response with that prefix has started.
    const cache = this.cacheUseFor(body, model, schema, this.cacheNow());

    try {
      if (parseError !== null || !isRecord(parsed)) {
        throw new HttpFailure(400, "invalid_request_error", `The request body is not a JSON object${parseError ? `: ${parseError}` : ""}`);
      }
      if (!req.headers["x-api-key"] && !req.headers["authorization"]) {
        throw new HttpFailure(401, "authentication_error", "x-api-key header is required");
      }
      validate(body);
      this.takeToken();
      const fault = this.takeFault(model, kind, text);
      await this.sleep(this.latencyFor(rawBody));
      const echo = echoes(parseDirectives(text), kind) ? apiKeyOf(req) : null;
      if (fault) this.failIfErrorFault(fault, echo);
      this.answer(res, record, { body, model, schema, text, systemText, fault: fault?.fault ?? null, cache, echo });
    } catch (error) {
      if (!(error instanceof HttpFailure)) throw error;
      this.sendError(res, record, error);
    }
  }

  /** Faults answered with an HTTP error status; the others shape a 200 answer. */
  private failIfErrorFault(active: ActiveFault, echo: string | null): void {
    if (echo !== null) {
      // A `sim:echo` fault's message quotes the key, as a gateway that reflects the rejected header would.
      try {
        this.failIfErrorFault(active, null);
      } catch (error) {
        if (!(error instanceof HttpFailure)) throw error;
        throw new HttpFailure(error.status, error.type, `${error.message} (x-api-key: ${echo})`, error.headers);
      }
      return;
    }
    const retryAfter = (seconds: number | undefined): Record<string, string> =>
      seconds === undefined ? {} : { "retry-after": String(seconds) };
    switch (active.fault) {
      case "429":
        throw new HttpFailure(
          429,
          "rate_limit_error",
          "Number of request tokens has exceeded your per-minute rate limit (simulated).",
          retryAfter(active.retryAfterSeconds ?? 1),
        );
      case "429-spend-cap":
        throw new HttpFailure(
          429,
          "rate_limit_error",
          "You have reached your specified API usage limits (monthly spend limit). You will regain access at the start of next month (simulated).",
          { "x-should-retry": "false" },
        );
      case "529":
        throw new HttpFailure(529, "overloaded_error", "Overloaded (simulated).", retryAfter(active.retryAfterSeconds));
      case "500":
        throw new HttpFailure(500, "api_error", "Internal server error (simulated).");
      case "400":
        throw new HttpFailure(400, "invalid_request_error", "Invalid request (simulated fault).");
      default:
        return;
    }
  }

  /** The noise key of one judgement: the seed, the request, and the count of earlier judgements of it. */
  private judgementKey(noise: JudgeNoise, requestKey: string): string {
    const seen = this.judgements.get(requestKey) ?? 0;
    this.judgements.set(requestKey, seen + 1);
    return shortId("judge-noise", noise.seed ?? "", requestKey, String(seen));
  }

  private cacheNow(): number {
    return this.options.cacheClock ? this.options.cacheClock() : Date.now();
  }

  private cacheUseFor(body: Record<string, unknown>, model: string, schema: Record<string, unknown> | null, arrivedAt: number): CacheUse | null {
    const newTokenizer = isNewGenerationModel(model);
    // The output schema is part of what the model sees before the system prompt: changing it misses the cache.
    const entries = cachedPrefixes(body)
      .filter((prefix) => estimateTokens(prefix.chars, newTokenizer) >= MIN_CACHE_TOKENS)
      .map((prefix) => ({
        key: shortId("cache", model, JSON.stringify(schema), prefix.text),
        chars: prefix.chars,
        ttlMs: (prefix.ttlMs * (this.options.cacheTtlMs ?? 300_000)) / 300_000,
      }));
    if (entries.length === 0) return null;
    const hit = entries.filter((entry) => (this.cache.get(entry.key) ?? 0) > arrivedAt).pop();
    return { entries, hitChars: hit?.chars ?? 0 };
  }

  private answer(
    res: http.ServerResponse,
    record: RecordedRequest,
    input: {
      body: Record<string, unknown>;
      model: string;
      schema: Record<string, unknown> | null;
      text: string;
      systemText: string;
      fault: SimFault | null;
      cache: CacheUse | null;
      /** `sim:echo`: the request's API key, quoted by the answer. */
      echo: string | null;
    },
  ): void {
    const { body, model, schema, text, fault } = input;
    const newTokenizer = isNewGenerationModel(model);
    const seed = this.options.seed ?? "";
    const key = shortId(seed, model, JSON.stringify(body["system"] ?? null), JSON.stringify(body["messages"]), JSON.stringify(schema));
    const hidden = [model.toLowerCase(), ...model.toLowerCase().split("-").filter((part) => part.length >= 4)];
    const userText = lastUserText(body["messages"]);
    const directives = parseDirectives(text);
    const maxTokens = Number(body["max_tokens"]);

    const noise = this.options.judgeNoise;
    let answerText: string;
    let stopReason = "end_turn";
    let toolUse: { type: "tool_use"; id: string; name: string; input: { path: string } | { name: string } } | null = null;
    const tool = schema ? null : toolTurn(body, input.systemText);
    // Trigger evaluation (src/sim/triggers.ts): the Skill tool offered, the query decides which skill, if any.
    const trigger = schema || tool ? null : skillChoice(body, input.systemText, firstUserText(body["messages"]), seed);
    if (trigger && fault !== "refusal") {
      answerText = trigger.name === null ? "I can answer this directly." : `I'll use the ${trigger.name} skill.`;
      if (trigger.name !== null) {
        stopReason = "tool_use";
        toolUse = { type: "tool_use", id: `toolu_sim_${shortId("skill", key)}`, name: SKILL_TOOL, input: { name: trigger.name } };
      }
    } else if (tool?.kind === "refuse") {
      answerText = "";
      stopReason = "refusal";
    } else if (tool?.kind === "read") {
      answerText = `Reading ${tool.path} first.`;
      stopReason = "tool_use";
      toolUse = { type: "tool_use", id: `toolu_sim_${shortId("tool", key)}`, name: "read_file", input: { path: tool.path } };
    } else if (fault === "refusal") {
      answerText = "";
      stopReason = "refusal";
    } else if (schema) {
      const noiseKey = noise ? this.judgementKey(noise, key) : null;
      const choice = pairwiseChoice(
        text,
        directives,
        noise && noiseKey ? (side) => noise.sd * gaussianOf("pairwise", noiseKey, side) : null,
      );
      const structured = structuredAnswer(schema, {
        key,
        choice,
        center:
          scoreCenter(directives, model, key) +
          selfPreferenceBonus(directives, model, text) +
          (this.options.judgeOffset ?? 0) -
          controlPenalty(text),
        noise: noise && noiseKey ? { sd: noise.sd, key: noiseKey } : null,
        hasExpected: /<(expected|reference)_answer>/.test(text),
        outOfRange: fault === "out-of-range",
        expectations: expectationsOf(text),
        words: wordsOf(userText || text, hidden),
        echo: input.echo,
      });
      answerText = JSON.stringify(structured);
      if (fault === "invalid-json") {
        const quoted = input.echo ? ` (key ${input.echo})` : "";
        answerText = `Here is my assessment${quoted}: ${answerText.slice(0, Math.ceil(answerText.length / 2))}`;
      }
    } else {
      const user = tool ? firstUserText(body["messages"]) : userText;
      answerText = freeTextAnswer({ key, user, system: input.systemText, hidden });
      if (tool?.kind === "answer" && tool.read.length > 0) {
        answerText += ` Based on ${tool.read.join(", ")}.${tool.markers.length > 0 ? ` [${tool.markers.join(" ")}]` : ""}`;
      }
      const quality = noise ? trueQuality(directives, model, userText, noise.seed ?? "") : qualityForGeneration(directives, model);
      // Carries the directed quality into the judge's request, whatever else the judge is shown.
      if (quality !== null) answerText += ` sim:output-quality=${quality}`;
      if (isBareRequest(body, input.systemText)) answerText += ` ${NO_SKILL_MARKER}`;
      if (directives.selfIdentify) answerText += selfIdentification(model);
      if (input.echo) answerText += ` The API key I was called with is ${input.echo}.`;
    }

    let outputTokens = estimateTokens(answerText.length, newTokenizer);
    if (stopReason !== "refusal" && stopReason !== "tool_use" && (fault === "max-tokens" || outputTokens > maxTokens)) {
      // The model stops mid-answer: half of it for the injected fault, else what max_tokens leaves room for.
      const keep = fault === "max-tokens" ? Math.ceil(answerText.length / 2) : Math.floor((maxTokens * 4) / (newTokenizer ? 1.3 : 1));
      answerText = answerText.slice(0, Math.min(keep, answerText.length - 1));
      outputTokens = maxTokens;
      stopReason = "max_tokens";
    }

    const totalInput = estimateTokens(inputChars(body), newTokenizer);
    let inputTokens = totalInput;
    let cacheCreation = 0;
    let cacheRead = 0;
    if (input.cache !== null) {
      const last = input.cache.entries[input.cache.entries.length - 1];
      const prefixTokens = estimateTokens(last?.chars ?? 0, newTokenizer);
      cacheRead = input.cache.hitChars > 0 ? estimateTokens(input.cache.hitChars, newTokenizer) : 0;
      cacheCreation = Math.max(0, prefixTokens - cacheRead);
      inputTokens = Math.max(0, totalInput - prefixTokens);
      const now = this.cacheNow();
      for (const entry of input.cache.entries) this.cache.set(entry.key, Math.max(this.cache.get(entry.key) ?? 0, now + entry.ttlMs));
    }

    const message = {
      id: `msg_sim_${shortId("message", key, String(this.counter), String(Date.now()))}`,
      type: "message",
      role: "assistant",
      model,
      content: [...(answerText === "" ? [] : [{ type: "text", text: answerText }]), ...(toolUse ? [toolUse] : [])],
      stop_reason: stopReason,
      stop_sequence: null,
      usage: {
        input_tokens: inputTokens,
        output_tokens: stopReason === "refusal" ? 0 : outputTokens,
        cache_creation_input_tokens: cacheCreation,
        cache_read_input_tokens: cacheRead,
      },
    };
    this.send(res, record, 200, message, this.rateLimitHeaders(totalInput + outputTokens));
  }
}

/** The key a request authenticated with: x-api-key, else an Authorization bearer token. */
function apiKeyOf(req: http.IncomingMessage): string | null {
  const header = req.headers["x-api-key"];
  if (typeof header === "string" && header !== "") return header;
  const bearer = /^Bearer\s+(.+)$/i.exec(req.headers["authorization"] ?? "");
  return bearer?.[1] ?? null;
}

export async function startSimServer(options: SimOptions = {}): Promise<SimServer> {
  const sim = new Sim(options);
  await sim.listen();
  return sim;
}
