// @vitest-environment jsdom
// The softphone store end to end inside the page: event socket, REST (tests/standInFetch.ts) and
// the media stand-ins of tests/softphoneFakes.ts, since jsdom has no WebSocket server, no
// WebRTC and no WebAudio. The Python server and real Chromium are the e2e suite's.
import { createPinia, setActivePinia } from "pinia";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { nextTick, watch } from "vue";
import { defaultSettings, saveSettings } from "@/features/softphone/settings";
import { useOperatorStore } from "@/features/operator/store";
import { useRealtimeStore } from "@/shared/realtime/store";
import { useSoftphoneStore, type SoftphoneEnvironment } from "@/features/softphone/store";
import { eventFrame, ME, offer, readyFrame, snapshot, state, stateChanged } from "./fixtures";
import { AUDIO_CODECS, FakePeer, FakeRinger, FakeStream, FakeWebSocket, socket } from "./softphoneFakes";
import { posts, standInFetch } from "./standInFetch";

let ringer: FakeRinger;
let remote: HTMLAudioElement;

function environment(): SoftphoneEnvironment {
  return {
    storage: localStorage,
    media: {
      createPeer: () => new FakePeer() as unknown as RTCPeerConnection,
      getUserMedia: async () => new FakeStream() as unknown as MediaStream,
      codecCapabilities: () => AUDIO_CODECS as RTCRtpCodec[],
    },
    ringer,
    remoteAudio: remote,
  };
}

beforeEach(() => {
  FakeWebSocket.opened = [];
  FakePeer.created = [];
  FakePeer.gathering = "complete";
  vi.stubGlobal("WebSocket", FakeWebSocket);
  localStorage.clear();
  ringer = new FakeRinger();
  remote = document.createElement("audio");
  // jsdom does not implement media playback.
  remote.play = async () => undefined;
  setActivePinia(createPinia());
});

afterEach(() => {
  vi.unstubAllGlobals();
});

async function onShift(): Promise<ReturnType<typeof useSoftphoneStore>> {
  saveSettings(localStorage, { ...defaultSettings(), speaker: "headset-1", ringer: "speakers-2", ringVolume: 60, codecs: ["PCMA", "PCMU"] });
  const realtime = useRealtimeStore();
  realtime.start(() => undefined);
  const softphone = useSoftphoneStore();
  softphone.start(environment());
  socket().deliver(readyFrame("s1", 0, { ...snapshot([]), operator_state: state("offline") }));
  await nextTick();
  expect(socket().signals()).toEqual([]);
  socket().deliver(stateChanged(1, "offline", "ready"));
  // The leg is asked for once the server has said the operator takes calls in the browser.
  await vi.waitFor(() => expect(softphone.phoneMode).toBe("browser"));
  await nextTick();
  expect(socket().signals()).toEqual([{ kind: "rtc.start", codecs: ["PCMA", "PCMU"] }]);
  socket().deliver({ kind: "rtc.offer", leg: "leg-1", sdp: "offer-1" });
  await vi.waitFor(() => expect(socket().signals().at(-1)).toMatchObject({ kind: "rtc.answer", leg: "leg-1" }));
  socket().deliver({ kind: "rtc.state", leg: "leg-1", state: "connected" });
  expect(softphone.leg).toBe("connected");
  return softphone;
}

const PHONE = {
  "GET /api/v1/operators/me/phone": {
    status: 200,
    body: {
      mode: "browser",
      sip: { auth_name: "operator1", domain: "c122.local", proxy: "10.0.0.5", port: 5060, transport: "udp", registered: false, password_set: false },
    },
  },
};

