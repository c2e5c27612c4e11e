// The operator's persistent media leg (TEL-15): asked for with rtc.start when the shift starts,
// negotiated from the server's rtc.offer, kept up across socket drops and ICE failures with
// rtc.restart. Calls are switched onto the leg on the server, so nothing here is per call.
import {
  DTMF_DIGITS,
  type IceServer,
  type LegState,
  type RtcClientMessage,
  type RtcError,
  type RtcServerMessage,
  type VideoAbsence,
} from "@/shared/events/protocol";
import { microphoneConstraints, type DeviceSettings } from "./settings";
import { needsGain, type MicrophoneGain } from "@/features/softphone/microphoneGain";

/** idle: off shift; waiting: wanted but the socket is down; requesting: rtc.start sent. */
export type LegStatus = "idle" | "waiting" | "requesting" | "negotiating" | LegState;

export interface SessionTimers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export interface MediaDeps {
  /** Sends on the event socket; false when it is not open. */
  send(message: RtcClientMessage): boolean;
  /** A connection using the STUN/TURN servers the server's offer names. */
  createPeer(iceServers: IceServer[]): RTCPeerConnection;
  getUserMedia(constraints: MediaStreamConstraints): Promise<MediaStream>;
  /** Plays the far side on the headset (null: nothing to play). */
  playRemote(stream: MediaStream | null): void;
  /** The caller's video track of the leg (null: the leg is gone), and what the server says of it. */
  showVideo?(track: MediaStreamTrack | null): void;
  /** `stalled`: the server has had nothing from the shown camera for two seconds. */
  videoState?(showing: boolean, reason: VideoAbsence | null, stalled: boolean): void;
  /** The operator's own camera: whether the group allows it (the server's offer says), and what is sent. */
  cameraState?(allowed: boolean, camera: MediaStream | null): void;
  /** The browser's audio codecs (RTCRtpReceiver.getCapabilities), null when unknown. */
  codecCapabilities(): RTCRtpCodec[] | null;
  timers?: SessionTimers;
  /** The microphone volume's gain stage (microphoneGain.ts); without it the volume is not applied. */
  gain?(captured: MediaStream, volume: number): MicrophoneGain;
  /** How long to wait for ICE candidates before answering with what is gathered. */
  gatherTimeoutMs?: number;
}

export interface SessionView {
  leg: string | null;
  status: LegStatus;
  /** The last signalling or device problem: an rtc_* code, or "microphone". */
  error: string | null;
  muted: boolean;
}

const browserTimers: SessionTimers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

// The server no longer knows the leg: ask for a new one.
const LEG_GONE = "rtc_unknown_leg";
// Refusals that say nothing about the leg (DTMF with no call in progress).
const NOT_ABOUT_THE_LEG = new Set(["rtc_no_call"]);
const RETRY_FIRST_MS = 1000;
// The operator's camera, as the citizen app asks for its own.
const CAMERA: MediaTrackConstraints = { width: 1280, height: 720, frameRate: 30 };
const RETRY_MAX_MS = 30_000;

/** The browser's codecs in the operator's order, DTMF events kept; null when none match. */
export function rankCodecs(capabilities: readonly RTCRtpCodec[], order: readonly string[]): RTCRtpCodec[] | null {
  const mime = (c: RTCRtpCodec) => c.mimeType.toLowerCase();
  const ranked = order.flatMap((name) => capabilities.filter((c) => mime(c) === `audio/${name.toLowerCase()}`));
  if (ranked.length === 0) return null;
  return [...ranked, ...capabilities.filter((c) => mime(c) === "audio/telephone-event")];
}

export class MediaSession {
  private wanted = false;
  private socketOpen = false;
  private peer: RTCPeerConnection | null = null;
  private microphone: MediaStream | null = null;
  // The gain stage the microphone goes through when its volume is below 100.
  private gainStage: MicrophoneGain | null = null;
  private settings: DeviceSettings;
  // The operator's camera (only where the group allows it) and the sender of the leg's video m-line.
  private camera: MediaStream | null = null;
  private cameraAllowed = false;
  private videoSender: RTCRtpSender | null = null;
  private retryTimer: unknown = null;
  private retries = 0;
  private readonly timers: SessionTimers;
  private readonly view: SessionView = { leg: null, status: "idle", error: null, muted: false };

