// The call journal's model (seed 4.3.9.3, fig. 64): its filters as the API takes them, a row as the
// API gives it, and the links to a call's recording.
import type { components } from "@/shared/api/schema";

export type CallRow = components["schemas"]["CallSummaryOut"];
export type FilterChoices = components["schemas"]["JournalFiltersOut"];
export type ExportFormat = "xlsx" | "csv" | "pdf";
export const EXPORT_FORMATS: readonly ExportFormat[] = ["xlsx", "csv", "pdf"];
export const DIRECTIONS = ["inbound", "outbound", "internal"] as const;
export const STATUSES = ["answered", "missed", "failed"] as const;
export const SOURCES = ["pstn", "mobile_app", "web"] as const;
export const SPEEDS = [0.75, 1, 1.25, 1.5, 2] as const;

export interface JournalFilters {
  /** Epoch milliseconds of the period's start and end, or null for no bound. */
  range: [number, number] | null;
  group: number | null;
  operator: number | null;
  applicant: string;
  line: string | null;
  caseType: number | null;
  source: (typeof SOURCES)[number] | null;
  direction: (typeof DIRECTIONS)[number] | null;
  status: (typeof STATUSES)[number] | null;
}

export function emptyFilters(): JournalFilters {
  return {
    range: null,
    group: null,
    operator: null,
    applicant: "",
    line: null,
    caseType: null,
    source: null,
    direction: null,
    status: null,
  };
}

export type JournalQuery = Partial<Record<string, string | number>>;

/** The filters as the query of GET /api/v1/calls (and of its export): unset ones are left out. */
export function toQuery(filters: JournalFilters): JournalQuery {
  const query: JournalQuery = {};
  if (filters.range !== null) {
    query.from = new Date(filters.range[0]).toISOString();
    query.to = new Date(filters.range[1]).toISOString();
  }
  if (filters.group !== null) query.group = filters.group;
  if (filters.operator !== null) query.operator = filters.operator;
  if (filters.applicant.trim() !== "") query.applicant = filters.applicant.trim();
  if (filters.line !== null) query.line = filters.line;
  if (filters.caseType !== null) query.case_type = filters.caseType;
  if (filters.source !== null) query.source = filters.source;
  if (filters.direction !== null) query.direction = filters.direction;
  if (filters.status !== null) query.status = filters.status;
  return query;
}

export function searchParams(query: JournalQuery): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  return params.toString();
}

export function recordingUrl(callId: string, download: boolean): string {
  const base = `/api/v1/calls/${encodeURIComponent(callId)}/recording`;
  return download ? `${base}?download=true` : base;
}

/** The applicant's number: the caller of an inbound call, the called party of an outbound one. */
export function applicantNumber(row: CallRow): string {
  return row.direction === "outbound" ? row.called : row.caller;
}

/** "3:05" for 185 seconds. */
export function clock(seconds: number): string {
  const whole = Math.round(seconds);
  const minutes = Math.floor(whole / 60);
  return `${minutes}:${String(whole % 60).padStart(2, "0")}`;
}

/** The operators who talked on the call, or the answering operator's name. */
export function operators(row: CallRow): string {
  if (row.participants.length > 0) return row.participants.join(", ");
  return row.operator_name ?? "";
}
