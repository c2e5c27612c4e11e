// The senior's actions (SUP-01..04, SUP-10) through the app's generated client.
import { api, unwrap } from "@/shared/api/client";
import type { OperatorsBoard } from "./model";

export function loadBoard(): Promise<OperatorsBoard> {
  return unwrap(api.GET("/api/v1/supervision/operators"));
}

export async function blockOperator(userId: number, note: string): Promise<void> {
  await unwrap(api.POST("/api/v1/operators/{user_id}/block", { params: { path: { user_id: userId } }, body: { note } }));
}

export async function unblockOperator(userId: number): Promise<void> {
  await unwrap(api.POST("/api/v1/operators/{user_id}/unblock", { params: { path: { user_id: userId } } }));
}

export async function blockGroup(groupId: number, note: string): Promise<void> {
  await unwrap(api.POST("/api/v1/groups/{group_id}/block", { params: { path: { group_id: groupId } }, body: { note } }));
}

export async function unblockGroup(groupId: number): Promise<void> {
  await unwrap(api.POST("/api/v1/groups/{group_id}/unblock", { params: { path: { group_id: groupId } } }));
}

export async function forceLogout(userId: number, reason: string): Promise<void> {
  await unwrap(
    api.POST("/api/v1/operators/{user_id}/force-logout", { params: { path: { user_id: userId } }, body: { reason } }),
  );
}

export async function moveCall(callId: string, to: "head" | "tail"): Promise<void> {
  await unwrap(api.POST("/api/v1/calls/{call_id}/move", { params: { path: { call_id: callId } }, body: { to } }));
}

export async function removeCall(callId: string, destination: string | null, reason = ""): Promise<void> {
  await unwrap(
    api.POST("/api/v1/calls/{call_id}/remove", { params: { path: { call_id: callId } }, body: { destination, reason } }),
  );
}
