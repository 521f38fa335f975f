// `skillbench run --html PATH` in-process on a real repository against the simulator: the file is written,
// self-contained, redacted, and carries the run's verdict and outputs.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSimServer, type SimServer } from "../src/sim/server.js";
import type { Report } from "../src/types.js";
import { runCli, simCliEnv } from "./support/cli-runner.js";
import { makeRepoWithOrigin, type RepoWithOrigin } from "./support/git-repo.js";

let sim: SimServer;
let repo: RepoWithOrigin;
const KEY = "sk-ant-html-test-key-0123456789";

const skill = (extra = "") => `---\nname: greet\ndescription: Greets people.\n---\nGreet the person named in the input warmly.${extra}\n`;

function cli(argv: string[]) {
  return runCli(argv, { cwd: repo.dir, env: simCliEnv(sim.url, KEY) });
}

beforeAll(async () => {
  sim = await startSimServer({ latencyMs: [1, 5] });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(async () => {
  sim.reset();
  repo = await makeRepoWithOrigin({
    "skillbench.yml": "models: [claude-haiku-4-5]\nconcurrency: 4\n",
    "skills/greet/SKILL.md": skill(),
    // The input asks the (simulated) model to echo markup and the key: the report shows the one, hides the other.
    "benchmarks/greet.yml": `skill: skills/greet/SKILL.md\ncases:\n  - id: markup\n    input: "Greet <b>Ann</b> and ${KEY}"\n  - id: plain\n    input: "Greet Bob"\n  - id: third\n    input: "Greet Cy"\n`,
    ".gitignore": "skillbench-report.json\nout/\n",
  });
});
afterEach(async () => {
  await repo.cleanup();
});

describe("skillbench run --html", () => {
  it("writes one self-contained, redacted HTML report with the verdict, tables and outputs", async () => {
    expect((await cli(["run", "--mode", "baseline"])).code).toBe(0);
    await repo.branch("worse");
    await repo.commit("worse greetings", { "skills/greet/SKILL.md": skill(" <!-- sim:quality=25 -->") });
    const { code, stdout } = await cli(["run", "--base", "main", "--html", "out/report.html"]);
    expect(code).toBe(1);
    const path = join(repo.dir, "out/report.html");
    expect(stdout).toContain(path);
    const html = await readFile(path, "utf8");
    const report = JSON.parse(await readFile(join(repo.dir, "skillbench-report.json"), "utf8")) as Report;
    expect(report.verdict).toBe("regressed");
    expect(html).toContain('id="verdict">regressed<');
    expect(html).toContain("greet");
    // Three cases: the noise-aware gate needs at least 3 judged pairs to call a regression.
    expect(html.match(/<details class="case"/g)).toHaveLength(3);
    for (const result of report.skills[0]?.results ?? []) {
      expect(result.output).not.toBeNull();
      expect(html).toContain((result.output ?? "").slice(0, 20).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;"));
    }
    expect(html).not.toContain(KEY);
    expect(html).not.toMatch(/<(link|img|iframe)\b|src="http/);
  });
});
