import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Git, type GitExecOptions, type GitResult, type GitRunner } from "../src/git.js";
import { emptyBranchData, filesForWrite, historyFileFor, skillFileFor, type BranchData } from "../src/baseline/format.js";
import { applyRun, type RunContribution } from "../src/baseline/merge.js";
import { parseBranch } from "../src/baseline/read.js";
import { GitBaselineStore, type GitBaselineStoreOptions } from "../src/baseline/store.js";
import type { BaselineEntry, HistoryPoint, MetricSet, Report, SkillReport } from "../src/types.js";
import {
  GIT_TEST_ENV,
  localState,
  makeRepoWithOrigin,
  runGit,
  serveDumbHttp,
  writeFiles,
  type RepoWithOrigin,
  type WorkRepo,
} from "./support/git-repo.js";
import { caseResult, modelSummary, report, skillReport } from "./support/report-factory.js";

const BRANCH = "skillbench-baseline";
const SKILL_A = "skills/summarize-thread/SKILL.md";
const SKILL_B = "skills/explain-sql.md";
const SONNET = "claude-sonnet-5";
const HAIKU = "claude-haiku-4-5";

let repo: RepoWithOrigin;
beforeEach(async () => {
  repo = await makeRepoWithOrigin({ "README.md": "# project\n", "skills/summarize-thread/SKILL.md": "Summarize.\n" });
});
afterEach(async () => {
  await repo.cleanup();
});

// ---------------------------------------------------------------------------------------------------------
// Builders

interface SkillSpec {
  skill: string;
  models?: string[];
  cases?: string[];
  /** Mean quality of every model; results score quality + case index. */
  quality?: number;
  metrics?: Partial<MetricSet>;
}

function skillFor(spec: SkillSpec, run: string): SkillReport {
  const models = spec.models ?? [SONNET, HAIKU];
  const cases = spec.cases ?? ["case-1", "case-2"];
  const quality = spec.quality ?? 80;
  const name = spec.skill.split("/").slice(-2).join("-");
  return skillReport({
    skill: spec.skill,
    name,
    skillHash: `skill-hash-${name}-${run}`,
    models: models.map((model) => modelSummary({ model, quality, ...spec.metrics })),
    results: models.flatMap((model) =>
      cases.map((caseId, i) =>
        caseResult({
          caseId,
          model,
          caseHash: `case-hash-${caseId}`,
          key: `key-${spec.skill}-${caseId}-${model}-${run}`,
          quality: quality + i,
          costUsd: 0.001 * (i + 1),
          latencyMs: 1000 + i,
          output: `run ${run} output`,
        }),
      ),
    ),
  });
}

function runReport(run: string, generatedAt: string, skills: SkillSpec[]): Report {
  return report({
    mode: "baseline",
    commit: `${run.replace(/[^0-9a-f]/g, "a")}${"0".repeat(40)}`.slice(0, 40),
    generatedAt,
    judgeKey: "judge-key-1",
    skills: skills.map((s) => skillFor(s, run)),
  });
}

/** What the store must record for one result: the contract of BaselineEntry. */
function expectedEntry(r: Report, s: SkillReport, result: SkillReport["results"][number]): BaselineEntry {
  return {
    key: result.key,
    caseId: result.caseId,
    caseHash: result.caseHash,
    model: result.model,
    skillHash: s.skillHash,
    judgeKey: r.judgeKey,
    quality: result.quality,
    faithfulness: result.faithfulness,
    relevancy: result.relevancy,
    precision: result.precision,
    recall: result.recall,
    matchesExpected: result.matchesExpected,
    costUsd: result.costUsd,
    latencyMs: result.latencyMs,
    error: result.error ?? result.judgeError,
    recordedAt: r.generatedAt,
    commit: r.commit,
    // The current entries keep their output (for compare: rejudge) and how many judgements were averaged.
    output: result.output,
    judgements: result.judged ? 1 : 0,
  };
}

function byCaseAndModel(a: BaselineEntry, b: BaselineEntry): number {
  return a.caseId.localeCompare(b.caseId) || a.model.localeCompare(b.model);
}

function roundedMetrics(m: MetricSet): MetricSet {
  const score = (v: number | null) => (v === null ? null : Math.round(v * 10) / 10);
  return {
    quality: score(m.quality),
    faithfulness: score(m.faithfulness),
    relevancy: score(m.relevancy),
    precision: score(m.precision),
    recall: score(m.recall),
    costUsd: m.costUsd === null ? null : Number(m.costUsd.toPrecision(6)),
    latencyMsP50: m.latencyMsP50 === null ? null : Math.round(m.latencyMsP50),
  };
}

async function gitFor(clone: WorkRepo, extra: { token?: string; serverUrl?: string } = {}): Promise<Git> {
  return Git.create(clone.dir, { extraEnv: GIT_TEST_ENV, ...extra });
}

async function storeFor(
  clone: WorkRepo,
  options: Partial<GitBaselineStoreOptions> = {},
  runner?: GitRunner,
): Promise<GitBaselineStore> {
  return new GitBaselineStore(runner ?? (await gitFor(clone)), { branch: BRANCH, historyLimit: 30, ...options });
}

