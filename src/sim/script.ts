// What the simulated model "says": deterministic answers derived from the request, so that end-to-end runs are
// reproducible and tests can steer scores and failures through text directives in the skill or case content.

import { createHash } from "node:crypto";
import { isRecord } from "../util.js";

export const SIM_FAULTS = [
  "429",
  "429-spend-cap",
  "529",
  "500",
  "refusal",
  "max-tokens",
  "invalid-json",
  "out-of-range",
  "400",
] as const;
export type SimFault = (typeof SIM_FAULTS)[number];

export const REQUEST_KINDS = ["generate", "judge"] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];

/** Faults that only make sense for a structured (judge) answer. */
export const STRUCTURED_ONLY_FAULTS: readonly SimFault[] = ["invalid-json", "out-of-range"];

export function sha256(...parts: string[]): Buffer {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part).update("\u0000");
  return hash.digest();
}

/** A number in [0, 1) drawn from the hash of the parts. */
export function unitOf(...parts: string[]): number {
  return sha256(...parts).readUIntBE(0, 6) / 2 ** 48;
}

export function shortId(...parts: string[]): string {
  return sha256(...parts).toString("hex").slice(0, 24);
}

/**
 * Ids of models that use the newer tokenizer and reject sampling parameters and `thinking: enabled`:
 * Opus 4.7 and later, and every family at major version 5 or later.
 */
export function isNewGenerationModel(model: string): boolean {
  const match = /^claude-(opus|sonnet|haiku|fable|mythos)-(\d{1,2})(?:-(\d{1,2}))?(?:-|$)/.exec(model);
  if (!match) return /^claude-mythos/.test(model);
  const family = match[1];
  const major = Number(match[2]);
  const minor = match[3] === undefined ? 0 : Number(match[3]);
  if (major >= 5) return true;
  return family === "opus" && major === 4 && minor >= 7;
}

/** ceil(chars / 4), and 30% more for the newer tokenizer. */
export function estimateTokens(chars: number, newTokenizer: boolean): number {
  return Math.ceil((chars * (newTokenizer ? 1.3 : 1)) / 4);
}

// ---------------------------------------------------------------------------------------------------------
// Directives

export interface FaultDirective {
  fault: SimFault;
  model: string | null;
  kind: RequestKind | null;
}

export interface Directives {
  /** `sim:quality=NN` (last one wins). */
  quality: number | null;
  /** `sim:quality@<model>=NN`, keyed by model id. */
  qualityByModel: Map<string, number>;
  /** `sim:output-quality=NN`: echoed by generated answers, so it wins in the judge's request. */
  outputQuality: number | null;
  faults: FaultDirective[];
  /**
   * `sim:echo=secret`, `sim:echo:generate=secret`, `sim:echo:judge=secret`: the answer (candidate text, judge
   * notes, an invalid judge answer, an error fault's message) quotes the request's API key, as a model that was
   * told the key, or a proxy that echoes request headers, would. The kinds of request it applies to (null: all).
   */
  echo: (RequestKind | null)[];
  /** `sim:self-identify`: generated answers name their model, in the ways blinding must catch. */
  selfIdentify: boolean;
  /** `sim:self-preference=NN`: the judge adds NN when the output it grades names the judge's own family. */
  selfPreference: number | null;
  /**
   * `sim:drop=NN`: with the noisy judge (SimOptions.judgeNoise), generated answers are NN points worse than the
   * case's true quality, as a skill edit that really hurts would make them (last one wins; null when absent).
   */
  drop: number | null;
  /**
   * `sim:position-bias=NN`: in a pairwise request (two outputs, `<output_a>` and `<output_b>`) the judge adds NN
   * points to whichever output is shown first, as position-biased judges do.
   */
  positionBias: number | null;
}

