// YAML with positions: parses a YAML text keeping where every node is, turns a path inside the document into a
// file:line:column, and validates the parsed data against a JSON Schema (src/schemas.ts) so that every ajv error
// becomes an InputIssue located at the YAML node it concerns. A validator made by yamlValidator() also types the
// data that passes (the type derived from the schema), so the loaders need no casts on validated data.
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type ErrorCode } from "yaml";
import type { InputIssue } from "./errors.js";
import type { DataOf } from "./schemas.js";
import { hintFor } from "./hints.js";


/** A parsed YAML text and what is needed to turn a path inside it into a file position. */
export interface YamlSource {
  /** Repository-relative file the YAML came from. */
  file: string;
  doc: Document.Parsed;
  lineCounter: LineCounter;
  /** Lines of the file before the YAML text (SKILL.md frontmatter starts on line 2). */
  lineOffset: number;
}

/** A path inside a YAML document: mapping keys and sequence indices. */
export type YamlPath = readonly (string | number)[];

export interface ParsedYaml {
  source: YamlSource;
  /** The document as plain data; null for an empty document; undefined when it has syntax errors. */
  value: unknown;
  issues: InputIssue[];
}

/** Uses of aliases a document may make when converted to data; more is an alias bomb ("billion laughs"). */
export const MAX_YAML_ALIASES = 100;

/**
 * What each YAML error code means, in our words. The yaml library's own messages are not used: some quote the
 * file's text (tags, escapes, directives), and a file that is not YAML at all (a symlinked secret) must never have
 * its content echoed into an error, an annotation or a log.
 */
const YAML_ERRORS: Record<ErrorCode, string> = {
  ALIAS_PROPS: "an alias cannot have an anchor or a tag",
  BAD_ALIAS: "an alias (*name) is malformed or names no anchor defined before it",
  BAD_DIRECTIVE: "a % directive is malformed",
  BAD_DQ_ESCAPE: 'an escape sequence in a "double-quoted" string is invalid',
  BAD_INDENT: "bad indentation, or a [list] or {mapping} that is not closed",
  BAD_PROP_ORDER: "an anchor or a tag is in the wrong place",
  BAD_SCALAR_START: "a plain value starts with a reserved character (quote the value)",
  BLOCK_AS_IMPLICIT_KEY: "a nested mapping on one line (quote the value if it contains ': ')",
  BLOCK_IN_FLOW: "a block value inside a [list] or {mapping} written on one line",
  DUPLICATE_KEY: "a key appears twice in the same mapping",
  IMPOSSIBLE: "the YAML cannot be parsed",
  KEY_OVER_1024_CHARS: "an implicit key is longer than 1024 characters",
  MISSING_CHAR: "a closing quote or bracket, a comma or a space after ':' is missing",
  MULTILINE_IMPLICIT_KEY: "a key spans several lines (quote it, or check the indentation)",
  MULTIPLE_ANCHORS: "a node has more than one anchor",
  MULTIPLE_DOCS: "the file holds more than one YAML document (---)",
  MULTIPLE_TAGS: "a node has more than one tag",
  NON_STRING_KEY: "a key is not a string",
  RESOURCE_EXHAUSTION: `aliases expand too much (more than ${MAX_YAML_ALIASES} alias uses): refused as an alias bomb`,
  TAB_AS_INDENT: "a tab is used for indentation (use spaces)",
  TAG_RESOLVE_FAILED: "a !tag is not supported",
  UNEXPECTED_TOKEN: "unexpected characters (check quoting and indentation)",
  BAD_COLLECTION_TYPE: "a !tag does not fit the kind of value it is on",
};

