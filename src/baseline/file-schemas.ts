// JSON Schemas of the three kinds of file on the baseline branch (skills/<slug>.json, history/<slug>.json,
// runs.json), as written by format.ts, and the validator read.ts checks them with. The schemas are typed with
// ajv's JSONSchemaType, so data that passes is typed as the file it is without casts. Each schema node has a
// `description` ("a number or null"): a failure reads "<field> must be <description>, found <value>", the field
// taken from ajv's instancePath.

import { Ajv, type ErrorObject, type JSONSchemaType, type ValidateFunction } from "ajv";
import type { CheckSpec, CheckType, Mode } from "../types.js";
import { CHECK_TYPES, MODES } from "../types.js";
import { RUN_COLUMNS, SCHEMA_VERSION, type HistoryColumn } from "./format.js";

/** One check outcome as stored; `value` as the benchmark gave it (null when it takes none). */
export interface StoredCheck {
  type: CheckType;
  value?: CheckSpec["value"];
  passed: boolean | null;
}

/** One entry of a skill file. The optional fields were added later and are absent in older files. */
export interface StoredEntry {
  key: string;
  caseId: string;
  caseHash: string;
  model: string;
  skillHash: string;
  judgeKey: string;
  quality: number | null;
  faithfulness: number | null;
  relevancy: number | null;
  precision: number | null;
  recall: number | null;
  matchesExpected: boolean | null;
  costUsd: number | null;
  latencyMs: number | null;
  error: string | null;
  recordedAt: string;
  commit: string | null;
  // Older files lack these; null reads as absent, as it always has.
  judgements?: number | null;
  output?: string | null;
  outputTruncated?: boolean | null;
  expectations?: { text: string; passed: boolean }[];
  checks?: StoredCheck[];
}

/** skills/<slug>.json */
export interface SkillFile {
  schemaVersion: number;
  skill: string;
  skillHash: string;
  updatedAt: string;
  commit: string | null;
  entries: StoredEntry[];
}

/** [first, count] */
export type Span = [number, number];

/** A runs.json row: [seq, id, commit, time, mode]. */
export type RunRow = [number, string, string | null, string, Mode];

/** runs.json */
export interface RunsFile {
  schemaVersion: number;
  columns: string[];
  runs: RunRow[];
}

/** One model's columns in a history file: the run positions it has points for, and one value per position. */
export type ModelHistory = { at: Span[] } & Record<HistoryColumn, (number | null)[]>;

/** history/<slug>.json */
export interface HistoryFile {
  schemaVersion: number;
  skill: string;
  scale: Record<HistoryColumn, number>;
  runs: Span[];
  models: Record<string, ModelHistory>;
}

/** Parses as a time (Date.parse): ISO times as written, and whatever else older files held that Date reads. */
const TIME_FORMAT = "skillbench-time";

const version = { type: "integer", const: SCHEMA_VERSION, description: String(SCHEMA_VERSION) } as const;
const text = { type: "string", description: "a string" } as const;
// A required field that may be null is `anyOf` with a null branch: JSONSchemaType keeps `nullable` for optional ones.
const NULL = { type: "null", nullable: true } as const;
const nullableText = { anyOf: [{ type: "string" }, NULL], description: "a string or null" } as const;
const nullableNumber = { anyOf: [{ type: "number" }, NULL], description: "a number or null" } as const;
const nullableBoolean = { anyOf: [{ type: "boolean" }, NULL], description: "true, false or null" } as const;
const time = { type: "string", format: TIME_FORMAT, description: "an ISO time" } as const;

const checkSchema: JSONSchemaType<StoredCheck> = {
  type: "object",
  description: "a check {type, value, passed}",
  properties: {
    type: { type: "string", enum: CHECK_TYPES, description: `one of ${CHECK_TYPES.join(", ")}` },
    value: { $ref: "#/$defs/checkValue" },
    passed: nullableBoolean,
  },
  required: ["type", "passed"],
};

