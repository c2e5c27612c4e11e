// @vitest-environment jsdom
// The softphone reads the operator's phone mode when it starts; an operator who switches to a SIP phone
// before that read is answered keeps their choice (the late answer used to put them back on the browser).
import { createPinia, setActivePinia } from "pinia";
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { flushPromises } from "@vue/test-utils";
import { useSoftphoneStore } from "@/features/softphone/store";
import { AUDIO_CODECS, FakePeer, FakeRinger, FakeStream, FakeWebSocket } from "./softphoneFakes";

beforeEach(() => {
  vi.stubGlobal("WebSocket", FakeWebSocket);
  setActivePinia(createPinia());
});

afterEach(() => {
  vi.unstubAllGlobals();
});

it("keeps the operator's choice when the start-up read of the phone mode answers after it", async () => {
  let answer: (response: Response) => void = () => undefined;
  let asked = false;
  vi.stubGlobal("fetch", (request: Request) => {
    asked = asked || new URL(request.url).pathname === "/api/v1/operators/me/phone";
    return new Promise<Response>((resolve) => (answer = resolve));
  });
  const softphone = useSoftphoneStore();
  softphone.start({
    storage: localStorage,
    media: {
      createPeer: () => new FakePeer() as unknown as RTCPeerConnection,
      getUserMedia: async () => new FakeStream() as unknown as MediaStream,
      codecCapabilities: () => AUDIO_CODECS as RTCRtpCodec[],
    },
    ringer: new FakeRinger(),
    remoteAudio: document.createElement("audio"),
  });
  await flushPromises();
  expect(asked).toBe(true);
  softphone.setPhoneMode("sip");
  answer(new Response(JSON.stringify({ mode: "browser", sip: null }), { status: 200, headers: { "Content-Type": "application/json" } }));
  await flushPromises();
  expect(softphone.phoneMode).toBe("sip");
  softphone.stop();
});