/** Parses YAML text, reporting syntax errors (and duplicate keys, alias bombs) as issues with their position. */
export function parseYaml(file: string, text: string, lineOffset = 0): ParsedYaml {
  const lineCounter = new LineCounter();
  // prettyErrors off: its messages carry a frame of the file's text, which must not leave in an error.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const source: YamlSource = { file, doc, lineCounter, lineOffset };
  const located = (offset: number, message: string): InputIssue => {
    const at = lineCounter.linePos(offset);
    return { file, line: at.line + lineOffset, column: at.col, field: "", message };
  };
  if (doc.errors.length > 0) {
    const issues = doc.errors.map((error) =>
      located(error.pos[0], `YAML syntax error: ${YAML_ERRORS[error.code] ?? YAML_ERRORS.IMPOSSIBLE}`),
    );
    return { source, value: undefined, issues };
  }
  try {
    return { source, value: doc.toJS({ maxAliasCount: MAX_YAML_ALIASES }) as unknown, issues: [] };
  } catch (error) {
    // The yaml library throws (rather than reports) when aliases expand past maxAliasCount.
    const bomb = error instanceof Error && /alias/i.test(error.message);
    const message = bomb ? YAML_ERRORS.RESOURCE_EXHAUSTION : YAML_ERRORS.IMPOSSIBLE;
    return { source, value: undefined, issues: [located(firstAliasOffset(doc) ?? 0, `YAML error: ${message}`)] };
  }
}

/** Where the first alias of a document is, to point an alias-bomb issue at it. */
function firstAliasOffset(doc: Document.Parsed): number | null {
  let offset: number | null = null;
  visit(doc, {
    Alias(_key, node) {
      offset = node.range?.[0] ?? null;
      return visit.BREAK;
    },
  });
  return offset;
}

interface YamlNodeLike {
  range?: [number, number, number] | null;
}

/** The key and value nodes at a path; missing parts are null. */
function nodesAt(source: YamlSource, path: YamlPath): { key: unknown; value: unknown; parent: unknown } {
  let parent: unknown = null;
  let key: unknown = null;
  let value: unknown = source.doc.contents;
  for (const step of path) {
    if (isAlias(value)) value = value.resolve(source.doc);
    parent = value;
    if (isMap(value)) {
      const pair = value.items.find((item) => keyText(item.key) === String(step));
      if (!pair) return { key: null, value: null, parent };
      key = pair.key;
      value = pair.value;
    } else if (isSeq(value) && typeof step === "number") {
      key = null;
      value = value.items[step] ?? null;
      if (value === null) return { key: null, value: null, parent };
    } else {
      return { key: null, value: null, parent };
    }
  }
  return { key, value, parent };
}

function keyText(key: unknown): string {
  if (isScalar(key)) return String(key.value);
  return String(key);
}

function offsetOf(node: unknown): number | null {
  const range = (node as YamlNodeLike | null)?.range;
  return range ? range[0] : null;
}

/**
 * 1-based position of a path: of its key when `at` is "key", else of its value (falling back to the key when the
 * value is empty, then to the nearest enclosing node that exists).
 */
export function positionOf(
  source: YamlSource,
  path: YamlPath,
  at: "key" | "value" = "value",
): { line: number; column: number } {
  for (let length = path.length; length >= 0; length--) {
    const nodes = nodesAt(source, path.slice(0, length));
    const candidates = at === "key" && length === path.length ? [nodes.key, nodes.value] : [nodes.value, nodes.key];
    for (const node of candidates) {
      const offset = offsetOf(node);
      if (offset !== null) {
        const { line, col } = source.lineCounter.linePos(offset);
        return { line: line + source.lineOffset, column: col };
      }
    }
  }
  return { line: 1 + source.lineOffset, column: 1 };
}

