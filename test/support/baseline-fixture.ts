// The reports behind test/fixtures/baseline-v1: three runs over two skills, with the cases a baseline file must
// carry byte for byte (failed and unjudged pairs, a cut output, non-ASCII text, graded expectations and checks,
// a model missing from one run, a model id with a slash, long cost digits). The fixture files were written by
// the baseline writer as it was before the layout split; test/baseline-format.test.ts reads them back and checks
// that writing them again gives the same bytes.

import type { Report } from "../../src/types.js";
import { caseResult, modelSummary, report, skillReport } from "./report-factory.js";

export const FIXTURE_SKILL_A = "skills/summarize-thread/SKILL.md";
export const FIXTURE_SKILL_B = "prompts/Explain SQL.md";
export const FIXTURE_HISTORY_LIMIT = 10;

const SONNET = "claude-sonnet-5";
const HAIKU = "claude-haiku-4-5";
const SLASHED = "vendor/claude-x";

/** The runs in the order they were recorded: [runId, report]. */
export function fixtureRuns(): [string, Report][] {
  const long = `${"Zusammenfassung — ".repeat(1200)}end`;
  const run1 = report({
    mode: "baseline",
    generatedAt: "2026-10-01T03:00:00.000Z",
    commit: "1111111111111111111111111111111111111111",
    skills: [
      skillReport({
        skill: FIXTURE_SKILL_A,
        models: [modelSummary({ model: SONNET, quality: 90 }), modelSummary({ model: HAIKU, quality: 70.05 })],
        results: [caseResult({ caseId: "case-2", model: HAIKU, quality: 70.05 })],
      }),
      skillReport({
        skill: FIXTURE_SKILL_B,
        name: "explain-sql",
        models: [modelSummary({ model: SLASHED, quality: 0, costUsd: 0 })],
        results: [caseResult({ caseId: "only", model: SLASHED, quality: 0, costUsd: 0 })],
      }),
    ],
  });
  const run2 = report({
    mode: "baseline",
    generatedAt: "2026-10-02T03:00:00.000Z",
    commit: null,
    skills: [
      skillReport({
        skill: FIXTURE_SKILL_A,
        models: [modelSummary({ model: SONNET, quality: 83.333333, precision: null })],
        results: [
          caseResult({ caseId: "case-1", model: SONNET, quality: 83.333333, judgements: 2, output: "" }),
          // Judged here and failed in run 3: the branch keeps this one.
          caseResult({ caseId: "case-2", model: HAIKU, quality: 66.6 }),
        ],
      }),
    ],
  });
  const run3 = report({
    mode: "pr",
    generatedAt: "2026-10-03T03:00:00.000Z",
    commit: "3333333333333333333333333333333333333333",
    skills: [
      skillReport({
        skill: FIXTURE_SKILL_A,
        models: [modelSummary({ model: SONNET }), modelSummary({ model: HAIKU, quality: null, costUsd: null })],
        results: [
          caseResult({
            caseId: "case-1",
            model: SONNET,
            output: "Résumé: ✓ done \"quoted\"\nsecond line",
            expectations: [
              { text: "names the owner", passed: true, evidence: "owner is named" },
              { text: "gives a date", passed: false, evidence: "no date" },
            ],
            checks: [
              { type: "contains", value: "Résumé", passed: true, message: "" },
              { type: "max-latency-ms", value: 2000, passed: null, message: "" },
              { type: "is-json", value: null, passed: false, message: "" },
              { type: "json-schema", value: { type: "object", required: ["a"] }, passed: false, message: "" },
            ],
          }),
          caseResult({ caseId: "case-2", model: SONNET, output: long, quality: 61.25, costUsd: 0.0012345678, latencyMs: 1234.5 }),
          caseResult({
            caseId: "case-1",
            model: HAIKU,
            output: null,
            quality: null,
            faithfulness: null,
            relevancy: null,
            precision: null,
            recall: null,
            matchesExpected: null,
            error: "HTTP 500 from the API",
            judged: false,
            judgements: 0,
            costUsd: null,
            latencyMs: null,
          }),
          caseResult({
            caseId: "case-2",
            model: HAIKU,
            quality: null,
            faithfulness: null,
            relevancy: null,
            precision: null,
            recall: null,
            matchesExpected: null,
            judgeError: "judge answer was not JSON",
            judged: false,
            judgements: 0,
          }),
        ],
      }),
      skillReport({
        skill: FIXTURE_SKILL_B,
        name: "explain-sql",
        models: [modelSummary({ model: SLASHED, costUsd: 0.000123456789, latencyMsP50: 812.6 })],
        results: [caseResult({ caseId: "only", model: SLASHED, generations: 3, costUsd: 0.03, judgements: 3 })],
      }),
    ],
  });
  return [
    ["run-2026-10-01", run1],
    ["run-2026-10-02", run2],
    ["run-2026-10-03", run3],
  ];
}