  constructor(
    private readonly deps: MediaDeps,
    settings: DeviceSettings,
    private readonly onChange: (view: SessionView) => void = () => undefined,
  ) {
    this.settings = settings;
    this.timers = deps.timers ?? browserTimers;
  }

  get state(): SessionView {
    return { ...this.view };
  }

  /** The shift started (or the page loaded mid-shift): bring the leg up. */
  begin(): void {
    if (this.wanted) return;
    this.wanted = true;
    this.update({ status: "waiting", error: null });
    if (this.socketOpen) this.request();
  }

  /** The shift ended: release the leg and the microphone. */
  end(): void {
    this.wanted = false;
    this.cancelRetry();
    const leg = this.view.leg;
    if (leg !== null) this.deps.send({ kind: "rtc.stop", leg });
    this.closePeer();
    this.releaseMicrophone();
    this.releaseCamera();
    this.update({ leg: null, status: "idle", error: null, muted: false });
  }

  /** The event socket is (again) open: resume the leg we had, or ask for one. */
  socketOpened(): void {
    this.socketOpen = true;
    if (!this.wanted) return;
    this.cancelRetry();
    if (this.view.leg !== null) this.restart();
    else this.request();
  }

  socketClosed(): void {
    this.socketOpen = false;
    if (this.wanted && this.view.leg === null) this.update({ status: "waiting" });
  }

  /** New device settings: the next negotiation uses them; a live microphone is replaced now. */
  async applySettings(settings: DeviceSettings): Promise<void> {
    const before = JSON.stringify(microphoneConstraints(this.settings));
    const staged = needsGain(this.settings.inputVolume);
    this.settings = settings;
    const sameStage = staged === needsGain(settings.inputVolume);
    if (this.gainStage !== null && sameStage) this.gainStage.setVolume(settings.inputVolume);
    if (this.microphone === null || (JSON.stringify(microphoneConstraints(settings)) === before && sameStage)) return;
    const fresh = await this.openMicrophone();
    const track = fresh?.getAudioTracks()[0] ?? null;
    if (track === null || this.peer === null) return;
    for (const sender of this.peer.getSenders()) {
      if (sender.track?.kind === "audio") await sender.replaceTrack(track);
    }
  }

  setMuted(muted: boolean): void {
    this.microphone?.getAudioTracks().forEach((track) => {
      track.enabled = !muted;
    });
    this.update({ muted });
  }

  /** The operator's camera on or off toward the caller (no renegotiation: the leg's video sender is
   *  already sendrecv where the group allows it). False when it is not allowed or cannot be opened. */
  async setCamera(on: boolean): Promise<boolean> {
    if (!on) {
      await this.videoSender?.replaceTrack(null).catch(() => undefined);
      this.releaseCamera();
      return true;
    }
    if (!this.cameraAllowed || this.videoSender === null) return false;
    try {
      const camera = this.camera ?? (await this.deps.getUserMedia({ video: CAMERA }));
      this.camera = camera;
      await this.videoSender.replaceTrack(camera.getVideoTracks()[0] ?? null);
    } catch (error) {
      console.warn("media leg: no camera", error);
      this.releaseCamera();
      return false;
    }
    this.deps.cameraState?.(true, this.camera);
    return true;
  }

  /** Sends one DTMF digit to the far party; false when it is not a digit or there is no leg. */
  dtmf(digit: string): boolean {
    const leg = this.view.leg;
    if (leg === null || digit.length !== 1 || !DTMF_DIGITS.includes(digit)) return false;
    return this.deps.send({ kind: "rtc.dtmf", leg, digit });
  }

