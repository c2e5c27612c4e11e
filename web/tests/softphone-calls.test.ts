// @vitest-environment jsdom
// Transfer, consultation and calls the operator places: the pure rules (tests of their own), then the
// softphone store following call.consultation_changed and a dialled call over the event socket and REST
// stand-ins (tests/softphoneFakes.ts, tests/standInFetch.ts): jsdom has no WebSocket server or WebRTC.
import { createPinia, setActivePinia } from "pinia";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { nextTick } from "vue";
import { ApiError } from "@/shared/api/errors";
import { applyConsultation, canJoin, consulting, inConference, type Consultation } from "@/features/softphone/consultation";
import { callBody, choiceProblem, emptyChoice, inviteBody, numberProblem, refusal, transferBody } from "@/features/softphone/targets";
import { useRealtimeStore } from "@/shared/realtime/store";
import { useSoftphoneStore } from "@/features/softphone/store";
import { eventFrame, ME, readyFrame, snapshot, state, stateChanged } from "./fixtures";
import { AUDIO_CODECS, FakePeer, FakeRinger, FakeStream, FakeWebSocket, socket } from "./softphoneFakes";
import { posts, standInFetch } from "./standInFetch";

const step = (state: Consultation["phase"], talking_to: "caller" | "consultant" | null = null, call_id = "c1") => ({
  user_id: ME,
  call_id,
  state,
  consultant: "12",
  talking_to,
});

describe("consultation rules", () => {
  it("follows the steps of the call in progress and ignores other calls", () => {
    let c = applyConsultation(null, "c1", step("ringing"));
    expect(c).toEqual({ call_id: "c1", consultant: "12", phase: "ringing", talking_to: null });
    expect([consulting(c), canJoin(c), inConference(c)]).toEqual([true, false, false]);
    c = applyConsultation(c, "c1", step("talking", "consultant"));
    expect([consulting(c), canJoin(c)]).toEqual([true, true]);
    c = applyConsultation(c, "c1", step("talking", "caller"));
    expect(c?.talking_to).toBe("caller");
    expect(applyConsultation(c, "c1", step("ended", "caller", "other"))).toBe(c);
    expect(applyConsultation(c, null, step("ended"))).toBe(c);
    c = applyConsultation(c, "c1", step("conference"));
    expect([consulting(c), canJoin(c), inConference(c), c?.talking_to]).toEqual([false, false, true, null]);
    for (const done of ["failed", "ended", "transferred"] as const) {
      const after = applyConsultation(null, "c1", step(done));
      expect([consulting(after), canJoin(after), inConference(after)]).toEqual([false, false, false]);
    }
  });
});

describe("call target checks", () => {
  it("turns a conference invitation into its body: a colleague, a group, a phone-book entry, a number", () => {
    expect(inviteBody({ ...emptyChoice("colleague"), userId: 7 })).toEqual({ user_id: 7 });
    expect(inviteBody({ ...emptyChoice("group"), groupId: 3 })).toEqual({ group_id: 3 });
    expect(inviteBody({ ...emptyChoice("contact"), number: "+74951112233" })).toEqual({ number: "+74951112233" });
    expect(inviteBody({ ...emptyChoice("number"), number: " 8 495 111-22-33 " })).toEqual({ number: "8 495 111-22-33" });
    expect(() => inviteBody(emptyChoice("service"))).toThrow();
    expect(choiceProblem(emptyChoice("contact"))).toBe("contactRequired");
    expect(choiceProblem({ ...emptyChoice("contact"), number: "+74951112233" })).toBeNull();
  });

  it("accepts numbers the way people write them and refuses other text", () => {
    expect(numberProblem("8 495 111-22-33")).toBeNull();
    expect(numberProblem("+7 (916) 123-45-67")).toBeNull();
    expect(numberProblem("112")).toBeNull();
    expect(numberProblem("   ")).toBe("numberRequired");
    expect(numberProblem("8495abc")).toBe("numberShape");
    expect(numberProblem("7+495")).toBe("numberShape");
    expect(numberProblem("1")).toBe("numberShape");
    expect(numberProblem("1234567890123456")).toBe("numberShape");
  });

  it("needs the chosen queue or colleague and builds the request body", () => {
    expect(choiceProblem(emptyChoice("queue"))).toBe("queueRequired");
    expect(choiceProblem(emptyChoice("colleague"))).toBe("colleagueRequired");
    expect(choiceProblem(emptyChoice("number"))).toBe("numberRequired");
    expect(transferBody({ ...emptyChoice("queue"), queueId: 3 })).toEqual({ queue_id: 3 });
    expect(transferBody({ ...emptyChoice("number"), number: " 8 495 111-22-33 " })).toEqual({ number: "8 495 111-22-33" });
    expect(callBody({ ...emptyChoice("colleague"), userId: 12 })).toEqual({ user_id: 12 });
    expect(transferBody({ ...emptyChoice("colleague"), userId: 7 })).toEqual({ user_id: 7 });
    expect(() => transferBody(emptyChoice("colleague"))).toThrow();
    expect(() => callBody(emptyChoice("queue"))).toThrow();
  });

  it("puts the server's problem with the number under the field and anything else above the buttons", () => {
    const fields = [{ path: "number", code: "no_trunk", message: "Номер не обслуживается" }];
    expect(refusal(new ApiError(422, "validation_error", "Проверьте поля", fields))).toEqual({
      field: "number",
      message: "Номер не обслуживается",
    });
    expect(refusal(new ApiError(404, "not_found", "Очередь не найдена"))).toEqual({ field: null, message: "Очередь не найдена" });
    expect(refusal(new ApiError(409, "no_call", ""))).toEqual({ field: null, message: "no_call" });
    const bodyProblem = [{ path: "", code: "value_error", message: "give either queue_id or number" }];
    expect(refusal(new ApiError(422, "validation_error", "give either queue_id or number", bodyProblem)).field).toBeNull();
  });
});