const QUALITY_RE = /sim:quality(?:@([\w.-]+?))?=(\d{1,3})\b/g;
const OUTPUT_QUALITY_RE = /sim:output-quality=(\d{1,3})\b/g;
const FAULT_RE = /sim:fault(?:@([\w.-]+?))?(?::(generate|judge))?=([\w-]+)/g;
const ECHO_RE = /sim:echo(?::(generate|judge))?=secret\b/g;
const SELF_IDENTIFY_RE = /sim:self-identify\b/;
const SELF_PREFERENCE_RE = /sim:self-preference=(\d{1,3})\b/g;
const DROP_RE = /sim:drop=(\d{1,3})\b/g;
const POSITION_BIAS_RE = /sim:position-bias=(\d{1,3})\b/g;

function clampScore(value: number): number {
  return Math.min(100, Math.max(0, Math.round(value)));
}

/**
 * Directives recognised anywhere in the request text:
 * `sim:quality=NN`, `sim:quality@<model>=NN`, `sim:output-quality=NN`,
 * `sim:fault=<fault>`, `sim:fault@<model>=<fault>`, `sim:fault:judge=<fault>`, `sim:fault@<model>:generate=<fault>`,
 * `sim:echo=secret`, `sim:echo:generate=secret`, `sim:echo:judge=secret`, `sim:self-identify`,
 * `sim:self-preference=NN`, `sim:drop=NN` (noisy judge only).
 */
export function parseDirectives(text: string): Directives {
  const directives: Directives = {
    quality: null,
    qualityByModel: new Map(),
    outputQuality: null,
    faults: [],
    echo: [],
    selfIdentify: SELF_IDENTIFY_RE.test(text),
    selfPreference: null,
    drop: null,
    positionBias: null,
  };
  for (const match of text.matchAll(QUALITY_RE)) {
    const value = clampScore(Number(match[2]));
    if (match[1] === undefined) directives.quality = value;
    else directives.qualityByModel.set(match[1], value);
  }
  for (const match of text.matchAll(OUTPUT_QUALITY_RE)) directives.outputQuality = clampScore(Number(match[1]));
  for (const match of text.matchAll(FAULT_RE)) {
    const fault = match[3];
    if (!(SIM_FAULTS as readonly string[]).includes(fault ?? "")) continue;
    directives.faults.push({
      fault: fault as SimFault,
      model: match[1] ?? null,
      kind: match[2] === "generate" || match[2] === "judge" ? match[2] : null,
    });
  }
  for (const match of text.matchAll(ECHO_RE)) {
    directives.echo.push(match[1] === "generate" || match[1] === "judge" ? match[1] : null);
  }
  for (const match of text.matchAll(SELF_PREFERENCE_RE)) directives.selfPreference = clampScore(Number(match[1]));
  for (const match of text.matchAll(DROP_RE)) directives.drop = clampScore(Number(match[1]));
  for (const match of text.matchAll(POSITION_BIAS_RE)) directives.positionBias = clampScore(Number(match[1]));
  return directives;
}

/**
 * What a model says about itself under `sim:self-identify`: its display name, its id, a glued form, and the
 * name with a zero-width space and a Cyrillic "о" inside (claude-opus-4-7: "Claude Opus 4.7", "ClaudeOpus4.7").
 */
export function selfIdentification(model: string): string {
  const match = /^claude-([a-z]+)-(\d+)(?:-(\d{1,2}))?/.exec(model);
  if (!match) return ` I am ${model}, a model made by Anthropic.`;
  const family = `${match[1]?.charAt(0).toUpperCase()}${match[1]?.slice(1)}`;
  const version = match[3] === undefined ? match[2] : `${match[2]}.${match[3]}`;
  const cyrillic: Record<string, string> = { o: "\u043e", O: "\u041e", a: "\u0430", A: "\u0410", e: "\u0435", E: "\u0415" };
  const tricky = `Cl\u200baude ${family.replace(/[oae]/i, (letter) => cyrillic[letter] ?? letter)}`;
  return ` I am Claude ${family} ${version} (${model}), a model made by Anthropic; Claude${family}${version} for short, or ${tricky}.`;
}

/**
 * The judge's bonus under `sim:self-preference=NN`: NN when the graded output (its assistant_output block, else
 * the whole text) names the judge model's family as a word, 0 otherwise.
 */
