// Lookup plug-ins' calls (docs/admin/lookups.md): the administrator's list, form and trial; the
// card's list of lookups the reader may query, and a query. Credentials are write-only: the form
// sends them only when typed, and the server answers which are set, never their values.
import { api, unwrap } from "@/shared/api/client";
import type { components } from "@/shared/api/schema";

export type Lookup = components["schemas"]["LookupOut"];
export type LookupIn = components["schemas"]["LookupIn"];
export type AvailableLookup = components["schemas"]["AvailableLookupOut"];
export type LookupResult = components["schemas"]["LookupResultOut"];
export type KeyKind = LookupIn["key_kinds"][number];
export type RoleName = LookupIn["roles"][number];

export const KEY_KINDS: KeyKind[] = ["phone", "snils", "oms", "name"];
export const ROLES: RoleName[] = ["operator", "senior", "admin"];

export async function listLookups(): Promise<Lookup[]> {
  return unwrap(api.GET("/api/v1/lookups"));
}

export async function listPlugins(): Promise<string[]> {
  return (await unwrap(api.GET("/api/v1/lookups/plugins"))).plugins;
}

export async function saveLookup(id: number | null, body: LookupIn): Promise<Lookup> {
  if (id === null) return unwrap(api.POST("/api/v1/lookups", { body }));
  return unwrap(api.PUT("/api/v1/lookups/{lookup_id}", { params: { path: { lookup_id: id } }, body }));
}

export async function deleteLookup(id: number): Promise<void> {
  await unwrap(api.DELETE("/api/v1/lookups/{lookup_id}", { params: { path: { lookup_id: id } } }));
}

export async function testLookup(id: number, key: KeyKind, value: string): Promise<LookupResult> {
  return unwrap(
    api.POST("/api/v1/lookups/{lookup_id}/test", { params: { path: { lookup_id: id } }, body: { key, value } }),
  );
}

export async function availableLookups(): Promise<AvailableLookup[]> {
  return unwrap(api.GET("/api/v1/lookups/available"));
}

export async function queryLookup(
  id: number,
  key: KeyKind,
  value: string,
  caseId: number | null,
): Promise<LookupResult> {
  return unwrap(
    api.POST("/api/v1/lookups/{lookup_id}/query", {
      params: { path: { lookup_id: id } },
      body: { key, value, case_id: caseId },
    }),
  );
}
