// Wire messages of /api/v1/events, validated before use: the socket is an outside input.
// The payload types come from the server's OpenAPI document (its x-event-types), so a change
// on the server fails the type check here.
import type { components } from "@/shared/api/schema";
import type { Health, Presence, PresenceEntry } from "@/shared/api/types";
import { parseCaseSummary } from "@/features/cases/parse";
import {
  parseBroadcastRead,
  parseBroadcastSent,
  parseMessageRead,
  parseMessageSent,
} from "@/features/messages/parse";

type Schemas = components["schemas"];

export type Snapshot = Schemas["EventSnapshot"];
export type OrgChanged = Schemas["OrgChangedData"];
export type OrgEntity = OrgChanged["entity"];
export type OrgAction = OrgChanged["action"];
export type OperatorState = Schemas["OperatorStateOut"];
export type OperatorStatus = OperatorState["status"];
export type Offer = Schemas["OfferOut"];
export type QueueLive = Schemas["QueueLiveOut"];
export type WaitingCall = QueueLive["calls"][number];
/** A notice of the message board (SUP-05), kept on the snapshot: a fresh stream brings it whole. */
export type Notice = Schemas["NoticeOut"];
export type NoticeRemoved = Schemas["NoticeRemovedData"];
const REMOVED_BECAUSE: readonly NoticeRemoved["reason"][] = ["unpinned", "expired", "withdrawn"];

/** What the softphone shows about an offer besides the queue (TEL-19): absent texts read as empty. */
export type OfferDetails = { [K in "service_number" | "service_name" | "group_name"]: string } & Pick<Offer, "auto_answer">;

// Call events of the operator's conversation (docs/events/operator-state.md).
export type CallConnectedData = Schemas["CallConnectedData"];
export type CallEndedData = Schemas["CallEndedData"];
export type CallHoldChangedData = Schemas["CallHoldChangedData"];
export type CallConsultationChangedData = Schemas["CallConsultationChangedData"];
type ConsultState = CallConsultationChangedData["state"];
/** The softphone's conference (TEL-21): its parties at every change, and who is talking. */
export type ConferenceChangedData = Schemas["ConferenceChangedData"];
export type ConferenceLevelsData = Schemas["ConferenceLevelsData"];
type ConferenceParty = ConferenceChangedData["parties"][number];
/** A senior on an operator's call (listen / whisper / barge), to the senior and, when shown, the operator. */
export type MonitoringEventData = Schemas["MonitoringEventData"];
const MONITOR_MODES: readonly MonitoringEventData["mode"][] = ["listen", "whisper", "barge"];
const MONITOR_ENDS: readonly NonNullable<MonitoringEventData["reason"]>[] = ["stopped", "call_ended", "audio_lost"];
/** A background export's progress (features/journal). */
export type ExportProgress = Schemas["ExportProgressData"];
const EXPORT_STATUSES: readonly ExportProgress["status"][] = ["in_progress", "finished", "failed"];
const EXPORT_FORMATS: readonly ExportProgress["format"][] = ["csv", "xlsx", "pdf"];
/** A request for a senior's help on a call, «Помощь старшего» (features/help_requests). */
export type HelpRequest = Schemas["HelpRequestOut"];
const HELP_STATUSES: readonly HelpRequest["status"][] = ["open", "taken", "cancelled", "ended"];
const HELP_MODES: readonly NonNullable<HelpRequest["mode"]>[] = ["listen", "whisper"];
/** A card's SMS queued, moved on or received (features/chat): the card reads its list again. */
export type SmsChanged = Schemas["SmsChangedData"];
const SMS_STATES: readonly SmsChanged["state"][] = ["queued", "sent", "delivered", "failed", "received"];
const SMS_DIRECTIONS: readonly SmsChanged["direction"][] = ["outbound", "inbound"];
/** A message of a case's conversation with the applicant (features/chat). */
export type ChatMessageData = Schemas["ChatMessageData"];
export type ChatDeskData = Schemas["ChatDeskData"];
export type ChatDesk = ChatDeskData["desk"];
export type ChatWork = ChatDesk["held"][number];
export type ChatMessage = ChatMessageData["message"];
const CHAT_CHANNELS: readonly ChatMessage["channel"][] = ["app", "sms", "messenger"];
const CHAT_AUTHORS: readonly ChatMessage["author"][] = ["citizen", "operator", "bot"];
const CHAT_DELIVERY: readonly NonNullable<ChatMessage["delivery"]>[] = ["queued", "sent", "delivered", "failed"];
const CONSULT_STATES: readonly ConsultState[] = ["ringing", "talking", "failed", "conference", "transferred", "ended"];

