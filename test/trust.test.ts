// Which skillbench.yml keys a pull request may decide: the base commit's config read with real git from a shallow
// clone (as actions/checkout leaves it), and the comparison of the head's keys with the base's.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  GATE_KEYS,
  TRUSTED_KEYS,
  applyTrustedKeys,
  compareConfigs,
  describeTrustedValue,
  loadConfig,
  readConfigAtCommit,
  type BaseConfig,
} from "../src/config.js";
import { Git } from "../src/git.js";
import { GIT_TEST_ENV, makeRepoWithOrigin, type RepoWithOrigin, type WorkRepo } from "./support/git-repo.js";

/** Every key at its default: a folder without skillbench.yml. */
async function defaults() {
  const dir = await mkdtemp(join(tmpdir(), "skillbench-trust-"));
  try {
    return await loadConfig(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const found = (raw: unknown): BaseConfig => ({ commit: "b".repeat(40), status: "found", raw, problem: null });
const missing: BaseConfig = { commit: "b".repeat(40), status: "missing", raw: null, problem: null };
const unavailable: BaseConfig = { commit: "b".repeat(40), status: "unavailable", raw: null, problem: "fetch failed" };

describe("reading the base commit's config from a shallow clone", () => {
  let repo: RepoWithOrigin;
  let baseSha: string;
  let noConfigSha: string;
  let shallow: WorkRepo;

  beforeEach(async () => {
    repo = await makeRepoWithOrigin({ "README.md": "# skills\n" });
    noConfigSha = await repo.head();
    baseSha = await repo.commit("add the config", { "skillbench.yml": "models: [claude-haiku-4-5]\nthresholds: { quality: 5 }\n" });
    await repo.commit("the PR", {
      "skillbench.yml": 'models: [claude-haiku-4-5]\nthresholds: { quality: 50 }\napi: { base-url: "http://127.0.0.1:9" }\n',
    });
    await repo.push("HEAD:main");
    shallow = await repo.clone("checkout", { depth: 1 });
  });
  afterEach(async () => {
    await repo.cleanup();
  });

  it("fetches a base commit the clone does not have and reads the file as it was there", async () => {
    // The precondition the fetch exists for: depth 1 left the base commit out.
    await expect(shallow.git(["cat-file", "-e", `${baseSha}^{commit}`])).rejects.toThrow();
    const git = await Git.create(shallow.dir, { extraEnv: GIT_TEST_ENV });
    const base = await readConfigAtCommit(git, baseSha, "skillbench.yml");
    expect(base).toMatchObject({ commit: baseSha, status: "found", problem: null });
    expect(base.raw).toEqual({ models: ["claude-haiku-4-5"], thresholds: { quality: 5 } });
    // The working tree and HEAD are untouched.
    expect(await shallow.git(["rev-parse", "HEAD"])).toBe(await repo.head());
  });

  it("says missing when the file did not exist on the base commit", async () => {
    const git = await Git.create(shallow.dir, { extraEnv: GIT_TEST_ENV });
    const base = await readConfigAtCommit(git, noConfigSha, "skillbench.yml");
    expect(base).toMatchObject({ status: "missing", raw: null });
  });

  it("says unavailable (never throws) when the base commit cannot be fetched", async () => {
    const git = await Git.create(shallow.dir, { extraEnv: GIT_TEST_ENV });
    const base = await readConfigAtCommit(git, "0123456789abcdef0123456789abcdef01234567", "skillbench.yml");
    expect(base.status).toBe("unavailable");
    expect(base.problem).toMatch(/could not fetch the base commit 0123456789ab/);
    expect((await readConfigAtCommit(git, "main; rm -rf /", "skillbench.yml")).status).toBe("unavailable");
  });

  it("the head's api.base-url never survives: the base's absence means the SDK default", async () => {
    const git = await Git.create(shallow.dir, { extraEnv: GIT_TEST_ENV });
    const head = await loadConfig(shallow.dir);
    expect(head.api.baseUrl).toBe("http://127.0.0.1:9");
    const base = await readConfigAtCommit(git, baseSha, "skillbench.yml");
    const { config, warnings } = applyTrustedKeys(head, base, {});
    expect(config.api.baseUrl).toBeNull();
    expect(warnings).toEqual([]);
    // Everything else is the head's.
    expect(config.thresholds.quality).toBe(50);
  });
});

describe("trusted keys", () => {
  const head = { api: { "base-url": "https://user:secret@attacker.example/v1/key" } };

  it("lists api.base-url, and the gate keys the verdict line names", () => {
    expect(TRUSTED_KEYS).toContain("api.base-url");
    expect(GATE_KEYS).toEqual(expect.arrayContaining(["thresholds.quality", "gate", "baseline.branch", "judge.model", "thresholds.errors"]));
  });

  it.each([
    ["found without the key", found({ models: ["claude-haiku-4-5"] }), null],
    ["found with its own proxy", found({ api: { "base-url": "https://proxy.corp.example" } }), "https://proxy.corp.example"],
    ["missing on base", missing, null],
    ["unavailable", unavailable, null],
  ])("base %s: the base's value is used", async (_name, base, expected) => {
    const start = await defaults();
    const withHead = { ...start, api: { ...start.api, baseUrl: "https://attacker.example" } };
    expect(applyTrustedKeys(withHead, base, {}).config.api.baseUrl).toBe(expected);
  });

  it("the workflow's input or environment wins over every file", () => {
    const overrides = { apiBaseUrl: { value: "http://127.0.0.1:1234", source: "input anthropic-base-url" } };
    const changes = compareConfigs(missing, head, overrides);
    expect(changes.trusted).toEqual([{ key: "api.base-url", base: null, head: "https://attacker.example", used: "workflow" }]);
  });

  it("a base value that is not a URL is dropped with a warning that does not echo it", async () => {
    const start = await defaults();
    const { config, warnings } = applyTrustedKeys(start, found({ api: { "base-url": "ftp://secret-host" } }), {});
    expect(config.api.baseUrl).toBeNull();
    expect(warnings.join("\n")).toMatch(/api\.base-url/);
    expect(warnings.join("\n")).not.toContain("secret-host");
  });

  it("describes a URL by its origin only: no userinfo, path or query", () => {
    expect(describeTrustedValue("https://user:pw@host.example:8443/v1/tok?k=1")).toBe("https://host.example:8443");
    expect(describeTrustedValue("not a url")).toBe("(set)");
    expect(describeTrustedValue(undefined)).toBeNull();
    const changes = compareConfigs(found({}), head);
    expect(JSON.stringify(changes)).not.toMatch(/secret|user|\/v1\/key/);
    expect(changes.trusted[0]).toMatchObject({ key: "api.base-url", base: null, head: "https://attacker.example", used: "base" });
  });
});

describe("gate changes", () => {
  it.each([
    ["a raised threshold", { thresholds: { quality: 5 } }, { thresholds: { quality: 50 } }, [{ key: "thresholds.quality", base: 5, head: 50 }]],
    ["a threshold set where the base had the default", {}, { thresholds: { quality: 50 } }, [{ key: "thresholds.quality", base: 5, head: 50 }]],
    ["the same value written out", {}, { thresholds: { quality: 5 }, gate: "significant" }, []],
    ["a new judge and gate", {}, { judge: { model: "claude-haiku-4-5" }, gate: "threshold" },
      [{ key: "gate", base: "significant", head: "threshold" }, { key: "judge.model", base: "claude-opus-4-8", head: "claude-haiku-4-5" }]],
    ["a key a later issue adds", {}, { thresholds: { errors: 100 } }, [{ key: "thresholds.errors", base: null, head: 100 }]],
    ["non-gate keys", { models: ["a"] }, { models: ["b"], concurrency: 3 }, []],
  ])("%s", (_name, base, head, expected) => {
    expect(compareConfigs(found(base), head).gate).toEqual(expected);
  });

  it("a base without the file compares with the defaults; an unavailable base compares nothing", () => {
    expect(compareConfigs(missing, { thresholds: { cost: 99 } }).gate).toEqual([{ key: "thresholds.cost", base: 25, head: 99 }]);
    expect(compareConfigs(unavailable, { thresholds: { cost: 99 } })).toMatchObject({ gate: [], base: { status: "unavailable" } });
  });
});
