// The HTML report in a real browser: the system Chromium (Debian package), driven by playwright-core (which
// downloads no browser). The test opens the written file over file://, reads the verdict and a word diff,
// clicks the filters, checks that an output's markup never runs, and saves a screenshot for a person to look at.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Redactor } from "../src/redact.js";
import { baseCaseKey } from "../src/report/html.js";
import { writeHtmlReport } from "../src/report/write.js";
import { summarizeModel } from "../src/triggers.js";
import type { TriggerQueryResult, TriggerSample } from "../src/types.js";
import { upliftOf } from "../src/uplift.js";
import { caseResult, compared, historyRuns, report, skillReport } from "./support/report-factory.js";

const CHROMIUM = process.env.SKILLBENCH_CHROMIUM ?? "/usr/bin/chromium";
const available = existsSync(CHROMIUM);
// In CI (.ci/run installs chromium) the test must run: a missing browser fails it there instead of skipping.
const runIt = available || process.env.CI === "true";
const SCREENSHOT = resolve(__dirname, "..", "out", "html-report.png");

const SUMMARIZE = "skills/summarize-thread/SKILL.md";
const TRIAGE = "skills/triage-bug/SKILL.md";
const ATTACK = `<script>window.__pwned=1</script> "><img src=x onerror="window.__pwned=2">`;

function sample() {
  const summarizeModels = [
    compared("claude-sonnet-5", { quality: 62 }, { quality: 81 }, { regressed: true, regressions: ["quality −19.0 (threshold 5)"] }),
    compared("claude-haiku-4-5", { quality: 78 }, { quality: 77 }),
  ];
  const triageModels = [compared("claude-sonnet-5", { quality: 88 }, { quality: 86 }), compared("claude-haiku-4-5", { quality: 80 }, { quality: 80 })];
  // triage-bug ran its without-skill control on sonnet: the control answer is hostile text too.
  const triageResults = [
    caseResult({ caseId: "crash", model: "claude-sonnet-5", quality: 88, output: "Severity: high. Component: parser." }),
    caseResult({ caseId: "crash", model: "claude-haiku-4-5", quality: 80, output: "Severity: high. Component: lexer." }),
    caseResult({ caseId: "hang", model: "claude-sonnet-5", quality: 84, output: "Severity: medium. Component: scheduler." }),
  ];
  const triageControl = [
    caseResult({ caseId: "crash", model: "claude-sonnet-5", quality: 60, output: `It is a bug. ${ATTACK}` }),
    caseResult({ caseId: "hang", model: "claude-sonnet-5", quality: 62, output: "Probably slow." }),
  ];
  const sonnetUplift = upliftOf("claude-sonnet-5", triageResults, triageControl);
  const triageWithUplift = triageModels.map((m) => (m.model === "claude-sonnet-5" ? { ...m, uplift: sonnetUplift } : m));
  const s = (invoked: string | null): TriggerSample => ({ invoked, error: null, costUsd: 0.001, latencyMs: 90 });
  const queries: TriggerQueryResult[] = [
    { query: `Why does the parser crash? ${ATTACK}`, kind: "should", model: "claude-sonnet-5", samples: [s("triage-bug"), s("triage-bug"), s("summarize-thread")] },
    { query: "Summarize this thread", kind: "should-not", model: "claude-sonnet-5", samples: [s("summarize-thread"), s(null), s("summarize-thread")] },
  ];
  const theReport = report({
    skills: [
      skillReport({
        skill: SUMMARIZE,
        name: "summarize-thread",
        models: summarizeModels,
        results: [
          caseResult({
            caseId: "long-thread",
            model: "claude-sonnet-5",
            quality: 45,
            output: `The team agreed to ship on Friday. Alice owns the rollout. ${ATTACK}`,
            judgeNotes: "Misses the decision to delay; invents an owner.",
          }),
          caseResult({ caseId: "short-thread", model: "claude-sonnet-5", quality: 79, output: "Bob asks for a review of the patch." }),
          caseResult({ caseId: "long-thread", model: "claude-haiku-4-5", quality: 77, output: "The team agreed to delay the release to Monday." }),
          caseResult({ caseId: "short-thread", model: "claude-haiku-4-5", quality: null, judged: false, output: null, error: "HTTP 529 overloaded" }),
        ],
      }),
      skillReport({
        skill: TRIAGE,
        name: "triage-bug",
        models: triageWithUplift,
        results: triageResults,
        controlResults: triageControl,
      }),
    ],
    triggers: [
      {
        skill: TRIAGE, name: "triage-bug", benchmark: "benchmarks/triage-bug.yml", samples: 3, reason: "with the benchmark", compared: "no-base",
        models: [summarizeModel("triage-bug", "claude-sonnet-5", queries, 10)], queries, verdict: "pass", verdictReasons: [], costUsd: 0.006, calls: 6,
      },
    ],
  });
  const baseCases = new Map([
    [baseCaseKey(SUMMARIZE, "long-thread", "claude-sonnet-5"), { quality: 84, output: "The team agreed to delay the release to Monday. Alice owns the rollout." }],
    [baseCaseKey(SUMMARIZE, "short-thread", "claude-sonnet-5"), { quality: 78, output: "Bob asks for a review of the patch." }],
    [baseCaseKey(SUMMARIZE, "long-thread", "claude-haiku-4-5"), { quality: 76 }],
  ]);
  const history = historyRuns({
    runs: 8,
    skills: [SUMMARIZE, TRIAGE],
    models: ["claude-sonnet-5", "claude-haiku-4-5"],
    quality: (run, _skill, model) => (model === "claude-sonnet-5" ? 80 + (run % 3) : 74 + (run % 4)),
  });
  return { theReport, baseCases, history };
}

