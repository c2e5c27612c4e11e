// User-defined reports (docs/contact-center/reports.md): the model the builder offers, a definition as
// the API takes it, a result, and how a result becomes a pivot and chart series.
import type { components } from "@/shared/api/schema";
import { duration } from "@/shared/ui/duration";

export type ReportModel = components["schemas"]["ModelOut"];
export type Definition = components["schemas"]["DefinitionIn"];
export type ReportResult = components["schemas"]["ReportResultOut"];
export type ReportRow = components["schemas"]["ReportRowOut"];
export type Drill = components["schemas"]["DrillOut"];
export type SavedReport = components["schemas"]["SavedReportOut"];
export type SavedReportInput = components["schemas"]["SavedReportIn"];
export type Schedule = components["schemas"]["ScheduleIn"];
export type ScheduleStatus = components["schemas"]["ScheduleStatusOut"];
export type Frequency = "daily" | "weekly" | "monthly";
export const FREQUENCIES: readonly Frequency[] = ["daily", "weekly", "monthly"];

/** A new schedule: every Monday at 08:00, the past week as .xlsx. */
export function defaultSchedule(): Schedule {
  return { frequency: "weekly", time: "08:00", weekday: 0, day_of_month: 1, recipients: [], formats: ["xlsx"] };
}

/** The stored schedule as the form edits it (the server's JSON has every field). */
export function scheduleOf(stored: Record<string, unknown> | null | undefined): Schedule | null {
  if (stored === null || stored === undefined) return null;
  return { ...defaultSchedule(), ...(stored as Partial<Schedule>) };
}
export type ViewKind = "table" | "pivot" | "bar" | "line" | "pie" | "heatmap";
export const VIEW_KINDS: readonly ViewKind[] = ["table", "pivot", "bar", "line", "pie", "heatmap"];
export type ExportFormat = "xlsx" | "csv" | "pdf";
export const EXPORT_FORMATS: readonly ExportFormat[] = ["xlsx", "csv", "pdf"];
export type Comparison = "gt" | "ge" | "lt" | "le" | "eq" | "ne";
export const COMPARISONS: readonly Comparison[] = ["gt", "ge", "lt", "le", "eq", "ne"];
export type Key = number | string | null;

function isoDay(date: Date): string {
  const pad = (n: number): string => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** The last seven days, answered calls and the service level by day. */
export function defaultDefinition(today = new Date()): Definition {
  const week = new Date(today);
  week.setDate(week.getDate() - 6);
  return {
    dataset: "calls",
    dimensions: ["day"],
    measures: ["offered", "answered", "service_level"],
    date_from: isoDay(week),
    date_to: isoDay(today),
    time_from: null,
    time_to: null,
    weekdays: [],
    selections: {},
    having: [],
    service_level_s: 20,
    short_abandon_s: 5,
  };
}

/** A figure as the table shows it: counts whole, seconds to one decimal, ratios as per cent. */
export function formatFigure(value: number | null | undefined, unit: string): string {
  if (value === null || value === undefined) return "—";
  if (unit === "ratio") return `${(value * 100).toFixed(1)} %`;
  if (unit === "seconds") return duration(value);
  return String(Math.round(value * 100) / 100);
}

export interface Pivot {
  rowKeys: Key[];
  rowLabels: string[];
  columnKeys: Key[];
  columnLabels: string[];
  /** values[row][column]: the first measure of the cell, or null. */
  values: (number | null)[][];
}

/** The result's first two dimensions as rows × columns of its first measure (one dimension: one column). */
export function pivot(result: ReportResult): Pivot {
  const rowIndex = new Map<string, number>();
  const columnIndex = new Map<string, number>();
  const pivoted: Pivot = { rowKeys: [], rowLabels: [], columnKeys: [], columnLabels: [], values: [] };
  for (const row of result.rows) {
    const rk = JSON.stringify(row.keys[0] ?? null);
    const ck = JSON.stringify(row.keys.length > 1 ? row.keys[1] : "");
    if (!rowIndex.has(rk)) {
      rowIndex.set(rk, pivoted.rowKeys.length);
      pivoted.rowKeys.push(row.keys[0] ?? null);
      pivoted.rowLabels.push(row.labels[0] ?? "");
    }
    if (!columnIndex.has(ck)) {
      columnIndex.set(ck, pivoted.columnKeys.length);
      pivoted.columnKeys.push(row.keys.length > 1 ? (row.keys[1] ?? null) : "");
      pivoted.columnLabels.push(row.labels.length > 1 ? (row.labels[1] ?? "") : "");
    }
  }
  pivoted.values = pivoted.rowKeys.map(() => pivoted.columnKeys.map(() => null));
  for (const row of result.rows) {
    const r = rowIndex.get(JSON.stringify(row.keys[0] ?? null)) ?? 0;
    const c = columnIndex.get(JSON.stringify(row.keys.length > 1 ? row.keys[1] : "")) ?? 0;
    pivoted.values[r]![c] = row.figures[0] ?? null;
  }
  return pivoted;
}

/** The cell keys of a pivot position, in the result's dimension order. */
export function pivotKeys(result: ReportResult, p: Pivot, row: number, column: number): Key[] {
  return result.dimensions.length > 1 ? [p.rowKeys[row] ?? null, p.columnKeys[column] ?? null] : [p.rowKeys[row] ?? null];
}
