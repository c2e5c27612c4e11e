// Wire messages of /api/v1/events, validated before use: the socket is an outside input.
// The payload types come from the server's OpenAPI document (its x-event-types), so a change
// on the server fails the type check here.
import type { components } from "@/api/schema";
import type { Health, Presence, PresenceEntry } from "@/api/types";

type Schemas = components["schemas"];

export type Snapshot = Schemas["EventSnapshot"];
export type OrgChanged = Schemas["OrgChangedData"];
export type OrgEntity = OrgChanged["entity"];
export type OrgAction = OrgChanged["action"];

interface EventPayloads {
  "operator.presence_changed": Schemas["PresenceChangedData"];
  "health.changed": Schemas["HealthOut"];
  "org.changed": OrgChanged;
  "session.closed": Schemas["SessionClosedData"];
}
export type KnownEventType = keyof EventPayloads;
export const KNOWN_EVENT_TYPES: readonly KnownEventType[] = [
  "operator.presence_changed",
  "health.changed",
  "org.changed",
  "session.closed",
];

export type StreamEvent = {
  [T in KnownEventType]: { id: number; at: string; type: T; data: EventPayloads[T] };
}[KnownEventType];

/** An event whose type this client does not know yet: acknowledged, never applied. */
export interface UnknownEvent {
  id: number;
  at: string;
  type: string;
  unknown: true;
}

export type ServerMessage =
  // The server sends no snapshot when it resumes a stream: the client keeps its own state.
  | { kind: "ready"; stream: string; resumed: boolean; last_id: number; snapshot: Snapshot | null }
  | { kind: "event"; event: StreamEvent | UnknownEvent }
  | { kind: "ping"; last_id: number }
  | { kind: "reload"; reason: string }
  | { kind: "closed"; reason: string; message: string }
  | { kind: "error"; code: string; message: string };

export type ClientMessage = { kind: "ack"; id: number } | { kind: "pong" };

type Rec = Record<string, unknown>;

export class ProtocolError extends Error {
  override name = "ProtocolError";
}

function rec(value: unknown, where: string): Rec {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ProtocolError(`${where}: object expected`);
  }
  return value as Rec;
}
function str(r: Rec, key: string, where: string): string {
  const v = r[key];
  if (typeof v !== "string") throw new ProtocolError(`${where}.${key}: string expected`);
  return v;
}
function int(r: Rec, key: string, where: string): number {
  const v = r[key];
  if (typeof v !== "number" || !Number.isInteger(v)) {
    throw new ProtocolError(`${where}.${key}: integer expected`);
  }
  return v;
}
function bool(r: Rec, key: string, where: string): boolean {
  const v = r[key];
  if (typeof v !== "boolean") throw new ProtocolError(`${where}.${key}: boolean expected`);
  return v;
}
function oneOf<T extends string>(r: Rec, key: string, allowed: readonly T[], where: string): T {
  const v = str(r, key, where);
  if (!(allowed as readonly string[]).includes(v)) {
    throw new ProtocolError(`${where}.${key}: one of ${allowed.join(", ")} expected`);
  }
  return v as T;
}
function list(r: Rec, key: string, where: string): unknown[] {
  const v = r[key];
  if (!Array.isArray(v)) throw new ProtocolError(`${where}.${key}: array expected`);
  return v;
}

const ROLES = ["operator", "senior", "admin"] as const;
const STATUSES = ["ok", "degraded", "down"] as const;
const ENTITIES: readonly OrgEntity[] = ["service", "group", "queue", "line", "case_type", "user"];
const ACTIONS: readonly OrgAction[] = ["created", "updated", "deleted"];

export function parsePresenceEntry(value: unknown, where = "operator"): PresenceEntry {
  const r = rec(value, where);
  return {
    user_id: int(r, "user_id", where),
    login: str(r, "login", where),
    full_name: str(r, "full_name", where),
    role: oneOf(r, "role", ROLES, where),
    group_ids: list(r, "group_ids", where).map((g, i) => {
      if (typeof g !== "number" || !Number.isInteger(g)) {
        throw new ProtocolError(`${where}.group_ids[${i}]: integer expected`);
      }
      return g;
    }),
    since: str(r, "since", where),
  };
}

