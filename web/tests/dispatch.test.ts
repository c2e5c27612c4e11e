import { describe, expect, it } from "vitest";
import { KNOWN_EVENT_TYPES, type KnownEventType, type StreamEvent } from "@/shared/events/protocol";
import { dispatch, type EventTargets } from "@/shared/realtime/dispatch";

// What each event type reaches (docs/web.md, "The realtime dispatcher"). Keyed by every known type,
// so a type added to the protocol needs a row here as well as a case in the dispatcher.
const ROUTES: Record<KnownEventType, string[]> = {
  "operator.presence_changed": ["snapshot"],
  "health.changed": ["snapshot"],
  "queue.updated": ["snapshot"],
  "operator.state_changed": ["snapshot", "operatorChanged", "breakNotice:null"],
  "operator.break_suggested": ["breakNotice:suggested"],
  "operator.break_time_elapsed": ["breakNotice:elapsed"],
  "call.offered": ["snapshot", "call"],
  "call.connected": ["snapshot", "call"],
  "call.ended": ["snapshot", "call"],
  "call.hold_changed": ["call"],
  "call.consultation_changed": ["call"],
  "conference.changed": ["call"],
  "conference.levels": ["call"],
  "case.created": ["caseChanged", "caseCreated"],
  "case.updated": ["caseChanged"],
  "case.handed_over": ["caseHandedOver"],
  "org.changed": ["orgChanged"],
  "session.closed": [],
  "message.sent": ["message"],
  "message.read": ["message"],
  "broadcast.sent": ["message"],
  "broadcast.read": ["message"],
  "export.progress": ["exportProgress"],
  "help_request.changed": ["helpRequest"],
  "operator.call_held": ["callHeld"],
  "operator.case_changed": ["caseInWork"],
  "board.notice_pinned": ["snapshot"],
  "board.notice_removed": ["snapshot"],
  "monitoring.started": ["monitoring"],
  "monitoring.mode_changed": ["monitoring"],
  "monitoring.ended": ["monitoring"],
  "sms.changed": ["sms"],
  "chat.message": ["chatMessage"],
  "chat.desk": ["chatDesk"],
};

function recorder(): { reached: string[]; targets: EventTargets } {
  const reached: string[] = [];
  return {
    reached,
    targets: {
      snapshot: () => reached.push("snapshot"),
      breakNotice: (notice) => reached.push(`breakNotice:${notice}`),
      orgChanged: () => reached.push("orgChanged"),
      caseChanged: () => reached.push("caseChanged"),
      caseCreated: () => reached.push("caseCreated"),
      caseHandedOver: () => reached.push("caseHandedOver"),
      message: () => reached.push("message"),
      call: () => reached.push("call"),
      operatorChanged: () => reached.push("operatorChanged"),
      callHeld: () => reached.push("callHeld"),
      caseInWork: () => reached.push("caseInWork"),
      exportProgress: () => reached.push("exportProgress"),
      helpRequest: () => reached.push("helpRequest"),
      monitoring: () => reached.push("monitoring"),
      sms: () => reached.push("sms"),
      chatMessage: () => reached.push("chatMessage"),
      chatDesk: () => reached.push("chatDesk"),
    },
  };
}

describe("realtime dispatcher", () => {
  it("has a route for exactly the known event types", () => {
    expect(Object.keys(ROUTES).sort()).toEqual([...KNOWN_EVENT_TYPES].sort());
  });

  it.each(Object.entries(ROUTES) as [KnownEventType, string[]][])("%s reaches %j", (type, expected) => {
    const { reached, targets } = recorder();
    // Only the routing is under test: the targets here do not read the payload.
    const event = { id: 1, at: "2026-11-25T09:00:00+00:00", type, data: {} } as StreamEvent;
    dispatch(event, targets);
    expect(reached).toEqual(expected);
  });

  it("an event of a type this client does not know reaches nothing", () => {
    const { reached, targets } = recorder();
    dispatch({ id: 2, at: "2026-11-25T09:00:00+00:00", type: "call.something_new", unknown: true }, targets);
    expect(reached).toEqual([]);
  });
});
