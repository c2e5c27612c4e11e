// The conversation of a case through the app's generated client.
import { api, unwrap } from "@/shared/api/client";
import type { CaseChat, ChatMessage, ReplyChannel } from "./model";

export function loadChat(caseId: number): Promise<CaseChat> {
  return unwrap(api.GET("/api/v1/cases/{case_id}/chat", { params: { path: { case_id: caseId } } }));
}

export function sendChat(caseId: number, text: string, channel: ReplyChannel | null): Promise<ChatMessage> {
  return unwrap(
    api.POST("/api/v1/cases/{case_id}/chat", { params: { path: { case_id: caseId } }, body: { text, channel } }),
  );
}
