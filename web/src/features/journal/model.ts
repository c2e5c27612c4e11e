// The call journal's model (seed 4.3.9.3, fig. 64): its filters as the API takes them, a row as the
// API gives it, and the links to a call's recording.
import type { components } from "@/shared/api/schema";

export type CallRow = components["schemas"]["CallSummaryOut"];
export type RecordingSegment = components["schemas"]["RecordingSegmentOut"];
export type FilterChoices = components["schemas"]["JournalFiltersOut"];
export type ExportFormat = "xlsx" | "csv" | "pdf";
export const EXPORT_FORMATS: readonly ExportFormat[] = ["xlsx", "csv", "pdf"];
export const DIRECTIONS = ["inbound", "outbound", "internal"] as const;
export const STATUSES = ["answered", "missed", "failed"] as const;
export const SOURCES = ["pstn", "mobile_app", "web", "sms", "messenger"] as const;
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

/** The filters a link carries in its query (the reports' drill-down, with the same names as the API's):
 * null when the link has none, so the journal keeps the filters it had. */
export function fromQuery(query: Record<string, unknown>): JournalFilters | null {
  const text = (key: string): string | null => (typeof query[key] === "string" && query[key] !== "" ? (query[key] as string) : null);
  const id = (key: string): number | null => {
    const value = Number(text(key));
    return Number.isInteger(value) && value > 0 ? value : null;
  };
  const one = <T extends string>(key: string, allowed: readonly T[]): T | null =>
    allowed.find((value) => value === text(key)) ?? null;
  const from = Date.parse(text("from") ?? "");
  const to = Date.parse(text("to") ?? "");
  const filters: JournalFilters = {
    range: Number.isNaN(from) || Number.isNaN(to) ? null : [from, to],
    group: id("group"),
    operator: id("operator"),
    applicant: text("applicant") ?? "",
    line: text("line"),
    caseType: id("case_type"),
    source: one("source", SOURCES),
    direction: one("direction", DIRECTIONS),
    status: one("status", STATUSES),
  };
  return JSON.stringify(filters) === JSON.stringify(emptyFilters()) ? null : filters;
}

export function searchParams(query: JournalQuery): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  return params.toString();
}

/** One leg's recorded camera (WebM), played in the browser or downloaded; each access is audited. */
export function videoUrl(callId: string, legId: string, download: boolean): string {
  const base = `/api/v1/calls/${encodeURIComponent(callId)}/legs/${encodeURIComponent(legId)}/video`;
  return download ? `${base}?download=true` : base;
}

/** A leg of the call whose camera was recorded, with its role (who it was). */
export interface RecordedVideo {
  legId: string;
  role: string;
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

type PartyRole = RecordingSegment["parties"][number]["role"];

/** Who was in one segment of a recording, in the channels' order: "Заявитель +7916…, Иванова И. И.";
 * `role` names each party by its role. */
export function segmentParties(segment: RecordingSegment, role: (role: PartyRole) => string): string {
  return segment.parties
    .map((party) => (party.role === "caller" ? `${role("caller")} ${party.party}` : party.name ?? party.party))
    .join(", ");
}