function origin(args: string[]): Promise<string> {
  return runGit(repo.originDir, args);
}

/** Commits `files` (null = delete) onto the baseline branch from a separate clone, like a person would. */
async function editBranch(name: string, files: Record<string, string | null>): Promise<void> {
  const editor = await repo.clone(name);
  await editor.git(["fetch", "-q", "origin", `${BRANCH}:${BRANCH}`]);
  await editor.checkout(BRANCH);
  const write: Record<string, string> = {};
  const remove: string[] = [];
  for (const [path, content] of Object.entries(files)) {
    if (content === null) remove.push(path);
    else write[path] = content;
  }
  await editor.commit("hand edit", write, remove);
  await editor.push(BRANCH);
}

// ---------------------------------------------------------------------------------------------------------

describe("GitBaselineStore: layout and round trip", () => {
  it("creates the branch as an orphan commit holding the documented layout", async () => {
    const store = await storeFor(repo, { runId: "run-1", now: () => new Date("2026-11-01T03:00:00Z") });
    const first = runReport("run-1", "2026-11-01T03:00:00.000Z", [{ skill: SKILL_A }, { skill: SKILL_B }]);
    const result = await store.write(first);
    expect(result.attempts).toBe(1);
    expect(await origin(["rev-parse", `refs/heads/${BRANCH}`])).toBe(result.commit);
    expect((await origin(["rev-list", "--parents", "-n", "1", result.commit])).split(" ")).toEqual([result.commit]);
    expect(await origin(["log", "-1", "--format=%an <%ae>|%cn <%ce>|%ct", result.commit])).toBe(
      `skillbench <skillbench@users.noreply.github.com>|skillbench <skillbench@users.noreply.github.com>|${Date.parse("2026-11-01T03:00:00Z") / 1000}`,
    );

    const files = (await origin(["ls-tree", "-r", "--name-only", result.commit])).split("\n");
    expect(files).toEqual(
      ["README.md", historyFileFor(SKILL_A), historyFileFor(SKILL_B), "runs.json", skillFileFor(SKILL_A), skillFileFor(SKILL_B)].sort(),
    );
    expect(skillFileFor(SKILL_A)).toMatch(/^skills\/skills-summarize-thread-[0-9a-f]{8}\.json$/);
    expect(skillFileFor(SKILL_B)).toMatch(/^skills\/skills-explain-sql-[0-9a-f]{8}\.json$/);
    for (const file of files.filter((f) => f.endsWith(".json"))) {
      const parsed = JSON.parse(await origin(["show", `${result.commit}:${file}`])) as { schemaVersion: unknown };
      expect(parsed.schemaVersion, file).toBe(1);
    }
    const readme = await origin(["show", `${result.commit}:README.md`]);
    expect(readme).toContain('"schemaVersion": 1');
    expect(readme).toContain("history/<slug>.json");

    const second = await store.write(runReport("run-1", "2026-11-02T03:00:00.000Z", [{ skill: SKILL_A, quality: 70 }]));
    expect((await origin(["rev-list", "--parents", "-n", "1", second.commit])).split(" ")).toEqual([second.commit, result.commit]);
  });

  it("reads back what it wrote, from another clone, with history rounded as documented", async () => {
    const metrics: Partial<MetricSet> = {
      quality: 83.456,
      faithfulness: 71.04,
      relevancy: null,
      precision: 99.95,
      recall: 0.04,
      costUsd: 0.00123456789,
      latencyMsP50: 1234.6,
    };
    const written = runReport("r1", "2026-11-01T03:00:00.000Z", [
      { skill: SKILL_A, metrics },
      { skill: SKILL_B, models: [HAIKU], cases: ["only"], metrics: { costUsd: null, latencyMsP50: null } },
    ]);
    const writer = await storeFor(repo, { runId: "r1" });
    const { commit } = await writer.write(written);

    const reader = await storeFor(await repo.clone("reader"));
    const snapshot = await reader.read();
    expect(snapshot).toMatchObject({ branch: BRANCH, commit, found: true, errors: [] });
    expect([...snapshot.skills.keys()].sort()).toEqual([SKILL_A, SKILL_B].sort());
    for (const s of written.skills) {
      const stored = snapshot.skills.get(s.skill);
      expect(stored).toMatchObject({ skill: s.skill, skillHash: s.skillHash, updatedAt: written.generatedAt, commit: written.commit });
      expect(stored?.entries).toEqual(s.results.map((r) => expectedEntry(written, s, r)).sort(byCaseAndModel));
    }
    const expectedHistory: HistoryPoint[] = written.skills.flatMap((s) =>
      s.models.map((m) => ({
        runId: "r1",
        commit: written.commit,
        time: written.generatedAt,
        mode: written.mode,
        skill: s.skill,
        model: m.model,
        metrics: roundedMetrics(m),
      })),
    );
    const order = (a: HistoryPoint, b: HistoryPoint) => a.skill.localeCompare(b.skill) || a.model.localeCompare(b.model);
    expect([...snapshot.history].sort(order)).toEqual(expectedHistory.sort(order));
    const a = snapshot.history.find((p) => p.skill === SKILL_A && p.model === SONNET);
    expect(a?.metrics.quality).toBe(83.5);
    expect(a?.metrics.costUsd).toBe(0.00123457);
    expect(a?.metrics.relevancy).toBeNull();
  });

  it("returns found:false and an empty snapshot when the branch does not exist", async () => {
    const store = await storeFor(repo);
    const snapshot = await store.read();
    expect(snapshot).toMatchObject({ branch: BRANCH, commit: null, found: false, history: [], errors: [] });
    expect(snapshot.skills.size).toBe(0);
  });

  it("orders history oldest first and replaces a skill's entries with the newest run's", async () => {
    const store = await storeFor(repo);
    const times = ["2026-11-03T03:00:00.000Z", "2026-11-01T03:00:00.000Z", "2026-11-02T03:00:00.000Z"];
    // Written out of time order on purpose: history is ordered by run time, not by write order.
    for (const [i, time] of times.entries()) {
      const s = await storeFor(repo, { runId: `run-${i}` });
      await s.write(runReport(`run-${i}`, time, [{ skill: SKILL_A, cases: i === 2 ? ["case-1"] : ["case-1", "case-2"] }]));
    }
    const snapshot = await store.read();
    const runs = [...new Set(snapshot.history.map((p) => p.runId))];
    expect(runs).toEqual(["run-1", "run-2", "run-0"]);
    expect(snapshot.history.map((p) => p.time)).toEqual([...snapshot.history.map((p) => p.time)].sort());
    // The last write (run-2, cases: case-1 only) replaced the entries: case-2 is gone.
    const entries = snapshot.skills.get(SKILL_A)?.entries ?? [];
    expect(entries.map((e) => `${e.caseId}/${e.model}`).sort()).toEqual([`case-1/${HAIKU}`, `case-1/${SONNET}`]);
    expect(new Set(entries.map((e) => e.recordedAt))).toEqual(new Set([times[2]]));
  });
});