  handle(message: RtcServerMessage | RtcError): void {
    switch (message.kind) {
      case "rtc.offer":
        void this.answer(message.leg, message.sdp, message.ice_servers, message.camera);
        return;
      case "rtc.state":
        this.legState(message.leg, message.state);
        return;
      case "rtc.video":
        if (message.leg === this.view.leg) this.deps.videoState?.(message.showing, message.reason, message.stalled);
        return;
      case "error":
        this.signallingError(message.code);
        return;
    }
  }

  private request(): void {
    if (this.deps.send({ kind: "rtc.start", codecs: [...this.settings.codecs] })) {
      this.update({ status: "requesting" });
    } else {
      this.update({ status: "waiting" });
    }
  }

  private restart(): void {
    const leg = this.view.leg;
    if (leg === null) return this.request();
    if (this.deps.send({ kind: "rtc.restart", leg })) this.update({ status: "connecting" });
  }

  private async answer(leg: string, sdp: string, iceServers: IceServer[], camera: boolean): Promise<void> {
    if (!this.wanted) {
      // An offer that crossed the end of the shift.
      this.deps.send({ kind: "rtc.stop", leg });
      return;
    }
    // Each offer (first or after a restart) gets a fresh connection: the server may have
    // rebuilt its side, and a new answer is always acceptable to it.
    this.closePeer();
    this.update({ leg, status: "negotiating" });
    const peer = this.deps.createPeer(iceServers);
    this.peer = peer;
    peer.addEventListener("track", (event) => {
      if (this.peer !== peer) return;
      if (event.track.kind === "video") this.deps.showVideo?.(event.track);
      else this.deps.playRemote(event.streams[0] ?? new MediaStream([event.track]));
    });
    const watchIce = () => {
      if (this.peer !== peer) return;
      if (peer.connectionState === "failed" || peer.iceConnectionState === "failed") this.scheduleRetry();
    };
    peer.addEventListener("connectionstatechange", watchIce);
    peer.addEventListener("iceconnectionstatechange", watchIce);

    const microphone = this.microphone ?? (await this.openMicrophone());
    if (this.peer !== peer) return;
    microphone?.getAudioTracks().forEach((track) => {
      track.enabled = !this.view.muted;
      peer.addTrack(track, microphone);
    });
    try {
      await peer.setRemoteDescription({ type: "offer", sdp });
      await this.offerCamera(peer, camera);
      this.preferCodecs(peer);
      await peer.setLocalDescription(await peer.createAnswer());
      // The server takes no trickled candidates: the answer carries all of them.
      await this.gathered(peer);
    } catch (error) {
      if (this.peer !== peer) return;
      console.warn("media leg: negotiation failed", error);
      this.update({ status: "failed", error: "rtc_negotiation" });
      this.scheduleRetry();
      return;
    }
    if (this.peer !== peer) return;
    const answer = peer.localDescription?.sdp ?? "";
    if (this.deps.send({ kind: "rtc.answer", leg, sdp: answer })) this.update({ status: "connecting" });
  }

  /** Where the group allows it, the video m-line is answered sendrecv so the camera can go on later
   *  without a renegotiation; a camera already on carries over to the new connection. */
  private async offerCamera(peer: RTCPeerConnection, allowed: boolean): Promise<void> {
    this.cameraAllowed = allowed;
    this.videoSender = null;
    const video = peer.getTransceivers().find((t) => t.receiver?.track?.kind === "video");
    if (allowed && video !== undefined) {
      video.direction = "sendrecv";
      this.videoSender = video.sender;
      const track = this.camera?.getVideoTracks()[0];
      if (track !== undefined) await video.sender.replaceTrack(track);
    } else {
      this.releaseCamera();
    }
    this.deps.cameraState?.(allowed, this.camera);
  }

  private legState(leg: string, state: LegState): void {
    if (leg !== this.view.leg) return;
    this.update({ status: state });
    if (state === "connected") {
      this.retries = 0;
      this.update({ error: null });
    } else if (state === "failed") {
      this.scheduleRetry();
    } else if (state === "closed") {
      this.closePeer();
      this.update({ leg: null });
      if (this.wanted) this.scheduleRetry();
    }
  }

