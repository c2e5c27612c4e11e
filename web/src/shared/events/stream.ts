// The event-stream connection: snapshot, ordered events with acks, heartbeat answers, resume
// after a dropped socket and a fresh snapshot when the server asks for a reload.
import {
  isRtcError,
  parseServerMessage,
  ProtocolError,
  type ClientMessage,
  type RtcClientMessage,
  type RtcError,
  type RtcServerMessage,
  type Snapshot,
  type StreamEvent,
  type UnknownEvent,
} from "./protocol";

/** The part of the browser WebSocket this module uses, so tests can drive it. */
export interface SocketLike {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export type StreamStatus = "idle" | "connecting" | "open" | "reconnecting" | "stopped";

export interface StreamHandlers {
  /** A fresh snapshot replaces whatever the client held. */
  snapshot(snapshot: Snapshot): void;
  /** Events arrive once each, in rising id order. */
  event(event: StreamEvent | UnknownEvent): void;
  status(status: StreamStatus): void;
  /** The server ended this session (e.g. "session_replaced"); the stream will not reconnect. */
  ended(reason: string, message: string): void;
  /** The server closed the stream for a passing reason (e.g. "database_unavailable"); it reconnects. */
  interrupted?(reason: string): void;
  /** The socket dropped; called before each reconnect attempt is scheduled. */
  disconnected?(attempt: number): void;
  /** Media signalling for the softphone: rtc.offer, rtc.state, rtc.video and errors with rtc_* codes. */
  signal?(message: RtcServerMessage | RtcError): void;
}

export interface StreamOptions {
  socket: (url: string) => SocketLike;
  timers?: Timers;
  initialDelayMs?: number;
  maxDelayMs?: number;
  random?: () => number;
  /** How long an acknowledgement waits for later events to cover them too (default 250 ms). */
  ackDelayMs?: number;
}

// `closed` reasons after which the same stream can be resumed; after any other the session is over.
const RESUMABLE_CLOSE = new Set(["server_shutdown", "heartbeat_timeout", "protocol_errors", "database_unavailable"]);
// Errors after which reconnecting cannot help: the user has to sign in again.
const FATAL_ERRORS = new Set(["not_authenticated", "session_replaced", "forbidden"]);

const browserTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export function eventsUrl(origin: string, stream: string | null, after: number): string {
  const base = `${origin.replace(/^http/, "ws")}/api/v1/events`;
  if (stream === null) return base;
  return `${base}?${new URLSearchParams({ stream, after: String(after) }).toString()}`;
}

export class EventStream {
  private socket: SocketLike | null = null;
  private streamId: string | null = null;
  private last = 0;
  private attempt = 0;
  private retryTimer: unknown = null;
  private acked = 0;
  private ackTimer: unknown = null;
  private current: StreamStatus = "idle";
  private readonly timers: Timers;
  private readonly initialDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly random: () => number;
  private readonly ackDelayMs: number;

  constructor(
    private readonly origin: string,
    private readonly handlers: StreamHandlers,
    private readonly options: StreamOptions,
  ) {
    this.timers = options.timers ?? browserTimers;
    this.initialDelayMs = options.initialDelayMs ?? 500;
    this.maxDelayMs = options.maxDelayMs ?? 15_000;
    this.random = options.random ?? Math.random;
    this.ackDelayMs = options.ackDelayMs ?? 250;
  }

  get lastId(): number {
    return this.last;
  }

  get stream(): string | null {
    return this.streamId;
  }

  get status(): StreamStatus {
    return this.current;
  }

  start(): void {
    if (this.current !== "idle" && this.current !== "stopped") return;
    this.connect();
  }

  stop(): void {
    this.cancelRetry();
    this.detach()?.close(1000, "client stop");
    this.setStatus("stopped");
  }

  /** Next reconnect delay: exponential, capped, with jitter so clients do not return in step. */
  delayFor(attempt: number): number {
    const ceiling = Math.min(this.maxDelayMs, this.initialDelayMs * 2 ** attempt);
    return Math.round(ceiling * (0.5 + this.random() / 2));
  }

  private connect(): void {
    this.setStatus(this.attempt === 0 && this.streamId === null ? "connecting" : "reconnecting");
    const socket = this.options.socket(eventsUrl(this.origin, this.streamId, this.last));
    this.socket = socket;
    socket.onmessage = (ev) => {
      if (typeof ev.data === "string") this.receive(ev.data);
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.cancelAck();
      this.scheduleReconnect();
    };
  }

