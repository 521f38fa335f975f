// Number, delta and text formatting shared by the markdown report and the chart. Kept free of markdown
// structure so the same helpers serve table cells, list items and chart labels.

import type { Interval } from "../types.js";

/** U+2212: a real minus sign lines up with "+" in proportional fonts, unlike "-". */
export const MINUS = "\u2212";

export const NOT_AVAILABLE = "n/a";

function withSign(rounded: string, isZero: boolean, negative: boolean): string {
  if (isZero) return `±${rounded}`;
  return negative ? `${MINUS}${rounded}` : `+${rounded}`;
}

/** A signed number with fixed decimals: "+1.2", "−6.2", "±0.0" (never "−0.0"). */
export function signed(value: number, digits = 1): string {
  const rounded = Math.abs(value).toFixed(digits);
  const isZero = Number(rounded) === 0;
  return withSign(rounded, isZero, value < 0);
}

/** A 0-100 score with one decimal, or "n/a". */
export function formatScore(value: number | null): string {
  return value === null || !Number.isFinite(value) ? NOT_AVAILABLE : value.toFixed(1);
}

/** A score delta in points: "+1.2", "−6.2". */
export function formatPoints(delta: number | null): string {
  return delta === null || !Number.isFinite(delta) ? NOT_AVAILABLE : signed(delta, 1);
}

/** A percent change: one decimal below 10%, whole numbers above, so small and large changes both read well. */
export function formatPercent(pct: number | null): string {
  if (pct === null || !Number.isFinite(pct)) return NOT_AVAILABLE;
  return `${signed(pct, Math.abs(pct) < 10 ? 1 : 0)}%`;
}

/** USD amounts span from fractions of a cent per case to dollars per run: keep three significant digits. */
export function formatUsd(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return NOT_AVAILABLE;
  const sign = value < 0 ? MINUS : "";
  const abs = Math.abs(value);
  if (abs === 0) return "$0";
  if (abs < 0.0001) return `${sign}<$0.0001`;
  if (abs >= 1) return `${sign}$${abs.toFixed(2)}`;
  return `${sign}$${Number(abs.toPrecision(3)).toString()}`;
}

/** Milliseconds as "850 ms", "1.2 s" or "2.1 min". */
export function formatMs(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return NOT_AVAILABLE;
  const abs = Math.abs(ms);
  if (abs < 1000) return `${Math.round(ms)} ms`;
  if (abs < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}

/** A signed latency change: "+120 ms", "−1.3 s". */
export function formatMsDelta(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return NOT_AVAILABLE;
  const text = formatMs(Math.abs(ms));
  return withSign(text, Math.round(Math.abs(ms)) === 0, ms < 0);
}

/** "[−9.1, −2.0]" */
export function formatInterval(interval: Interval): string {
  const bound = (v: number): string => {
    const text = Math.abs(v).toFixed(1);
    return v < 0 && Number(text) !== 0 ? `${MINUS}${text}` : text;
  };
  return `[${bound(interval.low)}, ${bound(interval.high)}]`;
}

/** "1 error", "3 errors". */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}

/** The first `max` characters followed by an ellipsis; never splits a UTF-16 surrogate pair. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - 1);
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

export function shortSha(commit: string | null): string | null {
  return commit === null ? null : commit.slice(0, 7);
}

const INLINE_ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  "|": "&#124;",
  "`": "&#96;",
  "*": "&#42;",
  _: "&#95;",
  "[": "&#91;",
  "]": "&#93;",
  "\\": "&#92;",
  "~": "&#126;",
  "#": "&#35;",
};

/**
 * Makes user content (model outputs, judge notes, error messages, case ids, paths) safe to place inline in
 * markdown, including table cells: markdown and HTML characters become entities, line breaks become <br>, and
 * "@" is split with a zero-width space so that text quoting "@someone" does not notify anyone from a PR comment,
 * and "#" is an entity so "#123" in a note does not link (and cross-reference) an unrelated issue.
 */
export function escapeInline(text: string): string {
  return text
    .replace(/[&<>|`*_[\]\\~#]/g, (ch) => INLINE_ENTITIES[ch] ?? ch)
    .replace(/@/g, "@\u200b")
    .replace(/\r\n|\r|\n/g, "<br>")
    .replace(/\t/g, " ");
}

/** For content inside <pre>: only HTML needs escaping there, markdown is not interpreted. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>]/g, (ch) => INLINE_ENTITIES[ch] ?? ch).replace(/@/g, "@\u200b");
}

/** A URL safe to put inside markdown link parentheses. */
export function markdownUrl(url: string): string {
  return url.replace(/[()\s<>]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`);
}
