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

/** The operator's photo as the raw body; the server reads its type from the bytes. */
export function sendChatPhoto(caseId: number, photo: Blob, channel: ReplyChannel | null): Promise<ChatMessage> {
  return unwrap(
    api.POST("/api/v1/cases/{case_id}/chat/photo", {
      params: { path: { case_id: caseId }, query: { channel } },
      body: "" as unknown as string,
      bodySerializer: () => photo,
      headers: { "Content-Type": "application/octet-stream" },
    }),
  );
}
