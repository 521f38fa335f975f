// Writing report files: the one way both front ends put a report (JSON) or a rendered report (markdown) on disk,
// so that none of them can skip the redaction of known secrets.
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { Redactor } from "../redact.js";
import type { Report } from "../types.js";

/** Writes `content` (a report as pretty JSON, or text as is) to `path`, creating folders, redacted. */
export async function writeReportFile(path: string, content: Report | string, redactor: Redactor): Promise<void> {
  const text = typeof content === "string" ? redactor.text(content) : `${JSON.stringify(redactor.deep(content), null, 2)}\n`;
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text, "utf8");
}
