// The simulated API's answer to the without-skill control (control: without-skill): a candidate request with no
// system prompt and no tool is a model answering without the skill, and its answer is judged worse by the skill's
// uplift. The answer carries `sim:no-skill` to its judgement (as answers carry `sim:output-quality`); the judge
// request shows the skill's instructions as its rubric, where `sim:uplift=NN` sets the uplift (negative: the skill
// hurts, "no longer helps"). Default DEFAULT_SIM_UPLIFT points.

export const NO_SKILL_MARKER = "sim:no-skill";
export const DEFAULT_SIM_UPLIFT = 15;
const UPLIFT_RE = /sim:uplift=(-?\d{1,3})\b/g;

/** A generation request made without any skill: no system prompt (or an empty one) and no tools. */
export function isBareRequest(body: Record<string, unknown>, systemText: string): boolean {
  const tools = body["tools"];
  return systemText.trim() === "" && !(Array.isArray(tools) && tools.length > 0);
}

/** `sim:uplift=NN` in the request (the last one wins), else the default. */
export function simUplift(text: string): number {
  let uplift = DEFAULT_SIM_UPLIFT;
  for (const match of text.matchAll(UPLIFT_RE)) uplift = Number(match[1]);
  return uplift;
}

/**
 * Points the judge takes off an output generated without the skill: the uplift when the graded output (its
 * assistant_output block, else the whole request) carries the marker, else 0.
 */
export function controlPenalty(judgeText: string): number {
  const graded = /<assistant_output>([\s\S]*?)<\/assistant_output>/.exec(judgeText)?.[1] ?? judgeText;
  return graded.includes(NO_SKILL_MARKER) ? simUplift(judgeText) : 0;
}
