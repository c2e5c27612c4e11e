import { describe, expect, it } from "vitest";
import { parseServerMessage, ProtocolError } from "@/shared/events/protocol";
import { eventFrame, health, operator, readyFrame, snapshot } from "./fixtures";

describe("server message validation", () => {
  it("reads a fresh ready with its snapshot", () => {
    const snap = snapshot([operator(1, "Иванова Мария")], health("ok", "degraded"), 2);
    const message = parseServerMessage(readyFrame("s-1", 40, snap));
    expect(message).toEqual({ kind: "ready", stream: "s-1", resumed: false, last_id: 40, snapshot: snap });
  });

  it("reads a resumed ready without a snapshot", () => {
    const message = parseServerMessage(readyFrame("s-1", 40, null, true));
    expect(message).toMatchObject({ kind: "ready", resumed: true, snapshot: null });
  });

  it("refuses a fresh ready without a snapshot", () => {
    expect(() => parseServerMessage(readyFrame("s-1", 40, null, false))).toThrow(ProtocolError);
  });

  it("reads ping, reload, closed and error", () => {
    expect(parseServerMessage('{"kind":"ping","last_id":5}')).toEqual({ kind: "ping", last_id: 5 });
    expect(parseServerMessage('{"kind":"reload","reason":"overflow"}')).toEqual({ kind: "reload", reason: "overflow" });
    expect(parseServerMessage('{"kind":"closed","reason":"session_replaced","message":"m"}')).toEqual({
      kind: "closed",
      reason: "session_replaced",
      message: "m",
    });
    expect(parseServerMessage('{"kind":"error","code":"invalid_json","message":"x"}')).toEqual({
      kind: "error",
      code: "invalid_json",
      message: "x",
    });
  });

  it("reads the media signalling: rtc.offer and rtc.state", () => {
    expect(parseServerMessage('{"kind":"rtc.offer","leg":"leg-1","sdp":"v=0"}')).toEqual({
      kind: "rtc.offer",
      leg: "leg-1",
      sdp: "v=0",
      ice_servers: [],
      camera: false,
    });
    expect(parseServerMessage('{"kind":"rtc.offer","leg":"l","sdp":"v=0","camera":true}')).toMatchObject({ camera: true });
    const withTurn = JSON.stringify({
      kind: "rtc.offer",
      leg: "leg-1",
      sdp: "v=0",
      ice_servers: [{ urls: ["stun:stun.example:3478"] }, { urls: ["turn:turn.example"], username: "u", credential: "c" }],
    });
    expect(parseServerMessage(withTurn)).toMatchObject({
      ice_servers: [{ urls: ["stun:stun.example:3478"] }, { urls: ["turn:turn.example"], username: "u", credential: "c" }],
    });
    expect(parseServerMessage('{"kind":"rtc.state","leg":"leg-1","state":"connected"}')).toEqual({
      kind: "rtc.state",
      leg: "leg-1",
      state: "connected",
    });
  });

  it("reads rtc.video: showing, or why not, stalled and the codec; an unknown reason is refused", () => {
    expect(parseServerMessage('{"kind":"rtc.video","leg":"l","showing":true,"reason":null}')).toEqual({
      kind: "rtc.video",
      leg: "l",
      showing: true,
      reason: null,
      stalled: false,
      codec: null,
    });
    expect(parseServerMessage('{"kind":"rtc.video","leg":"l","showing":true,"reason":null,"codec":"H264 42e01f"}')).toMatchObject({
      codec: "H264 42e01f",
    });
    expect(parseServerMessage('{"kind":"rtc.video","leg":"l","showing":true,"reason":null,"stalled":true}')).toMatchObject({
      stalled: true,
    });
    expect(parseServerMessage('{"kind":"rtc.video","leg":"l","showing":false,"reason":"no_common_codec"}')).toMatchObject({
      showing: false,
      reason: "no_common_codec",
    });
    expect(() => parseServerMessage('{"kind":"rtc.video","leg":"l","showing":false,"reason":"sunspots"}')).toThrow();
  });

  it("reads an offer's service, group and auto-answer, with defaults when the server leaves them out", () => {
    const base = { call_id: "c1", queue_id: 2, queue_name: "Справки", caller: "+79001112233", expires_at: "2026-11-25T09:00:20+00:00", is_callback: false };
    const full = parseServerMessage(
      eventFrame(3, "call.offered", {
        user_id: 7,
        offer: { ...base, service_number: "122", service_name: "Служба 122", group_name: "Первая линия", auto_answer: true },
      }),
    );
    expect(full).toMatchObject({
      event: { data: { offer: { service_number: "122", service_name: "Служба 122", group_name: "Первая линия", auto_answer: true } } },
    });
    const bare = parseServerMessage(eventFrame(4, "call.offered", { user_id: 7, offer: base }));
    expect(bare).toMatchObject({
      event: { data: { offer: { service_number: "", service_name: "", group_name: "", auto_answer: false } } },
    });
  });

  it("reads the call events of the softphone", () => {
    expect(
      parseServerMessage(
        eventFrame(5, "call.connected", { user_id: 7, call_id: "c1", caller: "+79001112233", queue_id: 2, connected_at: "2026-11-25T09:00:05+00:00" }),
      ),
    ).toMatchObject({ event: { type: "call.connected", data: { call_id: "c1", caller: "+79001112233", queue_id: 2 } } });
    expect(parseServerMessage(eventFrame(6, "call.hold_changed", { user_id: 7, call_id: "c1", held: true }))).toMatchObject({
      event: { type: "call.hold_changed", data: { held: true } },
    });
    expect(parseServerMessage(eventFrame(7, "call.ended", { user_id: 7, call_id: "c1", cause: "caller_hung_up" }))).toMatchObject({
      event: { type: "call.ended", data: { cause: "caller_hung_up" } },
    });
    const consult = { user_id: 7, call_id: "c1", state: "talking", consultant: "12", talking_to: "consultant" };
    expect(parseServerMessage(eventFrame(8, "call.consultation_changed", consult))).toMatchObject({
      event: { type: "call.consultation_changed", data: { state: "talking", talking_to: "consultant" } },
    });
  });

  it("keeps an event of an unknown type as unknown instead of failing", () => {
    const message = parseServerMessage(eventFrame(9, "message.received", { id: 1 }));
    expect(message).toEqual({ kind: "event", event: { id: 9, at: "2026-11-25T09:00:00+00:00", type: "message.received", unknown: true } });
  });

  it.each([
    ["not JSON", "{"],
    ["not an object", "[1]"],
    ["no kind", '{"id":1}'],
    ["unknown kind", '{"kind":"hello"}'],
    ["event id not an integer", eventFrame(1.5, "health.changed", health("ok", "ok"))],
    ["presence entry without login", eventFrame(2, "operator.presence_changed", { operator: { user_id: 1 }, online: true })],
    ["role outside the enum", eventFrame(3, "operator.presence_changed", { operator: operator(1, "A", { role: "root" as "admin" }), online: true })],
    ["health status outside the enum", eventFrame(4, "health.changed", { ...health("ok", "ok"), status: "fine" })],
    ["org entity outside the enum", eventFrame(5, "org.changed", { entity: "planet", id: 1, action: "created" })],
    ["ping without last_id", '{"kind":"ping"}'],
    ["rtc.offer without sdp", '{"kind":"rtc.offer","leg":"l"}'],
    ["rtc.offer with an ICE server without urls", '{"kind":"rtc.offer","leg":"l","sdp":"v=0","ice_servers":[{"username":"u"}]}'],
    ["rtc.state outside the enum", '{"kind":"rtc.state","leg":"l","state":"dancing"}'],
    ["call.hold_changed without held", eventFrame(8, "call.hold_changed", { user_id: 1, call_id: "c" })],
    ["consultation state outside the enum", eventFrame(8, "call.consultation_changed", { user_id: 1, call_id: "c", state: "dancing", consultant: "2", talking_to: null })],
    ["consultation talking to a stranger", eventFrame(8, "call.consultation_changed", { user_id: 1, call_id: "c", state: "talking", consultant: "2", talking_to: "stranger" })],
    ["offer with auto_answer not a boolean", eventFrame(9, "call.offered", { user_id: 1, offer: { call_id: "c", queue_id: 1, queue_name: "q", caller: "1", expires_at: "x", is_callback: false, auto_answer: "yes" } })],
  ])("refuses %s", (_name, frame) => {
    expect(() => parseServerMessage(frame)).toThrow(ProtocolError);
  });
});

describe("event types against the server's OpenAPI document", () => {
  it("the client knows exactly the event types the server publishes, and the agreed call events", async () => {
    const { readFile } = await import("node:fs/promises");
    const document = JSON.parse(await readFile(new URL("../openapi.json", import.meta.url), "utf8")) as {
      "x-event-types"?: Record<string, string>;
    };
    const { AGREED_EVENT_TYPES, KNOWN_EVENT_TYPES } = await import("@/shared/events/protocol");
    const published = Object.keys(document["x-event-types"] ?? {});
    expect([...KNOWN_EVENT_TYPES].sort()).toEqual([...new Set([...published, ...AGREED_EVENT_TYPES])].sort());
  });
});
