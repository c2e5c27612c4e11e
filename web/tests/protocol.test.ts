import { describe, expect, it } from "vitest";
import { parseServerMessage, ProtocolError } from "@/events/protocol";
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
  ])("refuses %s", (_name, frame) => {
    expect(() => parseServerMessage(frame)).toThrow(ProtocolError);
  });
});

describe("event types against the server's OpenAPI document", () => {
  it("the client knows exactly the event types the server publishes", async () => {
    const { readFile } = await import("node:fs/promises");
    const document = JSON.parse(await readFile(new URL("../openapi.json", import.meta.url), "utf8")) as {
      "x-event-types"?: Record<string, string>;
    };
    const { KNOWN_EVENT_TYPES } = await import("@/events/protocol");
    expect([...KNOWN_EVENT_TYPES].sort()).toEqual(Object.keys(document["x-event-types"] ?? {}).sort());
  });
});
