// The end-to-end tests' guard against testing an old bundle: dist/ records the hash of the sources it was built
// from, and a dist/ whose record does not match the checkout is refused with the fix.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SOURCE_HASH_FILE, sourceHash, staleDistReason } from "../scripts/dist-hash.js";
import { tempTree } from "./support/files.js";

const temps: string[] = [];
afterEach(async () => {
  const { rm } = await import("node:fs/promises");
  await Promise.all(temps.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe("dist/ freshness", () => {
  it("accepts a dist/ built from the current sources and refuses one built before a change", async () => {
    const root = await tempTree("skillbench-dist-", { "src/index.ts": "run();\n", "package-lock.json": "{}\n", "tsconfig.json": "{}\n" }, temps);
    const dist = join(root, "dist");
    expect(staleDistReason(dist, root)).toMatch(/^dist\/ is stale: run npm run bundle .*source-hash\.txt is missing/);
    await mkdir(dist, { recursive: true });
    await writeFile(join(dist, SOURCE_HASH_FILE), `${sourceHash(root)}\n`);
    expect(staleDistReason(dist, root)).toBeNull();

    await writeFile(join(root, "src/index.ts"), "run(); // changed\n");
    expect(staleDistReason(dist, root)).toMatch(/^dist\/ is stale: run npm run bundle/);
    await writeFile(join(root, "src/index.ts"), "run();\n");
    await writeFile(join(root, "package-lock.json"), '{"lockfileVersion":3}\n');
    expect(staleDistReason(dist, root)).toMatch(/^dist\/ is stale/);
  });

  it("a new source file changes the hash", async () => {
    const root = await tempTree("skillbench-dist-", { "src/a.ts": "", "package-lock.json": "", "tsconfig.json": "" }, temps);
    const before = sourceHash(root);
    await writeFile(join(root, "src/b.ts"), "");
    expect(sourceHash(root)).not.toBe(before);
  });
});