export function selfPreferenceBonus(directives: Directives, judgeModel: string, text: string): number {
  if (directives.selfPreference === null) return 0;
  const family = /^claude-([a-z]+)-/.exec(judgeModel)?.[1];
  if (!family) return 0;
  const graded = /<assistant_output>([\s\S]*?)<\/assistant_output>/.exec(text)?.[1] ?? text;
  return new RegExp(`(?<![a-z])${family}(?![a-z])`, "i").test(graded) ? directives.selfPreference : 0;
}

/** Whether a `sim:echo` directive applies to a request of this kind. */
export function echoes(directives: Directives, kind: RequestKind): boolean {
  return directives.echo.some((k) => k === null || k === kind);
}

/** The quality a generated answer should carry into its judgement, or null when no directive applies. */
export function qualityForGeneration(directives: Directives, model: string): number | null {
  return directives.qualityByModel.get(model) ?? directives.outputQuality ?? directives.quality;
}

/** The centre of a judgement's scores: directives first, else a hash-derived value in 60-90. */
export function scoreCenter(directives: Directives, judgeModel: string, key: string): number {
  const directed = directives.outputQuality ?? directives.qualityByModel.get(judgeModel) ?? directives.quality;
  if (directed !== null) return directed;
  return 60 + Math.floor(unitOf("center", key) * 31);
}

// ---------------------------------------------------------------------------------------------------------
// The noisy judge (SimOptions.judgeNoise): every case has a true quality, every judgement adds Gaussian noise

/**
 * The true quality of a model's answers to one case: a quality directive if there is one, else a value in 50-80
 * derived from the seed, the model and the case's input (not the skill text, so editing a skill's comment leaves
 * it unchanged); minus a `sim:drop=NN` directive. Kept away from 0 and 100 so noise is rarely clipped.
 */
export function trueQuality(directives: Directives, model: string, caseText: string, seed: string): number {
  const base = qualityForGeneration(directives, model) ?? 50 + Math.floor(unitOf("true-quality", seed, model, caseText) * 31);
  return clampScore(base - (directives.drop ?? 0));
}