  private signallingError(code: string): void {
    if (NOT_ABOUT_THE_LEG.has(code)) {
      console.warn("media leg: refused", code);
      return;
    }
    this.update({ error: code });
    if (!this.wanted) return;
    if (code === LEG_GONE) {
      this.closePeer();
      this.update({ leg: null, status: "waiting" });
    }
    // The server never leaves a leg stuck after an error; ask again, with a pause.
    this.scheduleRetry();
  }

  /** Restarts the leg (or asks for a new one) after a growing pause, so a failing server is not flooded. */
  private scheduleRetry(): void {
    if (!this.wanted || this.retryTimer !== null) return;
    const delay = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** this.retries);
    this.retries += 1;
    this.retryTimer = this.timers.set(() => {
      this.retryTimer = null;
      if (!this.wanted || !this.socketOpen) return;
      this.restart();
    }, delay);
  }

  private cancelRetry(): void {
    if (this.retryTimer !== null) this.timers.clear(this.retryTimer);
    this.retryTimer = null;
  }

  private preferCodecs(peer: RTCPeerConnection): void {
    const capabilities = this.deps.codecCapabilities();
    const ranked = capabilities === null ? null : rankCodecs(capabilities, this.settings.codecs);
    if (ranked === null) return;
    for (const transceiver of peer.getTransceivers()) {
      // Audio codecs on the video m-line would be refused (and fail the whole answer).
      if (transceiver.receiver?.track?.kind === "video") continue;
      // Not every browser has it; the order sent in rtc.start still tells the server.
      if (typeof transceiver.setCodecPreferences === "function") transceiver.setCodecPreferences(ranked);
    }
  }

  private gathered(peer: RTCPeerConnection): Promise<void> {
    if (peer.iceGatheringState === "complete") return Promise.resolve();
    return new Promise((resolve) => {
      let timer: unknown = null;
      const done = () => {
        peer.removeEventListener("icegatheringstatechange", check);
        if (timer !== null) this.timers.clear(timer);
        resolve();
      };
      const check = () => {
        if (peer.iceGatheringState === "complete") done();
      };
      peer.addEventListener("icegatheringstatechange", check);
      timer = this.timers.set(done, this.deps.gatherTimeoutMs ?? 3000);
    });
  }

  private async openMicrophone(): Promise<MediaStream | null> {
    try {
      const captured = await this.deps.getUserMedia(microphoneConstraints(this.settings));
      this.releaseMicrophone();
      const volume = this.settings.inputVolume;
      this.gainStage = this.deps.gain !== undefined && needsGain(volume) ? this.deps.gain(captured, volume) : null;
      const stream = this.gainStage?.stream ?? captured;
      this.microphone = stream;
      stream.getAudioTracks().forEach((track) => {
        track.enabled = !this.view.muted;
      });
      if (this.view.error === "microphone") this.update({ error: null });
      return stream;
    } catch (error) {
      // Without a microphone the operator still hears the caller; the settings page says why.
      console.warn("media leg: no microphone", error);
      this.update({ error: "microphone" });
      return null;
    }
  }

  private releaseMicrophone(): void {
    this.microphone?.getTracks().forEach((track) => track.stop());
    this.microphone = null;
    this.gainStage?.close();
    this.gainStage = null;
  }

  private releaseCamera(): void {
    const had = this.camera !== null;
    this.camera?.getTracks().forEach((track) => track.stop());
    this.camera = null;
    if (had) this.deps.cameraState?.(this.cameraAllowed, null);
  }

  private closePeer(): void {
    const peer = this.peer;
    this.peer = null;
    if (peer !== null) {
      peer.close();
      this.deps.playRemote(null);
    }
  }

  private update(patch: Partial<SessionView>): void {
    Object.assign(this.view, patch);
    this.onChange(this.state);
  }
}
