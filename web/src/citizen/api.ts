import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "@/shared/api/schema";
import { loadSession } from "./session";

export type CitizenCase = components["schemas"]["CitizenCaseOut"];
export type CaseType = components["schemas"]["CitizenCaseTypeOut"];
export type ChatMessage = components["schemas"]["ChatMessageOut"];
export type News = components["schemas"]["NewsOut"];
export type PushSubscriptionOut = components["schemas"]["PushSubscriptionOut"];

/** The device token on every request of the citizen API. */
const bearer: Middleware = {
  onRequest({ request }) {
    const session = loadSession();
    if (session) request.headers.set("Authorization", `Bearer ${session.token}`);
    return request;
  },
};

export const api = createClient<paths>({
  baseUrl: window.location.origin,
  fetch: (request: Request) => globalThis.fetch(request),
});
api.use(bearer);

/** The server's reason for a refusal, as a sentence for the citizen. */
export function reason(error: unknown, fallback: string): string {
  if (error && typeof error === "object") {
    const body = error as { message?: string; fields?: { message?: string }[] | null };
    const detail = body.fields?.map((p) => p.message).filter(Boolean).join("; ");
    if (detail) return detail;
    if (body.message) return body.message;
  }
  return fallback;
}

export interface MediaObject {
  url: string;
  shown: "image" | "video" | "audio";
}

/** A file of a request (a photo, a video, a voice note), fetched with the token (an <img src> cannot
 * send it) as an object URL, and how it is shown. */
export async function mediaObject(caseId: number, mediaId: number): Promise<MediaObject> {
  const session = loadSession();
  const response = await fetch(`/api/citizen/v1/cases/${caseId}/media/${mediaId}`, {
    headers: session ? { Authorization: `Bearer ${session.token}` } : {},
  });
  if (!response.ok) throw new Error(String(response.status));
  const blob = await response.blob();
  const shown = blob.type.startsWith("image/") ? "image" : blob.type.startsWith("video/") ? "video" : "audio";
  return { url: URL.createObjectURL(blob), shown };
}

/** A photo or video sent as the raw bytes (the server reads the type from them, whatever the file says
 * it is); the server's reason when it is refused, else "". */
export async function uploadMedia(caseId: number, file: Blob, fallback: (status: number) => string): Promise<string> {
  const session = loadSession();
  const uploaded = await fetch(`/api/citizen/v1/cases/${caseId}/media`, {
    method: "POST",
    headers: { Authorization: `Bearer ${session?.token ?? ""}`, "Content-Type": "application/octet-stream" },
    body: file,
  });
  if (uploaded.ok) return "";
  return reason(await uploaded.json().catch(() => null), fallback(uploaded.status));
}
