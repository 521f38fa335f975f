import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createModelClient, type ClientOptions, type RetryInfo } from "../src/anthropic.js";
import { ModelCallError } from "../src/errors.js";
import { MAX_BACKOFF_MS, backoffMs, classifyFailure, retryAfterMs, withRetries } from "../src/retry.js";
import { startSimServer, type SimServer } from "../src/sim/server.js";
import type { CallRequest } from "../src/types.js";

const API_KEY = "sk-ant-test-SECRET-9f8e7d6c5b4a";

const SCHEMA = {
  type: "object",
  properties: { quality: { type: "integer" }, notes: { type: "string" } },
  required: ["quality", "notes"],
  additionalProperties: false,
};

function request(overrides: Partial<CallRequest> = {}): CallRequest {
  return {
    model: "claude-haiku-4-5",
    system: "You summarise support threads in three bullet points.",
    user: "Customer reports the export button does nothing on Safari.",
    maxTokens: 400,
    ...overrides,
  };
}

/** A client whose waits are recorded instead of slept, on a clock that only the waits move; no jitter. */
function recordingClient(sim: SimServer, overrides: Partial<ClientOptions> = {}) {
  const delays: number[] = [];
  const retries: RetryInfo[] = [];
  const clock = { now: 0 };
  const client = createModelClient({
    apiKey: API_KEY,
    baseUrl: sim.url,
    maxRetries: 3,
    timeoutMs: 10_000,
    sleep: async (ms) => {
      delays.push(ms);
      clock.now += ms;
    },
    now: () => clock.now,
    random: () => 0,
    onRetry: (info) => retries.push(info),
    ...overrides,
  });
  return { client, delays, retries, clock };
}

async function failure(promise: Promise<unknown>): Promise<ModelCallError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ModelCallError);
  return error as ModelCallError;
}

