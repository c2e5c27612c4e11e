import { describe, expect, it } from "vitest";
import { parseServerMessage, type Snapshot, type StreamEvent, type UnknownEvent } from "@/shared/events/protocol";
import { applyEvent } from "@/shared/realtime/dispatch";
import { byName } from "@/shared/realtime/snapshot";
import { eventFrame, health, ME, operator, snapshot, state } from "./fixtures";

// Both sides listed in the UI's order, so equal sets of operators compare equal.
function normaliseSnapshot(state: Snapshot): Snapshot {
  const operators_online = [...state.presence.operators_online].sort(byName);
  return { ...state, presence: { ...state.presence, operators_online } };
}

function parseEvent(frame: string): StreamEvent | UnknownEvent {
  const message = parseServerMessage(frame);
  if (message.kind !== "event") throw new Error("not an event");
  return message.event;
}

const ivanova = operator(1, "Иванова Мария");
const petrov = operator(2, "Петров Олег", { role: "senior" });
const sidorov = operator(3, "Сидоров Пётр");
const abramova = operator(4, "Абрамова Анна");

// The event sequence a desktop receives between two snapshots the server would build.
const frames = [
  eventFrame(11, "operator.presence_changed", { operator: sidorov, online: true }),
  eventFrame(12, "health.changed", health("ok", "down", "2026-11-25T09:01:00+00:00")),
  eventFrame(13, "operator.presence_changed", { operator: ivanova, online: false }),
  eventFrame(14, "org.changed", { entity: "queue", id: 7, action: "created" }),
  eventFrame(15, "call.something_new", { anything: true }),
  eventFrame(16, "operator.presence_changed", { operator: abramova, online: true }),
  eventFrame(17, "operator.presence_changed", { operator: { ...petrov, since: "2026-11-25T09:05:00+00:00" }, online: true }),
];

describe("applying events to a snapshot", () => {
  it("given the snapshot at id 10 and events 11..17 then the result equals the snapshot at id 17", () => {
    const before = snapshot([ivanova, petrov], health("ok", "ok"), 3);
    const later = snapshot(
      [abramova, { ...petrov, since: "2026-11-25T09:05:00+00:00" }, sidorov],
      health("ok", "down", "2026-11-25T09:01:00+00:00"),
      3,
    );

    const result = frames.map(parseEvent).reduce(applyEvent, before);

    expect(normaliseSnapshot(result)).toEqual(normaliseSnapshot(later));
  });

  it("applying the same events twice leaves the same state as applying them once", () => {
    const before = snapshot([ivanova, petrov]);
    const events = frames.map(parseEvent);

    const once = events.reduce(applyEvent, before);
    const twice = events.reduce(applyEvent, once);

    expect(twice).toEqual(once);
  });

  it("an operator going offline who was not listed changes nothing", () => {
    const before = snapshot([petrov]);
    const after = applyEvent(before, parseEvent(eventFrame(20, "operator.presence_changed", { operator: ivanova, online: false })));
    expect(after.presence.operators_online).toEqual([petrov]);
  });

  it("events of an unknown type leave the snapshot untouched", () => {
    const before = snapshot([petrov]);
    expect(applyEvent(before, parseEvent(eventFrame(21, "case.something_new", { case: 1 })))).toBe(before);
  });
});

describe("a call a colleague puts through", () => {
  const offer = {
    call_id: "call-1",
    queue_id: null,
    queue_name: "",
    caller: "+79161234567",
    expires_at: "2026-11-25T09:00:30+00:00",
    is_callback: false,
    service_number: "+78001220122",
    service_name: "Служба 122",
    group_name: null,
    auto_answer: false,
    from_user_id: 1,
  };
  const held = { ...snapshot([]), operator_state: state("on_call", { call_id: "call-1:transfer:ab12" }) };
  const ringing = applyEvent(held, parseEvent(eventFrame(1, "call.offered", { user_id: ME, offer })));

  it("rings with who puts it through, and stops ringing when answered or when the ring ends", () => {
    expect(ringing.operator_state?.status).toBe("offered");
    expect(ringing.operator_state?.offer?.from_user_id).toBe(1);
    const connected = { user_id: ME, call_id: "call-1", caller: "+79161234567", queue_id: null, connected_at: "2026-11-25T09:00:05+00:00" };
    const answered = applyEvent(ringing, parseEvent(eventFrame(2, "call.connected", connected)));
    expect(answered.operator_state?.offer).toBeNull();
    expect(answered.operator_state?.status).toBe("on_call");
    const declined = applyEvent(ringing, parseEvent(eventFrame(2, "call.ended", { user_id: ME, call_id: "call-1", cause: "declined" })));
    expect(declined.operator_state?.offer).toBeNull();
    // Applying it twice changes nothing more.
    expect(applyEvent(declined, parseEvent(eventFrame(2, "call.ended", { user_id: ME, call_id: "call-1", cause: "declined" })))).toEqual(declined);
  });

  it("leaves a queue's offer to the queue's state changes", () => {
    const fromQueue = applyEvent(held, parseEvent(eventFrame(1, "call.offered", { user_id: ME, offer: { ...offer, queue_id: 1, from_user_id: null } })));
    const other = applyEvent(fromQueue, parseEvent(eventFrame(2, "call.ended", { user_id: ME, call_id: "call-1", cause: "caller_hang_up" })));
    expect(other.operator_state?.offer?.call_id).toBe("call-1");
  });
});
