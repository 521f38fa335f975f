import { expect, it } from "vitest";
import "../src/node-warnings.js";

it("drops only the punycode deprecation (DEP0040); other warnings still arrive", async () => {
  const seen: string[] = [];
  const listener = (warning: Error & { code?: string }) => seen.push(warning.code ?? warning.message);
  process.on("warning", listener);
  try {
    process.emitWarning("The `punycode` module is deprecated.", "DeprecationWarning", "DEP0040");
    process.emitWarning("punycode again", { type: "DeprecationWarning", code: "DEP0040" });
    process.emitWarning("something else", "DeprecationWarning", "DEP9999");
    process.emitWarning("plain warning");
    await new Promise((resolve) => setTimeout(resolve, 20));
  } finally {
    process.off("warning", listener);
  }
  expect(seen).toEqual(["DEP9999", "plain warning"]);
});
