// Stand-ins for the browser media objects jsdom and Node do not have (RTCPeerConnection,
// getUserMedia, WebAudio). Real Chromium drives the real ones in the end-to-end suite; these
// record what the softphone asks of them and let a test play the browser's side.
import type { Timers } from "@/shared/events/stream";

export class FakeTrack {
  enabled = true;
  stopped = false;
  constructor(
    readonly kind: "audio" | "video",
    readonly label = "mic",
  ) {}
  stop(): void {
    this.stopped = true;
  }
}

export class FakeStream {
  constructor(readonly tracks: FakeTrack[] = [new FakeTrack("audio")]) {}
  getAudioTracks(): FakeTrack[] {
    return this.tracks.filter((t) => t.kind === "audio");
  }
  getVideoTracks(): FakeTrack[] {
    return this.tracks.filter((t) => t.kind === "video");
  }
  getTracks(): FakeTrack[] {
    return this.tracks;
  }
}

export class FakeTransceiver {
  preferences: { mimeType: string }[] | null = null;
  setCodecPreferences(codecs: { mimeType: string }[]): void {
    this.preferences = codecs;
  }
}

/** The offered video m-line as the browser holds it: its direction and what its sender sends. */
export class FakeVideoTransceiver {
  direction: RTCRtpTransceiverDirection = "recvonly";
  readonly receiver = { track: { kind: "video" } };
  readonly sent: (unknown | null)[] = [];
  readonly sender = { replaceTrack: async (track: unknown | null) => void this.sent.push(track) };
}

export class FakePeer extends EventTarget {
  static created: FakePeer[] = [];
  /** "complete" makes gathering finish as soon as the answer is set. */
  static gathering: "complete" | "manual" = "complete";
  remote: RTCSessionDescriptionInit | null = null;
  localDescription: { type: string; sdp: string } | null = null;
  iceGatheringState: RTCIceGatheringState = "new";
  connectionState: RTCPeerConnectionState = "new";
  iceConnectionState: RTCIceConnectionState = "new";
  tracks: FakeTrack[] = [];
  closed = false;
  readonly transceiver = new FakeTransceiver();
  readonly video = new FakeVideoTransceiver();
  replaced: FakeTrack[] = [];
  constructor() {
    super();
    FakePeer.created.push(this);
  }
  addTrack(track: FakeTrack): void {
    this.tracks.push(track);
  }
  getTransceivers(): (FakeTransceiver | FakeVideoTransceiver)[] {
    return [this.transceiver, this.video];
  }
  getSenders(): { track: FakeTrack | undefined; replaceTrack(t: FakeTrack): Promise<void> }[] {
    return [{ track: this.tracks[0], replaceTrack: async (t) => void this.replaced.push(t) }];
  }
  async setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void> {
    if (description.sdp === "broken") throw new Error("malformed offer");
    this.remote = description;
  }
  async createAnswer(): Promise<RTCSessionDescriptionInit> {
    return { type: "answer", sdp: `answer-to:${this.remote?.sdp ?? ""}` };
  }
  async setLocalDescription(description: RTCSessionDescriptionInit): Promise<void> {
    this.localDescription = { type: description.type ?? "answer", sdp: description.sdp ?? "" };
    this.iceGatheringState = FakePeer.gathering === "complete" ? "complete" : "gathering";
  }
  finishGathering(): void {
    this.localDescription = { type: "answer", sdp: `${this.localDescription?.sdp ?? ""}+candidates` };
    this.iceGatheringState = "complete";
    this.dispatchEvent(new Event("icegatheringstatechange"));
  }
  fail(): void {
    this.connectionState = "failed";
    this.dispatchEvent(new Event("connectionstatechange"));
  }
  close(): void {
    this.closed = true;
  }
  static latest(): FakePeer {
    const peer = FakePeer.created.at(-1);
    if (peer === undefined) throw new Error("no peer created");
    return peer;
  }
}

export const AUDIO_CODECS = [
  { mimeType: "audio/opus", clockRate: 48000 },
  { mimeType: "audio/PCMU", clockRate: 8000 },
  { mimeType: "audio/PCMA", clockRate: 8000 },
  { mimeType: "audio/telephone-event", clockRate: 8000 },
];

/** Timers the test fires by hand (retry pauses, the gathering limit). */
export class ManualTimers implements Timers {
  pending: { fn: () => void; ms: number; handle: number }[] = [];
  private next = 1;
  set(fn: () => void, ms: number): unknown {
    const handle = this.next++;
    this.pending.push({ fn, ms, handle });
    return handle;
  }
  clear(handle: unknown): void {
    this.pending = this.pending.filter((p) => p.handle !== handle);
  }
  fireNext(): number {
    const timer = this.pending.shift();
    if (timer === undefined) throw new Error("no timer pending");
    timer.fn();
    return timer.ms;
  }
}

/** The ring, recorded instead of played. */
export class FakeRinger {
  rings: [string, number][] = [];
  stops = 0;
  ringing = false;
  async ring(deviceId: string, volume: number): Promise<void> {
    this.rings.push([deviceId, volume]);
    this.ringing = true;
  }
  stop(): void {
    this.stops += 1;
    this.ringing = false;
  }
}

/** The event socket: records what the page sends and lets the test play the server. */
export class FakeWebSocket {
  static opened: FakeWebSocket[] = [];
  sent: Record<string, unknown>[] = [];
  onopen = null;
  onerror = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  constructor(readonly url: string) {
    FakeWebSocket.opened.push(this);
  }
  send(data: string): void {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }
  close(): void {}
  deliver(frame: unknown): void {
    this.onmessage?.({ data: typeof frame === "string" ? frame : JSON.stringify(frame) });
  }
  drop(): void {
    this.onclose?.({ code: 1006, reason: "" });
  }
  signals(): Record<string, unknown>[] {
    return this.sent.filter((m) => typeof m.kind === "string" && m.kind.startsWith("rtc."));
  }
}

export function socket(): FakeWebSocket {
  const last = FakeWebSocket.opened.at(-1);
  if (last === undefined) throw new Error("no socket");
  return last;
}

