// Writing report files: the one way both front ends put a report (JSON) or a rendered report (markdown, HTML) on disk,
// so that none of them can skip the redaction of known secrets.
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { Redactor } from "../redact.js";
import type { BaselineSnapshot, Report } from "../types.js";
import { baseCasesFromSnapshot } from "./base-cases.js";
import { renderHtmlReport, type HtmlRenderContext } from "./html.js";
import { renderMarkdownReport } from "./markdown.js";

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

/** Where to write a run's report: the JSON always, the markdown and HTML renderings when asked for (absolute paths). */
export interface ReportPaths {
  json: string;
  markdown?: string | null;
  html?: string | null;
}

/** What the renderings show beside the report: the baseline read (history, base scores and outputs), the run link. */
export interface ReportFilesContext {
  snapshot: BaselineSnapshot | null;
  runUrl?: string | null;
}

/**
 * A run's report files, the same for the CLI and the action: the JSON report, then the markdown and HTML reports
 * when their path is given, all redacted.
 */
export async function writeReport(report: Report, paths: ReportPaths, context: ReportFilesContext, redactor: Redactor): Promise<void> {
  await writeReportFile(paths.json, report, redactor);
  const history = context.snapshot?.history ?? [];
  const baseCases = baseCasesFromSnapshot(context.snapshot);
  const runUrl = context.runUrl === undefined ? {} : { runUrl: context.runUrl };
  if (paths.markdown) await writeReportFile(paths.markdown, renderMarkdownReport(report, { ...runUrl, history, baseCases }), redactor);
  if (paths.html) await writeHtmlReport(paths.html, report, { ...runUrl, history, baseCases }, redactor);
}
