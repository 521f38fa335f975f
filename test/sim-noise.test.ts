// The simulated API's noisy judge (SimOptions.judgeNoise), which the gate benchmark (scripts/bench-gate.ts)
// measures the regression gate against: seeded, of the configured spread, and steerable by `sim:drop=NN`.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimServer, type SimServer } from "../src/sim/server.js";

const API_KEY = "sk-sim-noise-test-key";
const JUDGE = "claude-opus-4-8";
const CANDIDATE = "claude-haiku-4-5";
const DIMENSIONS = ["quality", "faithfulness", "relevancy", "precision", "recall"] as const;
type Scores = Record<(typeof DIMENSIONS)[number], number>;

const SCHEMA = {
  type: "object",
  properties: Object.fromEntries(DIMENSIONS.map((d) => [d, { type: "integer" }])),
  required: [...DIMENSIONS],
  additionalProperties: false,
};

async function post(sim: SimServer, body: Record<string, unknown>): Promise<string> {
  const response = await fetch(`${sim.url}/v1/messages`, {
    method: "POST",
    headers: { "content-type": "application/json", "anthropic-version": "2023-06-01", "x-api-key": API_KEY },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  expect(response.status).toBe(200);
  const json = (await response.json()) as { content: { text: string }[] };
  return json.content[0]?.text ?? "";
}

async function judge(sim: SimServer, user: string): Promise<Scores> {
  const text = await post(sim, {
    model: JUDGE,
    max_tokens: 1024,
    system: "You grade answers.",
    messages: [{ role: "user", content: user }],
    output_config: { format: { type: "json_schema", schema: SCHEMA } },
  });
  return JSON.parse(text) as Scores;
}

async function generate(sim: SimServer, skill: string, input: string): Promise<string> {
  return post(sim, { model: CANDIDATE, max_tokens: 512, system: skill, messages: [{ role: "user", content: input }] });
}

function meanOf(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function sdOf(values: number[]): number {
  const m = meanOf(values);
  return Math.sqrt(values.reduce((a, b) => a + (b - m) ** 2, 0) / (values.length - 1));
}

describe("simulated noisy judge", () => {
  const servers: SimServer[] = [];
  const start = async (options: Parameters<typeof startSimServer>[0]): Promise<SimServer> => {
    const sim = await startSimServer({ latencyMs: 0, ...options });
    servers.push(sim);
    return sim;
  };
  let noisy: SimServer;

  beforeAll(async () => {
    noisy = await start({ judgeNoise: { sd: 10, seed: "spread" } });
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  it("is seeded: the same seed repeats the scores, another seed or a second judgement of one output differs", async () => {
    const run = async (seed: string): Promise<number[]> => {
      const sim = await start({ judgeNoise: { sd: 10, seed } });
      const scores: number[] = [];
      // The same output judged five times: a real judge gives five scores.
      for (let i = 0; i < 5; i++) scores.push((await judge(sim, "The same output. sim:output-quality=60")).quality);
      return scores;
    };
    const first = await run("a");
    expect(await run("a")).toEqual(first);
    expect(await run("b")).not.toEqual(first);
    expect(new Set(first).size).toBeGreaterThan(1);
  });

  it("adds noise of about the configured sd to every score, each dimension with its own noise", async () => {
    const judged: Scores[] = [];
    for (let i = 0; i < 200; i++) judged.push(await judge(noisy, `Output number ${i}. sim:output-quality=50`));
    for (const dimension of DIMENSIONS) {
      const values = judged.map((s) => s[dimension]);
      expect(Math.abs(meanOf(values) - 50)).toBeLessThan(2.5);
      expect(sdOf(values)).toBeGreaterThan(8.5);
      expect(sdOf(values)).toBeLessThan(11.5);
    }
    // Independent noise per dimension: quality and faithfulness are not the same draw.
    const q = judged.map((s) => s.quality - 50);
    const f = judged.map((s) => s.faithfulness - 50);
    const correlation = meanOf(q.map((x, i) => x * (f[i] ?? 0))) / (sdOf(q) * sdOf(f));
    expect(Math.abs(correlation)).toBeLessThan(0.2);
  });

  it("sim:drop=NN in the skill lowers the true quality of its outputs; a harmless skill edit does not", async () => {
    const sim = await start({ judgeNoise: { sd: 5, seed: "drop" } });
    const cases = Array.from({ length: 40 }, (_, i) => `Question ${i}: how should the deployment handle retries?`);
    const meanQuality = async (skill: string): Promise<number> => {
      const scores: number[] = [];
      for (const input of cases) {
        const output = await generate(sim, skill, input);
        scores.push((await judge(sim, `<user_input>${input}</user_input><assistant_output>${output}</assistant_output>`)).quality);
      }
      return meanOf(scores);
    };
    const before = await meanQuality("Answer briefly.");
    const harmless = await meanQuality("Answer briefly. <!-- reworded comment -->");
    const dropped = await meanQuality("Answer briefly. sim:drop=10");
    expect(Math.abs(harmless - before)).toBeLessThan(2.5);
    expect(before - dropped).toBeGreaterThan(7);
    expect(before - dropped).toBeLessThan(13);
    // The true quality travels with the output and ignores the skill's wording.
    const plain = await generate(sim, "Answer briefly.", cases[0] ?? "");
    const reworded = await generate(sim, "Answer briefly, please.", cases[0] ?? "");
    expect(plain).not.toEqual(reworded);
    expect(/sim:output-quality=(\d+)/.exec(plain)?.[1]).toBe(/sim:output-quality=(\d+)/.exec(reworded)?.[1]);
  });

  it("leaves the default simulator alone: without judgeNoise scores repeat and sim:drop changes nothing", async () => {
    const plain = await start({});
    const request = "Same output. sim:output-quality=70";
    const first = await judge(plain, request);
    expect(await judge(plain, request)).toEqual(first);
    const output = await generate(plain, "Answer briefly. sim:drop=30", "A question about retries?");
    expect(output).not.toContain("sim:output-quality");
  });
});
