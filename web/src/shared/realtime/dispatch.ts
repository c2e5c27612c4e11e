// The one place that names every event type of /api/v1/events and says who takes it. The switch
// is exhaustive: an event type added to the protocol and not handled here fails the type check.
import type { CaseSummary } from "@/features/cases/model";
import type {
  ChatDesk,
  ChatMessage,
  ExportProgress,
  HelpRequest,
  MonitoringEventData,
  OrgChanged,
  SmsChanged,
  Snapshot,
  StreamEvent,
  UnknownEvent,
} from "@/shared/events/protocol";
import {
  withNotice,
  withOffer,
  withOperatorState,
  withoutNotice,
  withoutPutThroughOffer,
  withPresence,
  withQueue,
} from "./snapshot";

/** The events of the operator's calls; the softphone follows them. */
export type CallEvent = Extract<StreamEvent, { type: `call.${string}` | `conference.${string}` }>;
/** Messages and broadcasts; features/messages follows them. */
export type MessageEvent = Extract<StreamEvent, { type: `message.${string}` | `broadcast.${string}` }>;
/** The break policy's notice to this operator (OPS-04); cleared when their own state changes. */
export type BreakNotice = "suggested" | "elapsed" | null;
export type OperatorChange = Extract<StreamEvent, { type: "operator.state_changed" }>["data"];
export type CallHeld = Extract<StreamEvent, { type: "operator.call_held" }>["data"];
export type CaseInWorkChange = Extract<StreamEvent, { type: "operator.case_changed" }>["data"];
/** A senior on a call: the senior's console, and the operator's desk when their group shows it. */
export type MonitoringEvent = { type: Extract<StreamEvent["type"], `monitoring.${string}`>; data: MonitoringEventData };
export type CaseHandover = Extract<StreamEvent, { type: "case.handed_over" }>["data"];

/** What the events reach: the live snapshot and each feature that keeps state of its own. */
export interface EventTargets {
  /** Presence, health, the operator's state, the queues (zone 1 and zone 4) and the message board. */
  snapshot(update: (state: Snapshot) => Snapshot): void;
  /** The notice about `userId`'s breaks: only the signed-in operator's own reach their desk's notice. */
  breakNotice(notice: BreakNotice, userId: number): void;
  /** Admin tables reload on another admin's change. */
  orgChanged(change: OrgChanged): void;
  /** The card list (features/cases). */
  caseChanged(card: CaseSummary): void;
  /** A new card: the «new case» notice when a colleague made it by hand (features/messages). */
  caseCreated(card: CaseSummary): void;
  /** A call was transferred to this operator with its card: the desk opens it (features/cases). */
  caseHandedOver(handover: CaseHandover): void;
  /** Messages and broadcasts (features/messages). */
  message(event: MessageEvent): void;
  /** The softphone (features/softphone). */
  call(event: CallEvent): void;
  /** The senior's operators board (features/supervision): any operator's change it may see. */
  operatorChanged(change: OperatorChange): void;
  /** The senior's operators board: an operator's call put on hold or taken off it. */
  callHeld(change: CallHeld): void;
  /** The senior's operators board: the card of an operator's call changed hands or type. */
  caseInWork(change: CaseInWorkChange): void;
  /** Background exports of the call journal (features/journal). */
  exportProgress(progress: ExportProgress): void;
  /** «Помощь старшего»: the operator's request and the seniors' alerts (features/help_requests); `at`
   * is the server's time of the change (the wait is counted on the server's clock). */
  helpRequest(request: HelpRequest, at: string): void;
  /** A message of a case's conversation with the applicant (features/chat). */
  chatMessage(message: ChatMessage): void;
  /** The operator's chat offer and held chats (features/chat). */
  chatDesk(desk: ChatDesk): void;
  /** Listen / whisper / barge sessions (features/supervision and the operator's desk). */
  monitoring(event: MonitoringEvent): void;
  /** A card's SMS (features/chat: their delivery state). */
  sms(change: SmsChanged): void;
}

