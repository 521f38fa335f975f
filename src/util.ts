// Small helpers more than one module needs: one definition each.
import { METRICS, type Metric } from "./types.js";

/** A plain object (not null, not an array), as parsed JSON or YAML gives it. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `text` as a regular expression matching exactly it. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/**
 * Whether a repository path (POSIX separators) is inside the folder `dir`; the root ("", ".") holds every path.
 * A folder is not inside itself.
 */
export function isInside(file: string, dir: string): boolean {
  const folder = dir.replace(/\\/g, "/").replace(/^(\.\/)+/, "").replace(/\/+$/, "");
  return folder === "" || folder === "." || file.startsWith(`${folder}/`);
}

/** One value per metric (quality and the four dimensions), in the report's order. */
export function byMetric<T>(value: (metric: Metric) => T): Record<Metric, T> {
  return Object.fromEntries(METRICS.map((metric) => [metric, value(metric)])) as Record<Metric, T>;
}

/** GitHub refuses issue and pull-request comment bodies longer than this (characters) with a 422. */
export const GITHUB_COMMENT_LIMIT = 65_536;
