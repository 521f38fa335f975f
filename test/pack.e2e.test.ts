// Installable anywhere: `npm pack` this checkout, install the tarball offline into a fresh git repository that
// has no other dependencies, and run `npx skillbench validate` and a run there against the simulated API.
// The bundled CLI (dist/cli) must need nothing from the registry at run time.
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimServer, type SimServer } from "../src/sim/server.js";
import type { Report } from "../src/types.js";
import { requireBundle } from "./support/action-runner.js";
import { GIT_TEST_ENV, runGit, writeFiles } from "./support/git-repo.js";

const exec = promisify(execFile);
const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));

let sim: SimServer;
let scratch: string;
let project: string;
let tarball: string;

function npmEnv(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: scratch,
    // A fresh, empty cache: whatever installs must come from the tarball alone.
    npm_config_cache: join(scratch, "npm-cache"),
    npm_config_update_notifier: "false",
    npm_config_audit: "false",
    npm_config_fund: "false",
    ...GIT_TEST_ENV,
  };
}

async function sh(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = npmEnv()) {
  try {
    const { stdout, stderr } = await exec(cmd, args, { cwd, env, timeout: 120_000, maxBuffer: 32 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

beforeAll(async () => {
  await requireBundle();
  scratch = await mkdtemp(join(tmpdir(), "skillbench-pack-"));
  sim = await startSimServer({ latencyMs: [1, 5] });
  const packed = await sh("npm", ["pack", "--json", "--pack-destination", scratch], REPO_ROOT);
  expect(packed.code, packed.stderr).toBe(0);
  const info = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
  tarball = join(scratch, info[0]?.filename ?? "");
  project = join(scratch, "someone-elses-repo");
  await mkdir(project);
  await runGit(project, ["init", "-q", "-b", "main"]);
  await writeFiles(project, {
    "package.json": JSON.stringify({ name: "someone-elses-repo", version: "1.0.0", private: true }),
    "skillbench.yml": "models: [claude-haiku-4-5]\nconcurrency: 2\n",
    "skills/greet/SKILL.md": "---\nname: greet\ndescription: Greets people.\n---\nGreet the person named in the input warmly.\n",
    "benchmarks/greet.yml": "skill: skills/greet/SKILL.md\ncases:\n  - id: ann\n    input: Greet Ann\n  - id: bob\n    input: Greet Bob\n",
  });
}, 180_000);

afterAll(async () => {
  await sim?.close();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe("the npm package", () => {
  it("packs only what a user needs", async () => {
    const listed = await sh("tar", ["-tzf", tarball], scratch);
    const files = listed.stdout.split("\n").filter(Boolean);
    expect(files).toContain("package/bin/skillbench.js");
    expect(files).toContain("package/dist/cli/index.js");
    expect(files).toContain("package/LICENSE");
    expect(files).toContain("package/README.md");
    expect(files.some((f) => f.startsWith("package/schema/"))).toBe(true);
    expect(files.filter((f) => /^package\/(src|test|scripts|node_modules)\//.test(f))).toEqual([]);
    const pkg = JSON.parse(await readFile(join(REPO_ROOT, "package.json"), "utf8")) as Record<string, unknown>;
    expect(pkg.private).toBeUndefined();
    // dist/ is self-contained: installing the package must pull nothing else.
    expect(pkg.dependencies ?? {}).toEqual({});
  });

  it("installs offline into a repository with no other dependencies and runs validate and a benchmark there", async () => {
    const install = await sh("npm", ["install", "--offline", "--no-audit", "--no-fund", tarball], project);
    expect(install.code, install.stderr).toBe(0);
    expect((await readdir(join(project, "node_modules"))).filter((d) => !d.startsWith("."))).toEqual(["skillbench"]);

    const validate = await sh("npx", ["--offline", "skillbench", "validate"], project);
    expect(validate.code, validate.stderr).toBe(0);
    expect(validate.stdout).toContain("OK: skillbench.yml, 1 benchmark(s), 1 skill(s), 2 case(s)");

    const env = { ...npmEnv(), ANTHROPIC_API_KEY: "sk-ant-pack-test-0123456789", ANTHROPIC_BASE_URL: sim.url };
    const run = await sh("npx", ["--offline", "skillbench", "run", "--no-baseline", "--skills", "all", "--html", "out/report.html"], project, env);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const report = JSON.parse(await readFile(join(project, "skillbench-report.json"), "utf8")) as Report;
    expect(report.skills.map((s) => s.skill)).toEqual(["skills/greet/SKILL.md"]);
    expect(report.skills[0]?.results.every((r) => r.judged)).toBe(true);
    expect(sim.requests.length).toBeGreaterThanOrEqual(4);
    expect(await readFile(join(project, "out/report.html"), "utf8")).toContain("<!doctype html>");
  }, 180_000);
});
