// Generates schema/report.schema.json (the report-path JSON) from the `Report` type in src/types.ts, so the schema
// cannot drift from the code that writes the report: the type is the single source, its doc comments become the
// descriptions. scripts/write-schemas.ts writes it; test/config.test.ts fails when the committed file differs.
import { fileURLToPath } from "node:url";
import { createGenerator } from "ts-json-schema-generator";

export const REPORT_SCHEMA_FILE = "schema/report.schema.json";

const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));

/** The JSON Schema (draft-07) of the report skillbench writes to report-path, generated from `Report`. */
export function reportSchema(): Record<string, unknown> {
  const generated = createGenerator({
    path: `${REPO_ROOT}src/types.ts`,
    tsconfig: `${REPO_ROOT}tsconfig.json`,
    type: "Report",
    // tsc (npm run typecheck) already checks the types; checking them again here only makes this slower.
    skipTypeCheck: true,
    expose: "export",
    // The root is the Report object itself (not a bare $ref), so title and description apply to it.
    topRef: false,
    jsDoc: "extended",
    // The report has exactly the fields of its type: an unknown field is drift, not an extension point.
    additionalProperties: false,
    sortProps: false,
  }).createSchema("Report");
  const { $schema, ...rest } = generated;
  return {
    $schema: $schema ?? "http://json-schema.org/draft-07/schema#",
    title: "skillbench report",
    description:
      "The JSON report skillbench writes to report-path (action input) or --report (CLI), generated from the Report type in src/types.ts.",
    ...rest,
  };
}

/** The generated file's path and content, like schemaFiles() in src/schemas.ts. */
export function reportSchemaFiles(): Record<string, string> {
  return { [REPORT_SCHEMA_FILE]: `${JSON.stringify(reportSchema(), null, 2)}\n` };
}
