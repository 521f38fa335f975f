// The read_file tool loop end to end: real SDK -> simulated Messages API over 127.0.0.1, files read through RepoFiles.
import { existsSync } from "node:fs";
import { mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { READ_FILE_TOOL } from "../src/agent.js";
import { createModelClient } from "../src/anthropic.js";
import { loadProject } from "../src/project.js";
import { costOf, priceFor } from "../src/pricing.js";
import { RepoFiles } from "../src/repo-files.js";
import { startSimServer, type RecordedRequest, type SimServer } from "../src/sim/server.js";
import type { CaseResult, Project } from "../src/types.js";
import { writeTree } from "./support/files.js";
import { planAndRun } from "./support/plan-run.js";

let sim: SimServer;
let dir: string;
let outside: string;

const SKILL = "---\nname: guide\ndescription: Writes by the guide.\n---\nLoad references/style.md before answering.\n";
const STYLE = "# Style\nWrite in short sentences. REF_MARKER_STYLE\n";

async function project(files: Record<string, string | Uint8Array>, config = "models: [claude-haiku-4-5]\n"): Promise<Project> {
  await writeTree(dir, { "skillbench.yml": config, "skills/guide/SKILL.md": SKILL, "skills/guide/references/style.md": STYLE, ...files });
  return loadProject(dir);
}

function benchmark(inputs: string[]): string {
  return ["skill: skills/guide/SKILL.md", "cases:", ...inputs.flatMap((input, i) => [`  - id: c${i}`, `    input: ${JSON.stringify(input)}`])].join("\n");
}

async function run(p: Project, withRepo = true): Promise<CaseResult[]> {
  const client = createModelClient({ apiKey: "sk-test-agent", baseUrl: sim.url, maxRetries: 0, timeoutMs: 10_000, sleep: async () => {} });
  const outcome = await planAndRun(p, { client, repo: withRepo ? await RepoFiles.open(dir) : null });
  return outcome.results;
}

const generations = (): RecordedRequest[] => sim.requests.filter((r) => r.kind === "generate");

/** The tool_result blocks the runner sent back, over every generation request. */
function toolResults(): { content: string; is_error?: boolean }[] {
  return generations().flatMap((request) => {
    const messages = request.body["messages"] as { role: string; content: unknown }[];
    const last = messages[messages.length - 1];
    return Array.isArray(last?.content) ? (last.content as { type: string; content: string; is_error?: boolean }[]).filter((b) => b.type === "tool_result") : [];
  });
}

beforeAll(async () => {
  sim = await startSimServer({ latencyMs: [5, 15] });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(async () => {
  sim.reset();
  for (const old of [dir, outside]) if (old) await rm(old, { recursive: true, force: true });
  dir = await mkdtemp(join(tmpdir(), "skillbench-agent-"));
  outside = await mkdtemp(join(tmpdir(), "skillbench-agent-outside-"));
});

describe("the read_file tool loop", () => {
  it("offers read_file with the folder's files listed, answers the tool_use with the file, and sums usage over turns", async () => {
    const p = await project({ "benchmarks/guide.yml": benchmark(["Write the weekly update for the data team."]) });
    const [result] = await run(p);
    expect(result?.error, JSON.stringify(result)).toBeNull();
    expect(result?.filesRead).toEqual(["references/style.md"]);
    expect(result?.turns).toBe(2);
    // The answer saw the file: the simulated model quotes the marker only a tool_result carried.
    expect(result?.output).toContain("REF_MARKER_STYLE");

    const [first, second] = generations();
    expect(first?.body["tools"]).toEqual([
      { name: "read_file", description: READ_FILE_TOOL.description, input_schema: READ_FILE_TOOL.inputSchema },
    ]);
    const system = JSON.stringify(first?.body["system"]);
    expect(system).toContain("references/style.md (");
    expect(system).toContain("Load references/style.md before answering.");
    expect(toolResults()).toEqual([expect.objectContaining({ content: STYLE })]);
    expect(JSON.stringify(second?.body["messages"])).toContain('"tool_use"');

    // Usage, cost and latency are the sums of both turns, not the last turn's.
    const answers = await Promise.all([first, second].map((r) => r?.body));
    expect(answers).toHaveLength(2);
    const usage = result?.usage;
    expect(usage?.inputTokens).toBeGreaterThan(0);
    const price = priceFor("claude-haiku-4-5", p.config.pricing);
    expect(price).not.toBeNull();
    if (price && usage) expect(result?.costUsd).toBeCloseTo(costOf(usage, price), 12);
    // The second turn resends the conversation with the file: its input alone exceeds the first's.
    expect(usage?.inputTokens).toBeGreaterThan(2 * Math.ceil(STYLE.length / 4));
  });

  it("sends no tool and the same one-message request when the folder holds only SKILL.md", async () => {
    await writeTree(dir, { "skills/solo/SKILL.md": "---\nname: solo\ndescription: d\n---\nAnswer.\n" });
    const p = await project({ "benchmarks/solo.yml": "skill: skills/solo/SKILL.md\ncases:\n  - input: hello there friend\n" });
    const [result] = await run(p);
    expect(result?.error).toBeNull();
    expect(result?.filesRead).toEqual([]);
    const [request] = generations();
    expect(request?.body["tools"]).toBeUndefined();
    expect(request?.body["messages"]).toEqual([{ role: "user", content: "hello there friend" }]);
  });

  it("refuses paths outside the folder, link escapes, binary, oversized and missing files with a tool error the model sees", async () => {
    await writeTree(outside, { "secret.md": "OUTSIDE_SECRET\n" });
    const p = await project({
      "skills/other/SKILL.md": "---\nname: other\ndescription: d\n---\nOTHER_SKILL_TEXT\n",
      "skills/guide/assets/logo.png": Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x00, 0x1a, 0x0a]),
      "skills/guide/references/huge.md": "x".repeat(256 * 1024 + 1),
      // Discovered beside SKILL.md: a benchmark of its own, whose expected answer must never reach the candidate.
      "skills/guide/evals/evals.json": JSON.stringify({ evals: [{ id: 1, prompt: "sim:read=references/style.md p", expected_output: "EXPECTED_SECRET" }] }),
      "benchmarks/guide.yml": benchmark([
        "sim:read=../other/SKILL.md escape",
        "sim:read=/etc/passwd absolute",
        "sim:read=references/inside-link.md link",
        "sim:read=references/outside-link.md link",
        "sim:read=assets/logo.png binary",
        "sim:read=references/huge.md oversized",
        "sim:read=references/nope.md missing",
        "sim:read=evals/evals.json hidden",
      ]),
    });
    // A link to another skill's file (inside the repository, outside the folder) and one leaving the repository.
    await symlink(join(dir, "skills/other/SKILL.md"), join(dir, "skills/guide/references/inside-link.md"));
    await symlink(join(outside, "secret.md"), join(dir, "skills/guide/references/outside-link.md"));
    const results = await run(await loadProject(dir));
    expect(p.benchmarks.map((b) => [b.path, b.cases.length])).toEqual([["benchmarks/guide.yml", 8], ["skills/guide/evals/evals.json", 1]]);

    const all = toolResults();
    expect(all).toHaveLength(9);
    const errors = all.filter((e) => e.is_error === true);
    expect(errors).toHaveLength(8);
    const text = errors.map((e) => e.content);
    const expected = [
      "is outside this skill's folder",
      "is outside this skill's folder",
      "is a link that leads outside this skill's folder",
      "is not a file of this skill's folder",
      "is a binary file",
      "larger than 256 KB",
      "is not a file of this skill's folder",
      "is not a file of this skill's folder",
    ];
    for (const want of expected) expect(text.some((t) => t.includes(want)), `${want} in ${JSON.stringify(text)}`).toBe(true);
    const generated = JSON.stringify(generations().map((r) => r.body));
    for (const leaked of ["OTHER_SKILL_TEXT", "OUTSIDE_SECRET", "EXPECTED_SECRET"]) expect(generated).not.toContain(leaked);
    // The model still answered each case; nothing refused was read.
    for (const result of results) {
      expect(result.error).toBeNull();
      expect(result.filesRead).toEqual(result.caseId === "eval-1" ? ["references/style.md"] : []);
    }
    // evals/ is never listed to the model (it holds the expected answers).
    expect(JSON.stringify(generations()[0]?.body["system"])).not.toContain("evals/");
  });

  it("ends a generation that keeps calling read_file at max-turns, with the text so far and the usage of every turn", async () => {
    const p = await project({ "benchmarks/guide.yml": benchmark(["sim:tool-loop keep reading"]) }, "models: [claude-haiku-4-5]\nmax-turns: 3\n");
    expect(p.config.maxTurns).toBe(3);
    const [result] = await run(p);
    expect(generations()).toHaveLength(3);
    expect(result?.error).toMatch(/^max-turns: max-turns reached: the model was still calling read_file after 3 turn\(s\)/);
    expect(result?.output).toContain("Reading references/style.md first.");
    expect(result?.filesRead).toEqual(["references/style.md"]);
    expect(result?.turns).toBe(3);
    expect(result?.usage?.outputTokens).toBeGreaterThan(0);
    expect(result?.costUsd).toBeGreaterThan(0);
    // A failed generation is not judged.
    expect(sim.requests.filter((r) => r.kind === "judge")).toHaveLength(0);
  });

  it("records a refusal after a tool_result as a generation error that keeps the files read and the first turn's usage", async () => {
    const p = await project({ "benchmarks/guide.yml": benchmark(["sim:refuse-after-tool please"]) });
    const [result] = await run(p);
    expect(generations()).toHaveLength(2);
    expect(result?.error).toMatch(/^refusal: /);
    expect(result?.filesRead).toEqual(["references/style.md"]);
    expect(result?.output).toContain("Reading references/style.md first.");
    expect(result?.usage?.inputTokens).toBeGreaterThan(0);
  });

  it("returns a script as text and never runs it", async () => {
    const marker = join(dir, "ran-the-script");
    const script = `#!/bin/sh\ntouch ${JSON.stringify(marker)}\n`;
    const p = await project({
      "skills/guide/scripts/run.sh": script,
      "benchmarks/guide.yml": benchmark(["sim:read=scripts/run.sh run the helper"]),
    });
    const [result] = await run(p);
    expect(result?.filesRead).toEqual(["scripts/run.sh"]);
    expect(toolResults()).toEqual([expect.objectContaining({ content: script })]);
    expect(existsSync(marker)).toBe(false);
  });

  it("offers no tool without a repository to read from (a caller that passes none)", async () => {
    const p = await project({ "benchmarks/guide.yml": benchmark(["no repo given"]) });
    const [result] = await run(p, false);
    expect(result?.error).toBeNull();
    expect(generations()[0]?.body["tools"]).toBeUndefined();
  });
});
