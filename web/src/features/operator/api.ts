// The signed-in user's own settings (OPS-05): display name and, where the group allows, the own
// «Нет на месте» interval; through the app's generated client (CSRF echo, 401 watch).
import { api, unwrap } from "@/shared/api/client";
import type { components } from "@/shared/api/schema";

export type OwnSettings = components["schemas"]["OwnSettingsOut"];
export type OwnSettingsUpdate = components["schemas"]["OwnSettingsIn"];

export function loadOwnSettings(): Promise<OwnSettings> {
  return unwrap(api.GET("/api/v1/me/settings"));
}

export function saveOwnSettings(body: OwnSettingsUpdate): Promise<OwnSettings> {
  return unwrap(api.PUT("/api/v1/me/settings", { body }));
}