export function parsePresence(value: unknown, where = "presence"): Presence {
  const r = rec(value, where);
  return {
    operators_online: list(r, "operators_online", where).map((o, i) =>
      parsePresenceEntry(o, `${where}.operators_online[${i}]`),
    ),
    calls_waiting: int(r, "calls_waiting", where),
  };
}

function parseComponent(value: unknown, where: string): Health["components"]["db"] {
  const r = rec(value, where);
  return { status: oneOf(r, "status", STATUSES, where), detail: str(r, "detail", where) };
}

export function parseHealth(value: unknown, where = "health"): Health {
  const r = rec(value, where);
  const c = rec(r.components, `${where}.components`);
  const cw = `${where}.components`;
  return {
    status: oneOf(r, "status", STATUSES, where),
    components: {
      db: parseComponent(c.db, `${cw}.db`),
      socket: parseComponent(c.socket, `${cw}.socket`),
      sip: parseComponent(c.sip, `${cw}.sip`),
      media: parseComponent(c.media, `${cw}.media`),
    },
    checked_at: str(r, "checked_at", where),
  };
}

function parseEvent(r: Rec): StreamEvent | UnknownEvent {
  const id = int(r, "id", "event");
  const at = str(r, "at", "event");
  const type = str(r, "type", "event");
  switch (type) {
    case "operator.presence_changed": {
      const d = rec(r.data, "event.data");
      return {
        id,
        at,
        type,
        data: { operator: parsePresenceEntry(d.operator, "event.data.operator"), online: bool(d, "online", "event.data") },
      };
    }
    case "health.changed":
      return { id, at, type, data: parseHealth(r.data, "event.data") };
    case "org.changed": {
      const d = rec(r.data, "event.data");
      return {
        id,
        at,
        type,
        data: {
          entity: oneOf(d, "entity", ENTITIES, "event.data"),
          id: int(d, "id", "event.data"),
          action: oneOf(d, "action", ACTIONS, "event.data"),
        },
      };
    }
    case "session.closed": {
      const d = rec(r.data, "event.data");
      return {
        id,
        at,
        type,
        data: {
          user_id: int(d, "user_id", "event.data"),
          reason: str(d, "reason", "event.data"),
          message: typeof d.message === "string" ? d.message : "",
        },
      };
    }
    default:
      return { id, at, type, unknown: true };
  }
}

/** Parses one text frame; throws ProtocolError when it is not a message of this protocol. */
export function parseServerMessage(text: string): ServerMessage {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ProtocolError("not JSON");
  }
  const r = rec(raw, "message");
  const kind = str(r, "kind", "message");
  switch (kind) {
    case "ready": {
      const resumed = bool(r, "resumed", "ready");
      let snapshot: Snapshot | null = null;
      if (!resumed || (r.snapshot !== null && r.snapshot !== undefined)) {
        const s = rec(r.snapshot, "snapshot");
        snapshot = {
          presence: parsePresence(s.presence, "snapshot.presence"),
          health: parseHealth(s.health, "snapshot.health"),
        };
      }
      return { kind, stream: str(r, "stream", "ready"), resumed, last_id: int(r, "last_id", "ready"), snapshot };
    }
    case "event":
      return { kind, event: parseEvent(r) };
    case "ping":
      return { kind, last_id: int(r, "last_id", "ping") };
    case "reload":
      return { kind, reason: str(r, "reason", "reload") };
    case "closed":
      return { kind, reason: str(r, "reason", "closed"), message: typeof r.message === "string" ? r.message : "" };
    case "error":
      return { kind, code: str(r, "code", "error"), message: typeof r.message === "string" ? r.message : "" };
    default:
      throw new ProtocolError(`unknown kind ${kind}`);
  }
}
