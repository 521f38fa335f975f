// "Did you mean" hints for a mistyped key, enum value or model id.

/** `; did you mean "cases"?` when an allowed word is close to the typo, else optionally the allowed keys. */
export function hintFor(word: string, allowed: readonly string[], listAllowed = true): string {
  const close = closest(word, allowed);
  if (close) return `; did you mean "${close}"?`;
  return listAllowed && allowed.length > 0 ? `; allowed keys: ${allowed.join(", ")}` : "";
}

function closest(word: string, allowed: readonly string[]): string | null {
  const kebab = word
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .replace(/_/g, "-")
    .toLowerCase();
  let best: { word: string; distance: number } | null = null;
  for (const candidate of allowed) {
    const distance = kebab === candidate ? 0 : editDistance(word.toLowerCase(), candidate);
    if (distance <= 2 && distance < candidate.length && (!best || distance < best.distance)) {
      best = { word: candidate, distance };
    }
  }
  return best?.word ?? null;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps cost 1. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  // One flat row-major table keeps the indexing free of undefined checks.
  const d = new Array<number>(rows * cols).fill(0);
  const at = (i: number, j: number) => d[i * cols + j] ?? 0;
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, at(i - 2, j - 2) + 1);
      d[i * cols + j] = value;
    }
  }
  return at(a.length, b.length);
}