// Browser mode, so the store's own read of the phone settings has its answer.
const PHONE = {
  "GET /api/v1/operators/me/phone": {
    status: 200,
    body: {
      mode: "browser",
      sip: { auth_name: "op7", domain: "c122", proxy: "10.0.0.5", port: 5060, transport: "udp", registered: false, password_set: false },
    },
  },
};

beforeEach(() => {
  FakeWebSocket.opened = [];
  FakePeer.created = [];
  vi.stubGlobal("WebSocket", FakeWebSocket);
  localStorage.clear();
  setActivePinia(createPinia());
});

afterEach(() => {
  vi.unstubAllGlobals();
});

/** On shift with the given state; resolves once the store's watchers have seen that state. */
async function startSoftphone(status: "ready" | "on_call", callId: string | null = null) {
  const remote = document.createElement("audio");
  remote.play = async () => undefined;
  useRealtimeStore().start(() => undefined);
  const softphone = useSoftphoneStore();
  softphone.start({
    storage: localStorage,
    media: {
      createPeer: () => new FakePeer() as unknown as RTCPeerConnection,
      getUserMedia: async () => new FakeStream() as unknown as MediaStream,
      codecCapabilities: () => AUDIO_CODECS as RTCRtpCodec[],
    },
    ringer: new FakeRinger(),
    remoteAudio: remote,
  });
  socket().deliver(readyFrame("s1", 0, { ...snapshot([]), operator_state: state(status, { call_id: callId }) }));
  await nextTick();
  return softphone;
}

const connected = (id: number, callId: string, caller = "+79001112233") =>
  eventFrame(id, "call.connected", { user_id: ME, call_id: callId, caller, queue_id: 2, connected_at: "2026-11-25T09:00:00+00:00" });

describe("softphone store: consultation", () => {
  it("follows call.consultation_changed for the call in progress and forgets it when the call ends", async () => {
    const requests = standInFetch({
      ...PHONE,
      "POST /api/v1/operators/me/call/consult": { status: 204 },
      "POST /api/v1/operators/me/call/consult/swap": { status: 204 },
      "POST /api/v1/operators/me/call/consult/cancel": { status: 204 },
    });
    const softphone = await startSoftphone("on_call", "c1");
    socket().deliver(connected(1, "c1"));
    expect(await softphone.consult({ user_id: 12 })).toBeNull();
    socket().deliver(eventFrame(2, "call.consultation_changed", step("ringing")));
    expect(softphone.consultation).toMatchObject({ phase: "ringing", consultant: "12" });
    // A step of some other call (or of another operator) is not this one's.
    socket().deliver(eventFrame(3, "call.consultation_changed", step("ended", null, "c9")));
    socket().deliver(eventFrame(4, "call.consultation_changed", { ...step("ended"), user_id: ME + 1 }));
    expect(softphone.consultation?.phase).toBe("ringing");
    socket().deliver(eventFrame(5, "call.consultation_changed", step("talking", "consultant")));
    await softphone.swapConsultation();
    socket().deliver(eventFrame(6, "call.consultation_changed", step("talking", "caller")));
    expect(softphone.consultation).toMatchObject({ phase: "talking", talking_to: "caller" });
    await softphone.cancelConsultation();
    socket().deliver(eventFrame(7, "call.consultation_changed", step("ended")));
    expect(softphone.consultation?.phase).toBe("ended");
    expect(posts(requests).map((r) => [r.path, r.body])).toEqual([
      ["/api/v1/operators/me/call/consult", { user_id: 12 }],
      ["/api/v1/operators/me/call/consult/swap", null],
      ["/api/v1/operators/me/call/consult/cancel", null],
    ]);

    socket().deliver(eventFrame(8, "call.consultation_changed", step("talking", "consultant")));
    socket().deliver(eventFrame(9, "call.ended", { user_id: ME, call_id: "c1", cause: "operator_hang_up" }));
    expect(softphone.consultation).toBeNull();
  });

  it("a refused consultation comes back to the caller of consult, not to the panel", async () => {
    standInFetch({
      ...PHONE,
      "POST /api/v1/operators/me/call/consult": { status: 409, body: { code: "consulting", message: "Консультация уже идёт" } },
      "POST /api/v1/operators/me/call/consult/complete": { status: 409, body: { code: "not_consulting", message: "Нет консультации" } },
    });
    const softphone = await startSoftphone("on_call", "c1");
    socket().deliver(connected(1, "c1"));
    expect(await softphone.consult({ number: "+74951112233" })).toMatchObject({ status: 409, code: "consulting" });
    expect(softphone.error).toBeNull();
    await softphone.completeConsultation("conference");
    expect(softphone.error).toMatchObject({ status: 409, code: "not_consulting", message: "Нет консультации" });
  });

  it("clears the consultation when the state leaves the call (a missed call.ended)", async () => {
    standInFetch(PHONE);
    const softphone = await startSoftphone("on_call", "c1");
    socket().deliver(connected(1, "c1"));
    socket().deliver(eventFrame(2, "call.consultation_changed", step("transferred")));
    expect(softphone.consultation?.phase).toBe("transferred");
    socket().deliver(stateChanged(3, "on_call", "wrap_up", "c1"));
    await nextTick();
    expect(softphone.consultation).toBeNull();
  });
});

