// A voice call from the citizen app to the hotline over WebRTC, without any framework: the server
// offers, this side answers once its ICE candidates are gathered (no trickle), then follows the call
// by polling its state. The call enters the line's menu and queue like a phone call; the card shows
// "mobile app" and the location given here.
import {
  CallRefused,
  CallsApi,
  type CallStatus,
  type Fetch,
  type HotlineCallLocation,
  type IceServerInfo,
  type LineStage,
} from "./api";

export type HotlineCallState = "starting" | "connecting" | "connected" | "ended";

export interface HotlineCallEnd {
  /** hung_up (this side), hotline_ended, refused, failed, timeout, bad_answer, microphone, or the
   *  server's refusal code (not_authenticated, too_many_attempts, calls_unavailable...). */
  cause: string;
  message: string;
  retryAfter: number | null;
}

/** Where the connected call is: the voice menu, the queue (place, estimated wait), an operator. */
export interface HotlineCallProgress {
  stage: LineStage;
  queuePosition: number | null;
  estimatedWaitS: number | null;
}

export interface HotlineCallOptions {
  baseUrl?: string;
  fetch?: Fetch;
  /** The microphone to send; without it one is asked for (and stopped when the call ends). */
  microphone?: MediaStream;
  getUserMedia?: (constraints: MediaStreamConstraints) => Promise<MediaStream>;
  createPeer?: (config: RTCConfiguration) => RTCPeerConnection;
  /** Plays the hotline's audio (default: an Audio element). */
  playRemote?: (stream: MediaStream) => void;
  /** Offer the camera too (the operator sees it); without a camera the call goes on as voice. */
  video?: boolean;
  /** The operator's camera, where their group lets them send it (the track may stay without pictures). */
  showRemoteVideo?: (track: MediaStreamTrack) => void;
  pollMs?: number;
  gatherTimeoutMs?: number;
}

export type StateListener = (state: HotlineCallState, end: HotlineCallEnd | null) => void;
export type ProgressListener = (progress: HotlineCallProgress) => void;

export interface HotlineCall {
  readonly state: HotlineCallState;
  readonly callId: string | null;
  readonly end: HotlineCallEnd | null;
  /** Once connected, as the server last said. */
  readonly progress: HotlineCallProgress | null;
  /** Called on every state change, and once at once with the current state. */
  onState(listener: StateListener): () => void;
  /** Called when the connected call moves in the line's flow (menu, queue and its place, operator). */
  onProgress(listener: ProgressListener): () => void;
  /** Keys for the line's voice menu. */
  sendDigits(digits: string): Promise<void>;
  hangup(): Promise<void>;
  /** The call has a camera to send (a voice call has none). */
  readonly hasCamera: boolean;
  /** True while the camera is sent (false: off, or no camera). */
  readonly cameraOn: boolean;
  /** Camera on or off mid-call; off stops sending pictures (the operator's picture pauses). */
  setCamera(on: boolean): Promise<void>;
  /** Settles when the call has ended, however it ended. */
  readonly ended: Promise<HotlineCallEnd>;
}

const DEFAULT_POLL_MS = 1000;
const DEFAULT_GATHER_MS = 5000;

export function startHotlineCall(
  token: string,
  location: HotlineCallLocation | null,
  options: HotlineCallOptions = {},
): HotlineCall {
  const call = new Call(new CallsApi(token, options.baseUrl ?? "", options.fetch), options);
  void call.run(location);
  return call;
}

class Call implements HotlineCall {
  state: HotlineCallState = "starting";
  callId: string | null = null;
  end: HotlineCallEnd | null = null;
  progress: HotlineCallProgress | null = null;
  readonly ended: Promise<HotlineCallEnd>;
  private settle: (end: HotlineCallEnd) => void = () => undefined;
  private readonly listeners = new Set<StateListener>();
  private readonly progressListeners = new Set<ProgressListener>();
  private peer: RTCPeerConnection | null = null;
  private microphone: MediaStream | null = null;
  private ownMicrophone = false;
  private camera: MediaStreamTrack | null = null;
  private cameraSender: RTCRtpSender | null = null;
  cameraOn = false;

