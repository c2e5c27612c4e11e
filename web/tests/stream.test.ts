import { beforeEach, describe, expect, it } from "vitest";
import type { Snapshot, StreamEvent, UnknownEvent } from "@/shared/events/protocol";
import { EventStream, eventsUrl, type SocketLike, type StreamStatus, type Timers } from "@/shared/events/stream";
import { eventFrame, health, operator, readyFrame, snapshot } from "./fixtures";

// The browser WebSocket does not exist in Node: this stand-in records what the client sends
// and lets the test deliver server frames and drops.
class FakeSocket implements SocketLike {
  sent: unknown[] = [];
  closedByClient = false;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  constructor(readonly url: string) {}
  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }
  close(): void {
    this.closedByClient = true;
  }
  deliver(frame: string): void {
    this.onmessage?.({ data: frame });
  }
  drop(code = 1006): void {
    this.onclose?.({ code, reason: "" });
  }
}

// Timers the test fires by hand, so backoff is checked without waiting.
class ManualTimers implements Timers {
  pending: { fn: () => void; ms: number; handle: number }[] = [];
  private next = 1;
  set(fn: () => void, ms: number): unknown {
    const handle = this.next++;
    this.pending.push({ fn, ms, handle });
    return handle;
  }
  clear(handle: unknown): void {
    this.pending = this.pending.filter((p) => p.handle !== handle);
  }
  fireNext(): number {
    const timer = this.pending.shift();
    if (timer === undefined) throw new Error("no timer pending");
    timer.fn();
    return timer.ms;
  }
}

interface Recorder {
  signals: unknown[];
  snapshots: Snapshot[];
  events: (StreamEvent | UnknownEvent)[];
  statuses: StreamStatus[];
  ended: [string, string][];
  disconnects: number[];
  interruptions: string[];
}

let sockets: FakeSocket[];
let timers: ManualTimers;
let seen: Recorder;
let stream: EventStream;

function latest(): FakeSocket {
  const socket = sockets.at(-1);
  if (socket === undefined) throw new Error("no socket opened");
  return socket;
}

const ivanova = operator(1, "Иванова Мария");
const petrov = operator(2, "Петров Олег");

beforeEach(() => {
  sockets = [];
  timers = new ManualTimers();
  seen = { signals: [], snapshots: [], events: [], statuses: [], ended: [], disconnects: [], interruptions: [] };
  stream = new EventStream(
    "https://hotline.example",
    {
      snapshot: (s) => seen.snapshots.push(s),
      event: (e) => seen.events.push(e),
      status: (s) => seen.statuses.push(s),
      ended: (reason, message) => seen.ended.push([reason, message]),
      disconnected: (attempt) => seen.disconnects.push(attempt),
      interrupted: (reason) => seen.interruptions.push(reason),
      signal: (message) => seen.signals.push(message),
    },
    {
      socket: (url) => {
        const socket = new FakeSocket(url);
        sockets.push(socket);
        return socket;
      },
      timers,
      initialDelayMs: 100,
      maxDelayMs: 1000,
      random: () => 1,
    },
  );
});