const entrySchema: JSONSchemaType<StoredEntry> = {
  type: "object",
  description: "an entry object",
  properties: {
    key: text,
    caseId: text,
    caseHash: text,
    model: text,
    skillHash: text,
    judgeKey: text,
    quality: nullableNumber,
    faithfulness: nullableNumber,
    relevancy: nullableNumber,
    precision: nullableNumber,
    recall: nullableNumber,
    matchesExpected: nullableBoolean,
    costUsd: nullableNumber,
    latencyMs: nullableNumber,
    error: nullableText,
    recordedAt: time,
    commit: nullableText,
    judgements: { type: "integer", minimum: 0, nullable: true, description: "a whole number, 0 or more" },
    output: { type: "string", nullable: true, description: "a string or null" },
    outputTruncated: { type: "boolean", nullable: true, description: "true or false" },
    expectations: {
      type: "array",
      nullable: true,
      description: "a list of {text, passed}",
      items: {
        type: "object",
        description: "an expectation {text, passed}",
        properties: { text, passed: { type: "boolean", description: "true or false" } },
        required: ["text", "passed"],
      },
    },
    checks: { type: "array", nullable: true, description: "a list of {type, value, passed}", items: checkSchema },
  },
  required: [
    "key",
    "caseId",
    "caseHash",
    "model",
    "skillHash",
    "judgeKey",
    "quality",
    "faithfulness",
    "relevancy",
    "precision",
    "recall",
    "matchesExpected",
    "costUsd",
    "latencyMs",
    "error",
    "recordedAt",
    "commit",
  ],
};

export const SKILL_FILE_SCHEMA: JSONSchemaType<SkillFile> = {
  type: "object",
  description: "an object",
  $defs: {
    checkValue: {
      anyOf: [{ type: "string" }, { type: "number" }, { type: "object", required: [] }, NULL],
      description: "a string, a number, an object or null",
    },
  },
  properties: {
    schemaVersion: version,
    skill: text,
    skillHash: text,
    updatedAt: time,
    commit: nullableText,
    entries: { type: "array", description: "a list of entries", items: entrySchema },
  },
  required: ["schemaVersion", "skill", "skillHash", "updatedAt", "commit", "entries"],
};

export const RUNS_FILE_SCHEMA: JSONSchemaType<RunsFile> = {
  type: "object",
  description: "an object",
  properties: {
    schemaVersion: version,
    columns: {
      type: "array",
      items: { type: "string" },
      const: [...RUN_COLUMNS],
      description: JSON.stringify(RUN_COLUMNS),
    },
    runs: {
      type: "array",
      description: "a list of rows",
      items: {
        type: "array",
        description: `a row of ${RUN_COLUMNS.length} values (${RUN_COLUMNS.join(", ")})`,
        items: [
          { type: "integer", minimum: 1, description: "a positive whole number (the run's seq)" },
          text,
          nullableText,
          time,
          { type: "string", enum: MODES, description: MODES.map((m) => JSON.stringify(m)).join(" or ") },
        ],
        minItems: RUN_COLUMNS.length,
        maxItems: RUN_COLUMNS.length,
      },
    },
  },
  required: ["schemaVersion", "columns", "runs"],
};

function spansSchema(first: number, description: string): JSONSchemaType<Span[]> {
  return {
    type: "array",
    description,
    items: {
      type: "array",
      description: "a [first, count] pair",
      items: [
        { type: "integer", minimum: first, description: `a whole number, ${first} or more` },
        { type: "integer", minimum: 1, description: "a whole number, 1 or more" },
      ],
      minItems: 2,
      maxItems: 2,
    },
  };
}

const column = {
  type: "array",
  description: "a list of numbers or nulls",
  items: nullableNumber,
} as const;

const positive = { type: "number", exclusiveMinimum: 0, description: "a positive number" } as const;

const modelHistorySchema: JSONSchemaType<ModelHistory> = {
  type: "object",
  description: "an object of columns",
  properties: {
    at: spansSchema(0, "a list of [start, count] spans"),
    quality: column,
    faithfulness: column,
    relevancy: column,
    precision: column,
    recall: column,
    costUsd: column,
    latencyMsP50: column,
  },
  required: ["at", "quality", "faithfulness", "relevancy", "precision", "recall", "costUsd", "latencyMsP50"],
};

