// @vitest-environment jsdom
// fetch is a stand-in (tests/standInFetch.ts): the Python server is not part of this run.
// The senior's monitoring session on the console: the client calls of monitoring.ts reach the API as
// the contract says, and the session follows its own monitoring.* events only.
import { createPinia, setActivePinia } from "pinia";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { useMonitoringStore } from "@/features/supervision/store";
import type { MonitoringEvent } from "@/shared/realtime/dispatch";
import { standInFetch } from "./standInFetch";

const SESSION = {
  id: "mon-1",
  call_id: "call-1",
  supervisor_id: 6,
  operator_id: 1,
  group_id: 1,
  audio: "browser" as const,
  mode: "listen" as const,
  operator_notified: false,
  started_at: "2026-12-06T09:00:00+00:00",
  ended_at: null,
  end_reason: null,
  modes: [{ mode: "listen" as const, started_at: "2026-12-06T09:00:00+00:00", ended_at: null }],
};

function event(type: MonitoringEvent["type"], sessionId: string, extra: Partial<MonitoringEvent["data"]> = {}): MonitoringEvent {
  return {
    type,
    data: {
      session_id: sessionId,
      call_id: "call-1",
      supervisor_id: 6,
      operator_id: 1,
      mode: "listen",
      audio: "browser",
      started_at: SESSION.started_at,
      mode_since: SESSION.started_at,
      ended_at: null,
      reason: null,
      ...extra,
    },
  };
}

describe("the senior's monitoring session", () => {
  beforeEach(() => setActivePinia(createPinia()));
  afterEach(() => vi.unstubAllGlobals());

  it("starts, switches and stops through the API", async () => {
    const requests = standInFetch({
      "POST /api/v1/supervision/monitoring": { status: 201, body: SESSION },
      "POST /api/v1/supervision/monitoring/mon-1/mode": { status: 200, body: { ...SESSION, mode: "barge" } },
      "DELETE /api/v1/supervision/monitoring/mon-1": { status: 200, body: { ...SESSION, end_reason: "stopped" } },
    });
    const monitoring = useMonitoringStore();
    await monitoring.start("call-1", "listen");
    expect(monitoring.session?.id).toBe("mon-1");
    await monitoring.switchTo("barge");
    expect(monitoring.session?.mode).toBe("barge");
    await monitoring.stop();
    expect(monitoring.session).toBeNull();
    expect(requests.map((r) => [r.method, r.path, r.body])).toEqual([
      ["POST", "/api/v1/supervision/monitoring", { call_id: "call-1", mode: "listen" }],
      ["POST", "/api/v1/supervision/monitoring/mon-1/mode", { mode: "barge" }],
      ["DELETE", "/api/v1/supervision/monitoring/mon-1", null],
    ]);
    expect(requests.every((r) => r.csrf === "csrf-token")).toBe(true);
  });

  it("a refusal leaves no session and reaches the caller with the server's code", async () => {
    standInFetch({
      "POST /api/v1/supervision/monitoring": {
        status: 409,
        body: { code: "no_audio_connection", message: "connect the browser audio first" },
      },
    });
    const monitoring = useMonitoringStore();
    await expect(monitoring.start("call-1", "listen")).rejects.toMatchObject({ code: "no_audio_connection" });
    expect(monitoring.session).toBeNull();
    expect(monitoring.busy).toBe(false);
  });

  it("follows its own events and ends with the reason the server gave", () => {
    const monitoring = useMonitoringStore();
    monitoring.session = SESSION;
    monitoring.apply(event("monitoring.mode_changed", "mon-1", { mode: "whisper" }));
    expect(monitoring.session?.mode).toBe("whisper");
    monitoring.apply(event("monitoring.ended", "mon-other", { reason: "call_ended" }));
    expect(monitoring.session?.id).toBe("mon-1");
    monitoring.apply(event("monitoring.ended", "mon-1", { reason: "call_ended" }));
    expect(monitoring.session).toBeNull();
    expect(monitoring.endedBy).toBe("call_ended");
  });
});
