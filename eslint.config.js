// Lint: ESLint's and typescript-eslint's recommended rules, without type information (fast; tsc --noEmit already
// type-checks in strict mode). Formatting is not a lint concern here.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "out/**", "coverage/**", "test/fixtures/**", "schema/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: "readonly", console: "readonly", URL: "readonly", setTimeout: "readonly", clearTimeout: "readonly", setImmediate: "readonly", Buffer: "readonly", AbortController: "readonly", AbortSignal: "readonly", TextEncoder: "readonly", TextDecoder: "readonly", fetch: "readonly", structuredClone: "readonly", queueMicrotask: "readonly", setInterval: "readonly", clearInterval: "readonly", performance: "readonly", Response: "readonly", Request: "readonly", Headers: "readonly" } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      // A variable a closure reads before its one assignment (a server that refers to itself) cannot be const.
      "prefer-const": ["error", { ignoreReadBeforeAssign: true }],
    },
  },
);