/** Dotted field name: `thresholds.quality`, `cases[2].input`, `pricing["my.model"].input`. */
export function fieldOf(path: YamlPath): string {
  let out = "";
  for (const step of path) {
    if (typeof step === "number") out += `[${step}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(step)) out += out ? `.${step}` : step;
    else out += `[${JSON.stringify(step)}]`;
  }
  return out;
}

/** An issue located at a path of the YAML source. */
export function issueAt(source: YamlSource, path: YamlPath, message: string, at: "key" | "value" = "value"): InputIssue {
  const { line, column } = positionOf(source, path, at);
  return { file: source.file, line, column, field: fieldOf(path), message };
}

let ajv: Ajv | null = null;
const validators = new Map<object, ValidateFunction>();

function sharedAjv(): Ajv {
  if (!ajv) {
    ajv = new Ajv({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true });
    ajv.addKeyword({ keyword: "patternErrorMessage", schemaType: "string" });
  }
  return ajv;
}

function validatorFor(schema: object): ValidateFunction {
  let validate = validators.get(schema);
  if (!validate) {
    validate = sharedAjv().compile(schema);
    validators.set(schema, validate);
  }
  return validate;
}

/** Validates plain data read from `source` against a schema; every violation becomes a located issue. */
export function validateYaml(source: YamlSource, schema: object, value: unknown): InputIssue[] {
  const validate = validatorFor(schema);
  if (validate(value)) return [];
  return issuesOf(source, validate.errors, value);
}

/** The data typed from its schema when it passed, else the located issues (at least one). */
export type Validated<T> = { value: T; issues: [] } | { value: null; issues: InputIssue[] };

/**
 * A validator for one `as const` schema whose passing data gets the type derived from that schema (DataOf), so
 * the code that reads it needs no casts. The type guard below is the one place where "the schema accepted it" is
 * turned into "it has the schema's type"; DataOf derives that type from the same object ajv compiles.
 */
export function yamlValidator<const S extends object>(
  schema: S,
): (source: YamlSource, value: unknown) => Validated<DataOf<S>> {
  const accepts = (data: unknown): data is DataOf<S> => validatorFor(schema)(data);
  return (source, value) => {
    if (accepts(value)) return { value, issues: [] };
    const issues = issuesOf(source, validatorFor(schema).errors, value);
    // Every failing keyword maps to an issue except propertyNames, which ajv reports with its inner keyword.
    return { value: null, issues: issues.length > 0 ? issues : [issueAt(source, [], "does not match its schema")] };
  };
}

function issuesOf(source: YamlSource, errors: ErrorObject[] | null | undefined, value: unknown): InputIssue[] {
  const issues: InputIssue[] = [];
  for (const error of errors ?? []) {
    const issue = issueFromAjv(source, error, value);
    if (issue) issues.push(issue);
  }
  return sortIssues(issues);
}

function pathOf(instancePath: string, value: unknown): (string | number)[] {
  if (!instancePath) return [];
  const steps: (string | number)[] = [];
  let node = value;
  for (const raw of instancePath.split("/").slice(1)) {
    const step = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(node)) {
      const index = Number(step);
      steps.push(index);
      node = node[index];
    } else {
      steps.push(step);
      node = node && typeof node === "object" ? (node as Record<string, unknown>)[step] : undefined;
    }
  }
  return steps;
}

interface SchemaNode {
  properties?: Record<string, unknown>;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  patternErrorMessage?: string;
}

function issueFromAjv(source: YamlSource, error: ErrorObject, value: unknown): InputIssue | null {
  const path = pathOf(error.instancePath, value);
  const parentSchema = (error.parentSchema ?? {}) as SchemaNode;
  const params = error.params as Record<string, unknown>;
  const data = error.data;
  switch (error.keyword) {
    case "additionalProperties": {
      const key = String(params["additionalProperty"]);
      const allowed = Object.keys(parentSchema.properties ?? {});
      return issueAt(source, [...path, key], `unknown key "${key}"${hintFor(key, allowed)}`, "key");
    }
    case "required": {
      const key = String(params["missingProperty"]);
      const issue = issueAt(source, path, `missing required key "${key}"`);
      return { ...issue, field: fieldOf([...path, key]) };
    }
    case "propertyNames":
      return null; // the failing keyword inside propertyNames is reported with the key's position
    case "type":
      // A whole document of the wrong type is usually a file that is not YAML at all: never quote it.
      return issueAt(
        source,
        path,
        `must be ${describeTypes(error.schema)}, not ${path.length === 0 ? describeKind(data) : describeValue(data)}`,
      );
    case "enum": {
      const allowed = (parentSchema.enum ?? []).map(String);
      const hint = typeof data === "string" ? hintFor(data, allowed, false) : "";
      return issueAt(source, path, `must be one of ${allowed.join(", ")}, not ${describeValue(data)}${hint}`);
    }
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum":
      return issueAt(source, path, `${rangeMessage(parentSchema)}, not ${String(data)}`);
    case "minLength":
      return issueAt(
        source,
        path,
        error.schema === 1 ? "must not be empty" : `must be at least ${String(error.schema)} characters long`,
      );
    case "maxLength":
      return issueAt(
        source,
        path,
        `must be at most ${String(error.schema)} characters long (it has ${typeof data === "string" ? [...data].length : "?"})`,
      );
    case "minItems":
      return issueAt(source, path, error.schema === 1 ? "must list at least one item" : `must list at least ${String(error.schema)} items`);
    case "uniqueItems": {
      const later = Math.max(Number(params["i"]), Number(params["j"]));
      const item = Array.isArray(data) ? (data[later] as unknown) : undefined;
      return issueAt(source, [...path, later], `${describeValue(item)} is listed more than once`);
    }
    case "pattern": {
      const message = parentSchema.patternErrorMessage ?? `must match the pattern ${String(error.schema)}`;
      if (error.propertyName !== undefined) {
        return issueAt(source, [...path, error.propertyName], `key "${error.propertyName}" ${message}`, "key");
      }
      return issueAt(source, path, message);
    }
    default:
      return issueAt(source, path, error.message ?? `is invalid (${error.keyword})`);
  }
}

function rangeMessage(schema: SchemaNode): string {
  const low =
    schema.minimum !== undefined
      ? { value: schema.minimum, strict: false }
      : schema.exclusiveMinimum !== undefined
        ? { value: schema.exclusiveMinimum, strict: true }
        : null;
  const high =
    schema.maximum !== undefined
      ? { value: schema.maximum, strict: false }
      : schema.exclusiveMaximum !== undefined
        ? { value: schema.exclusiveMaximum, strict: true }
        : null;
  if (low && high && !low.strict && !high.strict) return `must be from ${low.value} to ${high.value}`;
  const parts: string[] = [];
  if (low) parts.push(low.strict ? `greater than ${low.value}` : `at least ${low.value}`);
  if (high) parts.push(high.strict ? `less than ${high.value}` : `at most ${high.value}`);
  return `must be ${parts.join(" and ")}`;
}

const TYPE_NAMES: Record<string, string> = {
  string: "a string",
  number: "a number",
  integer: "a whole number",
  boolean: "true or false",
  object: "a mapping (key: value)",
  array: "a list",
  null: "empty",
};

function describeTypes(types: unknown): string {
  const list = Array.isArray(types) ? types.map(String) : [String(types)];
  return list.map((type) => TYPE_NAMES[type] ?? type).join(" or ");
}

/** The kind of a value without its content: "text", "a list", "a number". */
function describeKind(value: unknown): string {
  if (typeof value === "string") return "text";
  if (typeof value === "number") return "a number";
  if (typeof value === "boolean") return "true or false";
  return describeValue(value);
}

/** A short description of a YAML value for messages; long strings are cut. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return "empty";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") {
    const shown = value.length > 40 ? `${value.slice(0, 40)}...` : value;
    return `the string ${JSON.stringify(shown)}`;
  }
  return String(value);
}

/** Orders issues by file position (issues without a line last), keeping the original order among equals. */
export function sortIssues(issues: InputIssue[]): InputIssue[] {
  return issues
    .map((issue, index) => ({ issue, index }))
    .sort(
      (a, b) =>
        (a.issue.line ?? Infinity) - (b.issue.line ?? Infinity) ||
        (a.issue.column ?? 0) - (b.issue.column ?? 0) ||
        a.index - b.index,
    )
    .map(({ issue }) => issue);
}