  get hasCamera(): boolean {
    return this.camera !== null;
  }
  private poller: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly api: CallsApi,
    private readonly options: HotlineCallOptions,
  ) {
    this.ended = new Promise((resolve) => (this.settle = resolve));
  }

  onState(listener: StateListener): () => void {
    this.listeners.add(listener);
    listener(this.state, this.end);
    return () => this.listeners.delete(listener);
  }

  onProgress(listener: ProgressListener): () => void {
    this.progressListeners.add(listener);
    return () => this.progressListeners.delete(listener);
  }

  async run(location: HotlineCallLocation | null): Promise<void> {
    try {
      this.microphone = await this.takeMicrophone();
    } catch (error) {
      this.finish("microphone", describe(error));
      return;
    }
    try {
      const offer = await this.api.place(location);
      this.callId = offer.call_id;
      if (this.end !== null) {
        await this.api.hangUp(offer.call_id); // hung up while the offer was on its way
        return;
      }
      const answer = await this.answerOffer(offer.sdp, offer.ice_servers);
      if (this.end !== null) return;
      this.set("connecting");
      this.follow(await this.api.answer(offer.call_id, answer));
      this.poller = setInterval(() => void this.poll(), this.options.pollMs ?? DEFAULT_POLL_MS);
    } catch (error) {
      this.fail(error);
    }
  }

  async sendDigits(digits: string): Promise<void> {
    if (this.callId === null || this.end !== null) return;
    this.follow(await this.api.digits(this.callId, digits));
  }

  async hangup(): Promise<void> {
    if (this.end !== null) return;
    const callId = this.callId;
    this.finish("hung_up", "");
    if (callId !== null) await this.api.hangUp(callId).catch(() => undefined);
  }

  async setCamera(on: boolean): Promise<void> {
    if (this.cameraSender === null || this.camera === null) return;
    await this.cameraSender.replaceTrack(on ? this.camera : null);
    this.cameraOn = on;
  }

  private async takeMicrophone(): Promise<MediaStream> {
    if (this.options.microphone) return this.options.microphone;
    const take = this.options.getUserMedia ?? ((c) => navigator.mediaDevices.getUserMedia(c));
    this.ownMicrophone = true;
    const audio = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };
    if (this.options.video) {
      try {
        return await take({ audio, video: { width: 1280, height: 720, frameRate: 30 } });
      } catch {
        // no camera, or not allowed: a voice call
      }
    }
    return take({ audio });
  }

  private async answerOffer(sdp: string, iceServers: IceServerInfo[]): Promise<string> {
    const config: RTCConfiguration = {
      iceServers: iceServers.map((s) => ({
        urls: s.urls,
        ...(s.username ? { username: s.username } : {}),
        ...(s.credential ? { credential: s.credential } : {}),
      })),
    };
    const peer = (this.options.createPeer ?? ((c) => new RTCPeerConnection(c)))(config);
    this.peer = peer;
    const microphone = this.microphone;
    microphone?.getAudioTracks().forEach((track) => peer.addTrack(track, microphone));
    const camera = this.options.video ? (microphone?.getVideoTracks()[0] ?? null) : null;
    if (camera !== null && microphone) {
      this.camera = camera;
      this.cameraSender = peer.addTrack(camera, microphone);
      this.cameraOn = true;
    }
    peer.ontrack = (event) => {
      if (event.track.kind === "audio") this.play(event.streams[0] ?? new MediaStream([event.track]));
      else if (event.track.kind === "video") this.options.showRemoteVideo?.(event.track);
    };
    peer.onconnectionstatechange = () => {
      if (peer.connectionState === "failed") void this.lost();
    };
    await peer.setRemoteDescription({ type: "offer", sdp });
    await peer.setLocalDescription(await peer.createAnswer());
    await gathered(peer, this.options.gatherTimeoutMs ?? DEFAULT_GATHER_MS);
    const local = peer.localDescription;
    if (local === null) throw new Error("no local description");
    return local.sdp;
  }

  private play(stream: MediaStream): void {
    if (this.options.playRemote) {
      this.options.playRemote(stream);
      return;
    }
    const element = new Audio();
    element.srcObject = stream;
    void element.play().catch(() => undefined);
  }

  private async poll(): Promise<void> {
    if (this.callId === null || this.end !== null) return;
    try {
      this.follow(await this.api.status(this.callId));
    } catch (error) {
      if (error instanceof CallRefused && error.status === 404) this.fail(error);
      // other errors (a network blip): the next poll asks again
    }
  }

  private follow(status: CallStatus): void {
    if (status.state === "ended") this.finish(status.cause ?? "ended", "");
    else if (status.state === "connected") {
      this.set("connected");
      if (status.stage) this.advance(status);
    }
  }

  private advance(status: CallStatus): void {
    const now: HotlineCallProgress = {
      stage: status.stage ?? "menu",
      queuePosition: status.queue_position ?? null,
      estimatedWaitS: status.estimated_wait_s ?? null,
    };
    const was = this.progress;
    if (was && was.stage === now.stage && was.queuePosition === now.queuePosition && was.estimatedWaitS === now.estimatedWaitS) return;
    this.progress = now;
    for (const listener of this.progressListeners) listener(now);
  }

  private async lost(): Promise<void> {
    const callId = this.callId;
    this.finish("failed", "соединение потеряно");
    if (callId !== null) await this.api.hangUp(callId).catch(() => undefined);
  }

  private fail(error: unknown): void {
    if (error instanceof CallRefused) this.finish(error.code, error.message, error.retryAfter);
    else this.finish("failed", describe(error));
  }

  private set(state: HotlineCallState): void {
    if (this.state === state || this.state === "ended") return;
    this.state = state;
    for (const listener of this.listeners) listener(state, this.end);
  }

  private finish(cause: string, message: string, retryAfter: number | null = null): void {
    if (this.end !== null) return;
    this.end = { cause, message, retryAfter };
    if (this.poller !== null) clearInterval(this.poller);
    this.poller = null;
    this.peer?.close();
    this.peer = null;
    if (this.ownMicrophone) this.microphone?.getTracks().forEach((track) => track.stop());
    this.state = "ended";
    for (const listener of this.listeners) listener("ended", this.end);
    this.settle(this.end);
  }
}

/** Resolves when ICE gathering is complete, or after `timeoutMs` with what was gathered. */
function gathered(peer: RTCPeerConnection, timeoutMs: number): Promise<void> {
  if (peer.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, timeoutMs);
    function done(): void {
      clearTimeout(timer);
      peer.removeEventListener("icegatheringstatechange", changed);
      resolve();
    }
    function changed(): void {
      if (peer.iceGatheringState === "complete") done();
    }
    peer.addEventListener("icegatheringstatechange", changed);
  });
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
