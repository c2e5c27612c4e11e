import { defineStore } from "pinia";
import { computed, ref, shallowRef } from "vue";
import { api } from "@/shared/api/client";
import type { Health } from "@/shared/api/types";
import type { CaseSummary } from "@/features/cases/model";
import { healthColour } from "@/features/health/model";
import type {
  ExportProgress,
  ChatDesk,
  ChatMessage,
  HelpRequest,
  Notice,
  OperatorState,
  OrgEntity,
  RtcClientMessage,
  RtcError,
  RtcServerMessage,
  SmsChanged,
  Snapshot,
} from "@/shared/events/protocol";
import { EventStream, type SocketLike, type StreamStatus } from "@/shared/events/stream";
import {
  dispatch,
  type BreakNotice,
  type CallEvent,
  type EventTargets,
  type MessageEvent,
  type CallHeld,
  type CaseInWorkChange,
  type MonitoringEvent,
  type CaseHandover,
  type OperatorChange,
} from "./dispatch";
import { compareInstants, withNotice, withoutNotice } from "./snapshot";

export interface OrgChange {
  entity: OrgEntity;
  id: number;
  seq: number;
}

/** Live presence and health from /api/v1/events, plus organisation-change notices. */
export const useRealtimeStore = defineStore("realtime", () => {
  const snapshot = shallowRef<Snapshot | null>(null);
  const status = ref<StreamStatus>("idle");
  /** The server said its database does not answer: nothing can be read or saved until it does. */
  const databaseDown = ref(false);
  const orgChange = ref<OrgChange | null>(null);
  const breakNotice = ref<BreakNotice>(null);
  let stream: EventStream | null = null;
  // The card list (features/cases) keeps its own state from case.* events.
  const caseListeners = new Set<(card: CaseSummary) => void>();
  function onCase(listener: (card: CaseSummary) => void): () => void {
    caseListeners.add(listener);
    return () => caseListeners.delete(listener);
  }
  const createdListeners = new Set<(card: CaseSummary) => void>();
  function onCaseCreated(listener: (card: CaseSummary) => void): () => void {
    createdListeners.add(listener);
    return () => createdListeners.delete(listener);
  }
  // Messages (features/messages) follow their events and reload on every fresh snapshot: what
  // arrived while the desktop was away is stored, not replayed.
  const messageListeners = new Set<(event: MessageEvent) => void>();
  function onMessage(listener: (event: MessageEvent) => void): () => void {
    messageListeners.add(listener);
    return () => messageListeners.delete(listener);
  }
  const freshListeners = new Set<() => void>();
  function onFreshSnapshot(listener: () => void): () => void {
    freshListeners.add(listener);
    return () => freshListeners.delete(listener);
  }
  // The softphone (features/softphone) follows call events and the media signalling.
  const callListeners = new Set<(event: CallEvent) => void>();
  function onCall(listener: (event: CallEvent) => void): () => void {
    callListeners.add(listener);
    return () => callListeners.delete(listener);
  }
  const signalListeners = new Set<(message: RtcServerMessage | RtcError) => void>();
  function onSignal(listener: (message: RtcServerMessage | RtcError) => void): () => void {
    signalListeners.add(listener);
    return () => signalListeners.delete(listener);
  }
  // The senior's board (features/supervision) follows every operator's change it may see.
  const operatorListeners = new Set<(change: OperatorChange) => void>();
  function onOperatorChange(listener: (change: OperatorChange) => void): () => void {
    operatorListeners.add(listener);
    return () => operatorListeners.delete(listener);
  }
  const heldListeners = new Set<(change: CallHeld) => void>();
  function onCallHeld(listener: (change: CallHeld) => void): () => void {
    heldListeners.add(listener);
    return () => heldListeners.delete(listener);
  }
  const caseInWorkListeners = new Set<(change: CaseInWorkChange) => void>();
  function onCaseInWork(listener: (change: CaseInWorkChange) => void): () => void {
    caseInWorkListeners.add(listener);
    return () => caseInWorkListeners.delete(listener);
  }
  // Listen / whisper / barge: the senior's console and the monitored operator's desk.
  const monitoringListeners = new Set<(event: MonitoringEvent) => void>();
  function onMonitoring(listener: (event: MonitoringEvent) => void): () => void {
    monitoringListeners.add(listener);
    return () => monitoringListeners.delete(listener);
  }
  // The card area (features/cases) opens a card a colleague transferred with its call.
  const handoverListeners = new Set<(handover: CaseHandover) => void>();
  function onCaseHandedOver(listener: (handover: CaseHandover) => void): () => void {
    handoverListeners.add(listener);
    return () => handoverListeners.delete(listener);
  }
  // The journal (features/journal) follows its background exports.
  const exportListeners = new Set<(progress: ExportProgress) => void>();
  function onExport(listener: (progress: ExportProgress) => void): () => void {
    exportListeners.add(listener);
    return () => exportListeners.delete(listener);
  }
  // «Помощь старшего» (features/help_requests) follows its requests.
  const helpListeners = new Set<(request: HelpRequest, at: string) => void>();
  function onHelpRequest(listener: (request: HelpRequest, at: string) => void): () => void {
    helpListeners.add(listener);
    return () => helpListeners.delete(listener);
  }
  // A card's SMS follows its messages (the chat panel shows their delivery state).
  const smsListeners = new Set<(change: SmsChanged) => void>();
  function onSms(listener: (change: SmsChanged) => void): () => void {
    smsListeners.add(listener);
    return () => smsListeners.delete(listener);
  }
  // The chat panel of an open card (features/chat) follows its case's messages.
  // The desk's chat offer (features/chat) follows the operator's text work items.
  const deskListeners = new Set<(desk: ChatDesk) => void>();
  function onChatDesk(listener: (desk: ChatDesk) => void): () => void {
    deskListeners.add(listener);
    return () => deskListeners.delete(listener);
  }
  const chatListeners = new Set<(message: ChatMessage) => void>();
  function onChatMessage(listener: (message: ChatMessage) => void): () => void {
    chatListeners.add(listener);
    return () => chatListeners.delete(listener);
  }
  let orgSeq = 0;
  let ownChanges = 0;
  const targets: EventTargets = {
    snapshot: (update) => {
      if (snapshot.value !== null) snapshot.value = update(snapshot.value);
    },
    breakNotice: (notice, userId) => {
      if (userId === snapshot.value?.operator_state?.user_id) breakNotice.value = notice;
    },
    orgChanged: ({ entity, id }) => {
      orgSeq += 1;
      orgChange.value = { entity, id, seq: orgSeq };
    },
    caseChanged: (card) => caseListeners.forEach((listener) => listener(card)),
    caseCreated: (card) => createdListeners.forEach((listener) => listener(card)),
    caseHandedOver: (handover) => handoverListeners.forEach((listener) => listener(handover)),
    message: (event) => messageListeners.forEach((listener) => listener(event)),
    call: (event) => callListeners.forEach((listener) => listener(event)),
    operatorChanged: (change) => {
      if (change.user_id === snapshot.value?.operator_state?.user_id) ownChanges += 1;
      operatorListeners.forEach((listener) => listener(change));
    },
    callHeld: (change) => heldListeners.forEach((listener) => listener(change)),
    caseInWork: (change) => caseInWorkListeners.forEach((listener) => listener(change)),
    exportProgress: (progress) => exportListeners.forEach((listener) => listener(progress)),
    helpRequest: (request, at) => helpListeners.forEach((listener) => listener(request, at)),
    monitoring: (event) => monitoringListeners.forEach((listener) => listener(event)),
    sms: (change) => smsListeners.forEach((listener) => listener(change)),
    chatMessage: (message) => chatListeners.forEach((listener) => listener(message)),
    chatDesk: (desk) => deskListeners.forEach((listener) => listener(desk)),
  };
  /** False when the stream is not open; the caller tries again once it is. */
  function sendSignal(message: RtcClientMessage): boolean {
    return stream?.sendSignal(message) ?? false;
  }

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
          freshListeners.forEach((listener) => listener());
        },
        event: (event) => dispatch(event, targets),
        signal: (message) => signalListeners.forEach((listener) => listener(message)),
        status: (next) => {
          status.value = next;
          if (next === "open") databaseDown.value = false;
        },
        interrupted: (reason) => {
          if (reason === "database_unavailable") databaseDown.value = true;
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
    if (fresh !== undefined) databaseDown.value = fresh.components.db.status === "down";
    if (fresh !== undefined && snapshot.value !== null) {
      snapshot.value = { ...snapshot.value, health: fresh };
    }
  }

  /** «Позже» on the break suggestion; the server suggests again after the next streak of work. */
  function dismissBreakNotice(): void {
    breakNotice.value = null;
  }

  /** The operator's state as an API call returned it (the events that follow agree). An answer that
   * arrives after the event of a later change (an offer that came meanwhile) is older than what the
   * desk shows and is dropped, so the desk is not taken back. Two changes can share their instant (one
   * batch of the server's queue decisions: an answer, then the caller's hang-up): then an event that
   * arrived while the request was on its way (`ownChangesBefore`: ownStateChanges() when it was sent)
   * is the one shown — were it the older one, the event of the request's own change still follows. */
  function setOperatorState(state: OperatorState, ownChangesBefore?: number): void {
    if (snapshot.value === null) return;
    const shown = snapshot.value.operator_state;
    if (shown != null && shown.user_id === state.user_id) {
      const order = compareInstants(state.since, shown.since);
      const changedMeanwhile = ownChangesBefore !== undefined && ownChanges > ownChangesBefore;
      if (order < 0 || (order === 0 && state.status !== shown.status && changedMeanwhile)) return;
    }
    snapshot.value = { ...snapshot.value, operator_state: state };
  }

  /** How many changes of this desk's own state the event stream has brought so far. */
  function ownStateChanges(): number {
    return ownChanges;
  }

  /** A notice as an API call returned it (the board event that follows agrees). */
  function noticeChanged(notice: Notice): void {
    if (snapshot.value !== null) snapshot.value = withNotice(snapshot.value, notice);
  }

  function noticeRemoved(id: number): void {
    if (snapshot.value !== null) snapshot.value = withoutNotice(snapshot.value, id);
  }

  function stop(): void {
    stream?.stop();
    stream = null;
    snapshot.value = null;
  }

  return {
    snapshot,
    status,
    databaseDown,
    connected,
    presence,
    health,
    indicator,
    orgChange,
    breakNotice,
    start,
    stop,
    setOperatorState,
    ownStateChanges,
    noticeChanged,
    noticeRemoved,
    dismissBreakNotice,
    onCase,
    onCaseCreated,
    onMessage,
    onFreshSnapshot,
    onCall,
    onOperatorChange,
    onCaseHandedOver,
    onCallHeld,
    onCaseInWork,
    onExport,
    onHelpRequest,
    onSms,
    onChatMessage,
    onChatDesk,
    onMonitoring,
    onSignal,
    sendSignal,
  };
});
