// The Message Batches endpoints of the simulated API: create, retrieve, results (JSONL, not in request order) and
// cancel. Each entry is processed by sending its params to the simulator's own POST /v1/messages over loopback, so
// an entry meets the same answers, faults, prompt cache and latency as a synchronous call; a batch takes the time
// its entries take (plus `processingMs`). Entries can be made to end errored, expired or canceled, a batch can be
// kept from finishing (`stall`), and the whole endpoint can answer 404 like a gateway that lacks it.
import type http from "node:http";
import { shortId } from "./script.js";
import { isRecord } from "../util.js";

export type SimBatchOutcome = "errored" | "expired" | "canceled";

export interface SimBatchOptions {
  /** Every batches endpoint answers 404 (a gateway or proxy without them). */
  notFound?: boolean;
  /** Simulated ms a batch waits before its entries are processed; default 0. */
  processingMs?: number;
  /** Entries are never processed: the batch stays in_progress until it is cancelled. */
  stall?: boolean;
  /** Entries whose params (JSON text) contain `contains` end with `outcome` instead of being processed. */
  outcomes?: { contains: string; outcome: SimBatchOutcome; times?: number }[];
  /** Entries of one batch processed at once; default 8. */
  concurrency?: number;
}

/** Set on each entry's loopback request, so tests can tell batched requests apart (RecordedRequest.headers). */
export const SIM_BATCH_HEADER = "x-sim-batch";

type EntryResult =
  | { type: "succeeded"; message: unknown }
  | { type: "errored"; error: unknown }
  | { type: "canceled" }
  | { type: "expired" };

interface Entry {
  customId: string;
  params: Record<string, unknown>;
  result: EntryResult | null;
}

interface Batch {
  id: string;
  status: "in_progress" | "canceling" | "ended";
  entries: Entry[];
  createdAt: string;
  endedAt: string | null;
  cancelAt: string | null;
  /** The order results are listed in: a fixed shuffle of the request order. */
  order: number[];
}

export class SimBatches {
  private batches = new Map<string, Batch>();
  private closed = false;
  private counter = 0;
  private outcomes: { contains: string; outcome: SimBatchOutcome; left: number }[];

  constructor(
    private readonly options: SimBatchOptions,
    private readonly baseUrl: () => string,
    private readonly sleep: (ms: number) => Promise<void>,
  ) {
    this.outcomes = (options.outcomes ?? []).map((rule) => ({ ...rule, left: rule.times ?? Number.POSITIVE_INFINITY }));
  }

  /** Every batch created so far, in order (for tests). */
  get created(): { id: string; requests: number; status: string }[] {
    return [...this.batches.values()].map((batch) => ({ id: batch.id, requests: batch.entries.length, status: batch.status }));
  }

  close(): void {
    this.closed = true;
  }

  /** Answers a request under /v1/messages/batches. */
  async handle(req: http.IncomingMessage, res: http.ServerResponse, path: string): Promise<void> {
    const body = await readBody(req);
    if (this.options.notFound) return sendJson(res, 404, apiError("not_found_error", `${req.method ?? "?"} ${path}: not found`));
    if (!req.headers["x-api-key"] && !req.headers["authorization"]) {
      return sendJson(res, 401, apiError("authentication_error", "x-api-key header is required"));
    }
    const parts = path.split("/").slice(4); // ["", "v1", "messages", "batches", ...]
    if (req.method === "POST" && parts.length === 0) return this.create(req, res, body);
    const batch = this.batches.get(parts[0] ?? "");
    if (!batch) return sendJson(res, 404, apiError("not_found_error", `no message batch ${parts[0] ?? ""}`));
    if (req.method === "GET" && parts.length === 1) return sendJson(res, 200, this.view(batch));
    if (req.method === "POST" && parts[1] === "cancel" && parts.length === 2) {
      if (batch.status === "in_progress") {
        batch.status = "canceling";
        batch.cancelAt = new Date().toISOString();
        for (const entry of batch.entries) if (entry.result === null && this.options.stall) entry.result = { type: "canceled" };
        this.endIfDone(batch);
      }
      return sendJson(res, 200, this.view(batch));
    }
    if (req.method === "GET" && parts[1] === "results" && parts.length === 2) {
      if (batch.status !== "ended") return sendJson(res, 400, apiError("invalid_request_error", `batch ${batch.id} has not ended`));
      const lines = batch.order.map((index) => {
        const entry = batch.entries[index] as Entry;
        return JSON.stringify({ custom_id: entry.customId, result: entry.result ?? { type: "expired" } });
      });
      const text = `${lines.join("\n")}\n`;
      res.writeHead(200, { "content-type": "application/binary", "content-length": Buffer.byteLength(text) });
      res.end(text);
      return;
    }
    return sendJson(res, 404, apiError("not_found_error", `${req.method ?? "?"} ${path}: no such endpoint in the simulator`));
  }