export function assertNever(value: never): never {
  throw new Error(`unhandled event: ${JSON.stringify(value)}`);
}

export function dispatch(event: StreamEvent | UnknownEvent, to: EventTargets): void {
  // A type this client does not know yet: the stream acknowledges it, nothing applies it.
  if ("unknown" in event) return;
  switch (event.type) {
    case "operator.presence_changed":
      return to.snapshot((state) => withPresence(state, event.data));
    case "health.changed":
      return to.snapshot((state) => ({ ...state, health: event.data }));
    case "queue.updated":
      return to.snapshot((state) => withQueue(state, event.data.queue));
    case "operator.state_changed":
      to.snapshot((state) => withOperatorState(state, event.data));
      to.operatorChanged(event.data);
      // A colleague's change (the desk hears its groups' changes) leaves this operator's notice alone.
      return to.breakNotice(null, event.data.user_id);
    case "operator.break_suggested":
      return to.breakNotice("suggested", event.data.user_id);
    case "operator.break_time_elapsed":
      return to.breakNotice("elapsed", event.data.user_id);
    case "call.offered":
      to.snapshot((state) => withOffer(state, event.data));
      // The softphone also reads the server's clock from every call event.
      return to.call(event);
    case "call.connected":
    case "call.ended":
      to.snapshot((state) => withoutPutThroughOffer(state, event.data));
      return to.call(event);
    case "call.hold_changed":
    case "call.consultation_changed":
    case "conference.changed":
    case "conference.levels":
      return to.call(event);
    case "case.created":
      to.caseChanged(event.data.case);
      return to.caseCreated(event.data.case);
    case "case.updated":
      return to.caseChanged(event.data.case);
    case "case.handed_over":
      return to.caseHandedOver(event.data);
    case "message.sent":
    case "message.read":
    case "broadcast.sent":
    case "broadcast.read":
      return to.message(event);
    case "board.notice_pinned":
      return to.snapshot((state) => withNotice(state, event.data.notice));
    case "board.notice_removed":
      return to.snapshot((state) => withoutNotice(state, event.data.id));
    case "org.changed":
      return to.orgChanged(event.data);
    case "export.progress":
      return to.exportProgress(event.data);
    case "operator.call_held":
      return to.callHeld(event.data);
    case "operator.case_changed":
      return to.caseInWork(event.data);
    case "help_request.changed":
      return to.helpRequest(event.data, event.at);
    case "monitoring.started":
    case "monitoring.mode_changed":
    case "monitoring.ended":
      return to.monitoring({ type: event.type, data: event.data });
    case "sms.changed":
      return to.sms(event.data);
    case "chat.message":
      return to.chatMessage(event.data.message);
    case "chat.desk":
      return to.chatDesk(event.data.desk);
    case "session.closed":
      // Ignored here: the stream itself ends the session (shared/events/stream.ts).
      return;
    default:
      return assertNever(event);
  }
}

const NOWHERE: EventTargets = {
  snapshot: () => undefined,
  breakNotice: () => undefined,
  orgChanged: () => undefined,
  caseChanged: () => undefined,
  caseCreated: () => undefined,
  caseHandedOver: () => undefined,
  message: () => undefined,
  call: () => undefined,
  operatorChanged: () => undefined,
  callHeld: () => undefined,
  caseInWork: () => undefined,
  exportProgress: () => undefined,
  helpRequest: () => undefined,
  monitoring: () => undefined,
  sms: () => undefined,
  chatMessage: () => undefined,
  chatDesk: () => undefined,
};

/** The snapshot's part of an event alone, as a pure function of the state before it. */
export function applyEvent(state: Snapshot, event: StreamEvent | UnknownEvent): Snapshot {
  let next = state;
  dispatch(event, {
    ...NOWHERE,
    snapshot: (update) => {
      next = update(next);
    },
  });
  return next;
}
