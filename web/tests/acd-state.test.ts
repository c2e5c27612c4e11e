import { describe, expect, it } from "vitest";
import {
  parseServerMessage,
  type OperatorState,
  type QueueLive,
  type Snapshot,
  type StreamEvent,
  type UnknownEvent,
} from "@/shared/events/protocol";
import { applyEvent } from "@/shared/realtime/dispatch";
import { eventFrame, readyFrame, snapshot } from "./fixtures";

function parseEvent(frame: string): StreamEvent | UnknownEvent {
  const message = parseServerMessage(frame);
  if (message.kind !== "event") throw new Error("not an event");
  return message.event;
}

const me: OperatorState = {
  user_id: 7,
  status: "ready",
  since: "2026-11-25T09:00:00+00:00",
  reason: "",
  note: "",
  early_ready: true,
  call_id: null,
  queue_id: null,
  offer: null,
  pending: null,
  wrap_up_until: null,
};

function queue(id: number, name: string, waiting: number, group_id = 1): QueueLive {
  return {
    left: [],
    id,
    group_id,
    name,
    waiting,
    waiting_by_priority: waiting ? { "0": waiting } : {},
    callbacks_waiting: 0,
    longest_wait_s: waiting ? 12.5 : 0,
    available_operators: 1,
    eligible_operators: 1,
    logged_in_operators: 1,
    on_break_operators: 0,
    calls: [],
  };
}

function base(): Snapshot {
  return { ...snapshot([]), operator_state: me, queues: [queue(1, "Справочная", 0), queue(2, "Вызов врача", 2)] };
}

const offer = {
  call_id: "c-1",
  queue_id: 1,
  queue_name: "Справочная",
  caller: "+79001234567",
  expires_at: "2026-11-25T09:00:20+00:00",
  is_callback: false,
};

function changed(status: string, extra: Record<string, unknown> = {}): string {
  return eventFrame(0, "operator.state_changed", {
    user_id: 7,
    old_status: "ready",
    status,
    trigger: "x",
    reason: "",
    note: "",
    since: "2026-11-25T09:00:05+00:00",
    duration_s: 5,
    call_id: null,
    queue_id: null,
    ...extra,
  });
}

describe("call distribution events on the desktop", () => {
  it("the ready snapshot carries the operator's state and the visible queues", () => {
    const message = parseServerMessage(readyFrame("s1", 3, base()));
    expect(message.kind === "ready" && message.snapshot?.operator_state?.status).toBe("ready");
    expect(message.kind === "ready" && message.snapshot?.queues.map((q) => q.name)).toEqual(["Справочная", "Вызов врача"]);
  });

  it("an offer rings, is accepted, ends in wrap-up: the state follows and the notice goes away", () => {
    const events = [
      changed("offered", { call_id: "c-1", queue_id: 1 }),
      eventFrame(0, "call.offered", { user_id: 7, offer }),
      changed("on_call", { call_id: "c-1", queue_id: 1 }),
    ].map(parseEvent);
    const ringing = events.slice(0, 2).reduce(applyEvent, base());
    expect(ringing.operator_state?.offer?.caller).toBe("+79001234567");
    const talking = events.reduce(applyEvent, base());
    expect(talking.operator_state).toMatchObject({ status: "on_call", call_id: "c-1", offer: null });
  });

  it("events about another operator leave my state alone", () => {
    const other = parseEvent(eventFrame(0, "call.offered", { user_id: 8, offer }));
    expect(applyEvent(base(), other)).toEqual(base());
  });

  it("queue.updated replaces that queue and the calls-waiting count follows the visible queues", () => {
    const event = parseEvent(eventFrame(0, "queue.updated", { queue: queue(1, "Справочная", 3) }));
    const after = applyEvent(base(), event);
    expect(after.queues.map((q) => [q.id, q.waiting])).toEqual([
      [2, 2],
      [1, 3],
    ]);
    expect(after.presence.calls_waiting).toBe(5);
    expect(applyEvent(after, event)).toEqual(after);
  });

  it("a malformed queue snapshot is refused", () => {
    expect(() => parseEvent(eventFrame(0, "queue.updated", { queue: { id: 1 } }))).toThrow();
  });
});
