// The media leg against stand-ins for RTCPeerConnection and getUserMedia (tests/softphoneFakes.ts):
// Node has no WebRTC. The signalling sent and the browser calls made are what is checked.
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { IceServer, RtcClientMessage, RtcServerMessage } from "@/shared/events/protocol";
import { MediaSession, rankCodecs, type SessionView } from "@/features/softphone/mediaSession";
import { defaultSettings, type DeviceSettings } from "@/features/softphone/settings";
import { AUDIO_CODECS, FakePeer, FakeStream, FakeTrack, ManualTimers } from "./softphoneFakes";

let sent: RtcClientMessage[];
let socketOpen: boolean;
let timers: ManualTimers;
let microphones: FakeStream[];
let constraints: MediaStreamConstraints[];
let played: unknown[];
let videoTracks: unknown[];
let videoStates: { showing: boolean; reason: string | null; stalled: boolean }[];
let cameraStates: { allowed: boolean; camera: unknown }[];
let views: SessionView[];
let micRefused: boolean;
let peerServers: IceServer[][];
// The microphone volume's gain stages the session built: the volume each was set to over time.
let stages: { volumes: number[]; closed: boolean; stream: FakeStream }[];

function session(settings: DeviceSettings = defaultSettings()): MediaSession {
  return new MediaSession(
    {
      send: (message) => {
        if (!socketOpen) return false;
        sent.push(message);
        return true;
      },
      createPeer: (servers) => {
        peerServers.push(servers);
        return new FakePeer() as unknown as RTCPeerConnection;
      },
      getUserMedia: async (c) => {
        constraints.push(c);
        if (micRefused) throw new DOMException("denied", "NotAllowedError");
        if (c.video) return new FakeStream([new FakeTrack("video", "camera")]) as unknown as MediaStream;
        const stream = new FakeStream();
        microphones.push(stream);
        return stream as unknown as MediaStream;
      },
      playRemote: (stream) => played.push(stream),
      showVideo: (track) => videoTracks.push(track),
      videoState: (showing, reason, stalled) => videoStates.push({ showing, reason, stalled }),
      cameraState: (allowed, camera) => cameraStates.push({ allowed, camera }),
      codecCapabilities: () => AUDIO_CODECS as RTCRtpCodec[],
      timers,
      gatherTimeoutMs: 2500,
      gain: (captured, volume) => {
        const stage = { volumes: [volume], closed: false, stream: new FakeStream() };
        stages.push(stage);
        return {
          stream: stage.stream as unknown as MediaStream,
          setVolume: (next) => stage.volumes.push(next),
          close: () => {
            stage.closed = true;
            captured.getTracks().forEach((track) => track.stop());
          },
        };
      },
    },
    settings,
    (view) => views.push(view),
  );
}

function offer(leg: string, sdp: string, ice_servers: IceServer[] = [], camera = false): RtcServerMessage {
  return { kind: "rtc.offer", leg, sdp, ice_servers, camera };
}

const lastView = (): SessionView | undefined => views.at(-1);

async function answered(count: number): Promise<void> {
  await vi.waitFor(() => expect(sent.filter((m) => m.kind === "rtc.answer")).toHaveLength(count), { timeout: 1000 });
}

beforeEach(() => {
  stages = [];
  sent = [];
  socketOpen = true;
  timers = new ManualTimers();
  microphones = [];
  constraints = [];
  played = [];
  videoTracks = [];
  videoStates = [];
  cameraStates = [];
  views = [];
  micRefused = false;
  peerServers = [];
  FakePeer.created = [];
  FakePeer.gathering = "complete";
});

