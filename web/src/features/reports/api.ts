// The reports' endpoints (docs/contact-center/reports.md).
import { api, unwrap } from "@/shared/api/client";
import { CSRF_COOKIE, CSRF_HEADER, readCookie } from "@/shared/api/csrf";
import { toApiError } from "@/shared/api/errors";
import type { components } from "@/shared/api/schema";
import type { Definition, Drill, ExportFormat, Key, ReportModel, ReportResult, SavedReport, SavedReportInput } from "./model";

export type ExportJob = components["schemas"]["ExportJobOut"];

export function reportModel(): Promise<ReportModel> {
  return unwrap(api.GET("/api/v1/reports/model"));
}

export function runReport(body: Definition): Promise<ReportResult> {
  return unwrap(api.POST("/api/v1/reports/run", { body }));
}

export function drillReport(definition: Definition, keys: Key[]): Promise<Drill> {
  return unwrap(api.POST("/api/v1/reports/drill", { body: { definition, keys } }));
}

export function listSaved(): Promise<SavedReport[]> {
  return unwrap(api.GET("/api/v1/reports/saved"));
}

export function createSaved(body: SavedReportInput): Promise<SavedReport> {
  return unwrap(api.POST("/api/v1/reports/saved", { body }));
}

export function updateSaved(id: number, body: SavedReportInput): Promise<SavedReport> {
  return unwrap(api.PUT("/api/v1/reports/saved/{report_id}", { params: { path: { report_id: id } }, body }));
}

export async function deleteSaved(id: number): Promise<void> {
  await unwrap(api.DELETE("/api/v1/reports/saved/{report_id}", { params: { path: { report_id: id } } }));
}

/** A small export arrives as the file itself (saved at once); a large one as a job to follow. */
export async function exportReport(definition: Definition, format: ExportFormat, title: string): Promise<ExportJob | null> {
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  const token = readCookie(document.cookie, CSRF_COOKIE);
  if (token !== null) headers[CSRF_HEADER] = token;
  const response = await fetch("/api/v1/reports/export", {
    method: "POST",
    credentials: "same-origin",
    headers,
    body: JSON.stringify({ definition, format, title }),
  });
  if (response.status === 202) return (await response.json()) as ExportJob;
  if (!response.ok) throw toApiError(response, await response.json().catch(() => null));
  const disposition = response.headers.get("content-disposition") ?? "";
  const name = /filename="?([^";]+)"?/.exec(disposition)?.[1] ?? `report.${format}`;
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return null;
}