describe("GitBaselineStore: the user's checkout is never touched", () => {
  it("leaves working tree, index, HEAD and current branch as they were, uncommitted changes included", async () => {
    await repo.branch("feature");
    await repo.commit("feature work", { "skills/summarize-thread/SKILL.md": "Summarize better.\n" });
    await writeFiles(repo.dir, { "README.md": "# edited, not staged\n", "staged.txt": "staged\n", "untracked.txt": "new\n" });
    await repo.git(["add", "staged.txt"]);
    await writeFile(join(repo.dir, "skills", "summarize-thread", "SKILL.md"), "Summarize, unstaged edit.\n");
    const before = await localState(repo);
    expect(before.status).not.toBe("");

    const store = await storeFor(repo, { runId: "r1" });
    await store.write(runReport("r1", "2026-11-01T03:00:00.000Z", [{ skill: SKILL_A }]));
    await store.read();
    await store.write(runReport("r2", "2026-11-02T03:00:00.000Z", [{ skill: SKILL_A }]));

    expect(await localState(repo)).toEqual(before);
    expect(await repo.git(["stash", "list"])).toBe("");
    expect(await repo.git(["config", "--local", "--get-regexp", "^user\\."])).not.toContain("skillbench@");
  });

  it("writes from a shallow clone, on top of the existing branch", async () => {
    const first = await (await storeFor(repo, { runId: "r1" })).write(runReport("r1", "2026-11-01T03:00:00.000Z", [{ skill: SKILL_A }]));
    const shallow = await repo.clone("shallow", { depth: 1 });
    expect(await shallow.git(["rev-parse", "--is-shallow-repository"])).toBe("true");
    const second = await (await storeFor(shallow, { runId: "r2" })).write(
      runReport("r2", "2026-11-02T03:00:00.000Z", [{ skill: SKILL_A }]),
    );
    expect(await origin(["rev-parse", `${second.commit}^`])).toBe(first.commit);
    const snapshot = await (await storeFor(repo)).read();
    expect([...new Set(snapshot.history.map((p) => p.runId))]).toEqual(["r1", "r2"]);
  });
});

