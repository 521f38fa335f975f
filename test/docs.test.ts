// The README is the users' reference: every action input and output, and every skillbench.yml key, must be in it.
// A new input that is not documented fails here instead of surprising a user.
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { SKILLBENCH_SCHEMA } from "../src/schemas.js";

const root = new URL("..", import.meta.url);
const readme = await readFile(new URL("README.md", root), "utf8");
const action = parse(await readFile(new URL("action.yml", root), "utf8")) as {
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
};

/** The first-column names of the markdown table under `heading`. */
function tableNames(heading: string): string[] {
  const section = readme.split(`\n${heading}\n`)[1]?.split("\n## ")[0] ?? "";
  return [...section.matchAll(/^\| `([a-z-]+)` \|/gm)].map((match) => match[1] ?? "");
}

/** Dotted key paths of the config schema, e.g. "thresholds.errors". */
function schemaKeys(schema: { properties?: Record<string, unknown> }, prefix = ""): string[] {
  return Object.entries(schema.properties ?? {}).flatMap(([key, value]) => {
    const path = `${prefix}${key}`;
    const node = value as { type?: unknown; properties?: Record<string, unknown> };
    return node.type === "object" && node.properties ? schemaKeys(node, `${path}.`) : [path];
  });
}

describe("README", () => {
  it("documents every action input and output, in the tables", () => {
    expect(tableNames("## Action inputs").sort()).toEqual(Object.keys(action.inputs).sort());
    expect(tableNames("## Action outputs").sort()).toEqual(Object.keys(action.outputs).sort());
  });

  it("names every skillbench.yml key somewhere", () => {
    const missing = schemaKeys(SKILLBENCH_SCHEMA as { properties: Record<string, unknown> }).filter((path) => {
      const leaf = path.split(".").pop() ?? path;
      return !readme.includes(path) && !new RegExp(`\\b${leaf}:`).test(readme);
    });
    expect(missing).toEqual([]);
  });
});
