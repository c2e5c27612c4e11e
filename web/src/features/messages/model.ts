// Messages, broadcasts and notification settings as the server types them (docs/contact-center/messages.md).
import type { components } from "@/shared/api/schema";

type Schemas = components["schemas"];

export type Message = Schemas["MessageOut"];
export type Conversation = Schemas["ConversationOut"];
export type SentBroadcast = Schemas["BroadcastOut"];
export type Recipient = Schemas["RecipientOut"];
export type ReceivedBroadcast = Schemas["ReceivedBroadcastOut"];
export type BroadcastNotice = Schemas["BroadcastNoticeOut"];
export type NotificationSettings = Schemas["NotificationSettingsIo"];
export type MessageSentData = Schemas["MessageSentData"];
export type MessageReadData = Schemas["MessageReadData"];
export type BroadcastSentData = Schemas["BroadcastSentData"];
export type BroadcastReadData = Schemas["BroadcastReadData"];

/** The longest text of a message or broadcast (the server refuses longer ones with 422). */
export const MAX_TEXT = 4000;

export const DEFAULT_SETTINGS: NotificationSettings = { service: true, sound: true, browser: true };

export type SentOrder = "date" | "sender";

/** The senior's list of broadcasts, newest first or by sender then newest (seed fig. 50–51). */
export function sortSent(list: SentBroadcast[], order: SentOrder): SentBroadcast[] {
  const byDate = (a: SentBroadcast, b: SentBroadcast): number => b.sent_at.localeCompare(a.sent_at) || b.id - a.id;
  return [...list].sort(
    order === "date" ? byDate : (a, b) => a.sender_name.localeCompare(b.sender_name, "ru") || byDate(a, b),
  );
}

/** A received broadcast added once, newest first; a repeated event changes nothing. */
export function withReceived(list: ReceivedBroadcast[], notice: BroadcastNotice): ReceivedBroadcast[] {
  if (list.some((b) => b.id === notice.id)) return list;
  return [{ ...notice, read_at: null }, ...list];
}

/** A read mark applied to the senior's list: the recipient turns green. */
export function withRead(list: SentBroadcast[], mark: BroadcastReadData): SentBroadcast[] {
  return list.map((b) =>
    b.id !== mark.broadcast_id
      ? b
      : {
          ...b,
          recipients: b.recipients.map((r) =>
            r.user_id === mark.user_id && r.read_at === null ? { ...r, read_at: mark.read_at } : r,
          ),
        },
  );
}

/** A message added once to a conversation, in order of id. */
export function withMessage(list: Message[], message: Message): Message[] {
  if (list.some((m) => m.id === message.id)) return list;
  return [...list, message].sort((a, b) => a.id - b.id);
}

export function unreadBroadcasts(list: ReceivedBroadcast[]): number {
  return list.filter((b) => b.read_at === null).length;
}
