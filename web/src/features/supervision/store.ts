// The senior's operators board: a snapshot from the API, kept live by operator.state_changed (the
// realtime store hands every change here). The rows live in one Map replaced on each change, so the
// virtual list re-renders only what is on screen.
import { defineStore } from "pinia";
import { computed, shallowRef } from "vue";
import type { MonitoringEvent } from "@/shared/realtime/dispatch";
import { loadBoard } from "./api";
import { applyChange, withCase, withHeld, type BoardGroup, type BoardRow, type StateChange } from "./model";
import {
  myMonitoring,
  startMonitoring,
  stopMonitoring,
  switchMonitoring,
  type MonitoringSession,
  type MonitorMode,
} from "./monitoring";

const BATCH_MS = 100;

export const useSupervisionStore = defineStore("supervision", () => {
  const rows = shallowRef<Map<number, BoardRow>>(new Map());
  const groups = shallowRef<BoardGroup[]>([]);
  const loaded = shallowRef(false);
  // The server's clock minus this browser's (ms): times in state are counted on the server's clock.
  const skew = shallowRef(0);
  // Changes that arrive while the snapshot is on its way are applied over it.
  let early: StateChange[] = [];
  let loading = false;

  async function load(): Promise<void> {
    loading = true;
    early = [];
    try {
      const board = await loadBoard();
      const next = new Map(board.operators.map((row) => [row.user_id, row]));
      for (const change of early) {
        const row = next.get(change.user_id);
        if (row !== undefined) next.set(row.user_id, applyChange(row, change));
      }
      skew.value = Date.parse(board.as_of) - Date.now();
      groups.value = board.groups;
      rows.value = next;
      loaded.value = true;
    } finally {
      loading = false;
      early = [];
    }
  }

  // Changes are applied in batches: with a thousand operators changing tens of times a second, one
  // new Map and one re-sort per BATCH_MS instead of per change keeps the page smooth.
  let queued: StateChange[] = [];
  let flushTimer: ReturnType<typeof setTimeout> | null = null;
  function stateChanged(change: StateChange): void {
    if (loading) early.push(change);
    queued.push(change);
    flushTimer ??= setTimeout(flush, BATCH_MS);
  }

  function flush(): void {
    flushTimer = null;
    const batch = queued;
    queued = [];
    let next: Map<number, BoardRow> | null = null;
    for (const change of batch) {
      const row = (next ?? rows.value).get(change.user_id);
      if (row === undefined) continue; // not on this senior's board
      next ??= new Map(rows.value);
      next.set(row.user_id, applyChange(row, change));
    }
    if (next !== null) rows.value = next;
  }

  // Hold is rare next to state changes: applied at once.
  function callHeld(change: { user_id: number; call_id: string; held: boolean }): void {
    const row = rows.value.get(change.user_id);
    if (row === undefined) return;
    const next = withHeld(row, change);
    if (next !== row) rows.value = new Map(rows.value).set(row.user_id, next);
  }

  // The card in work changes once per call or type change: applied at once, after any queued state
  // change of the same operator (the change that put them on the call comes first).
  function caseInWork(change: { user_id: number; call_id: string; case: NonNullable<BoardRow["case"]> }): void {
    if (queued.length > 0) flush();
    const row = rows.value.get(change.user_id);
    if (row === undefined) return;
    const next = withCase(row, change);
    if (next !== row) rows.value = new Map(rows.value).set(row.user_id, next);
  }

  const all = computed(() => [...rows.value.values()]);
    /** Now on the server's clock, in ms. */
  const serverNow = (): number => Date.now() + skew.value;
  return { rows, all, groups, loaded, load, stateChanged, callHeld, caseInWork, serverNow };
});

/**
 * The senior's monitoring session (listen / whisper / barge), at most one at a time: started from a
 * board row, switched and stopped from the row or the monitoring bar, restored after a reload, and
 * cleared when the server says it ended (the call ended, the senior's audio went away).
 */
export const useMonitoringStore = defineStore("monitoring", () => {
  const session = shallowRef<MonitoringSession | null>(null);
  const busy = shallowRef(false);
  /** Why the last session ended by itself (shown once), e.g. "call_ended". */
  const endedBy = shallowRef<string | null>(null);

  async function run(action: () => Promise<MonitoringSession | null>): Promise<void> {
    busy.value = true;
    try {
      session.value = await action();
    } finally {
      busy.value = false;
    }
  }

  const start = (callId: string, mode: MonitorMode): Promise<void> => run(() => startMonitoring(callId, mode));
  async function switchTo(mode: MonitorMode): Promise<void> {
    const current = session.value;
    if (current !== null) await run(() => switchMonitoring(current.id, mode));
  }
  async function stop(): Promise<void> {
    const current = session.value;
    if (current !== null) await run(async () => (await stopMonitoring(current.id), null));
  }
  async function restore(): Promise<void> {
    session.value = (await myMonitoring())[0] ?? null;
  }

  /** The realtime store hands every monitoring event here; only the senior's own session changes. */
  function apply(event: MonitoringEvent): void {
    const current = session.value;
    if (current === null || event.data.session_id !== current.id) return;
    if (event.type === "monitoring.ended") {
      session.value = null;
      endedBy.value = event.data.reason;
      return;
    }
    session.value = { ...current, mode: event.data.mode };
  }

  return { session, busy, endedBy, start, switchTo, stop, restore, apply };
});