describe("softphone store", () => {
  it("brings the leg up when the shift starts, rings on an offer, answers, and runs the call", async () => {
    const requests = standInFetch({
      ...PHONE,
      "POST /api/v1/operators/me/offers/c1/accept": { status: 200, body: state("on_call", { call_id: "c1", queue_id: 2 }) },
      "POST /api/v1/operators/me/call/hold": { status: 204 },
      "POST /api/v1/operators/me/call/unhold": { status: 204 },
      "POST /api/v1/operators/me/call/hang-up": { status: 204 },
    });
    const softphone = await onShift();

    socket().deliver(eventFrame(2, "call.offered", { user_id: ME, offer: offer("c1") }));
    await nextTick();
    expect(softphone.details).toEqual({ service_number: "122", service_name: "Служба 122", group_name: "Первая линия", auto_answer: false });
    expect(ringer.rings).toEqual([["speakers-2", 60]]);

    await softphone.answer();
    expect(posts(requests).map((r) => `${r.method} ${r.path}`)).toEqual(["POST /api/v1/operators/me/offers/c1/accept"]);
    expect(ringer.ringing).toBe(false);
    // Before call.connected arrives the state alone shows the call, with the caller remembered.
    expect(softphone.call).toMatchObject({ call_id: "c1", caller: "+79001112233", held: false });

    socket().deliver(
      eventFrame(3, "call.connected", { user_id: ME, call_id: "c1", caller: "+79001112233", queue_id: 2, connected_at: "2026-11-25T09:01:00+00:00" }),
    );
    expect(softphone.call).toMatchObject({ call_id: "c1", caller: "+79001112233", connected_at: "2026-11-25T09:01:00+00:00", held: false });
    // The event was stamped 09:00:00 by the server and connected_at is a minute later on its clock.
    expect((softphone.call?.started_ms ?? 0) - Date.now()).toBeGreaterThan(59_000);
    expect((softphone.call?.started_ms ?? 0) - Date.now()).toBeLessThan(61_000);

    softphone.toggleMute();
    expect(softphone.muted).toBe(true);
    expect(softphone.dtmf("7")).toBe(true);
    expect(socket().signals().at(-1)).toEqual({ kind: "rtc.dtmf", leg: "leg-1", digit: "7" });

    await softphone.toggleHold();
    expect(softphone.call?.held).toBe(true);
    socket().deliver(eventFrame(4, "call.hold_changed", { user_id: ME, call_id: "c1", held: true }));
    await softphone.toggleHold();
    expect(softphone.call?.held).toBe(false);
    await softphone.hangUp();
    expect(posts(requests).slice(1).map((r) => [r.path, r.csrf])).toEqual([
      ["/api/v1/operators/me/call/hold", "csrf-token"],
      ["/api/v1/operators/me/call/unhold", "csrf-token"],
      ["/api/v1/operators/me/call/hang-up", "csrf-token"],
    ]);

    socket().deliver(eventFrame(5, "call.ended", { user_id: ME, call_id: "c1", cause: "operator_hung_up" }));
    socket().deliver(stateChanged(6, "on_call", "wrap_up", "c1"));
    await nextTick();
    expect(softphone.call).toBeNull();
    expect(softphone.muted).toBe(false);
  });

  it("answers by itself when the offer says auto_answer, without ringing", async () => {
    const requests = standInFetch({
      ...PHONE,
      "POST /api/v1/operators/me/offers/c2/accept": { status: 200, body: state("on_call", { call_id: "c2", queue_id: 2 }) },
    });
    await onShift();
    socket().deliver(eventFrame(2, "call.offered", { user_id: ME, offer: offer("c2", true) }));
    await vi.waitFor(() => expect(posts(requests).map((r) => r.path)).toEqual(["/api/v1/operators/me/offers/c2/accept"]));
    expect(ringer.rings).toEqual([]);
  });

  it("says nothing when the server answered an auto-answer offer first", async () => {
    const requests = standInFetch({
      ...PHONE,
      "POST /api/v1/operators/me/offers/c5/accept": { status: 409, body: { code: "conflict", message: "no offer" } },
    });
    await onShift();
    const operator = useOperatorStore();
    let sawBusy = false;
    watch(
      () => operator.busy,
      (busy) => {
        sawBusy ||= busy;
      },
      { flush: "sync" },
    );
    socket().deliver(eventFrame(2, "call.offered", { user_id: ME, offer: offer("c5", true) }));
    await vi.waitFor(() => expect(posts(requests)).toHaveLength(1));
    await vi.waitFor(() => expect(sawBusy && !operator.busy).toBe(true));
    expect(operator.error).toBeNull();
  });

  it("stops ringing when the offer goes away unanswered", async () => {
    standInFetch(PHONE);
    await onShift();
    socket().deliver(eventFrame(2, "call.offered", { user_id: ME, offer: offer("c3") }));
    await nextTick();
    expect(ringer.ringing).toBe(true);
    socket().deliver(stateChanged(3, "offered", "ready"));
    await nextTick();
    expect(ringer.ringing).toBe(false);
  });

  it("a refused hang-up shows the server's reason and keeps the call", async () => {
    standInFetch({
      ...PHONE,
      "POST /api/v1/operators/me/call/hang-up": { status: 409, body: { code: "no_call", message: "Нет активного вызова" } },
    });
    const softphone = await onShift();
    socket().deliver(
      eventFrame(2, "call.connected", { user_id: ME, call_id: "c4", caller: "+79005556677", queue_id: 2, connected_at: "2026-11-25T09:01:00+00:00" }),
    );
    socket().deliver(stateChanged(3, "ready", "on_call", "c4"));
    await nextTick();
    await softphone.hangUp();
    expect(softphone.error).toMatchObject({ status: 409, code: "no_call" });
    expect(softphone.call?.call_id).toBe("c4");
  });

  it("takes no browser leg for an operator on a SIP phone, and hides the browser-only controls", async () => {
    standInFetch({
      "GET /api/v1/operators/me/phone": { status: 200, body: { ...PHONE["GET /api/v1/operators/me/phone"].body, mode: "sip" } },
    });
    useRealtimeStore().start(() => undefined);
    const softphone = useSoftphoneStore();
    softphone.start(environment());
    socket().deliver(readyFrame("s1", 0, { ...snapshot([]), operator_state: state("ready") }));
    await vi.waitFor(() => expect(softphone.phoneMode).toBe("sip"));
    await nextTick();
    expect(socket().signals()).toEqual([]);
    expect(softphone.leg).toBe("idle");

    softphone.setPhoneMode("browser");
    await nextTick();
    expect(socket().signals()).toEqual([{ kind: "rtc.start", codecs: ["PCMU", "PCMA"] }]);
  });

  it("restarts the same leg after the event socket comes back, and stops it when the shift ends", async () => {
    standInFetch(PHONE);
    const softphone = await onShift();
    socket().drop();
    await nextTick();
    expect(softphone.leg).toBe("connected");
    // The reconnect is scheduled with backoff; this test opens the next socket directly.
    await vi.waitFor(() => expect(FakeWebSocket.opened).toHaveLength(2), { timeout: 3000 });
    socket().deliver(readyFrame("s1", 1, null, true));
    await nextTick();
    expect(socket().signals()).toEqual([{ kind: "rtc.restart", leg: "leg-1" }]);

    socket().deliver(stateChanged(2, "ready", "offline"));
    await nextTick();
    expect(socket().signals().at(-1)).toEqual({ kind: "rtc.stop", leg: "leg-1" });
    expect(softphone.leg).toBe("idle");
  });
});
