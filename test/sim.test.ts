import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { Ajv } from "ajv";
import Anthropic, { BadRequestError } from "@anthropic-ai/sdk";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startSimServer, type SimServer } from "../src/sim/server.js";

const API_KEY = "sk-sim-test-key-0123456789abcdef";
const ROOT = fileURLToPath(new URL("..", import.meta.url));

interface ApiMessage {
  id: string;
  type: string;
  role: string;
  model: string;
  content: { type: string; text: string }[];
  stop_reason: string;
  stop_sequence: null;
  usage: {
    input_tokens: number;
    output_tokens: number;
    cache_creation_input_tokens: number;
    cache_read_input_tokens: number;
  };
}

async function post(
  sim: SimServer,
  body: unknown,
  headers: Record<string, string> = { "x-api-key": API_KEY },
): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }> {
  const response = await fetch(`${sim.url}/v1/messages`, {
    method: "POST",
    headers: { "content-type": "application/json", "anthropic-version": "2023-06-01", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, headers: response.headers, json: (await response.json()) as Record<string, unknown> };
}

function asMessage(json: Record<string, unknown>): ApiMessage {
  return json as unknown as ApiMessage;
}

function textRequest(model: string, user: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { model, max_tokens: 512, messages: [{ role: "user", content: user }], ...extra };
}

const JUDGE_SCHEMA = {
  type: "object",
  properties: {
    reasoning: { type: "string" },
    quality: { type: "integer" },
    faithfulness: { type: "integer" },
    relevancy: { type: "number" },
    verdict: { type: "string", enum: ["yes", "no", "no_reference"] },
    matchesExpected: { type: ["boolean", "null"] },
    tags: { type: "array", items: { type: "string" } },
    detail: {
      type: "object",
      properties: { confident: { type: "boolean" }, note: { type: "string" } },
      required: ["confident", "note"],
      additionalProperties: false,
    },
  },
  required: ["reasoning", "quality", "faithfulness", "relevancy", "verdict", "matchesExpected", "tags", "detail"],
  additionalProperties: false,
} as const;

function judgeRequest(model: string, user: string, system = "You grade answers."): Record<string, unknown> {
  return {
    model,
    max_tokens: 1024,
    system,
    messages: [{ role: "user", content: user }],
    output_config: { format: { type: "json_schema", schema: JUDGE_SCHEMA } },
  };
}

interface JudgeJson {
  quality: number;
  faithfulness: number;
  relevancy: number;
  verdict: string;
  matchesExpected: boolean | null;
}

function parseAnswer(json: Record<string, unknown>): JudgeJson {
  const text = asMessage(json).content[0]?.text;
  expect(typeof text).toBe("string");
  return JSON.parse(text ?? "") as JudgeJson;
}

describe("simulated Messages API", () => {
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

  it("listens on 127.0.0.1 and answers with the real message shape and headers", async () => {
    expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const { status, headers, json } = await post(sim, textRequest("claude-haiku-4-5", "Summarise the release notes for version two."));
    expect(status).toBe(200);
    const message = asMessage(json);
    expect(message.id).toMatch(/^msg_/);
    expect(message.type).toBe("message");
    expect(message.role).toBe("assistant");
    expect(message.model).toBe("claude-haiku-4-5");
    expect(message.stop_reason).toBe("end_turn");
    expect(message.stop_sequence).toBeNull();
    expect(message.content).toHaveLength(1);
    expect(message.content[0]?.type).toBe("text");
    expect(Object.keys(message.usage).sort()).toEqual(
      ["cache_creation_input_tokens", "cache_read_input_tokens", "input_tokens", "output_tokens"].sort(),
    );
    expect(headers.get("request-id")).toMatch(/^req_/);
    expect(Number(headers.get("anthropic-ratelimit-requests-remaining"))).toBeLessThan(
      Number(headers.get("anthropic-ratelimit-requests-limit")),
    );
    expect(headers.get("anthropic-ratelimit-tokens-reset")).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(sim.requests).toHaveLength(1);
    expect(sim.requests[0]).toMatchObject({ model: "claude-haiku-4-5", kind: "generate", status: 200 });
  });

  it("answers unknown paths with a 404 in the API's error shape", async () => {
    const response = await fetch(`${sim.url}/v1/models`, { signal: AbortSignal.timeout(10_000) });
    expect(response.status).toBe(404);
    expect(response.headers.get("request-id")).toMatch(/^req_/);
    const json = (await response.json()) as { type: string; error: { type: string; message: string } };
    expect(json.type).toBe("error");
    expect(json.error.type).toBe("not_found_error");
    expect(json.error.message).toContain("/v1/models");
  });

  it("free-text answers are short, deterministic, quote the input and never name the model", async () => {
    const user = "Explain how the nightly reconciliation job handles duplicated invoices from the warehouse.";
    for (const model of ["claude-haiku-4-5", "claude-sonnet-5", "claude-opus-4-8"]) {
      const first = asMessage((await post(sim, textRequest(model, user))).json);
      const again = asMessage((await post(sim, textRequest(model, user))).json);
      const text = first.content[0]?.text ?? "";
      expect(text).toBe(again.content[0]?.text);
      expect(text.length).toBeGreaterThan(20);
      expect(text.length).toBeLessThan(400);
      expect(text.toLowerCase()).not.toContain(model);
      expect(text.toLowerCase()).not.toMatch(/claude|haiku|sonnet|opus/);
      const quoted = ["nightly", "reconciliation", "handles", "duplicated", "invoices", "warehouse", "Explain"].filter((w) => text.includes(w));
      expect(quoted.length).toBeGreaterThan(0);
    }
    const otherSeed = await startSimServer({ latencyMs: 0, seed: "another" });
    try {
      const a = asMessage((await post(sim, textRequest("claude-haiku-4-5", user))).json).content[0]?.text;
      const b = asMessage((await post(otherSeed, textRequest("claude-haiku-4-5", user))).json).content[0]?.text;
      expect(a).not.toBe(b);
    } finally {
      await otherSeed.close();
    }
  });

  it("counts input tokens from the text, 30% more for newer-tokenizer models", async () => {
    const system = "You are a careful assistant. ".repeat(10);
    const user = "Count these words please, all of them. ".repeat(7);
    const chars = system.length + user.length;
    const older = asMessage((await post(sim, textRequest("claude-haiku-4-5", user, { system }))).json);
    const newer = asMessage((await post(sim, textRequest("claude-opus-4-8", user, { system }))).json);
    expect(older.usage.input_tokens).toBe(Math.ceil(chars / 4));
    expect(newer.usage.input_tokens).toBe(Math.ceil((chars * 1.3) / 4));
    expect(older.usage.output_tokens).toBe(Math.ceil((older.content[0]?.text.length ?? 0) / 4));
    expect(older.usage.cache_creation_input_tokens).toBe(0);
    expect(older.usage.cache_read_input_tokens).toBe(0);
  });

  it("writes the prompt cache on the first request with a long cached prefix and reads it afterwards", async () => {
    const skill = "Follow the house style for summaries, in order. ".repeat(100); // ~4800 chars, ~1200 tokens
    const system = [{ type: "text", text: skill, cache_control: { type: "ephemeral" } }];
    const prefixTokens = Math.ceil(skill.length / 4);
    const first = asMessage((await post(sim, textRequest("claude-sonnet-4-6", "First input.", { system }))).json);
    const second = asMessage((await post(sim, textRequest("claude-sonnet-4-6", "Second, longer input.", { system }))).json);
    expect(first.usage.cache_creation_input_tokens).toBe(prefixTokens);
    expect(first.usage.cache_read_input_tokens).toBe(0);
    expect(second.usage.cache_creation_input_tokens).toBe(0);
    expect(second.usage.cache_read_input_tokens).toBe(prefixTokens);
    expect(second.usage.input_tokens).toBe(Math.ceil((skill.length + "Second, longer input.".length) / 4) - prefixTokens);
    // Another model has its own cache.
    const other = asMessage((await post(sim, textRequest("claude-haiku-4-5", "First input.", { system }))).json);
    expect(other.usage.cache_creation_input_tokens).toBe(prefixTokens);
    // A short prefix is silently not cached; reset() forgets the cache.
    const short = [{ type: "text", text: "Short skill.", cache_control: { type: "ephemeral" } }];
    for (let i = 0; i < 2; i++) {
      const answer = asMessage((await post(sim, textRequest("claude-sonnet-4-6", "x", { system: short }))).json);
      expect(answer.usage.cache_creation_input_tokens + answer.usage.cache_read_input_tokens).toBe(0);
    }
    sim.reset();
    const afterReset = asMessage((await post(sim, textRequest("claude-sonnet-4-6", "First input.", { system }))).json);
    expect(afterReset.usage.cache_creation_input_tokens).toBe(prefixTokens);
  });

  it("cache entries live on the injected cache clock, not on wall time", async () => {
    // A logical clock: a loaded machine that serves requests slowly must not expire entries a real run would keep.
    let now = 0;
    const clocked = await startSimServer({ latencyMs: 0, cacheTtlMs: 1_000, cacheClock: () => now });
    try {
      const skill = "Follow the house style for summaries, in order. ".repeat(100);
      const system = [{ type: "text", text: skill, cache_control: { type: "ephemeral" } }];
      const prefixTokens = Math.ceil(skill.length / 4);
      const ask = async (user: string) => asMessage((await post(clocked, textRequest("claude-sonnet-4-6", user, { system }))).json).usage;
      expect((await ask("First.")).cache_creation_input_tokens).toBe(prefixTokens);
      now = 999;
      expect((await ask("Second.")).cache_read_input_tokens).toBe(prefixTokens);
      // The read refreshed the entry to 999 + 1000; past that it is gone, however little wall time went by.
      now = 2_000;
      const third = await ask("Third.");
      expect(third.cache_read_input_tokens).toBe(0);
      expect(third.cache_creation_input_tokens).toBe(prefixTokens);
    } finally {
      await clocked.close();
    }
  });

  it("structured answers satisfy the request's own schema", async () => {
    const validate = new Ajv({ strict: false }).compile(JUDGE_SCHEMA);
    for (const input of ["Grade this: the sky is green.", "Grade this: <expected_answer>blue</expected_answer> blue"]) {
      const { status, json } = await post(sim, judgeRequest("claude-opus-4-8", input));
      expect(status).toBe(200);
      const answer = parseAnswer(json);
      expect(validate(answer), JSON.stringify(validate.errors)).toBe(true);
      for (const value of [answer.quality, answer.faithfulness, answer.relevancy]) {
        expect(value).toBeGreaterThanOrEqual(0);
        expect(value).toBeLessThanOrEqual(100);
      }
    }
    expect(sim.requests.map((r) => r.kind)).toEqual(["judge", "judge"]);
  });

  it("nullable verdicts are null without an expected answer and follow the scores with one", async () => {
    const without = parseAnswer((await post(sim, judgeRequest("claude-opus-4-8", "No reference here. sim:quality=80"))).json);
    expect(without.matchesExpected).toBeNull();
    expect(without.verdict).toBe("no_reference");
    const good = parseAnswer(
      (await post(sim, judgeRequest("claude-opus-4-8", "<expected_answer>4</expected_answer> sim:quality=85"))).json,
    );
    expect(good.matchesExpected).toBe(true);
    expect(good.verdict).toBe("yes");
    const bad = parseAnswer(
      (await post(sim, judgeRequest("claude-opus-4-8", "<reference_answer>4</reference_answer> sim:quality=20"))).json,
    );
    expect(bad.matchesExpected).toBe(false);
    expect(bad.verdict).toBe("no");
  });

  it("sim:quality=NN centres every score on NN, each field with its own jitter", async () => {
    for (const center of [25, 50, 90]) {
      const fields = new Set<number>();
      for (let i = 0; i < 4; i++) {
        const answer = parseAnswer((await post(sim, judgeRequest("claude-opus-4-8", `Case ${i}. sim:quality=${center}`))).json);
        for (const value of [answer.quality, answer.faithfulness, answer.relevancy]) {
          expect(Math.abs(value - center)).toBeLessThanOrEqual(6);
          fields.add(value);
        }
      }
      expect(fields.size).toBeGreaterThan(1);
    }
  });

  it("without a directive scores centre on a hash-derived value in 60-90 and repeat exactly", async () => {
    for (let i = 0; i < 6; i++) {
      const request = judgeRequest("claude-opus-4-8", `Plain case number ${i}.`);
      const a = parseAnswer((await post(sim, request)).json);
      const b = parseAnswer((await post(sim, request)).json);
      expect(a).toEqual(b);
      expect(a.quality).toBeGreaterThanOrEqual(54);
      expect(a.quality).toBeLessThanOrEqual(96);
    }
  });

  it("a per-model quality directive travels through the generated answer into the judgement", async () => {
    const system = "Skill text. sim:quality@claude-haiku-4-5=30 sim:quality@claude-sonnet-4-6=88";
    const haiku = asMessage((await post(sim, textRequest("claude-haiku-4-5", "Some input", { system }))).json);
    const sonnet = asMessage((await post(sim, textRequest("claude-sonnet-4-6", "Some input", { system }))).json);
    const haikuText = haiku.content[0]?.text ?? "";
    expect(haikuText).toContain("sim:output-quality=30");
    expect(sonnet.content[0]?.text).toContain("sim:output-quality=88");
    const judged = parseAnswer(
      (await post(sim, judgeRequest("claude-opus-4-8", `<skill>${system}</skill><assistant_output>${haikuText}</assistant_output>`))).json,
    );
    expect(Math.abs(judged.quality - 30)).toBeLessThanOrEqual(6);
  });

  it.each([
    ["claude-opus-4-8", { temperature: 0.2 }, 400],
    ["claude-opus-4-7", { top_p: 0.9 }, 400],
    ["claude-fable-5", { top_k: 5 }, 400],
    ["claude-sonnet-5", { temperature: 1 }, 400],
    ["claude-haiku-5-5", { temperature: 1 }, 400],
    ["claude-opus-5", { thinking: { type: "enabled", budget_tokens: 2000 } }, 400],
    ["claude-fable-5", { thinking: { type: "disabled" } }, 400],
    ["claude-sonnet-5", { thinking: { type: "adaptive" } }, 200],
    ["claude-haiku-4-5", { temperature: 0.2, top_p: 0.9 }, 200],
    ["claude-sonnet-4-5-20250929", { top_k: 5, thinking: { type: "enabled", budget_tokens: 2000 } }, 200],
    ["claude-opus-4-6", { temperature: 0 }, 200],
  ])("%s with %j answers %i", async (model, extra, expected) => {
    const { status, json } = await post(sim, textRequest(model, "Hello there", extra));
    expect(status).toBe(expected);
    if (expected === 400) {
      expect(json).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
    }
  });

  it("the real SDK surfaces the sampling rejection as a BadRequestError", async () => {
    const client = new Anthropic({ apiKey: API_KEY, baseURL: sim.url, maxRetries: 0, timeout: 10_000 });
    const params = { model: "claude-opus-4-8", max_tokens: 64, temperature: 0.5, messages: [{ role: "user" as const, content: "hi" }] };
    const error = await client.messages.create(params).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).type).toBe("invalid_request_error");
    expect((error as BadRequestError).requestID).toMatch(/^req_/);
  });

  it.each([
    ["missing model", { max_tokens: 10, messages: [{ role: "user", content: "x" }] }, 400, "model"],
    ["missing max_tokens", { model: "claude-haiku-4-5", messages: [{ role: "user", content: "x" }] }, 400, "max_tokens"],
    ["missing messages", { model: "claude-haiku-4-5", max_tokens: 10 }, 400, "messages"],
    ["empty messages", { model: "claude-haiku-4-5", max_tokens: 10, messages: [] }, 400, "messages"],
    [
      "object schema without additionalProperties:false",
      {
        ...textRequest("claude-haiku-4-5", "x"),
        output_config: { format: { type: "json_schema", schema: { type: "object", properties: { a: { type: "object", properties: {}, additionalProperties: false } } } } },
      },
      400,
      "additionalProperties",
    ],
    [
      "nested object schema without additionalProperties:false",
      {
        ...textRequest("claude-haiku-4-5", "x"),
        output_config: {
          format: { type: "json_schema", schema: { type: "object", properties: { a: { type: "object", properties: {} } }, additionalProperties: false } },
        },
      },
      400,
      "properties.a",
    ],
    [
      "numeric range keywords",
      {
        ...textRequest("claude-haiku-4-5", "x"),
        output_config: {
          format: { type: "json_schema", schema: { type: "object", properties: { s: { type: "integer", maximum: 100 } }, additionalProperties: false } },
        },
      },
      400,
      "maximum",
    ],
    ["a model id that does not exist", textRequest("claude-does-not-exist-1", "x"), 404, "claude-does-not-exist-1"],
    ["an unknown but plausible model id", textRequest("claude-future-9", "x"), 200, ""],
    ["a body that is not JSON", "{not json", 400, "JSON"],
  ])("validates %s", async (_name, body, expected, mentions) => {
    const { status, json } = await post(sim, body);
    expect(status).toBe(expected);
    if (expected !== 200) {
      const error = json["error"] as { type: string; message: string };
      expect(error.type).toBe(expected === 404 ? "not_found_error" : "invalid_request_error");
      expect(error.message).toContain(mentions);
    }
  });

  it("asks for credentials and never records their values", async () => {
    const missing = await post(sim, textRequest("claude-haiku-4-5", "x"), {});
    expect(missing.status).toBe(401);
    expect(missing.json).toMatchObject({ error: { type: "authentication_error" } });
    const client = new Anthropic({ apiKey: API_KEY, baseURL: sim.url, maxRetries: 0, timeout: 10_000 });
    await client.messages.create({ model: "claude-haiku-4-5", max_tokens: 50, messages: [{ role: "user", content: "hi" }] });
    await post(sim, textRequest("claude-haiku-4-5", "x"));
    const recorded = sim.requests.slice(1);
    expect(recorded).toHaveLength(2);
    expect(recorded[0]?.headers["authorization"] ?? recorded[0]?.headers["x-api-key"]).toBe("[redacted]");
    expect(recorded[1]?.headers["x-api-key"]).toBe("[redacted]");
    expect(JSON.stringify(sim.requests)).not.toContain(API_KEY);
  });

  it("text directives inject faults on every matching request", async () => {
    const refusal = await post(sim, textRequest("claude-haiku-4-5", "Please do it. sim:fault=refusal"));
    expect(refusal.status).toBe(200);
    expect(asMessage(refusal.json).stop_reason).toBe("refusal");
    expect(asMessage(refusal.json).content).toEqual([]);

    for (let i = 0; i < 2; i++) {
      const failing = await post(sim, textRequest("claude-haiku-4-5", "x sim:fault=500"));
      expect(failing.status).toBe(500);
      expect(failing.json).toMatchObject({ type: "error", error: { type: "api_error" } });
    }
    // Scoped to a model: other models answer normally.
    const scoped = "x sim:fault@claude-sonnet-4-6=529";
    expect((await post(sim, textRequest("claude-sonnet-4-6", scoped))).status).toBe(529);
    expect((await post(sim, textRequest("claude-haiku-4-5", scoped))).status).toBe(200);
    // Scoped to judge requests: generation answers normally, the judgement is not JSON.
    const judgeOnly = "x sim:fault:judge=invalid-json";
    expect((await post(sim, textRequest("claude-haiku-4-5", judgeOnly))).status).toBe(200);
    const broken = await post(sim, judgeRequest("claude-opus-4-8", judgeOnly));
    expect(broken.status).toBe(200);
    expect(() => JSON.parse(asMessage(broken.json).content[0]?.text ?? "")).toThrow();
  });

  it("fault rules are consumed in order and only by matching requests", async () => {
    sim.addFault({ fault: "429", kind: "judge", retryAfterSeconds: 3 });
    sim.addFault({ fault: "529", model: "claude-sonnet-4-6", times: 2, retryAfterSeconds: 2 });
    sim.addFault({ fault: "429-spend-cap", contains: "budget" });
    sim.addFault({ fault: "400" });

    const generate = await post(sim, textRequest("claude-sonnet-4-6", "hello"));
    expect(generate.status).toBe(529);
    expect(generate.headers.get("retry-after")).toBe("2");
    expect(generate.json).toMatchObject({ error: { type: "overloaded_error" } });

    const judge = await post(sim, judgeRequest("claude-opus-4-8", "grade"));
    expect(judge.status).toBe(429);
    expect(judge.headers.get("retry-after")).toBe("3");
    expect(judge.json).toMatchObject({ error: { type: "rate_limit_error" } });

    const spend = await post(sim, textRequest("claude-haiku-4-5", "over budget"));
    expect(spend.status).toBe(429);
    expect(spend.headers.get("retry-after")).toBeNull();
    expect((spend.json["error"] as { message: string }).message).toMatch(/spend limit/);

    expect((await post(sim, textRequest("claude-sonnet-4-6", "hello"))).status).toBe(529);
    expect((await post(sim, textRequest("claude-haiku-4-5", "anything"))).status).toBe(400);
    // Every rule is used up now.
    expect((await post(sim, textRequest("claude-sonnet-4-6", "hello"))).status).toBe(200);
    expect(sim.requests.map((r) => r.status)).toEqual([529, 429, 429, 529, 400, 200]);
  });

  it("fault rules with times: Infinity keep failing until reset", async () => {
    sim.addFault({ fault: "500", times: Infinity });
    for (let i = 0; i < 3; i++) expect((await post(sim, textRequest("claude-haiku-4-5", "x"))).status).toBe(500);
    sim.reset();
    expect((await post(sim, textRequest("claude-haiku-4-5", "x"))).status).toBe(200);
  });

  it("truncates answers at max_tokens, by fault or because the answer does not fit", async () => {
    const request = judgeRequest("claude-opus-4-8", "grade it sim:fault=max-tokens");
    const faulted = asMessage((await post(sim, request)).json);
    expect(faulted.stop_reason).toBe("max_tokens");
    expect(faulted.usage.output_tokens).toBe(1024);
    expect(() => JSON.parse(faulted.content[0]?.text ?? "")).toThrow();

    const full = asMessage((await post(sim, textRequest("claude-haiku-4-5", "A long enough request about many things."))).json);
    const small = asMessage(
      (await post(sim, textRequest("claude-haiku-4-5", "A long enough request about many things.", { max_tokens: 5 }))).json,
    );
    expect(small.stop_reason).toBe("max_tokens");
    expect(small.usage.output_tokens).toBe(5);
    expect(full.content[0]?.text.startsWith(small.content[0]?.text ?? "?")).toBe(true);
    expect(small.content[0]?.text.length).toBeLessThan(full.content[0]?.text.length ?? 0);
  });

  it("out-of-range puts scores outside 0-100", async () => {
    sim.addFault({ fault: "out-of-range", kind: "judge" });
    const answer = parseAnswer((await post(sim, judgeRequest("claude-opus-4-8", "grade"))).json);
    expect([answer.quality, answer.faithfulness, answer.relevancy]).toEqual([150, -5, 150]);
  });

  it("measures requests in flight at the server", async () => {
    const slow = await startSimServer({ latencyMs: 400 });
    try {
      const calls = Array.from({ length: 5 }, (_, i) => post(slow, textRequest("claude-haiku-4-5", `parallel ${i}`)));
      const results = await Promise.all(calls);
      expect(results.every((r) => r.status === 200)).toBe(true);
      expect(slow.maxInFlight).toBe(5);
      expect(slow.inFlight).toBe(0);
      slow.reset();
      expect(slow.maxInFlight).toBe(0);
      expect(slow.requests).toHaveLength(0);
    } finally {
      await slow.close();
    }
  });

  it("the CLI prints SIM_URL, serves requests and exits cleanly on SIGTERM", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/sim/cli.ts", "--port", "0", "--latency", "1-3"], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      const lines = createInterface({ input: child.stdout });
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("the simulator CLI printed no SIM_URL within 30 s")), 30_000);
        lines.on("line", (line) => {
          const match = /^SIM_URL=(http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
          if (match?.[1]) {
            clearTimeout(timer);
            resolve(match[1]);
          }
        });
      });
      const client = new Anthropic({ apiKey: API_KEY, baseURL: url, maxRetries: 0, timeout: 10_000 });
      const message = await client.messages.create({ model: "claude-haiku-4-5", max_tokens: 100, messages: [{ role: "user", content: "ping" }] });
      expect(message.type).toBe("message");
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
  });
});