  private receive(text: string): void {
    let message;
    try {
      message = parseServerMessage(text);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      // State may have missed something: start again from a fresh snapshot.
      console.warn("event stream: invalid message", error.message);
      this.restartFresh();
      return;
    }
    switch (message.kind) {
      case "ready":
        this.attempt = 0;
        if (!(message.resumed && message.stream === this.streamId)) {
          if (message.snapshot === null) {
            // Resumed a stream we did not ask for and got no state to start from.
            this.restartFresh();
            return;
          }
          this.last = message.last_id;
          this.handlers.snapshot(message.snapshot);
        }
        this.streamId = message.stream;
        this.acked = this.last; // a fresh stream holds nothing before it; a resumed one dropped up to `after`
        this.setStatus("open");
        return;
      case "event":
        if (message.event.id <= this.last) return;
        this.last = message.event.id;
        this.handlers.event(message.event);
        this.scheduleAck();
        if (!("unknown" in message.event) && message.event.type === "session.closed") {
          this.end(message.event.data.reason, message.event.data.message);
        }
        return;
      case "ping":
        this.send({ kind: "pong" });
        return;
      case "reload":
        this.restartFresh();
        return;
      case "closed":
        // The server closes the socket next; a resumable reason reconnects through onclose.
        if (RESUMABLE_CLOSE.has(message.reason)) this.handlers.interrupted?.(message.reason);
        else this.end(message.reason, message.message);
        return;
      case "error":
        if (FATAL_ERRORS.has(message.code)) this.end(message.code, message.message);
        else if (isRtcError(message) && this.handlers.signal !== undefined) this.handlers.signal(message);
        else console.warn("event stream error", message.code, message.message);
        return;
      case "rtc.offer":
      case "rtc.state":
      case "rtc.video":
        this.handlers.signal?.(message);
        return;
    }
  }

  private restartFresh(): void {
    this.streamId = null;
    this.last = 0;
    this.detach()?.close(1000, "reload");
    this.connect();
  }

  private end(reason: string, message: string): void {
    this.stop();
    this.handlers.ended(reason, message);
  }

  private scheduleReconnect(): void {
    if (this.current === "stopped") return;
    this.setStatus("reconnecting");
    this.handlers.disconnected?.(this.attempt);
    const delay = this.delayFor(this.attempt);
    this.attempt += 1;
    this.retryTimer = this.timers.set(() => {
      this.retryTimer = null;
      this.connect();
    }, delay);
  }

  // Acknowledgements are cumulative, so one covers every event before it. Sent a moment later, one
  // answers a burst, and the server's fan-out of an event to every desk is not interleaved with a
  // thousand acknowledgements of it.
  private scheduleAck(): void {
    if (this.ackTimer !== null) return;
    this.ackTimer = this.timers.set(() => {
      this.ackTimer = null;
      if (this.last > this.acked) {
        this.acked = this.last;
        this.send({ kind: "ack", id: this.last });
      }
    }, this.ackDelayMs);
  }

  // The connection has gone: the next `ready` says what the server holds as acknowledged.
  private cancelAck(): void {
    if (this.ackTimer !== null) this.timers.clear(this.ackTimer);
    this.ackTimer = null;
  }

  private cancelRetry(): void {
    if (this.retryTimer !== null) this.timers.clear(this.retryTimer);
    this.retryTimer = null;
  }

  private detach(): SocketLike | null {
    this.cancelAck();
    const socket = this.socket;
    if (socket !== null) {
      socket.onmessage = null;
      socket.onclose = null;
      socket.onerror = null;
      socket.onopen = null;
    }
    this.socket = null;
    return socket;
  }

  /**
   * Sends a media signalling message on the current socket. False when the stream is not open:
   * nothing is queued, the softphone asks again after the next `ready`.
   */
  sendSignal(message: RtcClientMessage): boolean {
    if (this.current !== "open" || this.socket === null) return false;
    this.send(message);
    return true;
  }

  private send(message: ClientMessage): void {
    this.socket?.send(JSON.stringify(message));
  }

  private setStatus(status: StreamStatus): void {
    if (this.current === status) return;
    this.current = status;
    this.handlers.status(status);
  }
}
