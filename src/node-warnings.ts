// Imported first by both entry points. quickchart-js pulls in a fetch polyfill whose URL code requires Node's
// deprecated `punycode` module, so Node 22+ prints DEP0040 on every run although skillbench never uses that code
// (it only builds chart URLs, with no network call). Users cannot act on the warning, so exactly that one code
// is dropped; every other warning still prints.
const SILENCED = new Set(["DEP0040"]);
const emitWarning = process.emitWarning.bind(process);

process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  const [typeOrOptions, code] = rest;
  const warningCode =
    typeof typeOrOptions === "object" && typeOrOptions !== null
      ? (typeOrOptions as { code?: string }).code
      : typeof code === "string"
        ? code
        : undefined;
  if (warningCode && SILENCED.has(warningCode)) return;
  (emitWarning as (...args: unknown[]) => void)(warning, ...rest);
}) as typeof process.emitWarning;