describe("operator media leg", () => {
  it("hands the caller's video track to the call area, audio to the headset, and the leg's rtc.video notices", async () => {
    const media = session();
    media.socketOpened();
    media.begin();
    media.handle(offer("leg-1", "offer-1", []));
    await answered(1);
    const peer = FakePeer.latest();
    const audio = { kind: "audio" };
    const video = { kind: "video" };
    const stream = { id: "s" };
    peer.dispatchEvent(Object.assign(new Event("track"), { track: audio, streams: [stream] }));
    peer.dispatchEvent(Object.assign(new Event("track"), { track: video, streams: [stream] }));
    expect(played).toEqual([stream]);
    expect(videoTracks).toEqual([video]);

    media.handle({ kind: "rtc.video", leg: "leg-1", showing: true, reason: null, stalled: false });
    media.handle({ kind: "rtc.video", leg: "other-leg", showing: true, reason: null, stalled: false }); // not this leg's
    media.handle({ kind: "rtc.video", leg: "leg-1", showing: true, reason: null, stalled: true });
    media.handle({ kind: "rtc.video", leg: "leg-1", showing: false, reason: "no_common_codec", stalled: false });
    expect(videoStates).toEqual([
      { showing: true, reason: null, stalled: false },
      { showing: true, reason: null, stalled: true },
      { showing: false, reason: "no_common_codec", stalled: false },
    ]);
  });

  it("offers no camera where the group forbids it: the video m-line stays receive-only", async () => {
    const media = session();
    media.socketOpened();
    media.begin();
    media.handle(offer("leg-1", "offer-1"));
    await answered(1);
    const peer = FakePeer.latest();
    expect(peer.video.direction).toBe("recvonly");
    expect(cameraStates).toEqual([{ allowed: false, camera: null }]);
    expect(await media.setCamera(true)).toBe(false);
    expect(constraints.some((c) => c.video)).toBe(false);
    expect(peer.video.sent).toEqual([]);
  });

  it("where the group allows it, the camera goes on and off on the leg's video sender and follows a restart", async () => {
    const media = session();
    media.socketOpened();
    media.begin();
    media.handle(offer("leg-1", "offer-1", [], true));
    await answered(1);
    const first = FakePeer.latest();
    expect(first.video.direction).toBe("sendrecv"); // answered so the camera needs no renegotiation
    expect(cameraStates).toEqual([{ allowed: true, camera: null }]);

    expect(await media.setCamera(true)).toBe(true);
    const camera = first.video.sent[0] as FakeTrack;
    expect(camera.kind).toBe("video");
    expect(constraints.at(-1)).toEqual({ video: { width: 1280, height: 720, frameRate: 30 } });
    expect(cameraStates.at(-1)?.camera).not.toBeNull();

    media.handle(offer("leg-1", "offer-2", [], true)); // a restart: the camera carries over
    await answered(2);
    expect(FakePeer.latest().video.sent).toEqual([camera]);

    expect(await media.setCamera(false)).toBe(true);
    expect(FakePeer.latest().video.sent).toEqual([camera, null]);
    expect(camera.stopped).toBe(true);
    expect(cameraStates.at(-1)).toEqual({ allowed: true, camera: null });
  });

  it("an offer that no longer allows the camera stops it", async () => {
    const media = session();
    media.socketOpened();
    media.begin();
    media.handle(offer("leg-1", "offer-1", [], true));
    await answered(1);
    await media.setCamera(true);
    const camera = FakePeer.latest().video.sent[0] as FakeTrack;
    media.handle(offer("leg-1", "offer-2", [], false));
    await answered(2);
    expect(camera.stopped).toBe(true);
    expect(FakePeer.latest().video.sent).toEqual([]);
    expect(cameraStates.at(-1)).toEqual({ allowed: false, camera: null });
  });

  it("asks for the leg only once the socket is open, with the operator's codec order", () => {
    socketOpen = false;
    const media = session({ ...defaultSettings(), codecs: ["PCMA", "PCMU"] });
    media.begin();
    media.socketClosed();
    expect(sent).toEqual([]);
    expect(lastView()?.status).toBe("waiting");

    socketOpen = true;
    media.socketOpened();
    expect(sent).toEqual([{ kind: "rtc.start", codecs: ["PCMA", "PCMU"] }]);
    expect(lastView()?.status).toBe("requesting");
  });

  it("answers the server's offer with the chosen microphone and switches, codecs ranked, all candidates in", async () => {
    const settings: DeviceSettings = {
      ...defaultSettings(),
      microphone: "mic-2",
      noiseSuppression: false,
      echoCancellation: true,
      autoGainControl: false,
      codecs: ["PCMA", "PCMU"],
    };
    const media = session(settings);
    media.socketOpened();
    media.begin();
    const turn = { urls: ["turn:turn.example:3478?transport=udp"], username: "op", credential: "secret" };
    media.handle(offer("leg-1", "offer-1", [turn]));
    await answered(1);

    expect(peerServers).toEqual([[turn]]);
    expect(constraints).toEqual([
      {
        audio: { deviceId: { exact: "mic-2" }, noiseSuppression: false, echoCancellation: true, autoGainControl: false },
        video: false,
      },
    ]);
    const peer = FakePeer.latest();
    expect(peer.remote).toEqual({ type: "offer", sdp: "offer-1" });
    expect(peer.tracks).toEqual(microphones[0]?.tracks);
    expect(peer.transceiver.preferences?.map((c) => c.mimeType)).toEqual(["audio/PCMA", "audio/PCMU", "audio/telephone-event"]);
    expect(sent.at(-1)).toEqual({ kind: "rtc.answer", leg: "leg-1", sdp: "answer-to:offer-1" });
    expect(lastView()).toMatchObject({ leg: "leg-1", status: "connecting" });

    media.handle({ kind: "rtc.state", leg: "other-leg", state: "failed" });
    expect(lastView()?.status).toBe("connecting");
    media.handle({ kind: "rtc.state", leg: "leg-1", state: "connected" });
    expect(lastView()).toMatchObject({ status: "connected", error: null });
  });

  it("waits for ICE gathering before answering, and answers with what it has at the time limit", async () => {
    FakePeer.gathering = "manual";
    const media = session();
    media.socketOpened();
    media.begin();
    media.handle(offer("leg-1", "offer-1"));
    await vi.waitFor(() => expect(timers.pending).toHaveLength(1));
    expect(sent.filter((m) => m.kind === "rtc.answer")).toEqual([]);
    FakePeer.latest().finishGathering();
    await answered(1);
    expect(sent.at(-1)).toEqual({ kind: "rtc.answer", leg: "leg-1", sdp: "answer-to:offer-1+candidates" });
    expect(timers.pending).toEqual([]);

    media.handle(offer("leg-1", "offer-2"));
    await vi.waitFor(() => expect(timers.pending).toHaveLength(1));
    expect(timers.fireNext()).toBe(2500);
    await answered(2);
    expect(sent.at(-1)).toEqual({ kind: "rtc.answer", leg: "leg-1", sdp: "answer-to:offer-2" });
  });

  it("after a socket drop asks to restart the same leg, and takes the fresh offer on a new connection", async () => {
    const media = session();
    media.socketOpened();
    media.begin();
    media.handle(offer("leg-1", "offer-1"));
    await answered(1);
    const first = FakePeer.latest();

    socketOpen = false;
    media.socketClosed();
    expect(media.dtmf("1")).toBe(false);
    socketOpen = true;
    media.socketOpened();
    expect(sent.at(-1)).toEqual({ kind: "rtc.restart", leg: "leg-1" });

    media.handle(offer("leg-1", "offer-2"));
    await answered(2);
    expect(first.closed).toBe(true);
    expect(FakePeer.created).toHaveLength(2);
    // The microphone is kept across the restart.
    expect(microphones).toHaveLength(1);
    expect(FakePeer.latest().tracks).toEqual(microphones[0]?.tracks);
  });

  it("on ICE failure restarts the leg after a pause that grows while it keeps failing", async () => {
    const media = session();
    media.socketOpened();
    media.begin();
    media.handle(offer("leg-1", "offer-1"));
    await answered(1);

    FakePeer.latest().fail();
    expect(timers.fireNext()).toBe(1000);
    expect(sent.at(-1)).toEqual({ kind: "rtc.restart", leg: "leg-1" });

    media.handle({ kind: "rtc.state", leg: "leg-1", state: "failed" });
    expect(timers.fireNext()).toBe(2000);
    expect(sent.at(-1)).toEqual({ kind: "rtc.restart", leg: "leg-1" });
  });

  it("when the server no longer knows the leg, asks for a new one", async () => {
    const media = session();
    media.socketOpened();
    media.begin();
    media.handle(offer("leg-1", "offer-1"));
    await answered(1);

    media.handle({ kind: "error", code: "rtc_unknown_leg", message: "unknown leg" });
    expect(lastView()).toMatchObject({ leg: null, error: "rtc_unknown_leg" });
    expect(FakePeer.latest().closed).toBe(true);
    timers.fireNext();
    expect(sent.at(-1)).toEqual({ kind: "rtc.start", codecs: ["PCMU", "PCMA"] });
  });

  it("a refused DTMF (no call in progress) leaves the leg alone", async () => {
    const media = session();
    media.socketOpened();
    media.begin();
    media.handle(offer("leg-1", "offer-1"));
    await answered(1);
    media.handle({ kind: "rtc.state", leg: "leg-1", state: "connected" });
    media.handle({ kind: "error", code: "rtc_no_call", message: "no call" });
    expect(lastView()).toMatchObject({ leg: "leg-1", status: "connected", error: null });
    expect(timers.pending).toEqual([]);
  });

  it("a malformed offer is reported and retried, not left half negotiated", async () => {
    const media = session();
    media.socketOpened();
    media.begin();
    media.handle(offer("leg-1", "broken"));
    await vi.waitFor(() => expect(lastView()).toMatchObject({ status: "failed", error: "rtc_negotiation" }));
    expect(sent.filter((m) => m.kind === "rtc.answer")).toEqual([]);
    timers.fireNext();
    expect(sent.at(-1)).toEqual({ kind: "rtc.restart", leg: "leg-1" });
  });

  it("mutes by disabling the microphone track and sends only real DTMF digits on the leg", async () => {
    const media = session();
    expect(media.dtmf("5")).toBe(false);
    media.socketOpened();
    media.begin();
    media.handle(offer("leg-1", "offer-1"));
    await answered(1);

    media.setMuted(true);
    expect(microphones[0]?.tracks.map((t) => t.enabled)).toEqual([false]);
    expect(lastView()?.muted).toBe(true);
    media.setMuted(false);
    expect(microphones[0]?.tracks.map((t) => t.enabled)).toEqual([true]);

    for (const digit of ["1", "*", "#", "0"]) expect(media.dtmf(digit)).toBe(true);
    for (const bad of ["A", "12", "", " "]) expect(media.dtmf(bad)).toBe(false);
    expect(sent.filter((m) => m.kind === "rtc.dtmf").map((m) => (m.kind === "rtc.dtmf" ? m.digit : ""))).toEqual(["1", "*", "#", "0"]);
  });

  it("without a microphone still answers, to hear the caller, and says why", async () => {
    micRefused = true;
    const media = session();
    media.socketOpened();
    media.begin();
    media.handle(offer("leg-1", "offer-1"));
    await answered(1);
    expect(FakePeer.latest().tracks).toEqual([]);
    expect(lastView()?.error).toBe("microphone");
  });

  it("ending the shift stops the leg, closes the connection and releases the microphone", async () => {
    const media = session();
    media.socketOpened();
    media.begin();
    media.handle(offer("leg-1", "offer-1"));
    await answered(1);

    media.end();
    expect(sent.at(-1)).toEqual({ kind: "rtc.stop", leg: "leg-1" });
    expect(FakePeer.latest().closed).toBe(true);
    expect(microphones[0]?.tracks.every((t) => t.stopped)).toBe(true);
    expect(played.at(-1)).toBeNull();
    expect(lastView()).toMatchObject({ leg: null, status: "idle" });

    // An offer that crossed the end of the shift is declined, not answered.
    media.handle(offer("leg-2", "late"));
    expect(sent.at(-1)).toEqual({ kind: "rtc.stop", leg: "leg-2" });
    expect(FakePeer.created).toHaveLength(1);
  });

  it("new microphone settings replace the live track", async () => {
    const media = session();
    media.socketOpened();
    media.begin();
    media.handle(offer("leg-1", "offer-1"));
    await answered(1);
    await media.applySettings({ ...defaultSettings(), noiseSuppression: false });
    expect(microphones).toHaveLength(2);
    expect(microphones[0]?.tracks[0]?.stopped).toBe(true);
    expect(FakePeer.latest().replaced).toEqual(microphones[1]?.tracks);
  });
});