describe("model client against the simulated API", () => {
  let sim: SimServer;

  beforeAll(async () => {
    sim = await startSimServer({ latencyMs: [1, 5] });
  });
  afterAll(async () => {
    await sim.close();
  });
  afterEach(() => {
    sim.reset();
  });

  it("returns text, stop reason, usage and attempts of a successful call", async () => {
    const { client, delays } = recordingClient(sim);
    const result = await client.call(request());
    expect(result.text.length).toBeGreaterThan(0);
    expect(result.stopReason).toBe("end_turn");
    expect(result.attempts).toBe(1);
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
    const sent = request();
    expect(result.usage).toEqual({
      inputTokens: Math.ceil((sent.system.length + sent.user.length) / 4),
      outputTokens: Math.ceil(result.text.length / 4),
      cacheCreationInputTokens: 0,
      cacheReadInputTokens: 0,
    });
    expect(delays).toEqual([]);
    expect(sim.requests).toHaveLength(1);
  });

  it("sends a plain system string, one user message and no sampling or thinking by default", async () => {
    const { client } = recordingClient(sim);
    await client.call(request({ model: "claude-opus-4-8" }));
    const body = sim.requests[0]?.body ?? {};
    expect(body["model"]).toBe("claude-opus-4-8");
    expect(body["max_tokens"]).toBe(400);
    expect(body["system"]).toBe(request().system);
    expect(body["messages"]).toEqual([{ role: "user", content: request().user }]);
    for (const param of ["temperature", "top_p", "top_k", "thinking", "output_config"]) expect(body).not.toHaveProperty(param);
  });

  it("sends configured sampling parameters, and only those", async () => {
    const { client } = recordingClient(sim);
    await client.call(request({ sampling: { temperature: 0.3 } }));
    const body = sim.requests[0]?.body ?? {};
    expect(body["temperature"]).toBe(0.3);
    expect(body).not.toHaveProperty("top_p");
    expect(body).not.toHaveProperty("top_k");
  });

  it("a sampling parameter configured for a model that rejects it fails once as an invalid request", async () => {
    const { client, delays } = recordingClient(sim);
    const error = await failure(client.call(request({ model: "claude-sonnet-5", sampling: { top_k: 10 } })));
    expect(error.kind).toBe("invalid-request");
    expect(error.status).toBe(400);
    expect(error.message).toContain("top_k");
    expect(sim.requests).toHaveLength(1);
    expect(delays).toEqual([]);
  });

  it("sends output_config for structured requests and a cache breakpoint when asked", async () => {
    const { client } = recordingClient(sim);
    const result = await client.call(request({ outputSchema: SCHEMA, cacheSystem: true }));
    const body = sim.requests[0]?.body ?? {};
    expect(body["output_config"]).toEqual({ format: { type: "json_schema", schema: SCHEMA } });
    expect(body["system"]).toEqual([{ type: "text", text: request().system, cache_control: { type: "ephemeral" } }]);
    const parsed = JSON.parse(result.text) as { quality: number; notes: string };
    expect(Number.isInteger(parsed.quality)).toBe(true);
    expect(typeof parsed.notes).toBe("string");
  });

  it("maps prompt-cache usage from the API", async () => {
    const { client } = recordingClient(sim);
    const skill = "Always answer in the house style, citing the ticket. ".repeat(90);
    const first = await client.call(request({ system: skill, cacheSystem: true }));
    const second = await client.call(request({ system: skill, cacheSystem: true, user: "Another ticket." }));
    expect(first.usage.cacheCreationInputTokens).toBe(Math.ceil(skill.length / 4));
    expect(first.usage.cacheReadInputTokens).toBe(0);
    expect(second.usage.cacheReadInputTokens).toBe(Math.ceil(skill.length / 4));
    expect(second.usage.inputTokens).toBe(Math.ceil((skill.length + "Another ticket.".length) / 4) - Math.ceil(skill.length / 4));
  });

  it("a refusal is a failed generation with its partial text, not retried", async () => {
    sim.addFault({ fault: "refusal" });
    const { client, delays } = recordingClient(sim);
    const error = await failure(client.call(request()));
    expect(error.kind).toBe("refusal");
    expect(error.message).toBe("the model refused to answer (stop_reason refusal)");
    expect(error.partialText).toBe("");
    expect(error.attempts).toBe(1);
    expect(sim.requests).toHaveLength(1);
    expect(delays).toEqual([]);
  });

  it("a truncated answer fails with the partial text and the max_tokens it hit", async () => {
    const { client } = recordingClient(sim);
    const error = await failure(client.call(request({ maxTokens: 6 })));
    expect(error.kind).toBe("truncated");
    expect(error.message).toContain("max_tokens (6)");
    expect(error.message).toContain("max-tokens");
    expect(error.partialText?.length ?? 0).toBeGreaterThan(0);
    expect(sim.requests).toHaveLength(1);
  });

  it("a 429 with retry-after waits that long and retries", async () => {
    sim.addFault({ fault: "429", retryAfterSeconds: 1 });
    const { client, delays, retries } = recordingClient(sim);
    const result = await client.call(request());
    expect(result.attempts).toBe(2);
    expect(delays).toEqual([1000]);
    expect(retries).toHaveLength(1);
    expect(retries[0]).toMatchObject({ model: "claude-haiku-4-5", attempt: 1, delayMs: 1000 });
    expect(retries[0]?.reason).toContain("429");
    expect(retries[0]?.reason).toContain("rate_limit_error");
    expect(sim.requests.map((r) => r.status)).toEqual([429, 200]);
  });

  it("caps a long retry-after at 60 seconds", async () => {
    sim.addFault({ fault: "429", retryAfterSeconds: 3600 });
    const { client, delays } = recordingClient(sim);
    await client.call(request());
    expect(delays).toEqual([60_000]);
  });

  it("429s do not use up max-retries: a call retries them until it gets through", async () => {
    sim.addFault({ fault: "429", retryAfterSeconds: 2, times: 6 });
    const { client, delays } = recordingClient(sim, { maxRetries: 1 });
    const result = await client.call(request());
    expect(result.attempts).toBe(7);
    expect(delays).toEqual([2000, 2000, 2000, 2000, 2000, 2000]);
    expect(sim.requests.map((r) => r.status)).toEqual([429, 429, 429, 429, 429, 429, 200]);
  });

  it("429s spend a time budget instead: past it the call fails as rate limited, naming the setting", async () => {
    sim.addFault({ fault: "429", retryAfterSeconds: 10, times: Infinity });
    const { client, delays } = recordingClient(sim, { maxRetries: 1, rateLimitBudgetMs: 35_000 });
    const error = await failure(client.call(request()));
    expect(error.kind).toBe("rate-limit");
    expect(error.status).toBe(429);
    expect(error.message).toContain("rate-limit-budget-seconds");
    // Waits of 10 s from the first 429: at 0, 10, 20, 30 s still within 35 s; the 429 at 40 s ends it.
    expect(delays).toEqual([10_000, 10_000, 10_000, 10_000]);
    expect(sim.requests).toHaveLength(5);
  });

  it("other failures still count: a 500 after 429s is retried at most maxRetries times", async () => {
    sim.addFault({ fault: "429", retryAfterSeconds: 1, times: 2 });
    sim.addFault({ fault: "500", times: Infinity });
    const { client } = recordingClient(sim, { maxRetries: 2 });
    const error = await failure(client.call(request()));
    expect(error.kind).toBe("server");
    expect(sim.requests.map((r) => r.status)).toEqual([429, 429, 500, 500, 500]);
  });

  it("a spend-cap 429 (no retry-after) is not retried and says why", async () => {
    sim.addFault({ fault: "429-spend-cap", times: Infinity });
    const { client, delays } = recordingClient(sim);
    const error = await failure(client.call(request()));
    expect(error.kind).toBe("spend-cap");
    expect(error.status).toBe(429);
    expect(error.message).toContain("spend limit");
    expect(error.message).toContain("will not clear by retrying");
    expect(error.message).toMatch(/request-id req_/);
    expect(sim.requests).toHaveLength(1);
    expect(delays).toEqual([]);
  });

  it("529 overloaded is retried with exponential backoff and full jitter, then succeeds", async () => {
    sim.addFault({ fault: "529", times: 2 });
    const { client, delays, retries } = recordingClient(sim);
    const result = await client.call(request());
    expect(result.attempts).toBe(3);
    expect(sim.requests.map((r) => r.status)).toEqual([529, 529, 200]);
    expect(delays).toHaveLength(2);
    expect(delays[0]).toBeGreaterThanOrEqual(0);
    expect(delays[0]).toBeLessThan(500);
    expect(delays[1]).toBeGreaterThanOrEqual(0);
    expect(delays[1]).toBeLessThan(1000);
    expect(retries.map((r) => r.attempt)).toEqual([1, 2]);
    expect(retries[0]?.reason).toContain("overloaded_error");
  });

  it("500 on every attempt fails after exactly maxRetries + 1 requests", async () => {
    for (const maxRetries of [0, 2]) {
      sim.reset();
      sim.addFault({ fault: "500", times: Infinity });
      const { client, delays } = recordingClient(sim, { maxRetries });
      const error = await failure(client.call(request()));
      expect(error.kind).toBe("server");
      expect(error.status).toBe(500);
      expect(error.attempts).toBe(maxRetries + 1);
      expect(error.message).toContain("HTTP 500 api_error");
      expect(error.message).toContain(`${maxRetries + 1} attempt`);
      expect(error.message).toMatch(/request-id req_/);
      expect(sim.requests).toHaveLength(maxRetries + 1);
      expect(delays).toHaveLength(maxRetries);
    }
  });

  it("a model that does not exist is not retried", async () => {
    const { client, delays } = recordingClient(sim);
    const error = await failure(client.call(request({ model: "claude-does-not-exist-7" })));
    expect(error.kind).toBe("not-found");
    expect(error.status).toBe(404);
    expect(error.message).toContain("claude-does-not-exist-7");
    expect(error.message).toContain("not_found_error");
    expect(sim.requests).toHaveLength(1);
    expect(delays).toEqual([]);
  });

  it("never puts the API key into error messages or retry reasons", async () => {
    const { client, retries } = recordingClient(sim, { maxRetries: 1 });
    const messages: string[] = [];
    sim.addFault({ fault: "500", times: Infinity });
    messages.push((await failure(client.call(request()))).message);
    sim.reset();
    sim.addFault({ fault: "429-spend-cap" });
    messages.push((await failure(client.call(request()))).message);
    messages.push((await failure(client.call(request({ model: "claude-does-not-exist" })))).message);
    messages.push((await failure(client.call(request({ model: "claude-opus-4-8", sampling: { temperature: 1 } })))).message);
    expect(messages).toHaveLength(4);
    for (const text of [...messages, ...retries.map((r) => r.reason)]) {
      expect(text.length).toBeGreaterThan(0);
      expect(text).not.toContain(API_KEY);
      expect(text).not.toContain("SECRET");
    }
  });
});