describe("GitBaselineStore: corrupt files", () => {
  it("reports a corrupt skill file by name, leaves that skill out, keeps the others, and a write repairs it", async () => {
    await (await storeFor(repo, { runId: "r1" })).write(
      runReport("r1", "2026-11-01T03:00:00.000Z", [{ skill: SKILL_A }, { skill: SKILL_B }]),
    );
    await editBranch("editor", { [skillFileFor(SKILL_A)]: `{"schemaVersion": 1, "skill": ${JSON.stringify(SKILL_A)}, "entries": [` });

    const store = await storeFor(repo, { runId: "r2" });
    const snapshot = await store.read();
    expect(snapshot.errors).toHaveLength(1);
    expect(snapshot.errors[0]?.file).toBe(skillFileFor(SKILL_A));
    expect(snapshot.errors[0]?.skill).toBe(SKILL_A);
    expect(snapshot.errors[0]?.message).toMatch(new RegExp(`^${BRANCH}:${skillFileFor(SKILL_A)}: not valid JSON`));
    expect(snapshot.errors[0]?.message).toContain("next baseline write");
    expect(snapshot.skills.has(SKILL_A)).toBe(false);
    expect(snapshot.skills.get(SKILL_B)?.entries.length).toBe(4);
    expect(snapshot.history.filter((p) => p.skill === SKILL_A)).toHaveLength(2);

    await store.write(runReport("r2", "2026-11-02T03:00:00.000Z", [{ skill: SKILL_A }]));
    const repaired = await store.read();
    expect(repaired.errors).toEqual([]);
    expect(repaired.skills.get(SKILL_A)?.entries.length).toBe(4);
  });

  it("names the field of a skill file with the wrong shape", async () => {
    await (await storeFor(repo, { runId: "r1" })).write(runReport("r1", "2026-11-01T03:00:00.000Z", [{ skill: SKILL_A }]));
    const good = JSON.parse(await origin(["show", `${BRANCH}:${skillFileFor(SKILL_A)}`])) as { entries: Record<string, unknown>[] };
    const entry = good.entries[1];
    if (entry) entry.quality = "high";
    await editBranch("editor", { [skillFileFor(SKILL_A)]: JSON.stringify(good) });
    const snapshot = await (await storeFor(repo)).read();
    expect(snapshot.errors.map((e) => e.message)).toEqual([
      expect.stringContaining(`${BRANCH}:${skillFileFor(SKILL_A)}: entries[1].quality must be a number or null, found "high"`),
    ]);
    expect(snapshot.errors[0]?.skill).toBe(SKILL_A);
    expect(snapshot.skills.size).toBe(0);
  });

  it("treats a corrupt history file or runs file as empty history, reported, and rewrites them on the next write", async () => {
    await (await storeFor(repo, { runId: "r1" })).write(
      runReport("r1", "2026-11-01T03:00:00.000Z", [{ skill: SKILL_A }, { skill: SKILL_B }]),
    );
    await editBranch("editor-1", { [historyFileFor(SKILL_B)]: "[]" });
    let snapshot = await (await storeFor(repo)).read();
    expect(snapshot.errors.map((e) => e.file)).toEqual([historyFileFor(SKILL_B)]);
    expect(snapshot.errors[0]?.skill).toBeNull();
    expect(snapshot.errors[0]?.message).toContain("expected a JSON object");
    expect(new Set(snapshot.history.map((p) => p.skill))).toEqual(new Set([SKILL_A]));
    expect(snapshot.skills.size).toBe(2);

    await editBranch("editor-2", { "runs.json": '{"schemaVersion": 1, "columns": ["seq"], "runs": []}' });
    snapshot = await (await storeFor(repo)).read();
    expect(snapshot.errors.map((e) => e.file).sort()).toEqual([historyFileFor(SKILL_B), "runs.json"].sort());
    expect(snapshot.history).toEqual([]);
    expect(snapshot.skills.size).toBe(2);

    await (await storeFor(repo, { runId: "r2" })).write(
      runReport("r2", "2026-11-02T03:00:00.000Z", [{ skill: SKILL_A }, { skill: SKILL_B }]),
    );
    snapshot = await (await storeFor(repo)).read();
    expect(snapshot.errors).toEqual([]);
    expect([...new Set(snapshot.history.map((p) => p.runId))]).toEqual(["r2"]);
  });

  it("refuses to overwrite files written by a newer skillbench", async () => {
    await (await storeFor(repo, { runId: "r1" })).write(runReport("r1", "2026-11-01T03:00:00.000Z", [{ skill: SKILL_A }]));
    const future = JSON.parse(await origin(["show", `${BRANCH}:${skillFileFor(SKILL_A)}`])) as { schemaVersion: number };
    future.schemaVersion = 2;
    await editBranch("editor", { [skillFileFor(SKILL_A)]: JSON.stringify(future) });
    const tip = await origin(["rev-parse", BRANCH]);
    const store = await storeFor(repo, { runId: "r2" });
    expect((await store.read()).errors[0]?.message).toContain("schemaVersion is 2, newer than this skillbench");
    await expect(store.write(runReport("r2", "2026-11-02T03:00:00.000Z", [{ skill: SKILL_A }]))).rejects.toThrow(
      `refusing to write the baseline: ${BRANCH}:${skillFileFor(SKILL_A)}`,
    );
    expect(await origin(["rev-parse", BRANCH])).toBe(tip);
  });
});

