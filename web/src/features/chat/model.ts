// The conversation of a case with the applicant (OPS-16, seed 4.3.3.7): messages, the media the
// applicant sent from the app, and the status changes of the card, in one timeline.
import type { components } from "@/shared/api/schema";
import type { ChatMessage } from "@/shared/events/protocol";

type Schemas = components["schemas"];

export type CaseChat = Schemas["CaseChatOut"];
export type ChatMedia = Schemas["CitizenMediaOut"];
export type { ChatMessage };
/** A channel an operator's answer can take (fig. 30). */
export type ReplyChannel = CaseChat["reply_channels"][number];

export interface StatusRow {
  status: string;
  at: string;
}

export type TimelineItem =
  | { kind: "message"; key: string; at: string; message: ChatMessage; media: ChatMedia | null }
  | { kind: "status"; key: string; at: string; status: string };

/** Messages with their media and the card's status changes, oldest first (the first status, «new», is
 * the card's creation and is not repeated). */
export function timeline(messages: readonly ChatMessage[], media: readonly ChatMedia[], statuses: readonly StatusRow[]): TimelineItem[] {
  const byId = new Map(media.map((m) => [m.id, m]));
  const items: TimelineItem[] = [
    ...messages.map((message) => ({
      kind: "message" as const,
      key: `m${message.id}`,
      at: message.created_at,
      message,
      media: message.media_id === null ? null : (byId.get(message.media_id) ?? null),
    })),
    ...statuses.slice(1).map((row, index) => ({ kind: "status" as const, key: `s${index}`, at: row.at, status: row.status })),
  ];
  return items.sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || a.key.localeCompare(b.key));
}

/** A message just received live joins the list once, in id order. */
export function withMessage(messages: readonly ChatMessage[], message: ChatMessage): ChatMessage[] {
  if (messages.some((m) => m.id === message.id)) return [...messages];
  return [...messages, message].sort((a, b) => a.id - b.id);
}

export function mediaUrl(caseId: number, mediaId: number): string {
  return `/api/v1/cases/${caseId}/media/${mediaId}`;
}

/** A video's first picture, shown before it plays. */
export function posterUrl(caseId: number, mediaId: number): string {
  return `${mediaUrl(caseId, mediaId)}/poster`;
}
