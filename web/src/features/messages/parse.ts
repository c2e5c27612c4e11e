// Checks the message and broadcast events before the desktop uses them: the socket is an outside input.
import type {
  BroadcastReadData,
  BroadcastSentData,
  Message,
  MessageReadData,
  MessageSentData,
} from "./model";

export class MessageParseError extends Error {
  override name = "MessageParseError";
}

type Rec = Record<string, unknown>;

function rec(value: unknown, where: string): Rec {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new MessageParseError(`${where}: object expected`);
  }
  return value as Rec;
}
function str(r: Rec, k: string, where: string): string {
  if (typeof r[k] !== "string") throw new MessageParseError(`${where}.${k}: string expected`);
  return r[k] as string;
}
function int(r: Rec, k: string, where: string): number {
  if (!Number.isInteger(r[k])) throw new MessageParseError(`${where}.${k}: integer expected`);
  return r[k] as number;
}
function optInt(r: Rec, k: string, where: string): number | null {
  return r[k] === null || r[k] === undefined ? null : int(r, k, where);
}
function optStr(r: Rec, k: string, where: string): string | null {
  return r[k] === null || r[k] === undefined ? null : str(r, k, where);
}

function parseMessage(value: unknown, w: string): Message {
  const r = rec(value, w);
  return {
    id: int(r, "id", w),
    sender_id: optInt(r, "sender_id", w),
    sender_name: str(r, "sender_name", w),
    recipient_id: optInt(r, "recipient_id", w),
    recipient_name: str(r, "recipient_name", w),
    text: str(r, "text", w),
    sent_at: str(r, "sent_at", w),
    read_at: optStr(r, "read_at", w),
  };
}

export function parseMessageSent(value: unknown, w: string): MessageSentData {
  return { message: parseMessage(rec(value, w).message, `${w}.message`) };
}

export function parseMessageRead(value: unknown, w: string): MessageReadData {
  const r = rec(value, w);
  const ids = r.ids;
  if (!Array.isArray(ids) || !ids.every((id) => Number.isInteger(id))) {
    throw new MessageParseError(`${w}.ids: integers expected`);
  }
  return {
    reader_id: optInt(r, "reader_id", w),
    sender_id: optInt(r, "sender_id", w),
    ids: ids as number[],
    read_at: str(r, "read_at", w),
  };
}

export function parseBroadcastSent(value: unknown, w: string): BroadcastSentData {
  const b = rec(rec(value, w).broadcast, `${w}.broadcast`);
  const bw = `${w}.broadcast`;
  return {
    broadcast: {
      id: int(b, "id", bw),
      sender_id: optInt(b, "sender_id", bw),
      sender_name: str(b, "sender_name", bw),
      text: str(b, "text", bw),
      sent_at: str(b, "sent_at", bw),
    },
  };
}

export function parseBroadcastRead(value: unknown, w: string): BroadcastReadData {
  const r = rec(value, w);
  return { broadcast_id: int(r, "broadcast_id", w), user_id: int(r, "user_id", w), read_at: str(r, "read_at", w) };
}
