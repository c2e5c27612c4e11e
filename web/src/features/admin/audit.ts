// The audit trail viewer's calls and filter model (ADM-05): filters become query parameters, pages
// are keyset (the next page is asked "before" the last id shown), the CSV export is a plain link.
import { api, unwrap } from "@/shared/api/client";
import type { components } from "@/shared/api/schema";

export type AuditEntry = components["schemas"]["AuditEntryOut"];
export type AuditPage = components["schemas"]["AuditPageOut"];
export type AuditVocabulary = components["schemas"]["AuditVocabularyOut"];

export interface AuditFilterModel {
  actorId: number | null;
  action: string | null;
  entity: string | null;
  entityId: string;
  /** [start, end] in epoch milliseconds of two local days, both included. */
  period: [number, number] | null;
}

export const PAGE_SIZE = 50;
const DAY_MS = 24 * 60 * 60 * 1000;

export function emptyFilter(): AuditFilterModel {
  return { actorId: null, action: null, entity: null, entityId: "", period: null };
}

export function toQuery(filter: AuditFilterModel): Record<string, string | number> {
  const query: Record<string, string | number> = {};
  if (filter.actorId !== null) query.actor_id = filter.actorId;
  if (filter.action) query.action = filter.action;
  if (filter.entity) query.entity = filter.entity;
  if (filter.entityId.trim()) query.entity_id = filter.entityId.trim();
  if (filter.period) {
    query.since = new Date(filter.period[0]).toISOString();
    // The end day is included: up to the start of the next one.
    query.until = new Date(filter.period[1] + DAY_MS).toISOString();
  }
  return query;
}

export async function searchAudit(
  filter: AuditFilterModel,
  beforeId: number | null,
): Promise<AuditPage> {
  const query = { ...toQuery(filter), limit: PAGE_SIZE, ...(beforeId !== null ? { before_id: beforeId } : {}) };
  return unwrap(api.GET("/api/v1/admin/audit", { params: { query } }));
}

export async function auditVocabulary(): Promise<AuditVocabulary> {
  return unwrap(api.GET("/api/v1/admin/audit/vocabulary"));
}

export function exportUrl(filter: AuditFilterModel): string {
  const params = new URLSearchParams(
    Object.entries(toQuery(filter)).map(([key, value]) => [key, String(value)]),
  );
  const tail = params.toString();
  return `/api/v1/admin/audit/export${tail ? `?${tail}` : ""}`;
}

export function detailText(detail: AuditEntry["detail"]): string {
  if (!detail) return "";
  return Object.entries(detail)
    .map(([key, value]) => `${key}: ${typeof value === "string" ? value : JSON.stringify(value)}`)
    .join("; ");
}
