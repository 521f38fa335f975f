// A word diff of two texts (base output, head output): the longest common subsequence of their tokens, words
// and runs of whitespace, so that a reviewer sees which words a change of skill made the model add or drop.

export type DiffOp = "same" | "del" | "ins";

export interface DiffPart {
  op: DiffOp;
  text: string;
}

/** Above this many cells (tokens x tokens after the common ends are trimmed) the middle is shown as replaced. */
export const MAX_DIFF_CELLS = 4_000_000;

/**
 * Words with the whitespace that follows them (and leading whitespace alone), in order; joining the tokens gives
 * the text back. Keeping the space on its word stops lone spaces from matching and fragmenting the diff.
 */
export function tokenize(text: string): string[] {
  return text.match(/^\s+|\S+\s*/g) ?? [];
}

/** Tokens compare by their word: "end." and "end. " are the same word, a whitespace change is shown apart. */
function word(token: string): string {
  const trimmed = token.trimEnd();
  return trimmed === "" ? token : trimmed;
}

function pushMatch(parts: DiffPart[], baseToken: string, headToken: string): void {
  if (baseToken === headToken) {
    push(parts, "same", baseToken);
    return;
  }
  const w = word(baseToken);
  push(parts, "same", w);
  push(parts, "del", baseToken.slice(w.length));
  push(parts, "ins", headToken.slice(w.length));
}

function push(parts: DiffPart[], op: DiffOp, text: string): void {
  if (text === "") return;
  const last = parts[parts.length - 1];
  if (last && last.op === op) last.text += text;
  else parts.push({ op, text });
}

/**
 * The parts of a word diff from `base` to `head`: "same" text is in both, "del" only in base, "ins" only in head.
 * Joining the same+del parts gives `base` back, same+ins gives `head`. Long texts whose differing middle exceeds
 * `maxCells` (LCS table cells) get that middle as one deletion and one insertion instead of a quadratic table.
 */
export function wordDiff(base: string, head: string, maxCells = MAX_DIFF_CELLS): DiffPart[] {
  const a = tokenize(base);
  const b = tokenize(head);
  let start = 0;
  while (start < a.length && start < b.length && word(a[start] ?? "") === word(b[start] ?? "")) start += 1;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && word(a[endA - 1] ?? "") === word(b[endB - 1] ?? "")) {
    endA -= 1;
    endB -= 1;
  }
  const parts: DiffPart[] = [];
  for (let k = 0; k < start; k += 1) pushMatch(parts, a[k] ?? "", b[k] ?? "");
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  const keyA = midA.map(word);
  const keyB = midB.map(word);
  const n = midA.length;
  const m = midB.length;
  if (n === 0 || m === 0 || (n + 1) * (m + 1) > maxCells) {
    push(parts, "del", midA.join(""));
    push(parts, "ins", midB.join(""));
  } else {
    // lcs[i * (m + 1) + j] = length of the LCS of midA[i..] and midB[j..].
    const width = m + 1;
    const lcs = new Uint32Array((n + 1) * width);
    for (let i = n - 1; i >= 0; i -= 1) {
      for (let j = m - 1; j >= 0; j -= 1) {
        lcs[i * width + j] =
          keyA[i] === keyB[j] ? (lcs[(i + 1) * width + j + 1] ?? 0) + 1 : Math.max(lcs[(i + 1) * width + j] ?? 0, lcs[i * width + j + 1] ?? 0);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n && j < m) {
      if (keyA[i] === keyB[j]) {
        pushMatch(parts, midA[i] ?? "", midB[j] ?? "");
        i += 1;
        j += 1;
      } else if ((lcs[(i + 1) * width + j] ?? 0) >= (lcs[i * width + j + 1] ?? 0)) {
        push(parts, "del", midA[i] ?? "");
        i += 1;
      } else {
        push(parts, "ins", midB[j] ?? "");
        j += 1;
      }
    }
    push(parts, "del", midA.slice(i).join(""));
    push(parts, "ins", midB.slice(j).join(""));
  }
  for (let k = 0; k < a.length - endA; k += 1) pushMatch(parts, a[endA + k] ?? "", b[endB + k] ?? "");
  return parts;
}