describe("model client failures without an answer", () => {
  it("a connection refused is retried and then reported as a connection error", async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const delays: number[] = [];
    const client = createModelClient({
      apiKey: API_KEY,
      baseUrl: `http://127.0.0.1:${port}`,
      maxRetries: 2,
      timeoutMs: 5_000,
      sleep: async (ms) => {
        delays.push(ms);
      },
    });
    const error = await failure(client.call(request()));
    expect(error.kind).toBe("connection");
    expect(error.attempts).toBe(3);
    expect(error.message).toContain(`127.0.0.1:${port}`);
    expect(error.message).not.toContain(API_KEY);
    expect(delays).toHaveLength(2);
  });

  it("an answer slower than timeoutMs is retried and then reported as a timeout", async () => {
    const slow = await startSimServer({ latencyMs: 3_000 });
    try {
      const delays: number[] = [];
      const client = createModelClient({
        apiKey: API_KEY,
        baseUrl: slow.url,
        maxRetries: 1,
        timeoutMs: 200,
        sleep: async (ms) => {
          delays.push(ms);
        },
      });
      const error = await failure(client.call(request()));
      expect(error.kind).toBe("timeout");
      expect(error.attempts).toBe(2);
      expect(error.message).toContain("200 ms");
      expect(delays).toHaveLength(1);
      // Both attempts reached the server before the client gave up on them.
      const deadline = Date.now() + 5_000;
      while (slow.requests.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(slow.requests).toHaveLength(2);
    } finally {
      await slow.close();
    }
  });
});

