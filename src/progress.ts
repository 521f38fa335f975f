// Progress while long work runs: one line redrawn in place on a terminal; in logs (CI), a line at each tenth.
import { formatUsd } from "./report/format.js";
import type { Progress } from "./run.js";

export function progressPrinter(write: (line: string) => void, isTTY = false): (progress: Progress) => void {
  let lastTenth = -1;
  return (p) => {
    const line = `[${p.done}/${p.total}] errors ${p.errors}, unjudged ${p.unjudged}, cost so far ${formatUsd(p.costUsd)}`;
    if (isTTY) {
      write(`\r${line}${p.done === p.total ? "\n" : ""}`);
      return;
    }
    const tenth = Math.floor((p.done / Math.max(p.total, 1)) * 10);
    if (tenth !== lastTenth || p.done === p.total) {
      lastTenth = tenth;
      write(`${line}\n`);
    }
  };
}
