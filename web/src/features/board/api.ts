// The message board through the app's generated client.
import { api, unwrap } from "@/shared/api/client";
import type { Notice, NoticeDraft } from "./model";

export async function pin(draft: NoticeDraft): Promise<Notice> {
  return unwrap(api.POST("/api/v1/board", { body: draft }));
}

export async function edit(id: number, draft: NoticeDraft): Promise<Notice> {
  return unwrap(api.PUT("/api/v1/board/{notice_id}", { params: { path: { notice_id: id } }, body: draft }));
}

export async function unpin(id: number): Promise<void> {
  await unwrap(api.DELETE("/api/v1/board/{notice_id}", { params: { path: { notice_id: id } } }));
}
