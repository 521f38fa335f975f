// Grouping pair errors by cause, so a failure is named once; the baseline recording rule.
import { describe, expect, it } from "vitest";
import { baselineRecordingFailure, causeOf, causesText, notRunError } from "../src/verdict.js";
import { caseResult, report, skillReport } from "./support/report-factory.js";

const failedPair = (error: string, caseId = "c") =>
  caseResult({ caseId, output: null, quality: null, faithfulness: null, relevancy: null, precision: null, recall: null, judged: false, error });

describe("causeOf", () => {
  it.each([
    [
      "server: the call to claude-sonnet-5 failed after 3 attempts: HTTP 500 api_error: Internal server error (simulated). (request-id req_abc) (after 3 attempts)",
      "HTTP 500 api_error",
    ],
    [
      "not-found: model claude-sonet-5 was not found (HTTP 404 not_found_error: model: claude-sonet-5 (request-id req_1)); check the model id",
      "model claude-sonet-5 was not found (HTTP 404)",
    ],
    ["not run: model claude-sonet-5 was not found (HTTP 404) (on an earlier call)", "model claude-sonet-5 was not found (HTTP 404)"],
    [
      "auth: the API rejected the key for claude-haiku-4-5 (HTTP 401 authentication_error: invalid x-api-key); check anthropic-api-key / ANTHROPIC_API_KEY",
      "the API rejected the key (HTTP 401 authentication_error): check anthropic-api-key / ANTHROPIC_API_KEY",
    ],
    [
      "spend-cap: the API's spend limit was reached for claude-haiku-4-5 (HTTP 429 rate_limit_error: You have reached your specified API usage limits); it will not clear by retrying",
      "the API's spend limit was reached: raise it in the Anthropic Console or wait for it to reset",
    ],
    [
      "judge call failed after 1 attempt(s): model claude-opus-9 was not found (HTTP 404 not_found_error: model: claude-opus-9); check the model id",
      "judge model claude-opus-9 was not found (HTTP 404)",
    ],
    ["judge answer is not valid JSON (Unexpected token H): Here is my assessment of case 7", "judge answer is not valid JSON"],
    ["refusal: the model refused to answer (stop_reason refusal)", "the model refused to answer"],
  ])("%s", (message, cause) => {
    expect(causeOf(message)).toBe(cause);
  });

  it("round-trips the not-run error of a stopped model", () => {
    const cause = "model x was not found (HTTP 404)";
    expect(causeOf(notRunError(cause))).toBe(cause);
    expect(causeOf(notRunError(cause, "judged"))).toBe(cause);
  });
});

describe("causesText", () => {
  it("names one cause alone and counts several, most frequent first", () => {
    const http500 = "server: the call to m failed after 3 attempts: HTTP 500 api_error: boom (request-id req_X)";
    expect(causesText([failedPair(http500.replace("X", "1")), failedPair(http500.replace("X", "2"))])).toBe("HTTP 500 api_error");
    const notFound = "not-found: model m was not found (HTTP 404 not_found_error: model: m); check the model id";
    expect(causesText([failedPair(notFound), failedPair(http500), failedPair(notFound)])).toBe(
      "2 × model m was not found (HTTP 404); 1 × HTTP 500 api_error",
    );
  });
});

describe("baselineRecordingFailure", () => {
  const results = (good: number, bad: number) => [
    ...Array.from({ length: good }, (_, i) => caseResult({ caseId: `g${i}` })),
    ...Array.from({ length: bad }, (_, i) => failedPair("server: HTTP 500 api_error: down", `b${i}`)),
  ];

  it("records when at most half of the pairs failed", () => {
    expect(baselineRecordingFailure(report({ mode: "baseline", skills: [skillReport({ results: results(3, 3) })] }))).toBeNull();
  });

  it("refuses when most pairs failed or went unjudged, saying how many and why", () => {
    const unjudged = caseResult({ caseId: "u", judged: false, quality: null, judgeError: "judge answer is not valid JSON (x): y" });
    const failure = baselineRecordingFailure(report({ mode: "baseline", skills: [skillReport({ results: [...results(2, 2), unjudged] })] }));
    expect(failure).toEqual({
      cause:
        "baseline not recorded: 3 of 5 pairs failed or went unjudged (more than 50%): 2 × HTTP 500 api_error; " +
        "1 × judge answer is not valid JSON; the previous baseline is kept",
      failed: 3,
      pairs: 5,
    });
  });
});