describe("retry policy", () => {
  it.each([
    [400, null, "invalid-request", false],
    [401, null, "auth", false],
    [403, null, "auth", false],
    [404, null, "not-found", false],
    [413, null, "invalid-request", false],
    [408, null, "timeout", true],
    [409, null, "unknown", true],
    [429, { "retry-after": "2" }, "rate-limit", true],
    [429, { "retry-after-ms": "250" }, "rate-limit", true],
    [429, null, "spend-cap", false],
    [500, null, "server", true],
    [502, null, "server", true],
    [503, null, "server", true],
    [504, null, "timeout", true],
    [529, null, "overloaded", true],
    [529, { "x-should-retry": "false" }, "overloaded", false],
    [501, null, "server", false],
  ] as const)("HTTP %i with %j is %s (retry: %s)", (status, headers, kind, retry) => {
    const verdict = classifyFailure({ status, headers: headers ? new Headers(headers) : null, timedOut: false });
    expect(verdict.kind).toBe(kind);
    expect(verdict.retry).toBe(retry);
  });

  it("classifies failures without an answer as retryable connection errors or timeouts", () => {
    expect(classifyFailure({ status: null, headers: null, timedOut: false })).toEqual({ kind: "connection", retry: true, retryAfterMs: null });
    expect(classifyFailure({ status: null, headers: null, timedOut: true })).toEqual({ kind: "timeout", retry: true, retryAfterMs: null });
  });

  it("reads retry-after-ms, retry-after seconds and HTTP dates, and caps them at 60 s", () => {
    expect(retryAfterMs(new Headers({ "retry-after-ms": "1500", "retry-after": "9" }))).toBe(1500);
    expect(retryAfterMs(new Headers({ "retry-after": "2.5" }))).toBe(2500);
    const now = Date.parse("2026-11-01T00:00:00Z");
    expect(retryAfterMs(new Headers({ "retry-after": "Sun, 01 Nov 2026 00:00:30 GMT" }), now)).toBe(30_000);
    expect(retryAfterMs(new Headers({ "retry-after": "soon" }))).toBeNull();
    expect(retryAfterMs(new Headers())).toBeNull();
    expect(classifyFailure({ status: 429, headers: new Headers({ "retry-after": "600" }), timedOut: false }).retryAfterMs).toBe(60_000);
  });

  it("backs off exponentially up to 8 s with full jitter", () => {
    const nearlyOne = () => 0.999999;
    const ceilings = [0, 1, 2, 3, 4, 5, 8].map((n) => backoffMs(n, nearlyOne));
    expect(ceilings).toEqual([499, 999, 1999, 3999, 7999, 7999, 7999]);
    expect(backoffMs(3, () => 0)).toBe(0);
    expect(backoffMs(2, () => 0.5)).toBe(1000);
    expect(MAX_BACKOFF_MS).toBe(8000);
  });

  it("withRetries stops at the first non-retryable failure and reports attempts", async () => {
    let calls = 0;
    const delays: number[] = [];
    const outcome = withRetries(
      async (n) => {
        calls += 1;
        throw new Error(n < 2 ? "transient" : "permanent");
      },
      {
        maxRetries: 5,
        decide: (error) => ({ retry: (error as Error).message === "transient", retryAfterMs: 7, reason: "r" }),
        giveUp: (error, attempts) => new Error(`${(error as Error).message} after ${attempts}`),
        sleep: async (ms) => {
          delays.push(ms);
        },
      },
    );
    await expect(outcome).rejects.toThrow("permanent after 2");
    expect(calls).toBe(2);
    expect(delays).toEqual([7]);
  });
});
