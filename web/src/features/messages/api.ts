// Messages, broadcasts and notification settings through the app's generated client.
import { api, unwrap } from "@/shared/api/client";
import type {
  Conversation,
  Message,
  NotificationSettings,
  ReceivedBroadcast,
  SentBroadcast,
} from "./model";

export async function listConversations(): Promise<Conversation[]> {
  return unwrap(api.GET("/api/v1/conversations"));
}

export async function loadHistory(userId: number): Promise<Message[]> {
  return unwrap(api.GET("/api/v1/conversations/{user_id}", { params: { path: { user_id: userId } } }));
}

export async function sendMessage(userId: number, text: string): Promise<Message> {
  return unwrap(
    api.POST("/api/v1/conversations/{user_id}", { params: { path: { user_id: userId } }, body: { text } }),
  );
}

export async function markMessageRead(messageId: number): Promise<void> {
  await unwrap(api.POST("/api/v1/messages/{message_id}/read", { params: { path: { message_id: messageId } } }));
}

export async function listReceived(): Promise<ReceivedBroadcast[]> {
  return unwrap(api.GET("/api/v1/broadcasts/received"));
}

export async function listSent(): Promise<SentBroadcast[]> {
  return unwrap(api.GET("/api/v1/broadcasts/sent"));
}

export interface BroadcastTarget {
  group_id?: number | null;
  user_ids?: number[];
  everyone?: boolean;
}

export async function sendBroadcast(text: string, target: BroadcastTarget): Promise<SentBroadcast> {
  const body = { text, group_id: target.group_id ?? null, user_ids: target.user_ids ?? [], everyone: target.everyone ?? false };
  return unwrap(api.POST("/api/v1/broadcasts", { body }));
}

export async function markBroadcastRead(broadcastId: number): Promise<void> {
  await unwrap(
    api.POST("/api/v1/broadcasts/{broadcast_id}/read", { params: { path: { broadcast_id: broadcastId } } }),
  );
}

export async function loadSettings(): Promise<NotificationSettings> {
  return unwrap(api.GET("/api/v1/me/notifications"));
}

export async function saveSettings(settings: NotificationSettings): Promise<NotificationSettings> {
  return unwrap(api.PUT("/api/v1/me/notifications", { body: settings }));
}

export type AppBroadcast = import("@/shared/api/schema").components["schemas"]["AppBroadcastOut"];

/** Broadcasts to the citizen app's users (OPS-30): sent by push, counted as delivered and opened. */
export async function listAppBroadcasts(): Promise<AppBroadcast[]> {
  return unwrap(api.GET("/api/v1/app-broadcasts"));
}

export async function sendAppBroadcast(title: string, text: string, region: string): Promise<AppBroadcast> {
  return unwrap(api.POST("/api/v1/app-broadcasts", { body: { title, text, region, topic_id: null } }));
}