describe.runIf(runIt)("HTML report in Chromium", () => {
  let context: BrowserContext;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "skillbench-html-"));
    // A fresh profile per run (playwright passes it as --user-data-dir).
    context = await chromium.launchPersistentContext(join(dir, "profile"), {
      executablePath: CHROMIUM,
      viewport: { width: 1280, height: 900 },
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("shows the verdict and a word diff, filters rows, never runs an output's markup, and works offline", async () => {
    const { theReport, baseCases, history } = sample();
    const path = join(dir, "report.html");
    await writeHtmlReport(path, theReport, { baseCases, history, runUrl: "https://github.com/o/r/actions/runs/1" }, new Redactor([]));

    const requests: string[] = [];
    context.on("request", (request) => {
      if (!request.url().startsWith("file:")) requests.push(request.url());
    });
    const errors: string[] = [];
    const page = await context.newPage();
    page.on("pageerror", (error) => errors.push(error.message));
    // A CSP violation (a blocked script, style or resource) is logged as a console error.
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(message.text());
    });
    await page.goto(pathToFileURL(path).href);

    expect((await page.locator("#verdict").textContent())?.trim()).toBe("regressed");
    const first = page.locator("details.case").first();
    expect((await first.locator("del").allTextContents()).map((t) => t.trim())).toEqual(["delay the release to Monday."]);
    expect((await first.locator("ins").allTextContents()).join("")).toContain("ship on Friday.");
    await expect.poll(() => first.locator("ins").first().isVisible()).toBe(true);
    expect(await page.locator("text=base output not stored").count()).toBeGreaterThan(0);
    expect(await page.locator(".trend svg polyline").count()).toBeGreaterThan(0);

    // The output's markup is text on the page, and none of it ran.
    expect(await first.locator("pre.out").last().textContent()).toContain("<script>window.__pwned=1</script>");
    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator("img").count()).toBe(0);

    // The uplift table, the control's answer in a case (as text), and the triggers section render.
    expect(await page.locator("table.uplift tr.uplift-row").count()).toBe(1);
    expect(await page.locator("table.uplift").textContent()).toMatch(/\+25\.0 \[.*\], n=2/);
    const control = page.locator("section.skill[data-skill='1'] details.control").first();
    await control.locator("xpath=ancestor::details[contains(@class,'case')]").evaluate((el) => ((el as unknown as { open: boolean }).open = true));
    await control.locator("summary").click();
    await expect.poll(() => control.locator("pre.out").isVisible()).toBe(true);
    expect(await control.locator("pre.out").textContent()).toContain('<img src=x onerror="window.__pwned=2">');
    expect(await page.locator("#triggers tr.trigger-row").textContent()).toContain("67%");
    expect(await page.locator("#triggers tr.trigger-row").textContent()).toContain("1/3 went to summarize-thread");
    const queriesBlock = page.locator("#triggers details.trigger-queries");
    await queriesBlock.locator("summary").click();
    expect(await queriesBlock.locator("td.query").first().textContent()).toContain("<script>window.__pwned=1</script>");

    // Screenshot before filtering, for a person to look at.
    await mkdir(resolve(SCREENSHOT, ".."), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    const cases = page.locator("details.case");
    const visible = async () => (await cases.evaluateAll((els) => els.filter((el) => !(el as unknown as { hidden: boolean }).hidden).length)) as number;
    expect(await visible()).toBe(7);
    await page.locator("#f-regressed").check();
    expect(await visible()).toBe(2);
    expect(await page.locator("section.skill[data-skill='1']:not(.trigger-skill)").isHidden()).toBe(true);
    expect(await page.locator("tr.model-row:visible").count()).toBe(1);
    expect(await page.locator("section.trigger-skill").isHidden()).toBe(true);
    expect((await page.locator("#f-count").textContent())?.trim()).toBe("2 case(s) shown");
    await page.locator("#f-regressed").uncheck();
    await page.locator("#f-model").selectOption("claude-haiku-4-5");
    expect(await visible()).toBe(3);
    expect(await page.locator("tr.trigger-row:visible").count()).toBe(0);
    await page.locator("#f-skill").selectOption({ label: "triage-bug" });
    expect(await visible()).toBe(1);
    await page.locator("#f-model").selectOption("claude-sonnet-5");
    expect(await page.locator("tr.trigger-row:visible").count()).toBe(1);
    expect(await page.locator("section.trigger-skill").isVisible()).toBe(true);
    expect(await page.locator("section.skill[data-skill='0']").isHidden()).toBe(true);

    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
  }, 60_000);
});
