// Writes schema/*.json from src/schemas.ts, the single source of the schemas. Run: npx tsx scripts/write-schemas.ts
import { writeFile } from "node:fs/promises";
import { schemaFiles } from "../src/schemas.js";

for (const [relative, content] of Object.entries(schemaFiles())) {
  await writeFile(new URL(`../${relative}`, import.meta.url), content);
  process.stdout.write(`wrote ${relative}\n`);
}
