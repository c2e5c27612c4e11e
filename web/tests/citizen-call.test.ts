import { describe, expect, it } from "vitest";
import { startHotlineCall, type HotlineCallState } from "@/features/citizen_call";

interface Sent {
  method: string;
  url: string;
  auth: string | null;
  body: unknown;
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });
}

/** A fetch that answers in order and records what was sent. */
function scripted(answers: Array<(sent: Sent) => Response>): { fetch: (u: string, i?: RequestInit) => Promise<Response>; sent: Sent[] } {
  const sent: Sent[] = [];
  return {
    sent,
    fetch: async (url, init) => {
      const request: Sent = {
        method: init?.method ?? "GET",
        url,
        auth: new Headers(init?.headers).get("Authorization"),
        body: init?.body ? JSON.parse(String(init.body)) : null,
      };
      sent.push(request);
      const next = answers.shift();
      if (!next) return json(200, { call_id: "app-1", state: "connected" });
      return next(request);
    },
  };
}

/** Just what the call uses of RTCPeerConnection. */
function fakePeer(): RTCPeerConnection {
  const peer = {
    iceGatheringState: "complete",
    connectionState: "new",
    localDescription: null as RTCSessionDescriptionInit | null,
    remote: null as RTCSessionDescriptionInit | null,
    closed: false,
    tracks: 0,
    ontrack: null,
    onconnectionstatechange: null,
    addTrack() {
      peer.tracks += 1;
    },
    async setRemoteDescription(description: RTCSessionDescriptionInit) {
      peer.remote = description;
    },
    async createAnswer() {
      return { type: "answer", sdp: "v=0 answer" };
    },
    async setLocalDescription(description: RTCSessionDescriptionInit) {
      peer.localDescription = description;
    },
    addEventListener() {},
    removeEventListener() {},
    close() {
      peer.closed = true;
    },
  };
  return peer as unknown as RTCPeerConnection;
}

const microphone = { getAudioTracks: () => [{}], getTracks: () => [] } as unknown as MediaStream;

describe("startHotlineCall", () => {
  it("answers the server's offer, follows the call to connected and hangs up", async () => {
    const { fetch, sent } = scripted([
      () => json(201, { call_id: "app-1", sdp: "v=0 offer", ice_servers: [{ urls: ["stun:stun.example"] }] }),
      () => json(200, { call_id: "app-1", state: "connecting" }),
      () => json(200, { call_id: "app-1", state: "connected" }),
    ]);
    const peers: RTCPeerConnection[] = [];
    const call = startHotlineCall(
      "tok",
      { latitude: 55.75, longitude: 37.61, accuracy_m: 20 },
      {
        fetch,
        microphone,
        pollMs: 5,
        createPeer: (config) => {
          expect(config.iceServers).toEqual([{ urls: ["stun:stun.example"] }]);
          const peer = fakePeer();
          peers.push(peer);
          return peer;
        },
      },
    );
    const states: HotlineCallState[] = [];
    call.onState((state) => states.push(state));
    await new Promise<void>((resolve) => call.onState((state) => state === "connected" && resolve()));
    expect(states).toEqual(["starting", "connecting", "connected"]);
    expect(sent[0]).toMatchObject({
      method: "POST",
      url: "/api/citizen/v1/calls",
      auth: "Bearer tok",
      body: { location: { latitude: 55.75, longitude: 37.61, accuracy_m: 20 } },
    });
    expect(sent[1]).toMatchObject({ method: "POST", url: "/api/citizen/v1/calls/app-1/answer", body: { sdp: "v=0 answer" } });
    await call.hangup();
    expect(states.at(-1)).toBe("ended");
    expect(call.end?.cause).toBe("hung_up");
    expect(sent.at(-1)).toMatchObject({ method: "DELETE", url: "/api/citizen/v1/calls/app-1" });
    expect((peers[0] as unknown as { closed: boolean }).closed).toBe(true);
  });

  it("follows where the line has the call: the menu, its place in the queue, the operator", async () => {
    const { fetch } = scripted([
      () => json(201, { call_id: "app-1", sdp: "v=0 offer", ice_servers: [] }),
      () => json(200, { call_id: "app-1", state: "connected", stage: "menu" }),
      () => json(200, { call_id: "app-1", state: "connected", stage: "queue", queue_position: 2, estimated_wait_s: 90 }),
      () => json(200, { call_id: "app-1", state: "connected", stage: "queue", queue_position: 2, estimated_wait_s: 90 }),
      () => json(200, { call_id: "app-1", state: "connected", stage: "queue", queue_position: 1, estimated_wait_s: 30 }),
      () => json(200, { call_id: "app-1", state: "connected", stage: "operator" }),
    ]);
    const call = startHotlineCall("tok", null, { fetch, microphone, pollMs: 5, createPeer: fakePeer });
    const seen: string[] = [];
    const states: HotlineCallState[] = [];
    call.onState((state) => states.push(state));
    call.onProgress((progress) => seen.push(`${progress.stage}:${progress.queuePosition ?? "-"}:${progress.estimatedWaitS ?? "-"}`));
    await new Promise<void>((resolve) => call.onProgress((progress) => progress.stage === "operator" && resolve()));
    // A repeated answer tells the app nothing new; the state listeners hear of states only.
    expect(seen).toEqual(["menu:-:-", "queue:2:90", "queue:1:30", "operator:-:-"]);
    expect(states).toEqual(["starting", "connecting", "connected"]);
    await call.hangup();
  });

  it("ends with the server's refusal, its code and when to try again", async () => {
    const { fetch } = scripted([
      () => json(429, { code: "too_many_attempts", message: "с этого устройства уже идёт звонок" }, { "Retry-After": "10" }),
    ]);
    const call = startHotlineCall("tok", null, { fetch, microphone, createPeer: fakePeer });
    const end = await call.ended;
    expect(end).toEqual({ cause: "too_many_attempts", message: "с этого устройства уже идёт звонок", retryAfter: 10 });
    expect(call.state).toBe("ended");
  });

  it("ends when the hotline ends the call", async () => {
    const { fetch } = scripted([
      () => json(201, { call_id: "app-2", sdp: "v=0 offer", ice_servers: [] }),
      () => json(200, { call_id: "app-2", state: "connecting" }),
      () => json(200, { call_id: "app-2", state: "ended", cause: "hotline_ended" }),
    ]);
    const call = startHotlineCall("tok", null, { fetch, microphone, pollMs: 5, createPeer: fakePeer });
    expect((await call.ended).cause).toBe("hotline_ended");
  });

  it("ends without a call when there is no microphone", async () => {
    const { fetch, sent } = scripted([]);
    const call = startHotlineCall("tok", null, {
      fetch,
      getUserMedia: () => Promise.reject(new Error("Permission denied")),
      createPeer: fakePeer,
    });
    expect(await call.ended).toEqual({ cause: "microphone", message: "Permission denied", retryAfter: null });
    expect(sent).toEqual([]);
  });
});
