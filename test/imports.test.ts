// The import graph of src/: data flows one way. No module imports itself back through others (an import cycle
// makes load order decide what is defined), and the domain returns data: only report/ and the front ends turn it
// into words, so nothing the pipeline runs imports a formatter from report/.
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const SRC = fileURLToPath(new URL("../src", import.meta.url));

/** Every .ts file under src/ (repository-relative to src/) with the src/ files it imports, types included. */
function importGraph(): Map<string, string[]> {
  const files = (readdirSync(SRC, { recursive: true }) as string[]).filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"));
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const { importedFiles } = ts.preProcessFile(readFileSync(join(SRC, file), "utf8"), true, true);
    const local = importedFiles
      .map((f) => f.fileName)
      .filter((name) => name.startsWith("."))
      .map((name) => relative(SRC, resolve(dirname(join(SRC, file)), name.replace(/\.js$/, ".ts"))));
    graph.set(file, local.filter((dep) => files.includes(dep)));
  }
  return graph;
}

/** Each cycle once, as the path that closes it (a → b → a). Bounded: each file is entered once. */
function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (file: string): void => {
    state.set(file, "open");
    path.push(file);
    for (const dep of graph.get(file) ?? []) {
      if (state.get(dep) === "open") found.push([...path.slice(path.indexOf(dep)), dep]);
      else if (!state.has(dep)) visit(dep);
    }
    path.pop();
    state.set(file, "done");
  };
  for (const file of [...graph.keys()].sort()) if (!state.has(file)) visit(file);
  return found;
}

/**
 * Views, front ends and the orchestrator may import report/: the CLI, the action, the terminal progress line, and
 * the pipeline, which hands the comparison report/'s wording of its findings.
 */
const MAY_IMPORT_REPORT = (file: string) =>
  file.startsWith("report/") || ["cli.ts", "main.ts", "progress.ts", "pipeline.ts"].includes(file);

describe("the import graph of src/", () => {
  const graph = importGraph();

  it("is read from the sources (sanity: the pipeline imports compare, compare imports stats)", () => {
    expect(graph.get("pipeline.ts")).toContain("compare.ts");
    expect(graph.get("compare.ts")).toContain("stats.ts");
    expect(graph.get("estimate.ts")).toContain("plan.ts");
  });

  it("has no import cycle (types included)", () => {
    expect(cycles(graph).map((cycle) => cycle.join(" → "))).toEqual([]);
  });

  it("finds a cycle when there is one", () => {
    const looped = new Map([["a.ts", ["b.ts"]], ["b.ts", ["c.ts"]], ["c.ts", ["a.ts"]], ["d.ts", ["a.ts"]]]);
    expect(cycles(looped)).toEqual([["a.ts", "b.ts", "c.ts", "a.ts"]]);
  });

  it("keeps report/ out of the domain: only views and front ends import it", () => {
    const offenders = [...graph]
      .filter(([file]) => !MAY_IMPORT_REPORT(file))
      .flatMap(([file, deps]) => deps.filter((dep) => dep.startsWith("report/")).map((dep) => `${file} → ${dep}`));
    expect(offenders).toEqual([]);
  });
});