interface EventPayloads {
  "operator.presence_changed": Schemas["PresenceChangedData"];
  "health.changed": Schemas["HealthOut"];
  "org.changed": OrgChanged;
  "session.closed": Schemas["SessionClosedData"];
  "operator.state_changed": Schemas["OperatorStateChangedData"];
  "call.offered": Schemas["CallOfferedData"];
  "queue.updated": Schemas["QueueUpdatedData"];
  "operator.break_suggested": Schemas["BreakSuggestedData"];
  "operator.break_time_elapsed": Schemas["BreakTimeElapsedData"];
  "case.created": Schemas["CaseEventData"];
  "case.updated": Schemas["CaseEventData"];
  "case.handed_over": Schemas["CaseHandedOverData"];
  "call.connected": CallConnectedData;
  "call.ended": CallEndedData;
  "call.hold_changed": CallHoldChangedData;
  "call.consultation_changed": CallConsultationChangedData;
  "conference.changed": ConferenceChangedData;
  "conference.levels": ConferenceLevelsData;
  "message.sent": Schemas["MessageSentData"];
  "message.read": Schemas["MessageReadData"];
  "broadcast.sent": Schemas["BroadcastSentData"];
  "broadcast.read": Schemas["BroadcastReadData"];
  "export.progress": ExportProgress;
  "help_request.changed": HelpRequest;
  "operator.call_held": Schemas["OperatorCallHeldData"];
  "operator.case_changed": Schemas["OperatorCaseChangedData"];
  "board.notice_pinned": Schemas["NoticePinnedData"];
  "board.notice_removed": NoticeRemoved;
  "monitoring.started": MonitoringEventData;
  "monitoring.mode_changed": MonitoringEventData;
  "monitoring.ended": MonitoringEventData;
  "sms.changed": SmsChanged;
  "chat.message": ChatMessageData;
  "chat.desk": ChatDeskData;
}
export type KnownEventType = keyof EventPayloads;
/** Agreed with the server but not listed in its document's x-event-types yet (none at present). */
export const AGREED_EVENT_TYPES: readonly KnownEventType[] = [];
export const KNOWN_EVENT_TYPES: readonly KnownEventType[] = [
  "operator.presence_changed",
  "health.changed",
  "org.changed",
  "session.closed",
  "operator.state_changed",
  "call.offered",
  "queue.updated",
  "operator.break_suggested",
  "operator.break_time_elapsed",
  "case.created",
  "case.updated",
  "case.handed_over",
  "call.connected",
  "call.ended",
  "call.hold_changed",
  "call.consultation_changed",
  "conference.changed",
  "conference.levels",
  "message.sent",
  "message.read",
  "broadcast.sent",
  "broadcast.read",
  "export.progress",
  "help_request.changed",
  "operator.call_held",
  "operator.case_changed",
  "board.notice_pinned",
  "board.notice_removed",
  "monitoring.started",
  "monitoring.mode_changed",
  "monitoring.ended",
  "sms.changed",
  "chat.message",
  "chat.desk",
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

export const LEG_STATES = ["connecting", "connected", "failed", "closed"] as const;
export type LegState = (typeof LEG_STATES)[number];

/** A STUN or TURN server for the browser's RTCPeerConnection, as the server configures it. */
export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

/** Browser media signalling from the server: not events (no ids, never replayed). */
export type RtcServerMessage =
  | { kind: "rtc.offer"; leg: string; sdp: string; ice_servers: IceServer[]; camera: boolean }
  | { kind: "rtc.state"; leg: string; state: LegState }
  | {
      kind: "rtc.video";
      leg: string;
      showing: boolean;
      reason: VideoAbsence | null;
      stalled: boolean;
      /** What the shown picture is carried in ("VP8", "H264 42e01f"); null when nothing is shown. */
      codec?: string | null;
    };

/** Why the leg shows no caller's video: no codec both browsers have, or the caller sends none. */
export type VideoAbsence = "no_common_codec" | "no_video";
const VIDEO_ABSENCES: readonly VideoAbsence[] = ["no_common_codec", "no_video"];

/** An `error` whose code starts with `rtc_`: a signalling problem of the media leg. */
export interface RtcError {
  kind: "error";
  code: string;
  message: string;
}

export type ServerMessage =
  // The server sends no snapshot when it resumes a stream: the client keeps its own state.
  | { kind: "ready"; stream: string; resumed: boolean; last_id: number; snapshot: Snapshot | null }
  | { kind: "event"; event: StreamEvent | UnknownEvent }
  | { kind: "ping"; last_id: number }
  | { kind: "reload"; reason: string }
  | { kind: "closed"; reason: string; message: string }
  | { kind: "error"; code: string; message: string }
  | RtcServerMessage;

export const DTMF_DIGITS = "0123456789*#";
export type Codec = "PCMU" | "PCMA";

/** Browser media signalling to the server. */
export type RtcClientMessage =
  | { kind: "rtc.start"; codecs: Codec[] }
  | { kind: "rtc.answer"; leg: string; sdp: string }
  | { kind: "rtc.restart"; leg: string }
  | { kind: "rtc.dtmf"; leg: string; digit: string }
  | { kind: "rtc.stop"; leg: string };

export type ClientMessage = { kind: "ack"; id: number } | { kind: "pong" } | RtcClientMessage;

export function isRtcError(message: { kind: string; code?: string }): boolean {
  return message.kind === "error" && typeof message.code === "string" && message.code.startsWith("rtc_");
}

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
function num(r: Rec, key: string, where: string): number {
  const v = r[key];
  if (typeof v !== "number" || !Number.isFinite(v)) throw new ProtocolError(`${where}.${key}: number expected`);
  return v;
}
function optStr(r: Rec, key: string, where: string): string | null {
  return r[key] === null || r[key] === undefined ? null : str(r, key, where);
}
function optInt(r: Rec, key: string, where: string): number | null {
  return r[key] === null || r[key] === undefined ? null : int(r, key, where);
}
function optNum(r: Rec, key: string, where: string): number | null {
  return r[key] === null || r[key] === undefined ? null : num(r, key, where);
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
export const OPERATOR_STATUSES: readonly OperatorStatus[] = [
  "offline",
  "ready",
  "offered",
  "on_call",
  "wrap_up",
  "on_break",
  "away",
  "blocked",
];

export function parseOffer(value: unknown, where = "offer"): Offer {
  const r = rec(value, where);
  return {
    call_id: str(r, "call_id", where),
    queue_id: optInt(r, "queue_id", where),
    queue_name: str(r, "queue_name", where),
    caller: str(r, "caller", where),
    expires_at: str(r, "expires_at", where),
    is_callback: bool(r, "is_callback", where),
    service_number: optStr(r, "service_number", where) ?? "",
    service_name: optStr(r, "service_name", where) ?? "",
    group_name: optStr(r, "group_name", where) ?? "",
    auto_answer: r.auto_answer === undefined || r.auto_answer === null ? false : bool(r, "auto_answer", where),
    from_user_id: optInt(r, "from_user_id", where),
  };
}

/** The softphone's view of any offer, parsed or from an API answer. */
export function offerDetails(offer: Offer): OfferDetails {
  return {
    service_number: offer.service_number ?? "",
    service_name: offer.service_name ?? "",
    group_name: offer.group_name ?? "",
    auto_answer: offer.auto_answer === true,
  };
}

export function parseOperatorState(value: unknown, where = "operator_state"): OperatorState {
  const r = rec(value, where);
  return {
    user_id: int(r, "user_id", where),
    status: oneOf(r, "status", OPERATOR_STATUSES, where),
    since: str(r, "since", where),
    reason: str(r, "reason", where),
    note: str(r, "note", where),
    call_id: optStr(r, "call_id", where),
    queue_id: optInt(r, "queue_id", where),
    offer: r.offer === null || r.offer === undefined ? null : parseOffer(r.offer, `${where}.offer`),
    pending: optStr(r, "pending", where),
    wrap_up_until: optStr(r, "wrap_up_until", where),
    idle_to_away_s: optNum(r, "idle_to_away_s", where),
    away_to_logout_s: optNum(r, "away_to_logout_s", where),
    break_limit_s: optNum(r, "break_limit_s", where),
    server_time: optStr(r, "server_time", where),
    // Older servers do not say: «Готов» was always allowed there.
    early_ready: r.early_ready === false ? false : true,
  };
}

function parseWaitingCall(value: unknown, where: string): WaitingCall {
  const r = rec(value, where);
  return {
    call_id: str(r, "call_id", where),
    caller: str(r, "caller", where),
    priority: int(r, "priority", where),
    position: int(r, "position", where),
    waited_s: num(r, "waited_s", where),
    estimated_wait_s: optNum(r, "estimated_wait_s", where),
    is_callback: bool(r, "is_callback", where),
    ringing: bool(r, "ringing", where),
    ivr_choice: optStr(r, "ivr_choice", where),
  };
}

const LEAVE_REASONS = [
  "answered",
  "abandoned",
  "timeout",
  "no_operators",
  "queue_full",
  "removed",
  "transferred",
  "gone",
] as const;

function parseLeftCall(value: unknown, where: string): QueueLive["left"][number] {
  const r = rec(value, where);
  return {
    call_id: str(r, "call_id", where),
    caller: str(r, "caller", where),
    reason: oneOf(r, "reason", LEAVE_REASONS, where),
    left_at: str(r, "left_at", where),
    waited_s: num(r, "waited_s", where),
    destination: optStr(r, "destination", where),
    removed_by: optInt(r, "removed_by", where),
    note: typeof r.note === "string" ? r.note : "",
    ivr_choice: optStr(r, "ivr_choice", where),
  };
}

export function parseNotice(value: unknown, where = "notice"): Notice {
  const d = rec(value, where);
  return {
    id: int(d, "id", where),
    author_id: optInt(d, "author_id", where),
    author_name: str(d, "author_name", where),
    text: str(d, "text", where),
    group_ids: list(d, "group_ids", where).map((g, i) => {
      if (!Number.isInteger(g)) throw new ProtocolError(`${where}.group_ids[${i}]: integer expected`);
      return g as number;
    }),
    expires_at: optStr(d, "expires_at", where),
    pinned_at: str(d, "pinned_at", where),
    changed_at: str(d, "changed_at", where),
  };
}

export function parseQueue(value: unknown, where = "queue"): QueueLive {
  const r = rec(value, where);
  const byPriority = rec(r.waiting_by_priority, `${where}.waiting_by_priority`);
  const waiting_by_priority: Record<string, number> = {};
  for (const key of Object.keys(byPriority)) waiting_by_priority[key] = int(byPriority, key, `${where}.waiting_by_priority`);
  return {
    id: int(r, "id", where),
    group_id: int(r, "group_id", where),
    name: str(r, "name", where),
    waiting: int(r, "waiting", where),
    waiting_by_priority,
    callbacks_waiting: int(r, "callbacks_waiting", where),
    longest_wait_s: num(r, "longest_wait_s", where),
    available_operators: int(r, "available_operators", where),
    eligible_operators: int(r, "eligible_operators", where),
    logged_in_operators: int(r, "logged_in_operators", where),
    on_break_operators: int(r, "on_break_operators", where),
    calls: list(r, "calls", where).map((c, i) => parseWaitingCall(c, `${where}.calls[${i}]`)),
    // The latest callers who left, and why (older servers omit them).
    left: r.left === undefined ? [] : list(r, "left", where).map((c, i) => parseLeftCall(c, `${where}.left[${i}]`)),
  };
}

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

function parseIceServer(value: unknown, where: string): IceServer {
  const r = rec(value, where);
  const urls = list(r, "urls", where).map((url, i) => {
    if (typeof url !== "string") throw new ProtocolError(`${where}.urls[${i}]: string expected`);
    return url;
  });
  const username = optStr(r, "username", where);
  const credential = optStr(r, "credential", where);
  return {
    urls,
    ...(username === null ? {} : { username }),
    ...(credential === null ? {} : { credential }),
  };
}

function parseCaseInWork(value: unknown, w: string): Schemas["CaseInWorkOut"] {
  const d = rec(value, w);
  return {
    case_id: int(d, "case_id", w),
    name: str(d, "name", w),
    number: int(d, "number", w),
    type_name: str(d, "type_name", w),
  };
}

function parseLiveCall(value: unknown, w: string): EventPayloads["operator.state_changed"]["call"] {
  const d = rec(value, w);
  return {
    call_id: str(d, "call_id", w),
    caller: optStr(d, "caller", w),
    queue_id: optInt(d, "queue_id", w),
    direction: oneOf(d, "direction", ["inbound", "outbound"] as const, w),
    since: str(d, "since", w),
    held: typeof d.held === "boolean" ? d.held : false, // older servers omit it
  };
}

/** The data of each known event type, parsed from the frame's `data` (`where` names it in errors). */
const PAYLOAD_PARSERS: { [T in KnownEventType]: (value: unknown, where: string) => EventPayloads[T] } = {
  "operator.presence_changed": (value, w) => {
    const d = rec(value, w);
    return { operator: parsePresenceEntry(d.operator, `${w}.operator`), online: bool(d, "online", w) };
  },
  "health.changed": (value, w) => parseHealth(value, w),
  "org.changed": (value, w) => {
    const d = rec(value, w);
    return { entity: oneOf(d, "entity", ENTITIES, w), id: int(d, "id", w), action: oneOf(d, "action", ACTIONS, w) };
  },
  "session.closed": (value, w) => {
    const d = rec(value, w);
    return {
      user_id: int(d, "user_id", w),
      reason: str(d, "reason", w),
      message: typeof d.message === "string" ? d.message : "",
    };
  },
  "operator.state_changed": (value, w) => {
    const d = rec(value, w);
    return {
      user_id: int(d, "user_id", w),
      old_status: oneOf(d, "old_status", OPERATOR_STATUSES, w),
      status: oneOf(d, "status", OPERATOR_STATUSES, w),
      trigger: str(d, "trigger", w),
      reason: str(d, "reason", w),
      note: str(d, "note", w),
      since: str(d, "since", w),
      duration_s: num(d, "duration_s", w),
      call_id: optStr(d, "call_id", w),
      queue_id: optInt(d, "queue_id", w),
      // The senior's board: the shift's counts and the call after the change (older servers omit them).
      calls_answered: typeof d.calls_answered === "number" ? d.calls_answered : 0,
      calls_missed: typeof d.calls_missed === "number" ? d.calls_missed : 0,
      call: d.call === null || d.call === undefined ? null : parseLiveCall(d.call, `${w}.call`),
      // On a break: the allowance of its reason (the break timer, the board's highlight).
      break_limit_s: optNum(d, "break_limit_s", w),
      // On a call or in wrap-up: the call's card (older servers omit it).
      case: d.case === null || d.case === undefined ? null : parseCaseInWork(d.case, `${w}.case`),
    };
  },
  "call.offered": (value, w) => {
    const d = rec(value, w);
    return { user_id: int(d, "user_id", w), offer: parseOffer(d.offer, `${w}.offer`) };
  },
  "queue.updated": (value, w) => ({ queue: parseQueue(rec(value, w).queue, `${w}.queue`) }),
  "operator.break_suggested": (value, w) => {
    const d = rec(value, w);
    return { user_id: int(d, "user_id", w), worked_s: num(d, "worked_s", w) };
  },
  "operator.break_time_elapsed": (value, w) => {
    const d = rec(value, w);
    return { user_id: int(d, "user_id", w), reason: str(d, "reason", w), allowed_s: num(d, "allowed_s", w) };
  },
  "case.created": (value, w) => ({ case: parseCaseSummary(rec(value, w).case, `${w}.case`) }),
  "case.updated": (value, w) => ({ case: parseCaseSummary(rec(value, w).case, `${w}.case`) }),
  "case.handed_over": (value, w) => {
    const d = rec(value, w);
    return {
      user_id: int(d, "user_id", w),
      case_id: int(d, "case_id", w),
      call_id: str(d, "call_id", w),
      from_user_id: optInt(d, "from_user_id", w),
      from_name: str(d, "from_name", w),
      caller: str(d, "caller", w),
      service_number: str(d, "service_number", w),
      service_name: str(d, "service_name", w),
      group_name: str(d, "group_name", w),
    };
  },
  "call.connected": (value, w) => {
    const d = rec(value, w);
    return {
      user_id: int(d, "user_id", w),
      call_id: str(d, "call_id", w),
      caller: str(d, "caller", w),
      queue_id: optInt(d, "queue_id", w),
      connected_at: str(d, "connected_at", w),
    };
  },
  "call.ended": (value, w) => {
    const d = rec(value, w);
    return { user_id: int(d, "user_id", w), call_id: str(d, "call_id", w), cause: optStr(d, "cause", w) ?? "" };
  },
  "call.hold_changed": (value, w) => {
    const d = rec(value, w);
    return { user_id: int(d, "user_id", w), call_id: str(d, "call_id", w), held: bool(d, "held", w) };
  },
  "call.consultation_changed": (value, w) => {
    const d = rec(value, w);
    const state = str(d, "state", w);
    const talking = optStr(d, "talking_to", w);
    if (!CONSULT_STATES.includes(state as ConsultState)) throw new ProtocolError(`${w}.state: unknown ${state}`);
    if (talking !== undefined && talking !== null && talking !== "caller" && talking !== "consultant") {
      throw new ProtocolError(`${w}.talking_to: unknown ${talking}`);
    }
    return {
      user_id: int(d, "user_id", w),
      call_id: str(d, "call_id", w),
      state: state as ConsultState,
      consultant: str(d, "consultant", w),
      talking_to: (talking ?? null) as CallConsultationChangedData["talking_to"],
    };
  },
  "conference.changed": (value, w) => {
    const d = rec(value, w);
    const state = str(d, "state", w);
    if (state !== "active" && state !== "ended") throw new ProtocolError(`${w}.state: unknown ${state}`);
    return {
      user_id: int(d, "user_id", w),
      call_id: str(d, "call_id", w),
      state,
      organiser_id: optInt(d, "organiser_id", w),
      max_parties: int(d, "max_parties", w),
      parties: list(d, "parties", w).map((item, i) => {
        const p = rec(item, `${w}.parties[${i}]`);
        const where = `${w}.parties[${i}]`;
        return {
          id: str(p, "id", where),
          role: str(p, "role", where) as ConferenceParty["role"],
          kind: str(p, "kind", where) as ConferenceParty["kind"],
          user_id: optInt(p, "user_id", where),
          number: optStr(p, "number", where),
          state: str(p, "state", where) as ConferenceParty["state"],
          muted: bool(p, "muted", where),
          queue_name: optStr(p, "queue_name", where),
          name: optStr(p, "name", where),
        };
      }),
    };
  },
  "conference.levels": (value, w) => {
    const d = rec(value, w);
    const levels = rec(d.levels, `${w}.levels`);
    return {
      user_id: int(d, "user_id", w),
      call_id: str(d, "call_id", w),
      levels: Object.fromEntries(Object.keys(levels).map((k) => [k, int(levels, k, `${w}.levels`)])),
      talking: list(d, "talking", w).map((v) => String(v)),
    };
  },
  "message.sent": parseMessageSent,
  "message.read": parseMessageRead,
  "broadcast.sent": parseBroadcastSent,
  "broadcast.read": parseBroadcastRead,
  "board.notice_pinned": (value, w) => ({ notice: parseNotice(rec(value, w).notice, `${w}.notice`) }),
  "board.notice_removed": (value, w) => {
    const d = rec(value, w);
    return { id: int(d, "id", w), reason: oneOf(d, "reason", REMOVED_BECAUSE, w) };
  },
  "export.progress": (value, w) => {
    const d = rec(value, w);
    return {
      job_id: str(d, "job_id", w),
      status: oneOf(d, "status", EXPORT_STATUSES, w),
      format: oneOf(d, "format", EXPORT_FORMATS, w),
      rows: int(d, "rows", w),
      expected_rows: int(d, "expected_rows", w),
      download_url: optStr(d, "download_url", w),
      error: optStr(d, "error", w),
      resumed: optInt(d, "resumed", w) ?? 0,
    };
  },
  "help_request.changed": (value, w) => parseHelpRequest(value, w),
  "operator.call_held": (value, w) => {
    const d = rec(value, w);
    return { user_id: int(d, "user_id", w), call_id: str(d, "call_id", w), held: bool(d, "held", w) };
  },
  "operator.case_changed": (value, w) => {
    const d = rec(value, w);
    return { user_id: int(d, "user_id", w), call_id: str(d, "call_id", w), case: parseCaseInWork(d.case, `${w}.case`) };
  },
  "monitoring.started": parseMonitoring,
  "monitoring.mode_changed": parseMonitoring,
  "monitoring.ended": parseMonitoring,
  "sms.changed": (value, w) => {
    const d = rec(value, w);
    return {
      id: int(d, "id", w),
      case_id: optInt(d, "case_id", w),
      direction: oneOf(d, "direction", SMS_DIRECTIONS, w),
      state: oneOf(d, "state", SMS_STATES, w),
      problem: str(d, "problem", w),
      updated_at: str(d, "updated_at", w),
    };
  },
  "chat.message": (value, w) => ({ message: parseChatMessage(rec(value, w).message, `${w}.message`) }),
  "chat.desk": (value, w) => ({ desk: parseChatDesk(rec(value, w).desk, `${w}.desk`) }),
};

function parseChatWork(value: unknown, w: string): ChatWork {
  const d = rec(value, w);
  return {
    call_id: str(d, "call_id", w),
    case_id: int(d, "case_id", w),
    channel: oneOf(d, "channel", CHAT_CHANNELS, w),
    queue_id: int(d, "queue_id", w),
    queue_name: optStr(d, "queue_name", w) ?? "",
    caller: optStr(d, "caller", w) ?? "",
    waiting_since: str(d, "waiting_since", w),
    expires_at: optStr(d, "expires_at", w),
    accepted_at: optStr(d, "accepted_at", w),
  };
}

/** `chat.desk`: the chat offered to the operator and the chats they hold (OPS-25). */
export function parseChatDesk(value: unknown, w: string): ChatDesk {
  const d = rec(value, w);
  const held = Array.isArray(d.held) ? d.held : [];
  return {
    user_id: int(d, "user_id", w),
    chat_limit: int(d, "chat_limit", w),
    offer: d.offer === null || d.offer === undefined ? null : parseChatWork(d.offer, `${w}.offer`),
    held: held.map((item, i) => parseChatWork(item, `${w}.held[${i}]`)),
  };
}

export function parseChatMessage(value: unknown, w: string): ChatMessage {
  const d = rec(value, w);
  return {
    id: int(d, "id", w),
    case_id: int(d, "case_id", w),
    channel: oneOf(d, "channel", CHAT_CHANNELS, w),
    author: oneOf(d, "author", CHAT_AUTHORS, w),
    author_name: optStr(d, "author_name", w) ?? "",
    text: optStr(d, "text", w) ?? "",
    media_id: optInt(d, "media_id", w),
    created_at: str(d, "created_at", w),
    delivery: d.delivery === null || d.delivery === undefined ? null : oneOf(d, "delivery", CHAT_DELIVERY, w),
    problem: optStr(d, "problem", w) ?? "",
  };
}

export function parseHelpRequest(value: unknown, w: string): HelpRequest {
  const d = rec(value, w);
  const groups = Array.isArray(d.group_ids) ? d.group_ids : [];
  const mode = optStr(d, "mode", w);
  if (mode !== null && !HELP_MODES.includes(mode as NonNullable<HelpRequest["mode"]>)) {
    throw new ProtocolError(`${w}.mode: unknown ${mode}`);
  }
  return {
    id: int(d, "id", w),
    call_id: str(d, "call_id", w),
    operator_id: int(d, "operator_id", w),
    operator_name: str(d, "operator_name", w),
    caller: optStr(d, "caller", w),
    queue_id: optInt(d, "queue_id", w),
    group_ids: groups.filter((g): g is number => typeof g === "number"),
    raised_at: str(d, "raised_at", w),
    status: oneOf(d, "status", HELP_STATUSES, w),
    taken_by: optInt(d, "taken_by", w),
    taken_by_name: optStr(d, "taken_by_name", w),
    taken_at: optStr(d, "taken_at", w),
    mode: mode as HelpRequest["mode"],
    closed_at: optStr(d, "closed_at", w),
  };
}

function parseMonitoring(value: unknown, w: string): MonitoringEventData {
  const d = rec(value, w);
  const reason = optStr(d, "reason", w) ?? null;
  if (reason !== null && !MONITOR_ENDS.includes(reason as NonNullable<MonitoringEventData["reason"]>)) {
    throw new ProtocolError(`${w}.reason: unknown ${reason}`);
  }
  const audio = str(d, "audio", w);
  return {
    session_id: str(d, "session_id", w),
    call_id: str(d, "call_id", w),
    supervisor_id: int(d, "supervisor_id", w),
    operator_id: int(d, "operator_id", w),
    mode: oneOf(d, "mode", MONITOR_MODES, w),
    audio: audio === "sip" ? "sip" : "browser",
    started_at: str(d, "started_at", w),
    mode_since: str(d, "mode_since", w),
    ended_at: optStr(d, "ended_at", w) ?? null,
    reason: reason as MonitoringEventData["reason"],
  };
}

function isKnownEventType(type: string): type is KnownEventType {
  return Object.hasOwn(PAYLOAD_PARSERS, type);
}

function parseEvent(r: Rec): StreamEvent | UnknownEvent {
  const id = int(r, "id", "event");
  const at = str(r, "at", "event");
  const type = str(r, "type", "event");
  if (!isKnownEventType(type)) return { id, at, type, unknown: true };
  const data = PAYLOAD_PARSERS[type](r.data, "event.data");
  // The parser was picked by `type`, so `data` is that type's payload; TypeScript cannot pair the two.
  return { id, at, type, data } as StreamEvent;
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
          operator_state:
            s.operator_state === null || s.operator_state === undefined
              ? null
              : parseOperatorState(s.operator_state, "snapshot.operator_state"),
          queues: (Array.isArray(s.queues) ? s.queues : []).map((q, i) => parseQueue(q, `snapshot.queues[${i}]`)),
          board: (Array.isArray(s.board) ? s.board : []).map((n, i) => parseNotice(n, `snapshot.board[${i}]`)),
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
    case "rtc.offer": {
      const servers = r.ice_servers === undefined || r.ice_servers === null ? [] : list(r, "ice_servers", kind);
      return {
        kind,
        leg: str(r, "leg", kind),
        sdp: str(r, "sdp", kind),
        ice_servers: servers.map((value, i) => parseIceServer(value, `${kind}.ice_servers[${i}]`)),
        camera: r.camera === true,
      };
    }
    case "rtc.state":
      return { kind, leg: str(r, "leg", kind), state: oneOf(r, "state", LEG_STATES, kind) };
    case "rtc.video":
      return {
        kind,
        leg: str(r, "leg", kind),
        showing: r.showing === true,
        reason: r.reason === null || r.reason === undefined ? null : oneOf(r, "reason", VIDEO_ABSENCES, kind),
        stalled: r.stalled === true,
        codec: typeof r.codec === "string" ? r.codec : null,
      };
    default:
      throw new ProtocolError(`unknown kind ${kind}`);
  }
}
