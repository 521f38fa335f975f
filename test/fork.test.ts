// The overlay of a fork's skill and benchmark files onto the base checkout: what is accepted, and that nothing
// is written through a link or outside the checkout.
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { InputError } from "../src/errors.js";
import { overlayPrFiles, overlayRefusal, readPrNumber } from "../src/fork.js";

const GLOBS = ["benchmarks/**/*.yml", "benchmarks/**/*.yaml"];
const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "fork-overlay-"));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe("overlayRefusal", () => {
  it.each([
    ["skills/a/SKILL.md", null],
    ["skills/a/references/api.md", null],
    [".claude/skills/b/SKILL.md", null],
    ["skills/prompt.txt", null],
    ["benchmarks/a.yml", null],
    ["benchmarks/sub/a.yaml", null],
    ["skillbench.yml", /neither under/],
    [".github/workflows/ci.yml", /neither under/],
    ["package.json", /neither under/],
    ["skills/a/run.sh", /not a skill or benchmark text file/],
    ["skills/a/index.js", /not a skill or benchmark text file/],
    ["skills/../skillbench.yml", /not a plain relative path/],
    ["skills/.git/config.md", /inside \.git/],
  ])("%s", (path, expected) => {
    const refusal = overlayRefusal(path, GLOBS);
    if (expected === null) expect(refusal).toBeNull();
    else expect(refusal).toMatch(expected);
  });
});

describe("overlayPrFiles", () => {
  it("never writes through a link in the checkout that leaves it", async () => {
    const root = await tempDir();
    const outside = await tempDir();
    const overlay = await tempDir();
    await mkdir(join(root, "skills"));
    await symlink(outside, join(root, "skills", "evil"));
    await mkdir(join(overlay, "skills", "evil"), { recursive: true });
    await writeFile(join(overlay, "skills", "evil", "SKILL.md"), "text\n");
    const config = await loadConfig(root);
    await expect(overlayPrFiles({ overlayDir: overlay, root, config })).rejects.toThrow(/resolves outside the checkout/);
    await expect(readFile(join(outside, "SKILL.md"))).rejects.toThrow();
  });

  it("replaces a file link in the checkout instead of writing through it", async () => {
    const root = await tempDir();
    const outside = await tempDir();
    const overlay = await tempDir();
    await writeFile(join(outside, "target.md"), "outside\n");
    await mkdir(join(root, "skills"));
    await symlink(join(outside, "target.md"), join(root, "skills", "x.md"));
    await mkdir(join(overlay, "skills"));
    await writeFile(join(overlay, "skills", "x.md"), "from the fork\n");
    const written = await overlayPrFiles({ overlayDir: overlay, root, config: await loadConfig(root) });
    expect(written).toEqual(["skills/x.md"]);
    expect(await readFile(join(outside, "target.md"), "utf8")).toBe("outside\n");
    expect(await readFile(join(root, "skills", "x.md"), "utf8")).toBe("from the fork\n");
  });

  it("refuses invalid UTF-8 and oversized files, naming each", async () => {
    const root = await tempDir();
    const overlay = await tempDir();
    await writeFile(join(root, "skillbench.yml"), "limits: { skill-bytes: 1024 }\n");
    await mkdir(join(overlay, "skills"));
    await writeFile(join(overlay, "skills", "bad.md"), Buffer.from([0x61, 0xff, 0x62]));
    await writeFile(join(overlay, "skills", "big.md"), "x".repeat(2000));
    const error = await overlayPrFiles({ overlayDir: overlay, root, config: await loadConfig(root) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    const messages = (error as InputError).issues.map((i) => i.message).join("\n");
    expect(messages).toMatch(/skills\/bad\.md is not valid UTF-8/);
    expect(messages).toMatch(/skills\/big\.md is 2,000 bytes, larger than 1 KB/);
  });

  it("reads the PR number and refuses anything else", async () => {
    const overlay = await tempDir();
    expect(await readPrNumber(overlay)).toBeNull();
    await writeFile(join(overlay, "pull-request.txt"), "42\n");
    expect(await readPrNumber(overlay)).toBe(42);
    await writeFile(join(overlay, "pull-request.txt"), "42\n::set-output name=x::y\n");
    await expect(readPrNumber(overlay)).rejects.toThrow(InputError);
  });
});
