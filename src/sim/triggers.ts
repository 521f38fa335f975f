// The simulated model's choice when a request offers the `Skill` tool (trigger evaluation, src/triggers.ts): it
// invokes the catalogue skill whose name and description share the most words with the query, when at least
// MIN_OVERLAP of them, else none. Deterministic (ties broken by a seeded hash), so a description edit that removes
// the words a query uses lowers recall, and one that adds them takes the query. A query may force the choice for
// tests: `sim:trigger=NAME` invokes NAME, `sim:trigger=none` invokes nothing.
import { shortId } from "./script.js";
import { isRecord } from "../util.js";

export const SKILL_TOOL = "Skill";
/** Distinct shared words a query needs with a skill's name and description before the sim invokes it. */
export const MIN_OVERLAP = 2;

const STOPWORDS = new Set(
  (
    "the and for with this that from into your you are can how what when use used uses using when which who why " +
    "will would should could have has had not but all any our out get got its it's them they their there then than " +
    "also just like about over only some more most such each other very make made does did please want need me my"
  ).split(" "),
);

/** Lower-case words of 3+ letters without stopwords, crudely stemmed: a plural s, then a final e, dropped. */
export function wordsOf(text: string): Set<string> {
  const words = new Set<string>();
  for (const raw of text.toLowerCase().split(/[^a-z0-9]+/)) {
    if (raw.length < 3 || STOPWORDS.has(raw)) continue;
    words.add(raw.replace(/([^s])s$/, "$1").replace(/(.{3,})e$/, "$1"));
  }
  return words;
}

/** The catalogue in the system prompt: `<skill><name>…</name><description>…</description></skill>` blocks. */
export function catalogueOf(systemText: string): { name: string; description: string }[] {
  const entries: { name: string; description: string }[] = [];
  for (const match of systemText.matchAll(/<skill>\s*<name>([\s\S]*?)<\/name>\s*<description>([\s\S]*?)<\/description>\s*<\/skill>/g)) {
    entries.push({ name: (match[1] ?? "").trim(), description: (match[2] ?? "").trim() });
  }
  return entries;
}

/**
 * What the simulated model does with a request that offers the Skill tool: `{ name }` of the skill it invokes (null:
 * it answers directly); null when no Skill tool is offered. Only names the tool's enum allows are invoked.
 */
export function skillChoice(body: Record<string, unknown>, systemText: string, query: string, seed: string): { name: string | null } | null {
  const tools = Array.isArray(body["tools"]) ? body["tools"].filter(isRecord) : [];
  const tool = tools.find((t) => t["name"] === SKILL_TOOL);
  if (!tool) return null;
  const schema = isRecord(tool["input_schema"]) ? tool["input_schema"] : {};
  const properties = isRecord(schema["properties"]) ? schema["properties"] : {};
  const nameSchema = isRecord(properties["name"]) ? properties["name"] : {};
  const allowed = Array.isArray(nameSchema["enum"]) ? nameSchema["enum"].filter((n): n is string => typeof n === "string") : [];

  const forced = /\bsim:trigger=([A-Za-z0-9_.:-]+)/.exec(query)?.[1];
  if (forced !== undefined) return { name: forced !== "none" && allowed.includes(forced) ? forced : null };

  const queryWords = wordsOf(query.replace(/\bsim:\S+/g, " "));
  let best: string[] = [];
  let bestScore = 0;
  for (const entry of catalogueOf(systemText)) {
    if (!allowed.includes(entry.name)) continue;
    const skillWords = wordsOf(`${entry.name.replace(/[-_]/g, " ")} ${entry.description}`);
    let score = 0;
    for (const word of queryWords) if (skillWords.has(word)) score += 1;
    if (score > bestScore) {
      best = [entry.name];
      bestScore = score;
    } else if (score === bestScore && score > 0) {
      best.push(entry.name);
    }
  }
  if (bestScore < MIN_OVERLAP || best.length === 0) return { name: null };
  const pick = parseInt(shortId("trigger-tie", seed, query).slice(0, 8), 16) % best.length;
  return { name: best[pick] ?? null };
}