describe("event stream connection", () => {
  it("first connects without resume parameters over wss for an https page", () => {
    stream.start();
    expect(latest().url).toBe("wss://hotline.example/api/v1/events");
    expect(eventsUrl("http://h:8122", "abc", 7)).toBe("ws://h:8122/api/v1/events?stream=abc&after=7");
  });

  it("given ready then events, applies them in order, acknowledges them together and ignores repeats", () => {
    stream.start();
    const socket = latest();
    const snap = snapshot([ivanova]);
    socket.deliver(readyFrame("s1", 10, snap));
    socket.deliver(eventFrame(11, "operator.presence_changed", { operator: petrov, online: true }));
    socket.deliver(eventFrame(12, "health.changed", health("ok", "down")));
    socket.deliver(eventFrame(12, "health.changed", health("ok", "down")));
    socket.deliver(eventFrame(9, "operator.presence_changed", { operator: petrov, online: false }));

    expect(seen.snapshots).toEqual([snap]);
    expect(seen.events.map((e) => e.id)).toEqual([11, 12]);
    expect(socket.sent).toEqual([]); // one acknowledgement a moment later covers the burst
    expect(timers.fireNext()).toBe(250);
    expect(socket.sent).toEqual([{ kind: "ack", id: 12 }]);
    socket.deliver(eventFrame(13, "health.changed", health("ok", "ok")));
    timers.fireNext();
    expect(socket.sent).toEqual([
      { kind: "ack", id: 12 },
      { kind: "ack", id: 13 },
    ]);
    expect(timers.pending).toEqual([]);
    expect(stream.lastId).toBe(13);
    expect(stream.status).toBe("open");
  });

  it("answers ping with pong", () => {
    stream.start();
    latest().deliver(readyFrame("s1", 0, snapshot([])));
    latest().deliver('{"kind":"ping","last_id":0}');
    expect(latest().sent).toEqual([{ kind: "pong" }]);
  });

  it("acknowledges an event of an unknown type without applying anything else", () => {
    stream.start();
    latest().deliver(readyFrame("s1", 0, snapshot([])));
    latest().deliver(eventFrame(1, "message.received", { id: 5 }));
    expect(seen.events).toEqual([{ id: 1, at: "2026-11-25T09:00:00+00:00", type: "message.received", unknown: true }]);
    timers.fireNext();
    expect(latest().sent).toEqual([{ kind: "ack", id: 1 }]);
  });

  it("when the socket drops, reconnects after a backoff and resumes after the last event", () => {
    stream.start();
    const first = latest();
    first.deliver(readyFrame("s1", 10, snapshot([ivanova])));
    first.deliver(eventFrame(11, "operator.presence_changed", { operator: petrov, online: true }));
    first.drop();

    expect(first.sent).toEqual([]); // the resume's `after` acknowledges it instead
    expect(timers.pending).toHaveLength(1); // the reconnect only: no acknowledgement left waiting
    expect(stream.status).toBe("reconnecting");
    expect(seen.disconnects).toEqual([0]);
    expect(sockets).toHaveLength(1);
    expect(timers.fireNext()).toBe(100);
    const second = latest();
    expect(second.url).toBe("wss://hotline.example/api/v1/events?stream=s1&after=11");

    second.deliver(readyFrame("s1", 11, null, true));
    second.deliver(eventFrame(12, "operator.presence_changed", { operator: ivanova, online: false }));

    expect(seen.snapshots).toHaveLength(1);
    expect(seen.events.map((e) => e.id)).toEqual([11, 12]);
    timers.fireNext();
    expect(second.sent).toEqual([{ kind: "ack", id: 12 }]);
    expect(stream.status).toBe("open");
  });

  it("backs off exponentially up to the ceiling and starts over after a successful ready", () => {
    stream.start();
    const delays: number[] = [];
    for (let i = 0; i < 6; i += 1) {
      latest().drop();
      delays.push(timers.fireNext());
    }
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000]);

    latest().deliver(readyFrame("s9", 0, snapshot([])));
    latest().drop();
    expect(timers.fireNext()).toBe(100);
  });

  it("spreads reconnects with jitter between half and all of the delay", () => {
    const low = new EventStream("http://h", { snapshot() {}, event() {}, status() {}, ended() {} }, {
      socket: (url) => new FakeSocket(url),
      initialDelayMs: 1000,
      random: () => 0,
    });
    expect(low.delayFor(0)).toBe(500);
    expect(low.delayFor(2)).toBe(2000);
  });

  it("when the server resumes nothing, takes the fresh snapshot and the server's last id", () => {
    stream.start();
    latest().deliver(readyFrame("s1", 10, snapshot([ivanova])));
    latest().drop();
    timers.fireNext();
    const fresh = snapshot([petrov]);
    latest().deliver(readyFrame("s2", 50, fresh, false));

    expect(seen.snapshots).toEqual([snapshot([ivanova]), fresh]);
    expect(stream.stream).toBe("s2");
    expect(stream.lastId).toBe(50);
  });

  it("on reload, reconnects at once without resume parameters and takes the new snapshot", () => {
    stream.start();
    const first = latest();
    first.deliver(readyFrame("s1", 10, snapshot([ivanova])));
    first.deliver(eventFrame(11, "health.changed", health("down", "ok")));
    first.deliver('{"kind":"reload","reason":"overflow"}');

    expect(first.closedByClient).toBe(true);
    expect(timers.pending).toHaveLength(0);
    const second = latest();
    expect(second).not.toBe(first);
    expect(second.url).toBe("wss://hotline.example/api/v1/events");

    // The old socket's own close event must not trigger a second reconnect.
    first.drop(4000);
    expect(timers.pending).toHaveLength(0);

    const fresh = snapshot([petrov], health("ok", "ok"), 4);
    second.deliver(readyFrame("s2", 3, fresh));
    expect(seen.snapshots.at(-1)).toEqual(fresh);
    expect(stream.lastId).toBe(3);
  });

  it("on closed because the account signed in elsewhere, ends the session and never reconnects", () => {
    stream.start();
    latest().deliver(readyFrame("s1", 0, snapshot([])));
    latest().deliver('{"kind":"closed","reason":"session_replaced","message":"This account signed in on another workstation."}');
    latest().drop(4001);

    expect(seen.ended).toEqual([["session_replaced", "This account signed in on another workstation."]]);
    expect(stream.status).toBe("stopped");
    expect(timers.pending).toHaveLength(0);
    expect(sockets).toHaveLength(1);
  });

  it("on closed for a server restart, reconnects and resumes", () => {
    stream.start();
    latest().deliver(readyFrame("s1", 4, snapshot([])));
    latest().deliver('{"kind":"closed","reason":"server_shutdown","message":"The server is restarting."}');
    latest().drop(4001);
    timers.fireNext();

    expect(seen.ended).toEqual([]);
    expect(latest().url).toBe("wss://hotline.example/api/v1/events?stream=s1&after=4");
  });

  it("on closed because the database does not answer, says so and tries again by itself", () => {
    stream.start();
    latest().deliver('{"kind":"closed","reason":"database_unavailable","message":"The database does not answer."}');
    latest().drop(4001);
    timers.fireNext();

    expect(seen.interruptions).toEqual(["database_unavailable"]);
    expect(seen.ended).toEqual([]);
    expect(sockets).toHaveLength(2);
    expect(stream.status).toBe("reconnecting");
  });

  it("a session.closed event for this user ends the session", () => {
    stream.start();
    latest().deliver(readyFrame("s1", 0, snapshot([])));
    latest().deliver(eventFrame(1, "session.closed", { user_id: 1, reason: "session_replaced", message: "elsewhere" }));
    expect(seen.ended).toEqual([["session_replaced", "elsewhere"]]);
    expect(latest().closedByClient).toBe(true);
  });

  it("a malformed message makes the client start over from a fresh snapshot", () => {
    stream.start();
    latest().deliver(readyFrame("s1", 10, snapshot([])));
    latest().deliver(eventFrame(11, "operator.presence_changed", { operator: { user_id: "x" }, online: true }));

    expect(sockets).toHaveLength(2);
    expect(latest().url).toBe("wss://hotline.example/api/v1/events");
    expect(seen.events).toEqual([]);
  });

  it("stop cancels a pending reconnect", () => {
    stream.start();
    latest().drop();
    expect(timers.pending).toHaveLength(1);
    stream.stop();
    expect(timers.pending).toHaveLength(0);
    expect(stream.status).toBe("stopped");
  });

  it("hands media signalling and rtc_* errors to the softphone without touching events or the session", () => {
    stream.start();
    const socket = latest();
    socket.deliver(readyFrame("s1", 3, snapshot([])));
    socket.deliver('{"kind":"rtc.offer","leg":"leg-1","sdp":"v=0"}');
    socket.deliver('{"kind":"rtc.state","leg":"leg-1","state":"connecting"}');
    socket.deliver('{"kind":"error","code":"rtc_unknown_leg","message":"no such leg"}');
    socket.deliver('{"kind":"error","code":"invalid_json","message":"x"}');

    expect(seen.signals).toEqual([
      { kind: "rtc.offer", leg: "leg-1", sdp: "v=0", ice_servers: [], camera: false },
      { kind: "rtc.state", leg: "leg-1", state: "connecting" },
      { kind: "error", code: "rtc_unknown_leg", message: "no such leg" },
    ]);
    expect(seen.events).toEqual([]);
    expect(socket.sent).toEqual([]);
    expect(stream.lastId).toBe(3);
    expect(stream.status).toBe("open");
    expect(seen.ended).toEqual([]);
  });

  it("sends signalling only while open; nothing is queued across a reconnect", () => {
    stream.start();
    expect(stream.sendSignal({ kind: "rtc.start", codecs: ["PCMA", "PCMU"] })).toBe(false);
    latest().deliver(readyFrame("s1", 0, snapshot([])));
    expect(stream.sendSignal({ kind: "rtc.start", codecs: ["PCMA", "PCMU"] })).toBe(true);
    expect(stream.sendSignal({ kind: "rtc.dtmf", leg: "leg-1", digit: "5" })).toBe(true);
    expect(latest().sent).toEqual([
      { kind: "rtc.start", codecs: ["PCMA", "PCMU"] },
      { kind: "rtc.dtmf", leg: "leg-1", digit: "5" },
    ]);

    latest().drop();
    expect(stream.sendSignal({ kind: "rtc.restart", leg: "leg-1" })).toBe(false);
    timers.fireNext();
    expect(latest().sent).toEqual([]);
    latest().deliver(readyFrame("s1", 0, null, true));
    expect(stream.sendSignal({ kind: "rtc.restart", leg: "leg-1" })).toBe(true);
    expect(latest().sent).toEqual([{ kind: "rtc.restart", leg: "leg-1" }]);
  });
});
