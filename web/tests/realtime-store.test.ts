import { createPinia, setActivePinia } from "pinia";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { noticeFor } from "@/features/auth/store";
import { useRealtimeStore } from "@/shared/realtime/store";
import { ME, eventFrame, health, operator, readyFrame, snapshot, state } from "./fixtures";

// Node has no browser WebSocket; this stand-in lets the test play the server's frames.
class FakeWebSocket {
  static opened: FakeWebSocket[] = [];
  sent: unknown[] = [];
  onopen = null;
  onerror = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  constructor(readonly url: string) {
    FakeWebSocket.opened.push(this);
  }
  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }
  close(): void {}
  deliver(frame: string): void {
    this.onmessage?.({ data: frame });
  }
}

function socket(): FakeWebSocket {
  const last = FakeWebSocket.opened.at(-1);
  if (last === undefined) throw new Error("no socket");
  return last;
}

beforeEach(() => {
  FakeWebSocket.opened = [];
  vi.stubGlobal("WebSocket", FakeWebSocket);
  vi.stubGlobal("window", { location: { origin: "http://127.0.0.1:8122" } });
  setActivePinia(createPinia());
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("realtime store", () => {
  it("says the database is down when the stream is closed for it, until a stream opens again", () => {
    const store = useRealtimeStore();
    store.start(() => undefined);
    expect(store.databaseDown).toBe(false);
    socket().deliver('{"kind":"closed","reason":"database_unavailable","message":"The database does not answer."}');
    expect(store.databaseDown).toBe(true);
    socket().deliver(readyFrame("s1", 0, snapshot([], health("ok", "ok"), 0)));
    expect(store.databaseDown).toBe(false);
  });

  it("shows the snapshot, then live presence and health, and the indicator follows", () => {
    const store = useRealtimeStore();
    store.start(() => undefined);
    expect(socket().url).toBe("ws://127.0.0.1:8122/api/v1/events");
    expect(store.indicator.colour).toBe("red");

    socket().deliver(readyFrame("s1", 0, snapshot([operator(1, "Иванова Мария")], health("ok", "ok"), 2)));
    expect(store.connected).toBe(true);
    expect(store.presence?.calls_waiting).toBe(2);
    expect(store.indicator.colour).toBe("green");

    socket().deliver(eventFrame(1, "operator.presence_changed", { operator: operator(2, "Петров Олег"), online: true }));
    socket().deliver(eventFrame(2, "health.changed", health("ok", "down")));
    expect(store.presence?.operators_online.map((o) => o.user_id)).toEqual([1, 2]);
    expect(store.indicator.colour).toBe("yellow");
  });

  it("announces organisation changes so admin screens can reload", () => {
    const store = useRealtimeStore();
    store.start(() => undefined);
    socket().deliver(readyFrame("s1", 0, snapshot([])));
    socket().deliver(eventFrame(1, "org.changed", { entity: "line", id: 4, action: "updated" }));
    socket().deliver(eventFrame(2, "org.changed", { entity: "line", id: 4, action: "updated" }));
    expect(store.orgChange).toEqual({ entity: "line", id: 4, seq: 2 });
  });

  it("when the account signs in elsewhere, reports a replaced session", () => {
    const store = useRealtimeStore();
    const ended: string[] = [];
    store.start((reason) => ended.push(reason));
    socket().deliver(readyFrame("s1", 0, snapshot([])));
    socket().deliver('{"kind":"closed","reason":"session_replaced","message":"elsewhere"}');

    expect(ended).toEqual(["session_replaced"]);
    expect(noticeFor(ended[0] ?? "")).toBe("session_replaced");
    expect(noticeFor("session_ended")).toBe("session_expired");
    expect(store.status).toBe("stopped");
  });
});

describe("the operator's state from an API answer", () => {
  it("is shown, unless an event of a later change arrived before it", () => {
    const store = useRealtimeStore();
    store.start(() => undefined);
    socket().deliver(readyFrame("s1", 0, { ...snapshot([]), operator_state: state("wrap_up") }));
    store.setOperatorState(state("ready", { since: "2026-11-25T09:00:05+00:00" }));
    expect(store.snapshot?.operator_state?.status).toBe("ready");

    // The answer to «Готов» is late: the offer that followed the change is already on the desk.
    socket().deliver(
      eventFrame(1, "operator.state_changed", {
        user_id: ME,
        old_status: "ready",
        status: "offered",
        trigger: "test",
        reason: "",
        note: "",
        since: "2026-11-25T09:00:06+00:00",
        duration_s: 0,
        call_id: "c-1",
        queue_id: 2,
      }),
    );
    store.setOperatorState(state("ready", { since: "2026-11-25T09:00:05+00:00" }));
    expect(store.snapshot?.operator_state?.status).toBe("offered");

    // The same change answered again (a pending break, the wrap-up's end) still comes through.
    store.setOperatorState(state("offered", { since: "2026-11-25T09:00:06+00:00", pending: "on_break" }));
    expect(store.snapshot?.operator_state?.pending).toBe("on_break");
  });

  it("is dropped when a change of the same instant arrived while the request was on its way", () => {
    const store = useRealtimeStore();
    store.start(() => undefined);
    socket().deliver(readyFrame("s1", 0, { ...snapshot([]), operator_state: state("offered") }));
    const hungUp = (id: number, since: string) =>
      eventFrame(id, "operator.state_changed", {
        user_id: ME,
        old_status: "on_call",
        status: "wrap_up",
        trigger: "test",
        reason: "",
        note: "",
        since,
        duration_s: 0,
        call_id: "c-1",
        queue_id: 2,
      });

    // «Принять» is answered after the caller's hang-up that the server decided at the same instant.
    let sent = store.ownStateChanges();
    socket().deliver(hungUp(1, "2026-11-25T09:00:06.250000+00:00"));
    store.setOperatorState(state("on_call", { since: "2026-11-25T09:00:06.25+00:00", call_id: "c-1" }), sent);
    expect(store.snapshot?.operator_state?.status).toBe("wrap_up");

    // A microsecond apart the order is known whatever arrived meanwhile.
    sent = store.ownStateChanges();
    socket().deliver(hungUp(2, "2026-11-25T09:00:07.000100+00:00"));
    store.setOperatorState(state("ready", { since: "2026-11-25T09:00:07.000101+00:00" }), sent);
    expect(store.snapshot?.operator_state?.status).toBe("ready");
    store.setOperatorState(state("on_call", { since: "2026-11-25T09:00:07.0001+00:00" }));
    expect(store.snapshot?.operator_state?.status).toBe("ready");

    // Nothing arrived meanwhile: an answer of the shown instant is the later word.
    sent = store.ownStateChanges();
    store.setOperatorState(state("on_break", { since: "2026-11-25T09:00:07.000101+00:00" }), sent);
    expect(store.snapshot?.operator_state?.status).toBe("on_break");
  });
});

describe("the break notice", () => {
  const changed = (id: number, userId: number) =>
    eventFrame(id, "operator.state_changed", {
      user_id: userId,
      old_status: "ready",
      status: "on_call",
      trigger: "test",
      reason: "",
      note: "",
      since: "2026-11-25T09:00:00+00:00",
      duration_s: 0,
      call_id: null,
      queue_id: null,
    });

  it("stays when a colleague's state changes and goes when the operator's own does", () => {
    const store = useRealtimeStore();
    store.start(() => undefined);
    socket().deliver(readyFrame("s1", 0, { ...snapshot([]), operator_state: state("ready") }));
    socket().deliver(eventFrame(1, "operator.break_suggested", { user_id: ME, worked_s: 7200 }));
    expect(store.breakNotice).toBe("suggested");

    socket().deliver(changed(2, ME + 1));
    expect(store.breakNotice).toBe("suggested");

    socket().deliver(changed(3, ME));
    expect(store.breakNotice).toBeNull();
  });
});
