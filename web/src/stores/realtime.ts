import { defineStore } from "pinia";
import { computed, ref, shallowRef } from "vue";
import { api } from "@/api/client";
import type { Health } from "@/api/types";
import type { CaseSummary } from "@/cases/model";
import { healthColour } from "@/events/health";
import type {
  OperatorState,
  OrgEntity,
  RtcClientMessage,
  RtcError,
  RtcServerMessage,
  Snapshot,
  StreamEvent,
} from "@/events/protocol";
import { applyEvent } from "@/events/state";
import { EventStream, type SocketLike, type StreamStatus } from "@/events/stream";

export interface OrgChange {
  entity: OrgEntity;
  id: number;
  seq: number;
}

/** Live presence and health from /api/v1/events, plus organisation-change notices. */
export const useRealtimeStore = defineStore("realtime", () => {
  const snapshot = shallowRef<Snapshot | null>(null);
  const status = ref<StreamStatus>("idle");
  const orgChange = ref<OrgChange | null>(null);
  // The break policy's notices to this operator (OPS-04); cleared when their state changes.
  const breakNotice = ref<"suggested" | "elapsed" | null>(null);
  let stream: EventStream | null = null;
  // The card list (stores/cases.ts) keeps its own state from case.* events.
  const caseListeners = new Set<(card: CaseSummary) => void>();
  function onCase(listener: (card: CaseSummary) => void): () => void {
    caseListeners.add(listener);
    return () => caseListeners.delete(listener);
  }
  // The softphone (stores/softphone.ts) follows call events and the media signalling.
  const eventListeners = new Set<(event: StreamEvent) => void>();
  function onEvent(listener: (event: StreamEvent) => void): () => void {
    eventListeners.add(listener);
    return () => eventListeners.delete(listener);
  }
  const signalListeners = new Set<(message: RtcServerMessage | RtcError) => void>();
  function onSignal(listener: (message: RtcServerMessage | RtcError) => void): () => void {
    signalListeners.add(listener);
    return () => signalListeners.delete(listener);
  }
  /** False when the stream is not open; the caller tries again once it is. */
  function sendSignal(message: RtcClientMessage): boolean {
    return stream?.sendSignal(message) ?? false;
  }
  let orgSeq = 0;

  const connected = computed(() => status.value === "open");
  const presence = computed(() => snapshot.value?.presence ?? null);
  const health = computed<Health | null>(() => snapshot.value?.health ?? null);
  const indicator = computed(() => healthColour(health.value, connected.value));

  function start(onEnded: (reason: string) => void): void {
    if (stream !== null) return;
    stream = new EventStream(
      window.location.origin,
      {
        snapshot: (fresh) => {
          snapshot.value = fresh;
        },
        event: (event) => {
          if (snapshot.value !== null) snapshot.value = applyEvent(snapshot.value, event);
          if (!("unknown" in event) && event.type === "operator.break_suggested") breakNotice.value = "suggested";
          if (!("unknown" in event) && event.type === "operator.break_time_elapsed") breakNotice.value = "elapsed";
          if (!("unknown" in event) && event.type === "operator.state_changed") breakNotice.value = null;
          if (!("unknown" in event) && (event.type === "case.created" || event.type === "case.updated")) {
            caseListeners.forEach((listener) => listener(event.data.case));
          }
          if (!("unknown" in event) && event.type === "org.changed") {
            orgSeq += 1;
            orgChange.value = { entity: event.data.entity, id: event.data.id, seq: orgSeq };
          }
          if (!("unknown" in event)) eventListeners.forEach((listener) => listener(event));
        },
        signal: (message) => signalListeners.forEach((listener) => listener(message)),
        status: (next) => {
          status.value = next;
        },
        ended: (reason) => {
          stream = null;
          onEnded(reason);
        },
        disconnected: () => void recheck(),
      },
      { socket: (url) => new WebSocket(url) as unknown as SocketLike },
    );
    stream.start();
  }

  /**
   * While the socket is down: a signed-out session shows up as a 401 here (and the app returns
   * to /auth), and the indicator keeps showing the SIP side from a fresh health check.
   */
  async function recheck(): Promise<void> {
    const [, health] = await Promise.all([
      api.GET("/api/v1/me").catch(() => null),
      api.GET("/api/v1/health").catch(() => null),
    ]);
    // A service that is down answers 503 with the same document.
    const failed = health?.error;
    const fresh = health?.data ?? (failed !== undefined && "components" in failed ? failed : undefined);
    if (fresh !== undefined && snapshot.value !== null) {
      snapshot.value = { ...snapshot.value, health: fresh };
    }
  }

  /** The operator's state as an API call returned it (the events that follow agree). */
  function setOperatorState(state: OperatorState): void {
    if (snapshot.value !== null) snapshot.value = { ...snapshot.value, operator_state: state };
  }

  function stop(): void {
    stream?.stop();
    stream = null;
    snapshot.value = null;
  }

  return {
    snapshot,
    status,
    connected,
    presence,
    health,
    indicator,
    orgChange,
    breakNotice,
    start,
    stop,
    setOperatorState,
    onCase,
    onEvent,
    onSignal,
    sendSignal,
  };
});