describe("GitBaselineStore: concurrent writers", () => {
  it("lands every write from 5 clones started together, losing no history point", async () => {
    const writers = 5;
    const logs: string[] = [];
    const clones = await Promise.all(Array.from({ length: writers }, (_, i) => repo.clone(`writer-${i}`)));
    const reports = clones.map((_, i) =>
      runReport(`run-${i}`, new Date(Date.parse("2026-11-01T03:00:00Z") + i * 60_000).toISOString(), [
        { skill: SKILL_A, quality: 60 + i },
        { skill: `skills/own-${i}/SKILL.md`, models: [HAIKU] },
      ]),
    );
    const stores = await Promise.all(
      clones.map((clone, i) => storeFor(clone, { runId: `run-${i}`, maxPushAttempts: 10, log: (m) => logs.push(m) })),
    );
    const results = await Promise.all(stores.map((store, i) => store.write(reports[i] as Report)));

    const snapshot = await (await storeFor(await repo.clone("reader"))).read();
    expect(snapshot.errors).toEqual([]);
    // Every (run, skill, model) point is there.
    const points = new Set(snapshot.history.map((p) => `${p.runId}|${p.skill}|${p.model}`));
    const expected = reports.flatMap((r, i) =>
      r.skills.flatMap((s) => s.models.map((m) => `run-${i}|${s.skill}|${m.model}`)),
    );
    expect([...points].sort()).toEqual(expected.sort());
    expect(snapshot.history).toHaveLength(expected.length);
    for (let i = 0; i < writers; i++) expect(snapshot.skills.has(`skills/own-${i}/SKILL.md`)).toBe(true);
    // The shared skill keeps, per (case, model), the entry of the newest run (the last writer by time).
    const newest = reports[writers - 1] as Report;
    const shared = snapshot.skills.get(SKILL_A)?.entries ?? [];
    expect(shared).toHaveLength(4);
    for (const entry of shared) expect(entry.recordedAt).toBe(newest.generatedAt);
    // Each returned commit is in the final branch, and every lost race was logged once.
    const tip = await origin(["rev-parse", BRANCH]);
    expect(snapshot.commit).toBe(tip);
    for (const r of results) await origin(["merge-base", "--is-ancestor", r.commit, tip]);
    expect(logs).toHaveLength(results.reduce((sum, r) => sum + r.attempts - 1, 0));
    for (const line of logs) expect(line).toContain(`baseline push to "${BRANCH}" was rejected`);
    expect(await origin(["rev-list", "--count", BRANCH])).toBe(String(writers));
  });

  it("rebuilds on the new tip after losing a race, merging entries by recency and key", async () => {
    const other = await repo.clone("other");
    const logs: string[] = [];
    const sleeps: number[] = [];
    const inner = await gitFor(repo);
    let injected = false;
    let fastCommit = "";
    // A runner that lets another writer push just before this writer's first push: a guaranteed lost race.
    const racing: GitRunner = {
      async exec(args: string[], options?: GitExecOptions): Promise<GitResult> {
        if (args[0] === "push" && !injected) {
          injected = true;
          const fast = await (await storeFor(other, { runId: "fast" })).write(
            runReport("fast", "2026-11-01T04:00:00.000Z", [{ skill: SKILL_A, cases: ["case-1"], quality: 90 }]),
          );
          fastCommit = fast.commit;
        }
        return inner.exec(args, options);
      },
    };
    const slowReport = runReport("slow", "2026-11-01T03:00:00.000Z", [{ skill: SKILL_A, cases: ["case-1", "case-3"], quality: 50 }]);
    const store = new GitBaselineStore(racing, {
      branch: BRANCH,
      historyLimit: 30,
      runId: "slow",
      log: (m) => logs.push(m),
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
    const result = await store.write(slowReport);
    expect(result.attempts).toBe(2);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/rejected \(the branch moved: .*(fetch first|failed to update ref|non-fast-forward)/);
    expect(logs[0]).toContain("attempt 2; retrying for up to 120 s");
    expect(sleeps).toHaveLength(1);
    // The first retry waits in [min, 2 x min] of the default 100-5000 ms.
    expect(sleeps[0]).toBeGreaterThanOrEqual(100);
    expect(sleeps[0]).toBeLessThanOrEqual(200);

    const snapshot = await store.read();
    expect([...new Set(snapshot.history.map((p) => p.runId))]).toEqual(["slow", "fast"]);
    const entries = snapshot.skills.get(SKILL_A)?.entries ?? [];
    const origins = Object.fromEntries(entries.map((e) => [`${e.caseId}/${e.model}`, e.key.endsWith("-fast") ? "fast" : "slow"]));
    // case-1 was recorded by both; the concurrent run is newer, so its entries stay although "slow" pushed last.
    expect(origins).toEqual({
      [`case-1/${SONNET}`]: "fast",
      [`case-1/${HAIKU}`]: "fast",
      [`case-3/${SONNET}`]: "slow",
      [`case-3/${HAIKU}`]: "slow",
    });
    expect(await origin(["rev-parse", BRANCH])).toBe(result.commit);
    expect(await origin(["rev-parse", `${result.commit}^`])).toBe(fastCommit);
  });

  it("8 writers x 5 rounds at once: every run's commit is recorded and every file is valid JSON", async () => {
    const writers = 8;
    const rounds = 5;
    const clones = await Promise.all(Array.from({ length: writers }, (_, i) => repo.clone(`busy-${i}`)));
    const runIds: string[] = [];
    const attempts: number[] = [];
    const reports = new Map<string, Report>();
    await Promise.all(
      clones.map(async (clone, w) => {
        const git = await gitFor(clone);
        for (let r = 0; r < rounds; r += 1) {
          const id = `w${w}-r${r}`;
          const rep = runReport(id, new Date(Date.parse("2026-11-01T03:00:00Z") + (r * writers + w) * 1000).toISOString(), [
            { skill: SKILL_A, quality: 50 + r, cases: ["case-1"] },
            { skill: `skills/writer-${w}/SKILL.md`, models: [HAIKU], cases: ["case-1"] },
          ]);
          runIds.push(id);
          reports.set(id, rep);
          // Short real delays: the race is real (8 processes pushing to one bare origin), the waits are small.
          const store = new GitBaselineStore(git, {
            branch: BRANCH,
            historyLimit: 100,
            runId: id,
            retryDelayMs: { min: 5, max: 80 },
          });
          attempts.push((await store.write(rep)).attempts);
        }
      }),
    );
    // The writers did race (5 push attempts, the old limit, would have lost some of these runs).
    expect(Math.max(...attempts)).toBeGreaterThan(1);

    const tip = await origin(["rev-parse", BRANCH]);
    const files = (await origin(["ls-tree", "-r", "--name-only", tip])).split("\n").filter((f) => f.endsWith(".json"));
    expect(files.length).toBeGreaterThan(writers);
    for (const file of files) {
      const text = await origin(["show", `${tip}:${file}`]);
      expect(() => JSON.parse(text), file).not.toThrow();
    }
    const runs = JSON.parse(await origin(["show", `${tip}:runs.json`])) as unknown;
    const recorded = JSON.stringify(runs);
    for (const id of runIds) {
      expect(recorded, id).toContain(`"${id}"`);
      expect(recorded, id).toContain((reports.get(id) as Report).commit as string);
    }
    const snapshot = await (await storeFor(await repo.clone("busy-reader"))).read();
    expect(snapshot.errors).toEqual([]);
    expect(new Set(snapshot.history.map((p) => p.runId)).size).toBe(writers * rounds);
    expect(await origin(["rev-list", "--count", BRANCH])).toBe(String(writers * rounds));
  }, 300_000);

  it("keeps retrying a branch that keeps moving until the time budget is spent, then says so", async () => {
    const inner = await gitFor(repo);
    let pushes = 0;
    // Every push loses the race: the remote answers like a branch that moved.
    const alwaysLosing: GitRunner = {
      async exec(args: string[], options?: GitExecOptions): Promise<GitResult> {
        if (args[0] !== "push") return inner.exec(args, options);
        pushes += 1;
        return {
          code: 1,
          stdout: `To origin\n!\trefs/heads/x:refs/heads/${BRANCH}\t[rejected] (fetch first)\nDone\n`,
          stderr: "error: failed to push some refs to 'origin'\n",
        };
      },
    };
    let clock = Date.parse("2026-11-01T03:00:00Z");
    const sleeps: number[] = [];
    const store = new GitBaselineStore(alwaysLosing, {
      branch: BRANCH,
      historyLimit: 30,
      runId: "stuck",
      pushBudgetMs: 10_000,
      retryDelayMs: { min: 500, max: 2000 },
      now: () => new Date(clock),
      sleep: async (ms) => {
        sleeps.push(ms);
        clock += ms;
      },
      random: () => 1,
    });
    const error = await store.write(runReport("stuck", "2026-11-01T03:00:00.000Z", [{ skill: SKILL_A }])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/after \d+ attempts over 1[01] s: it kept changing under concurrent writers/);
    // Waits of 1, 2, 2, 2, 2, 2 s (random 1 = the ceiling): the 7th push comes at 11 s, past the 10 s budget.
    expect(sleeps).toEqual([1000, 2000, 2000, 2000, 2000, 2000]);
    expect(pushes).toBe(7);
  });

  it("throws a clear error, without retrying, when the remote refuses the push", async () => {
    const hookLog = join(repo.root, "hook.log");
    const hook = join(repo.originDir, "hooks", "pre-receive");
    await writeFile(hook, `#!/bin/sh\necho called >> "${hookLog}"\necho "baseline pushes are frozen" >&2\nexit 1\n`, { mode: 0o755 });
    const store = await storeFor(repo, { runId: "r1" });
    const error = await store.write(runReport("r1", "2026-11-01T03:00:00.000Z", [{ skill: SKILL_A }])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain(`could not push the baseline to branch "${BRANCH}" of origin`);
    expect((error as Error).message).toContain("pre-receive hook declined");
    expect((await readFile(hookLog, "utf8")).trim().split("\n")).toEqual(["called"]);
  });
});

describe("GitBaselineStore: retention", () => {
  it("keeps the newest N runs per skill and drops run metadata no skill refers to", async () => {
    const day = (n: number) => `2026-11-${String(n).padStart(2, "0")}T03:00:00.000Z`;
    await (await storeFor(repo, { runId: "r1", historyLimit: 3 })).write(
      runReport("r1", day(1), [{ skill: SKILL_A }, { skill: SKILL_B }]),
    );
    for (let n = 2; n <= 5; n++) {
      await (await storeFor(repo, { runId: `r${n}`, historyLimit: 3 })).write(runReport(`r${n}`, day(n), [{ skill: SKILL_A }]));
    }
    const snapshot = await (await storeFor(repo)).read();
    const runsOf = (skill: string) => [...new Set(snapshot.history.filter((p) => p.skill === skill).map((p) => p.runId))];
    expect(runsOf(SKILL_A)).toEqual(["r3", "r4", "r5"]);
    expect(runsOf(SKILL_B)).toEqual(["r1"]);
    const runsFile = JSON.parse(await origin(["show", `${BRANCH}:runs.json`])) as { runs: unknown[][] };
    expect(runsFile.runs.map((row) => row[1])).toEqual(["r1", "r3", "r4", "r5"]);
  });
});

describe("baseline layout: size budget", () => {
  it("keeps 100 skills x 3 models x 365 runs under 4 MB with no file over 1 MB", () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const skills = Array.from({ length: 100 }, (_, i) => `skills/benchmark-skill-number-${i}/SKILL.md`);
    const models = [SONNET, HAIKU, "claude-opus-4-8"];
    const metrics = (): MetricSet => ({
      quality: 40 + random() * 60,
      faithfulness: 40 + random() * 60,
      relevancy: 40 + random() * 60,
      precision: 40 + random() * 60,
      recall: random() < 0.05 ? null : 40 + random() * 60,
      costUsd: 0.0002 * 300 ** random(),
      latencyMsP50: 700 + random() * 30_000,
    });
    const runId = (r: number) => `${18_000_000_000 + r * 977}-1`;
    const time = (r: number) => new Date(Date.parse("2026-01-01T03:00:00Z") + r * 86_400_000).toISOString();
    const commit = (r: number) => (r * 2654435761).toString(16).padStart(40, "0").slice(-40);

    // 365 runs laid down directly, then one more through applyRun with a 365-run limit: retention drops run 0.
    const data: BranchData = emptyBranchData();
    for (let r = 0; r < 365; r++) {
      data.runs.set(runId(r), { seq: r + 1, id: runId(r), commit: commit(r), time: time(r), mode: "baseline" });
    }
    data.maxSeq = 365;
    for (const skill of skills) {
      const points: HistoryPoint[] = [];
      for (let r = 0; r < 365; r++) {
        for (const model of models) {
          points.push({ runId: runId(r), commit: commit(r), time: time(r), mode: "baseline", skill, model, metrics: metrics() });
        }
      }
      data.history.set(skill, points);
    }
    const last: RunContribution = {
      run: { id: runId(365), commit: commit(365), time: time(365), mode: "baseline" },
      skills: skills.map((skill) => ({ skill, baseline: null, points: models.map((model) => ({ model, metrics: metrics() })) })),
    };
    const merged = applyRun(data, data, last, 365);
    const files = filesForWrite(merged, skills);

    let total = 0;
    let largest = 0;
    for (const content of files.values()) {
      const bytes = Buffer.byteLength(content, "utf8");
      total += bytes;
      largest = Math.max(largest, bytes);
    }
    expect(files.size).toBe(102); // README, runs.json and one history file per skill
    expect(total).toBeLessThan(4_000_000);
    expect(largest).toBeLessThan(1_000_000);

    // And it is all still there: 365 runs per skill, values as rounded on write.
    const parsed = parseBranch(files);
    expect(parsed.problems).toEqual([]);
    expect(parsed.data.runs.size).toBe(365);
    expect(parsed.data.runs.has(runId(0))).toBe(false);
    const sample = parsed.data.history.get(skills[17] as string) ?? [];
    expect(sample).toHaveLength(365 * 3);
    const original = merged.history.get(skills[17] as string) ?? [];
    const key = (p: HistoryPoint) => `${p.runId}|${p.model}`;
    const originalByKey = new Map(original.map((p) => [key(p), p]));
    for (const point of sample) expect(point.metrics).toEqual(roundedMetrics(originalByKey.get(key(point))?.metrics ?? metrics()));
  });
});

describe("GitBaselineStore: secrets", () => {
  it("never puts the token in errors or logs, while still sending it to the server", async () => {
    const token = "ghs_SecretBaselineToken0123456789abcdef";
    const basic = Buffer.from(`x-access-token:${token}`).toString("base64");
    await (await storeFor(repo, { runId: "r1" })).write(runReport("r1", "2026-11-01T03:00:00.000Z", [{ skill: SKILL_A }]));
    // A read-only server (git's dumb HTTP protocol cannot push) stands in for a remote that refuses writes.
    const server = await serveDumbHttp(repo.originDir);
    try {
      const clone = await repo.clone("http-user");
      await clone.git(["remote", "set-url", "origin", server.repoUrl]);
      const logs: string[] = [];
      const git = await gitFor(clone, { token, serverUrl: server.serverUrl });
      const store = await storeFor(clone, { runId: "r2", log: (m) => logs.push(m), sleep: async () => undefined }, git);
      const snapshot = await store.read();
      expect(snapshot.found).toBe(true);
      expect(server.requests.length).toBeGreaterThan(0);
      for (const request of server.requests) expect(request.authorization).toBe(`basic ${basic}`);

      const error = await store.write(runReport("r2", "2026-11-02T03:00:00.000Z", [{ skill: SKILL_A }])).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      const message = (error as Error).message;
      expect(message).toContain(`could not push the baseline to branch "${BRANCH}"`);
      for (const text of [message, ...logs]) {
        expect(text).not.toContain(token);
        expect(text).not.toContain(basic);
      }
      const config = await clone.git(["config", "--list", "--show-origin"]);
      expect(config).not.toContain(basic);
    } finally {
      await server.close();
    }
  });

  it("keeps the token out of fetch errors from a server that refuses it", async () => {
    const token = "ghs_AnotherSecret9876543210";
    const server = await serveDumbHttp(repo.originDir, () => 401);
    try {
      const clone = await repo.clone("http-denied");
      await clone.git(["remote", "set-url", "origin", server.repoUrl]);
      const git = await gitFor(clone, { token, serverUrl: server.serverUrl });
      const store = await storeFor(clone, {}, git);
      const error = await store.read().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toContain(`could not fetch baseline branch "${BRANCH}" from origin`);
      expect((error as Error).message).not.toContain(token);
      expect((error as Error).message).not.toContain(Buffer.from(`x-access-token:${token}`).toString("base64"));
    } finally {
      await server.close();
    }
  });
});

describe("GitBaselineStore: the baseline never degrades", () => {
  /** `good` turned into the given failure for `model`: same cases, model and judge, no scores. */
  function outage(good: Report, model: string, failure: { error?: string; judgeError?: string }): Report {
    const skills = good.skills.map((s) => ({
      ...s,
      results: s.results.map((r) =>
        r.model !== model
          ? r
          : {
              ...r,
              quality: null,
              faithfulness: null,
              relevancy: null,
              precision: null,
              recall: null,
              judged: false,
              judgeNotes: null,
              output: failure.error ? null : r.output,
              error: failure.error ?? null,
              judgeError: failure.judgeError ?? null,
            },
      ),
    }));
    return { ...good, skills };
  }

  it("keeps good entries, with their recordedAt, when a later run failed or went unjudged on the same cases", async () => {
    const good = runReport("good", "2026-11-01T03:00:00.000Z", [{ skill: SKILL_A, quality: 80 }]);
    await (await storeFor(repo, { runId: "good" })).write(good);
    const later = runReport("later", "2026-11-02T03:00:00.000Z", [{ skill: SKILL_A, quality: 60 }]);
    const failed = outage(outage(later, SONNET, { error: "server: HTTP 500 api_error: down" }), HAIKU, { judgeError: "judge call failed: HTTP 500" });
    // Haiku's second case is judged in the later run: it replaces the good one as before.
    const haikuCase2 = failed.skills[0]?.results.find((r) => r.model === HAIKU && r.caseId === "case-2");
    if (haikuCase2) Object.assign(haikuCase2, { quality: 61, faithfulness: 61, relevancy: 61, precision: 61, recall: 61, judged: true, judgeError: null });
    await (await storeFor(repo, { runId: "later" })).write(failed);

    const entries = (await (await storeFor(repo)).read()).skills.get(SKILL_A)?.entries ?? [];
    const view = Object.fromEntries(entries.map((e) => [`${e.caseId}/${e.model}`, [e.quality, e.error, e.recordedAt]]));
    expect(view).toEqual({
      [`case-1/${SONNET}`]: [80, null, "2026-11-01T03:00:00.000Z"],
      [`case-2/${SONNET}`]: [81, null, "2026-11-01T03:00:00.000Z"],
      [`case-1/${HAIKU}`]: [80, null, "2026-11-01T03:00:00.000Z"],
      [`case-2/${HAIKU}`]: [61, null, "2026-11-02T03:00:00.000Z"],
    });
  });

  it("records a failed entry where the branch has nothing usable for that case (a changed case, or nothing yet)", async () => {
    const good = runReport("good", "2026-11-01T03:00:00.000Z", [{ skill: SKILL_A, models: [SONNET], quality: 80 }]);
    await (await storeFor(repo, { runId: "good" })).write(good);
    const later = outage(runReport("later", "2026-11-02T03:00:00.000Z", [{ skill: SKILL_A, models: [SONNET], quality: 60 }]), SONNET, {
      error: "server: HTTP 500 api_error: down",
    });
    const changed = later.skills[0]?.results.find((r) => r.caseId === "case-2");
    if (changed) changed.caseHash = "case-hash-case-2-edited";
    await (await storeFor(repo, { runId: "later" })).write(later);
    const entries = (await (await storeFor(repo)).read()).skills.get(SKILL_A)?.entries ?? [];
    const view = Object.fromEntries(entries.map((e) => [e.caseId, [e.quality, e.error]]));
    expect(view).toEqual({ "case-1": [80, null], "case-2": [null, "server: HTTP 500 api_error: down"] });
  });
});
