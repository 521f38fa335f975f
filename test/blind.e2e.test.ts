// Blinding end to end: the real pipeline and the real SDK against the simulated Messages API. Candidates that
// name themselves (sim:self-identify: display name, id, glued, zero-width and Cyrillic forms) reach the judge
// without any of it, and a judge that favours its own family (sim:self-preference) gets no chance to.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createModelClient } from "../src/anthropic.js";
import { blindingTerms, judgeOutput, normaliseForMatching, type JudgeSettings } from "../src/judge.js";
import { modelClientFactory, runPipeline, type Logger } from "../src/pipeline.js";
import { Redactor } from "../src/redact.js";
import { selfIdentification } from "../src/sim/script.js";
import { startSimServer, type SimServer } from "../src/sim/server.js";
import type { BenchmarkCase, Skill } from "../src/types.js";
import { writeTree } from "./support/files.js";

const CANDIDATES = ["claude-opus-4-7", "claude-sonnet-5"];
const JUDGE = "claude-opus-4-8";

let sim: SimServer;
let dir: string;

beforeAll(async () => {
  sim = await startSimServer({ latencyMs: [1, 5] });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(async () => {
  sim.reset();
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = await mkdtemp(join(tmpdir(), "skillbench-blind-"));
});

function collectingLog(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, info: () => {}, debug: () => {}, error: () => {}, warning: (m) => warnings.push(m) };
}

/** The assistant_output block of a recorded judge request. */
function outputBlock(body: Record<string, unknown>): string {
  const text = JSON.stringify(body["messages"]);
  const decoded = JSON.parse(`"${/<assistant_output>\\n([\s\S]*?)\\n<\/assistant_output>/.exec(text)?.[1] ?? ""}"`) as string;
  return decoded;
}

describe("blinding against the simulated API", () => {
  it("the judge request holds no candidate id or family when the candidate names itself; the task stays as written", async () => {
    await writeTree(dir, {
      "skillbench.yml": [
        `models: [${CANDIDATES.join(", ")}]`,
        `judge: { model: ${JUDGE}, samples: 1 }`,
        `api: { base-url: "${sim.url}" }`,
        "",
      ].join("\n"),
      "skills/poem/SKILL.md": "---\nname: poem\ndescription: Writes poems.\n---\nWrite a sonnet or a haiku about the input.\n",
      "benchmarks/poem.yml": [
        "skill: skills/poem/SKILL.md",
        "cases:",
        ...["autumn leaves", "rain on the roof", "the first frost"].flatMap((topic, i) => [
          `  - id: c${i}`,
          `    input: "sim:self-identify sim:self-preference=30 sim:quality=60 Write a haiku about ${topic}"`,
        ]),
        "",
      ].join("\n"),
    });
    const log = collectingLog();
    const { report } = await runPipeline({
      root: dir,
      mode: "pr",
      skills: "all",
      commit: null,
      client: modelClientFactory("sk-test-blind", log),
      store: null,
      git: null,
      log,
      redactor: Redactor.none,
    });

    // The candidates did name themselves, in every form the simulator knows.
    const generated = sim.requests.filter((r) => r.kind === "generate");
    expect(generated).toHaveLength(6);
    const results = report?.skills[0]?.results ?? [];
    expect(results).toHaveLength(6);
    for (const result of results) {
      expect(result.output).toContain(`(${result.model})`);
      expect(result.output).toContain("\u200b");
      expect(result.output).toMatch(/[\u0400-\u04ff]/);
    }

    const judged = sim.requests.filter((r) => r.kind === "judge");
    expect(judged).toHaveLength(6);
    for (const request of judged) {
      const body = JSON.stringify(request.body);
      for (const model of CANDIDATES) expect(body).not.toContain(model);
      const output = outputBlock(request.body);
      expect(output).toContain("[redacted]");
      expect(normaliseForMatching(output).text).not.toMatch(/claude|anthropic|opus|sonnet|4\.7/);
      // The task reaches the judge as written: "haiku" and "sonnet" are not mangled.
      expect(body).toContain("Write a sonnet or a haiku about the input.");
      expect(body).toMatch(/Write a haiku about (autumn leaves|rain on the roof|the first frost)/);
    }

    // The judge (an Opus) never saw that a candidate is an Opus: no self-preference bonus on its scores.
    for (const result of results) {
      expect(result.quality).toBeGreaterThanOrEqual(54);
      expect(result.quality).toBeLessThanOrEqual(66);
    }
    // And the run says that the judge shares a family with a candidate.
    const familyWarning = /claude-opus-4-8 is of the same family \(opus\) as candidate\(s\) claude-opus-4-7/;
    expect(report?.warnings.some((w) => familyWarning.test(w))).toBe(true);
    expect(log.warnings.some((w) => familyWarning.test(w))).toBe(true);
  });

  it("a self-preferring judge scores an output that names its family higher, unless the output is blinded", async () => {
    const client = createModelClient({ apiKey: "sk-test-blind", baseUrl: sim.url, maxRetries: 0, timeoutMs: 10_000 });
    const skill: Skill = { path: "s.md", dir: ".", name: "s", description: "d", format: "prompt", instructions: "Write a haiku.", hash: "h" };
    const testCase: BenchmarkCase = { id: "c", input: "sim:self-preference=30 Write a haiku about frost", expected: null, hash: "ch", line: 1 };
    const output = `Frost on the window. sim:output-quality=60${selfIdentification("claude-opus-4-7")}`;
    const settings = (blindTerms: readonly string[]): JudgeSettings => ({ model: JUDGE, maxTokens: 1000, blindTerms });

    const blinded = await judgeOutput(client, { skill, testCase, output }, settings(blindingTerms([...CANDIDATES, JUDGE])));
    const unblinded = await judgeOutput(client, { skill, testCase, output }, settings([]));
    expect(blinded.error).toBeNull();
    expect(unblinded.error).toBeNull();
    // Scores centre on 60 (+-6 of jitter); the bonus moves them to 90.
    expect(blinded.judgement?.scores.quality).toBeLessThanOrEqual(66);
    expect(unblinded.judgement?.scores.quality).toBeGreaterThanOrEqual(84);
  });
});
