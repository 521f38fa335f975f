// Writes schema/*.json from src/schemas.ts, the single source of the schemas, and schema/report.schema.json from
// the Report type (scripts/report-schema.ts). Run: npx tsx scripts/write-schemas.ts
import { writeFile } from "node:fs/promises";
import { schemaFiles } from "../src/schemas.js";
import { reportSchemaFiles } from "./report-schema.js";

for (const [relative, content] of Object.entries({ ...schemaFiles(), ...reportSchemaFiles() })) {
  await writeFile(new URL(`../${relative}`, import.meta.url), content);
  process.stdout.write(`wrote ${relative}\n`);
}
