// Listen, whisper, barge (TEL-22/23, SUP-06/07): the senior's own audio joins an operator's call and
// switches mode without re-dialling. Refusals arrive as ApiError with the server's code:
// 403 out_of_scope / not_your_session, 409 call_ended / operator_not_on_call / call_not_connected /
// no_audio_connection (the reason names what to connect) / monitoring_ended.
import { api, unwrap } from "@/shared/api/client";
import type { components } from "@/shared/api/schema";

export type MonitorMode = components["schemas"]["MonitoringModeIn"]["mode"];
export type MonitoringSession = components["schemas"]["MonitoringSessionOut"];

export const MONITOR_MODES: readonly MonitorMode[] = ["listen", "whisper", "barge"];

/** Joins the senior's audio to the call in `mode`; the session id switches and stops it. */
export function startMonitoring(callId: string, mode: MonitorMode = "listen"): Promise<MonitoringSession> {
  return unwrap(api.POST("/api/v1/supervision/monitoring", { body: { call_id: callId, mode } }));
}

export function switchMonitoring(sessionId: string, mode: MonitorMode): Promise<MonitoringSession> {
  return unwrap(
    api.POST("/api/v1/supervision/monitoring/{session_id}/mode", {
      params: { path: { session_id: sessionId } },
      body: { mode },
    }),
  );
}

export function stopMonitoring(sessionId: string): Promise<MonitoringSession> {
  return unwrap(
    api.DELETE("/api/v1/supervision/monitoring/{session_id}", { params: { path: { session_id: sessionId } } }),
  );
}

/** The senior's own sessions in progress (after a reload). */
export async function myMonitoring(): Promise<MonitoringSession[]> {
  return (await unwrap(api.GET("/api/v1/supervision/monitoring"))).items;
}