export const HISTORY_FILE_SCHEMA: JSONSchemaType<HistoryFile> = {
  type: "object",
  description: "an object",
  properties: {
    schemaVersion: version,
    skill: text,
    scale: {
      type: "object",
      description: "an object",
      properties: {
        quality: positive,
        faithfulness: positive,
        relevancy: positive,
        precision: positive,
        recall: positive,
        costUsd: positive,
        latencyMsP50: positive,
      },
      required: ["quality", "faithfulness", "relevancy", "precision", "recall", "costUsd", "latencyMsP50"],
    },
    runs: spansSchema(1, "a list of [first run seq, count] spans"),
    models: { type: "object", description: "an object", additionalProperties: modelHistorySchema, required: [] },
  },
  required: ["schemaVersion", "skill", "scale", "runs", "models"],
};

// ---------------------------------------------------------------------------------------------------------
// Validation

export type Validated<T> = { ok: true; value: T } | { ok: false; message: string };

let ajv: Ajv | null = null;

/** Compiles on first use (most runs read no baseline file of some kind). */
function lazily<T>(schema: JSONSchemaType<T>): (data: unknown) => Validated<T> {
  let validate: ValidateFunction<T> | null = null;
  return (data) => {
    if (!ajv) {
      // allErrors off: a bad file is skipped whole, so its first problem is the one worth naming.
      ajv = new Ajv({ verbose: true, strict: true, allowUnionTypes: true });
      ajv.addFormat(TIME_FORMAT, { type: "string", validate: (value: string) => Number.isFinite(Date.parse(value)) });
    }
    validate ??= ajv.compile(schema);
    if (validate(data)) return { ok: true, value: data };
    // The last error is the failing keyword; an anyOf's branch errors come before it.
    const error = validate.errors?.at(-1);
    return { ok: false, message: error ? problemOf(error, data) : "does not match its schema" };
  };
}

export const validateSkillFile = lazily(SKILL_FILE_SCHEMA);
export const validateRunsFile = lazily(RUNS_FILE_SCHEMA);
export const validateHistoryFile = lazily(HISTORY_FILE_SCHEMA);

/** "<field> must be <description>, found <value>", the field written as in JavaScript: entries[1].quality. */
function problemOf(error: ErrorObject, data: unknown): string {
  let field = fieldOf(error.instancePath, data);
  let schema: unknown = error.parentSchema;
  let found: unknown = error.data;
  const missing: unknown = error.params.missingProperty;
  if (error.keyword === "required" && typeof missing === "string") {
    field = joinField(field, missing, false);
    schema = propertyOf(propertyOf(schema, "properties"), missing);
    found = undefined;
  }
  const description = propertyOf(schema, "description");
  const what = typeof description === "string" ? description : (error.message ?? "valid");
  return `${field || "the file"} must be ${what}, found ${describe(found)}`;
}

function propertyOf(value: unknown, name: string): unknown {
  return typeof value === "object" && value !== null && Object.hasOwn(value, name) ? Reflect.get(value, name) : undefined;
}

/** The JavaScript path of an instancePath (/entries/1/quality -> entries[1].quality), array steps read from `data`. */
function fieldOf(instancePath: string, data: unknown): string {
  let field = "";
  let node = data;
  for (const raw of instancePath.split("/").slice(1)) {
    const step = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    const index = Array.isArray(node);
    field = joinField(field, step, index);
    node = index && Array.isArray(node) ? node[Number(step)] : propertyOf(node, step);
  }
  return field;
}

function joinField(field: string, step: string, index: boolean): string {
  if (index) return `${field}[${step}]`;
  if (/^[A-Za-z_$][\w$]*$/.test(step)) return field ? `${field}.${step}` : step;
  return `${field}[${JSON.stringify(step)}]`;
}

/** A value for a message: scalars as JSON (long strings cut), containers by kind, so no file content is quoted at length. */
function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === "object" && value !== null) return "an object";
  const json = JSON.stringify(value);
  return json.length > 80 ? `${json.slice(0, 77)}..."` : json;
}
