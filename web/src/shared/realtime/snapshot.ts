// Pure application of stream events to the snapshot: the same function serves live updates
// and replay after a resume, so applying an event twice must leave the same state.
import type { PresenceEntry } from "@/shared/api/types";
import type { QueueLive, Snapshot, StreamEvent, UnknownEvent } from "@/shared/events/protocol";

/** The order the UI lists operators in, so equal sets compare equal. */
export function byName(a: PresenceEntry, b: PresenceEntry): number {
  return a.full_name.localeCompare(b.full_name, "ru") || a.user_id - b.user_id;
}

export function applyEvent(state: Snapshot, event: StreamEvent | UnknownEvent): Snapshot {
  if ("unknown" in event) return state;
  switch (event.type) {
    case "operator.presence_changed": {
      const { operator, online } = event.data;
      const others = state.presence.operators_online.filter((o) => o.user_id !== operator.user_id);
      const operators_online = online
        ? [...others, operator].sort(byName)
        : others;
      return { ...state, presence: { ...state.presence, operators_online } };
    }
    case "health.changed":
      return { ...state, health: event.data };
    case "operator.state_changed": {
      const mine = state.operator_state ?? null;
      const d = event.data;
      if (mine === null || mine.user_id !== d.user_id) return state;
      // An offer lives only while ringing; call.offered brings its details.
      const offer = d.status === "offered" && mine.offer?.call_id === d.call_id ? mine.offer : null;
      const operator_state = {
        ...mine,
        status: d.status,
        since: d.since,
        reason: d.reason,
        note: d.note,
        call_id: d.status === "offered" ? (offer?.call_id ?? mine.call_id) : d.call_id,
        queue_id: d.queue_id,
        offer: d.status === "offered" ? (offer ?? mine.offer) : null,
        wrap_up_until: d.status === "wrap_up" ? mine.wrap_up_until : null,
      };
      return { ...state, operator_state };
    }
    case "call.offered": {
      const mine = state.operator_state ?? null;
      if (mine === null || mine.user_id !== event.data.user_id) return state;
      const offer = event.data.offer;
      return { ...state, operator_state: { ...mine, status: "offered", call_id: offer.call_id, queue_id: offer.queue_id, offer } };
    }
    case "queue.updated": {
      const queues = upsertQueue(state.queues ?? [], event.data.queue);
      const calls_waiting = queues.reduce((sum, q) => sum + q.waiting, 0);
      return { ...state, queues, presence: { ...state.presence, calls_waiting } };
    }
    case "org.changed":
    case "session.closed":
    case "operator.break_suggested":
    case "operator.break_time_elapsed":
    case "case.created": // the card list keeps its own state (stores/cases.ts)
    case "case.updated":
    case "call.connected": // the softphone keeps the call itself (stores/softphone.ts)
    case "call.consultation_changed":
    case "call.ended":
    case "call.hold_changed":
      return state;
  }
}

/** The order zone 4 lists queues in: by group, then name. */
export function byQueueOrder(a: QueueLive, b: QueueLive): number {
  return a.group_id - b.group_id || a.name.localeCompare(b.name, "ru") || a.id - b.id;
}

function upsertQueue(queues: QueueLive[], queue: QueueLive): QueueLive[] {
  return [...queues.filter((q) => q.id !== queue.id), queue].sort(byQueueOrder);
}
