// «Помощь старшего» through the app's generated client.
import { api, unwrap } from "@/shared/api/client";
import type { HelpMode, HelpRequest } from "./model";

export function raiseHand(): Promise<{ request: HelpRequest; seniors_notified: number }> {
  return unwrap(api.POST("/api/v1/help-requests"));
}

export function activeRequests(): Promise<{ items: HelpRequest[]; as_of: string }> {
  return unwrap(api.GET("/api/v1/help-requests"));
}

export function takeRequest(id: number, mode: HelpMode): Promise<HelpRequest> {
  return unwrap(api.POST("/api/v1/help-requests/{request_id}/take", { params: { path: { request_id: id } }, body: { mode } }));
}

export function cancelRequest(id: number): Promise<HelpRequest> {
  return unwrap(api.POST("/api/v1/help-requests/{request_id}/cancel", { params: { path: { request_id: id } } }));
}