describe("softphone store: calls the operator places", () => {
  it("shows the dialled call without a talk time until it is answered, then as a conversation", async () => {
    const requests = standInFetch({ ...PHONE, "POST /api/v1/operators/me/calls": { status: 201, body: { call_id: "o1" } } });
    const softphone = await startSoftphone("ready");
    expect(await softphone.placeCall({ number: "8 495 111-22-33" }, "8 495 111-22-33")).toBeNull();
    expect(posts(requests)).toMatchObject([{ path: "/api/v1/operators/me/calls", body: { number: "8 495 111-22-33" }, csrf: "csrf-token" }]);
    expect(softphone.outgoing).toEqual({ call_id: "o1", target: "8 495 111-22-33" });
    socket().deliver(stateChanged(1, "ready", "on_call", "o1"));
    await nextTick();
    expect(softphone.call).toBeNull();
    expect(softphone.outgoing?.call_id).toBe("o1");
    // The server names the operator as the caller of a call they placed; the panel names whom they dialled.
    socket().deliver(connected(2, "o1", "op7"));
    expect(softphone.outgoing).toBeNull();
    expect(softphone.call).toMatchObject({ call_id: "o1", caller: "8 495 111-22-33" });
  });

  it("drops the dialled call when it ends unanswered, even if call.ended came before the 201", async () => {
    standInFetch({ ...PHONE, "POST /api/v1/operators/me/calls": { status: 201, body: { call_id: "o2" } } });
    const softphone = await startSoftphone("ready");
    await softphone.placeCall({ user_id: 12 }, "Петрова Анна");
    expect(softphone.outgoing?.target).toBe("Петрова Анна");
    socket().deliver(eventFrame(1, "call.ended", { user_id: ME, call_id: "o2", cause: "no_answer" }));
    expect(softphone.outgoing).toBeNull();

    socket().deliver(eventFrame(2, "call.ended", { user_id: ME, call_id: "o3", cause: "dial_failed" }));
    standInFetch({ ...PHONE, "POST /api/v1/operators/me/calls": { status: 201, body: { call_id: "o3" } } });
    await softphone.placeCall({ number: "112" }, "112");
    expect(softphone.outgoing).toBeNull();
  });

  it("names the dialled colleague even when call.connected came before the 201", async () => {
    standInFetch({ ...PHONE, "POST /api/v1/operators/me/calls": { status: 201, body: { call_id: "o4" } } });
    const softphone = await startSoftphone("ready");
    const placing = softphone.placeCall({ user_id: 12 }, "Петрова Анна");
    socket().deliver(connected(1, "o4", "op7"));
    expect(await placing).toBeNull();
    expect(softphone.outgoing).toBeNull();
    expect(softphone.call).toMatchObject({ call_id: "o4", caller: "Петрова Анна" });
  });

  it("returns the server's refusal and shows no call", async () => {
    standInFetch({
      ...PHONE,
      "POST /api/v1/operators/me/calls": { status: 409, body: { code: "illegal_transition", message: "Оператор не готов" } },
    });
    const softphone = await startSoftphone("ready");
    expect(await softphone.placeCall({ number: "112" }, "112")).toMatchObject({ status: 409, code: "illegal_transition" });
    expect(softphone.outgoing).toBeNull();
    expect(softphone.busy).toBe(false);
  });
});