/** A standard normal draw (Box-Muller) from the hash of the parts: the same parts give the same draw. */
export function gaussianOf(...parts: string[]): number {
  // 1 - u lies in (0, 1], so the logarithm is finite.
  const u1 = 1 - unitOf("gauss-1", ...parts);
  const u2 = unitOf("gauss-2", ...parts);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

// ---------------------------------------------------------------------------------------------------------
// Pairwise judgements: two outputs side by side

/** Below this difference (points) the pairwise judge calls a tie. */
export const PAIRWISE_TIE_MARGIN = 3;

/** The quality an output block carries (`sim:output-quality=NN`, the last one in the block), or null. */
function blockQuality(text: string, block: string): number | null {
  const body = new RegExp(`<${block}>([\\s\\S]*?)</${block}>`).exec(text)?.[1];
  if (body === undefined) return null;
  let quality: number | null = null;
  for (const match of body.matchAll(OUTPUT_QUALITY_RE)) quality = clampScore(Number(match[1]));
  return quality;
}

/**
 * The pairwise judge's choice when the request shows two outputs (`<output_a>`, `<output_b>`), else null: the
 * output whose quality (its `sim:output-quality`, plus `sim:position-bias` for the one shown first, plus noise
 * when given) is higher by at least PAIRWISE_TIE_MARGIN, else "tie".
 */
export function pairwiseChoice(text: string, directives: Directives, noise: ((side: string) => number) | null = null): "A" | "B" | "tie" | null {
  if (!/<output_a>/.test(text) || !/<output_b>/.test(text)) return null;
  const a = blockQuality(text, "output_a");
  const b = blockQuality(text, "output_b");
  if (a === null || b === null) return "tie";
  const scoreA = a + (directives.positionBias ?? 0) + (noise?.("a") ?? 0);
  const scoreB = b + (noise?.("b") ?? 0);
  if (Math.abs(scoreA - scoreB) < PAIRWISE_TIE_MARGIN) return "tie";
  return scoreA > scoreB ? "A" : "B";
}

// ---------------------------------------------------------------------------------------------------------
// Free-text answers

const OPENERS = [
  "Here is a focused answer.",
  "Short version first.",
  "Working through the request step by step.",
  "A direct response follows.",
];

const STOP_WORDS = new Set(
  "about above after again also because been before being below between both could does doing down during each from further have having here into just more most once only other over please same should some such than that their them then there these they this those through very were what when where which while will with would your".split(" "),
);

/** Words worth quoting back: no directives, markup, or anything that names the model. */
function quotableWords(text: string, hidden: readonly string[]): string[] {
  const seen = new Set<string>();
  const words: string[] = [];
  for (const raw of text.split(/\s+/)) {
    if (/[:=<>{}[\]\\/@]/.test(raw)) continue;
    const word = raw.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, "");
    if (word.length < 4 || word.length > 20 || !/^[\p{L}\p{N}'-]+$/u.test(word)) continue;
    const lower = word.toLowerCase();
    if (hidden.some((h) => h && (lower.includes(h) || h.includes(lower)))) continue;
    if (seen.has(lower) || STOP_WORDS.has(lower)) continue;
    seen.add(lower);
    words.push(word);
  }
  return words;
}

function pick<T>(list: readonly T[], ...parts: string[]): T {
  const item = list[Math.floor(unitOf(...parts) * list.length)];
  if (item === undefined) throw new Error("pick() needs a non-empty list");
  return item;
}

/**
 * A short plausible answer that quotes words of the input. `hidden` lists lower-case strings the answer must not
 * contain (the model id and its family name), so outputs stay blind for the judge.
 */
export function freeTextAnswer(input: { key: string; user: string; system: string; hidden: readonly string[] }): string {
  let words = quotableWords(input.user, input.hidden);
  if (words.length < 3) words = words.concat(quotableWords(input.system, input.hidden));
  const chosen: string[] = [];
  for (let i = 0; i < 5; i++) {
    chosen.push(words.length > 0 ? pick(words, "word", String(i), input.key) : "the request");
  }
  const [a, b, c, d, e] = chosen;
  const sentences = [
    pick(OPENERS, "opener", input.key),
    `It addresses ${a}, ${b} and ${c} directly.`,
    pick(
      [
        `The main point is that ${d} shapes the outcome, so ${e} comes next.`,
        `In short, ${d} matters most and ${e} follows from it.`,
        `Keep ${d} in view; ${e} is the detail to check.`,
      ],
      "closing",
      input.key,
    ),
  ];
  const text = sentences.join(" ");
  return text.length > 380 ? `${text.slice(0, 377)}...` : text;
}

// ---------------------------------------------------------------------------------------------------------
// Structured answers: walk the request's own schema

type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface StructuredContext {
  key: string;
  center: number;
  /** The request carries an `<expected_answer>` or `<reference_answer>` block: verdicts get a value, not null. */
  hasExpected: boolean;
  /** "out-of-range": numeric fields alternate 150 and -5. */
  outOfRange: boolean;
  /** Words of the input, for note-like strings. */
  words: readonly string[];
  /** A secret the notes quote (`sim:echo`), or null. */
  echo?: string | null;
  /**
   * The noisy judge: each numeric field is centre + N(0, sd), drawn from the hash of `key` and the field's path
   * (so every dimension gets its own noise), instead of the fixed per-output jitter. `key` must differ between
   * two judgements of the same output (the server adds how many times it has judged that request).
   */
  noise?: { sd: number; key: string } | null;
  /** A pairwise judgement's choice: an enum field that offers it answers it. */
  choice?: string | null;
  /**
   * The numbered statements of the request's `<expectations>` block: an array property named `expectations` gets
   * one grade per statement, in order. One that says `sim:fail` fails; `sim:pass` passes; any other passes when the
   * score centre is 60 or more. `sim:grade-missing` anywhere in them leaves the last one ungraded (a malformed answer).
   */
  expectations?: readonly string[];
}

/** The numbered statements of a judge request's `<expectations>` block (empty when it has none). */
export function expectationsOf(text: string): string[] {
  const block = /<expectations>\n([\s\S]*?)\n<\/expectations>/.exec(text)?.[1] ?? "";
  return [...block.matchAll(/^\d+\. (.*)$/gm)].map((match) => match[1] ?? "");
}

function expectationGrades(statements: readonly string[], center: number): JsonValue[] {
  const grades = statements.map((text): JsonValue => {
    const passed = /sim:fail\b/.test(text) ? false : /sim:pass\b/.test(text) ? true : center >= 60;
    const evidence = passed ? `Simulated: the output satisfies "${text.slice(0, 40)}".` : `Simulated: nothing in the output shows "${text.slice(0, 40)}".`;
    return { text, passed, evidence };
  });
  return statements.some((text) => /sim:grade-missing\b/.test(text)) ? grades.slice(0, -1) : grades;
}

const NOTE_NAME = /note|reason|rational|explan|justif|evidence|summary|comment|feedback|critique|analysis/i;

export function structuredAnswer(schema: unknown, context: StructuredContext): JsonValue {
  const root = isRecord(schema) ? schema : {};
  let numericCount = 0;

  const resolve = (node: Record<string, unknown>): Record<string, unknown> => {
    const ref = node["$ref"];
    if (typeof ref !== "string" || !ref.startsWith("#/")) return node;
    let target: unknown = root;
    for (const part of ref.slice(2).split("/")) {
      target = isRecord(target) ? target[part.replace(/~1/g, "/").replace(/~0/g, "~")] : undefined;
    }
    return isRecord(target) ? target : {};
  };

  const numberFor = (path: string): number => {
    if (context.outOfRange) return numericCount++ % 2 === 0 ? 150 : -5;
    if (context.noise) return clampScore(context.center + context.noise.sd * gaussianOf("judge-noise", context.noise.key, path));
    const jitter = Math.round(unitOf("jitter", path, context.key) * 12) - 6;
    return clampScore(context.center + jitter);
  };

  const stringFor = (name: string, path: string): string => {
    if (NOTE_NAME.test(name)) {
      const w = context.words.length > 0 ? pick(context.words, "note", path, context.key) : "the request";
      const quoted = context.echo ? ` The API key in use is ${context.echo}.` : "";
      return `Simulated assessment: the answer handles ${w} with quality near ${clampScore(context.center)} out of 100.${quoted}`;
    }
    return `${name || "value"}-${shortId(path, context.key).slice(0, 8)}`;
  };

  // Verdict-like enums ("yes" / "no" / "no_reference") follow the score centre and the reference marker.
  const enumValue = (values: unknown[], path: string): JsonValue => {
    if (context.choice && values.includes(context.choice)) return context.choice;
    const find = (re: RegExp) => values.find((v) => typeof v === "string" && re.test(v));
    const positive = find(/^(yes|true|match(es|ed)?|pass(ed)?|correct)$/i);
    const negative = find(/^(no|false|mismatch|fail(ed)?|incorrect)$/i);
    const notApplicable = find(/no.?ref|n\/a|not.?applicable|none|unknown/i);
    if (!context.hasExpected && notApplicable !== undefined) return notApplicable as JsonValue;
    if (positive !== undefined && negative !== undefined) return (context.center >= 60 ? positive : negative) as JsonValue;
    const nonNull = values.filter((v) => v !== null);
    return pick(nonNull.length > 0 ? nonNull : values, "enum", path, context.key) as JsonValue;
  };

  const walk = (rawNode: unknown, name: string, path: string, depth: number): JsonValue => {
    if (depth > 32 || !isRecord(rawNode)) return null;
    const node = resolve(rawNode);
    if ("const" in node) return (node["const"] ?? null) as JsonValue;
    const enumValues = node["enum"];
    if (Array.isArray(enumValues) && enumValues.length > 0) return enumValue(enumValues, path);
    const alternatives = node["anyOf"] ?? node["oneOf"];
    if (Array.isArray(alternatives) && alternatives.length > 0) {
      const allowsNull = alternatives.some((alt) => isRecord(alt) && resolve(alt)["type"] === "null");
      const concrete = alternatives.filter((alt) => !(isRecord(alt) && resolve(alt)["type"] === "null"));
      if (concrete.length === 0) return null;
      const first = concrete[0];
      const firstType = isRecord(first) ? resolve(first)["type"] : undefined;
      if (allowsNull && firstType === "boolean" && !context.hasExpected) return null;
      return walk(first, name, path, depth + 1);
    }
    const rawType = node["type"];
    const types = Array.isArray(rawType) ? rawType.filter((t): t is string => typeof t === "string") : [];
    if (typeof rawType === "string") types.push(rawType);
    const allowsNull = types.includes("null");
    const type = types.find((t) => t !== "null") ?? (isRecord(node["properties"]) ? "object" : allowsNull ? "null" : "string");
    switch (type) {
      case "object": {
        const out: { [key: string]: JsonValue } = {};
        const properties = isRecord(node["properties"]) ? node["properties"] : {};
        for (const [prop, sub] of Object.entries(properties)) out[prop] = walk(sub, prop, `${path}.${prop}`, depth + 1);
        return out;
      }
      case "array": {
        if (name === "expectations" && context.expectations !== undefined) return expectationGrades(context.expectations, context.center);
        const minItems = typeof node["minItems"] === "number" ? node["minItems"] : 0;
        const count = Math.max(minItems, 1 + Math.floor(unitOf("items", path, context.key) * 2));
        const items: JsonValue[] = [];
        for (let i = 0; i < count; i++) items.push(walk(node["items"], name, `${path}[${i}]`, depth + 1));
        return items;
      }
      case "integer":
        return numberFor(path);
      case "number":
        return numberFor(path);
      case "boolean":
        if (allowsNull && !context.hasExpected) return null;
        return context.center >= 60;
      case "null":
        return null;
      default:
        return stringFor(name, path);
    }
  };

  return walk(root, "", "$", 0);
}

export function wordsOf(text: string, hidden: readonly string[]): string[] {
  return quotableWords(text, hidden);
}

// ---------------------------------------------------------------------------------------------------------
// The read_file tool loop (design.md): what the simulated candidate asks for

export interface ToolDirectives {
  /** `sim:read=<path>` (or a fixture's `READ=<path>` hint), in order: the files to ask for, one per turn. */
  reads: string[];
  /** `sim:tool-loop`: ask for a file on every turn, never answering (max-turns). */
  loop: boolean;
  /** `sim:refuse-after-tool`: once a tool_result arrived, answer with stop_reason refusal. */
  refuseAfterTool: boolean;
}

const READ_RE = /(?:sim:read|(?<![\w-])READ)=([^\s)"'`,]+)/g;

/** Directives of the tool loop, recognised in the request's system prompt and user text (never in file contents). */
export function parseToolDirectives(text: string): ToolDirectives {
  return {
    reads: [...text.matchAll(READ_RE)].map((match) => match[1] ?? "").filter((p) => p !== ""),
    loop: /sim:tool-loop\b/.test(text),
    refuseAfterTool: /sim:refuse-after-tool\b/.test(text),
  };
}

/** The files a system prompt lists in its `<skill_files>` block ("- path (size)" lines). */
export function listedSkillFiles(system: string): string[] {
  const block = /<skill_files>([\s\S]*?)<\/skill_files>/.exec(system)?.[1] ?? "";
  return [...block.matchAll(/^- (.+?) \([^)]*\)\s*$/gm)].map((match) => match[1] ?? "").filter((p) => p !== "");
}

/**
 * The file a candidate reads when no directive says which: one the user's request names, else the first listed
 * markdown file that is not a license or readme, else the first listed.
 */
export function defaultRead(listed: readonly string[], userText: string): string | null {
  const named = listed.find((file) => userText.includes(file));
  if (named) return named;
  const guide = listed.find((file) => /\.md$/i.test(file) && !/(^|\/)(license|readme)[^/]*$/i.test(file));
  return guide ?? listed[0] ?? null;
}
