// JSON Schema of Anthropic skill-creator's benchmark.json (skills/skill-creator/references/schemas.md in
// github.com/anthropics/skills: "benchmark.json", read by its eval viewer and written by aggregate_benchmark.py),
// written from that documentation. The viewer reads these names exactly: `configuration` (not `config`),
// `pass_rate` nested under `result`, `run_summary.<configuration>.<metric>.{mean, stddev}`. Extra fields are allowed
// (the viewer ignores them); skillbench adds a few (model, quality, case_id), named in docs/contracts.md.

const STAT = {
  type: "object",
  required: ["mean", "stddev"],
  properties: {
    mean: { type: "number" },
    stddev: { type: "number", minimum: 0 },
    min: { type: "number" },
    max: { type: "number" },
  },
} as const;

const CONFIGURATION_SUMMARY = {
  type: "object",
  required: ["pass_rate", "time_seconds", "tokens"],
  properties: { pass_rate: STAT, time_seconds: STAT, tokens: STAT },
} as const;

export const SKILL_CREATOR_BENCHMARK_SCHEMA = {
  $schema: "http://json-schema.org/draft-07/schema#",
  title: "skill-creator benchmark.json",
  description:
    "Anthropic skill-creator's benchmark.json (references/schemas.md), as skillbench run --format skill-creator writes it.",
  type: "object",
  required: ["metadata", "runs", "run_summary"],
  properties: {
    metadata: {
      type: "object",
      required: ["skill_name", "timestamp", "evals_run", "runs_per_configuration"],
      properties: {
        skill_name: { type: "string" },
        skill_path: { type: "string" },
        executor_model: { type: "string" },
        analyzer_model: { type: "string" },
        timestamp: { type: "string", pattern: "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$" },
        evals_run: { type: "array", items: { type: ["integer", "string"] } },
        runs_per_configuration: { type: "integer", minimum: 1 },
      },
    },
    runs: {
      type: "array",
      items: {
        type: "object",
        required: ["eval_id", "configuration", "run_number", "result"],
        properties: {
          eval_id: { type: "integer" },
          eval_name: { type: "string" },
          configuration: { type: "string", enum: ["with_skill", "without_skill"] },
          run_number: { type: "integer", minimum: 1 },
          result: {
            type: "object",
            required: ["pass_rate", "passed", "total", "time_seconds", "tokens", "errors"],
            properties: {
              pass_rate: { type: "number", minimum: 0, maximum: 1 },
              passed: { type: "integer", minimum: 0 },
              failed: { type: "integer", minimum: 0 },
              total: { type: "integer", minimum: 0 },
              time_seconds: { type: "number", minimum: 0 },
              tokens: { type: "integer", minimum: 0 },
              tool_calls: { type: "integer", minimum: 0 },
              errors: { type: "integer", minimum: 0 },
            },
          },
          expectations: {
            type: "array",
            items: {
              type: "object",
              required: ["text", "passed", "evidence"],
              properties: { text: { type: "string" }, passed: { type: "boolean" }, evidence: { type: "string" } },
            },
          },
          notes: { type: "array", items: { type: "string" } },
        },
      },
    },
    run_summary: {
      type: "object",
      required: ["with_skill"],
      properties: {
        with_skill: CONFIGURATION_SUMMARY,
        without_skill: CONFIGURATION_SUMMARY,
        delta: {
          type: "object",
          properties: {
            pass_rate: { type: "string", pattern: "^[+-]\\d+\\.\\d{2}$" },
            time_seconds: { type: "string", pattern: "^[+-]\\d+\\.\\d$" },
            tokens: { type: "string", pattern: "^[+-]\\d+$" },
          },
        },
      },
    },
    notes: { type: "array", items: { type: "string" } },
  },
} as const;
