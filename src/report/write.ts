// Writing report files: the one way both front ends put a report (JSON) or a rendered report (markdown, HTML) on disk,
// so that none of them can skip the redaction of known secrets.
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { Redactor } from "../redact.js";
import type { Report } from "../types.js";
import { renderHtmlReport, type HtmlRenderContext } from "./html.js";

/** Writes `content` (a report as pretty JSON, or text as is) to `path`, creating folders, redacted. */
export async function writeReportFile(path: string, content: Report | string, redactor: Redactor): Promise<void> {
  const text = typeof content === "string" ? redactor.text(content) : `${JSON.stringify(redactor.deep(content), null, 2)}\n`;
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text, "utf8");
}

/**
 * Renders and writes the HTML report. The report and the base outputs are redacted before rendering (escaping
 * would otherwise hide a secret holding `&` or `<` from the redaction of the finished text), and the text after.
 */
export async function writeHtmlReport(path: string, report: Report, context: HtmlRenderContext, redactor: Redactor): Promise<void> {
  const baseCases = context.baseCases
    ? new Map([...context.baseCases].map(([key, base]) => [key, redactor.deep(base)]))
    : undefined;
  const html = renderHtmlReport(redactor.deep(report), { ...context, ...(baseCases ? { baseCases } : {}) });
  await writeReportFile(path, html, redactor);
}