describe("the microphone volume", () => {
  it("at 100 sends the microphone as captured; below it through a gain stage, changed live", async () => {
    const media = session();
    media.socketOpened();
    media.begin();
    media.handle(offer("leg-1", "offer-1"));
    await answered(1);
    expect(stages).toEqual([]);

    await media.applySettings({ ...defaultSettings(), inputVolume: 60 });
    expect(stages.map((s) => s.volumes)).toEqual([[60]]);
    expect(FakePeer.latest().replaced.at(-1)).toBe(stages[0]?.stream.tracks[0]);

    await media.applySettings({ ...defaultSettings(), inputVolume: 40 });
    expect(stages.map((s) => s.volumes)).toEqual([[60, 40]]); // the same stage, no new microphone
    expect(microphones).toHaveLength(2);

    await media.applySettings(defaultSettings());
    expect(stages[0]?.closed).toBe(true);
    expect(FakePeer.latest().replaced.at(-1)).toBe(microphones[2]?.tracks[0]);
  });
});

describe("codec ranking", () => {
  it("puts the operator's order first, keeps DTMF events and drops the rest", () => {
    expect(rankCodecs(AUDIO_CODECS as RTCRtpCodec[], ["PCMU", "PCMA"])?.map((c) => c.mimeType)).toEqual([
      "audio/PCMU",
      "audio/PCMA",
      "audio/telephone-event",
    ]);
    expect(rankCodecs([{ mimeType: "audio/opus", clockRate: 48000 }] as RTCRtpCodec[], ["PCMU"])).toBeNull();
  });
});