  private create(req: http.IncomingMessage, res: http.ServerResponse, raw: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      sendJson(res, 400, apiError("invalid_request_error", "The request body is not JSON"));
      return;
    }
    const requests = isRecord(parsed) ? parsed["requests"] : undefined;
    if (!Array.isArray(requests) || requests.length === 0) {
      sendJson(res, 400, apiError("invalid_request_error", "requests: a non-empty list is required"));
      return;
    }
    const entries: Entry[] = [];
    const seen = new Set<string>();
    for (const [index, request] of requests.entries()) {
      const customId = isRecord(request) ? request["custom_id"] : undefined;
      const params = isRecord(request) ? request["params"] : undefined;
      if (typeof customId !== "string" || !/^[a-zA-Z0-9_-]{1,64}$/.test(customId) || seen.has(customId) || !isRecord(params)) {
        sendJson(res, 400, apiError("invalid_request_error", `requests.${index}: custom_id (unique, 1-64 of [a-zA-Z0-9_-]) and params are required`));
        return;
      }
      seen.add(customId);
      entries.push({ customId, params, result: null });
    }
    const id = `msgbatch_sim_${shortId("batch", String(++this.counter), String(Date.now()))}`;
    const order = entries.map((_, index) => index).sort((a, b) => {
      const ka = shortId("order", id, String(a));
      const kb = shortId("order", id, String(b));
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    });
    const batch: Batch = { id, status: "in_progress", entries, createdAt: new Date().toISOString(), endedAt: null, cancelAt: null, order };
    this.batches.set(id, batch);
    const key = req.headers["x-api-key"];
    const auth = req.headers["authorization"];
    const headers: Record<string, string> = { "content-type": "application/json", [SIM_BATCH_HEADER]: id };
    if (typeof key === "string") headers["x-api-key"] = key;
    if (typeof auth === "string") headers["authorization"] = auth;
    void this.process(batch, headers);
    sendJson(res, 200, this.view(batch));
  }

  private async process(batch: Batch, headers: Record<string, string>): Promise<void> {
    if (this.options.processingMs) await this.sleep(this.options.processingMs);
    if (this.options.stall) return;
    let next = 0;
    const worker = async (): Promise<void> => {
      for (;;) {
        const entry = batch.entries[next++];
        if (!entry || this.closed) return;
        if (entry.result !== null) continue;
        if (batch.status === "canceling") {
          entry.result = { type: "canceled" };
          continue;
        }
        const text = JSON.stringify(entry.params);
        const rule = this.outcomes.find((r) => r.left > 0 && text.includes(r.contains));
        if (rule) {
          rule.left -= 1;
          entry.result =
            rule.outcome === "errored"
              ? { type: "errored", error: apiError("api_error", "Internal server error (simulated batch entry).") }
              : { type: rule.outcome };
          continue;
        }
        entry.result = await this.send(entry.params, headers);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, this.options.concurrency ?? 8) }, worker));
    this.endIfDone(batch);
  }

  private async send(params: Record<string, unknown>, headers: Record<string, string>): Promise<EntryResult> {
    try {
      const response = await fetch(`${this.baseUrl()}/v1/messages`, { method: "POST", headers, body: JSON.stringify(params) });
      const payload: unknown = await response.json();
      return response.ok ? { type: "succeeded", message: payload } : { type: "errored", error: payload };
    } catch (error) {
      return { type: "errored", error: apiError("api_error", `simulator failure: ${String(error)}`) };
    }
  }

  private endIfDone(batch: Batch): void {
    if (batch.status === "ended") return;
    if (batch.status === "canceling") {
      // In-flight entries finish; the rest were marked canceled by the worker or by the cancel itself.
      if (batch.entries.some((entry) => entry.result === null) && !this.options.stall) return;
      for (const entry of batch.entries) entry.result ??= { type: "canceled" };
    } else if (batch.entries.some((entry) => entry.result === null)) {
      return;
    }
    batch.status = "ended";
    batch.endedAt = new Date().toISOString();
  }

  private view(batch: Batch): Record<string, unknown> {
    const counts = { processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0 };
    for (const entry of batch.entries) {
      if (entry.result === null) counts.processing += 1;
      else counts[entry.result.type] += 1;
    }
    return {
      id: batch.id,
      type: "message_batch",
      processing_status: batch.status,
      request_counts: counts,
      created_at: batch.createdAt,
      ended_at: batch.endedAt,
      expires_at: new Date(Date.parse(batch.createdAt) + 24 * 3600 * 1000).toISOString(),
      cancel_initiated_at: batch.cancelAt,
      archived_at: null,
      results_url: batch.status === "ended" ? `${this.baseUrl()}/v1/messages/batches/${batch.id}/results` : null,
    };
  }
}

function apiError(type: string, message: string): Record<string, unknown> {
  return { type: "error", error: { type, message } };
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString("utf8");
}

function sendJson(res: http.ServerResponse, status: number, payload: unknown): void {
  if (res.destroyed) return;
  const body = JSON.stringify(payload);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body), "request-id": "req_sim_batch" });
  res.end(body);
}
