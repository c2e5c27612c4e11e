// Pure updates of the live snapshot, one per event that changes it (the dispatcher picks them):
// the same functions serve live updates and replay after a resume, so applying an event twice
// must leave the same state.
import type { PresenceEntry } from "@/shared/api/types";
import type { Notice, QueueLive, Snapshot, StreamEvent } from "@/shared/events/protocol";

type DataOf<T extends StreamEvent["type"]> = Extract<StreamEvent, { type: T }>["data"];

/** The order the UI lists operators in, so equal sets compare equal. */
export function byName(a: PresenceEntry, b: PresenceEntry): number {
  return a.full_name.localeCompare(b.full_name, "ru") || a.user_id - b.user_id;
}

/** The order zone 4 lists queues in: by group, then name. */
export function byQueueOrder(a: QueueLive, b: QueueLive): number {
  return a.group_id - b.group_id || a.name.localeCompare(b.name, "ru") || a.id - b.id;
}

/** The board newest first, as the server lists it. */
function byPinning(a: Notice, b: Notice): number {
  return b.pinned_at.localeCompare(a.pinned_at) || b.id - a.id;
}

/** A notice pinned or changed: it replaces the one of its id. */
export function withNotice(state: Snapshot, notice: Notice): Snapshot {
  const board = [...state.board.filter((n) => n.id !== notice.id), notice].sort(byPinning);
  return { ...state, board };
}

export function withoutNotice(state: Snapshot, id: number): Snapshot {
  return { ...state, board: state.board.filter((n) => n.id !== id) };
}

export function withPresence(state: Snapshot, data: DataOf<"operator.presence_changed">): Snapshot {
  const { operator, online } = data;
  const others = state.presence.operators_online.filter((o) => o.user_id !== operator.user_id);
  const operators_online = online ? [...others, operator].sort(byName) : others;
  return { ...state, presence: { ...state.presence, operators_online } };
}

export function withOperatorState(state: Snapshot, d: DataOf<"operator.state_changed">): Snapshot {
  const mine = state.operator_state ?? null;
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
    break_limit_s: d.status === "on_break" ? (d.break_limit_s ?? null) : null,
    // The change is news: the state has lasted no time yet when it arrives.
    server_time: d.since,
  };
  return { ...state, operator_state };
}

export function withOffer(state: Snapshot, data: DataOf<"call.offered">): Snapshot {
  const mine = state.operator_state ?? null;
  if (mine === null || mine.user_id !== data.user_id) return state;
  const offer = data.offer;
  return { ...state, operator_state: { ...mine, status: "offered", call_id: offer.call_id, queue_id: offer.queue_id, offer } };
}

/** A call a colleague put through (an offer not from a queue: the queue's state never said «offered»)
 * is answered or its ringing ends: the desk stops showing the offer. */
export function withoutPutThroughOffer(state: Snapshot, data: { user_id: number; call_id: string }): Snapshot {
  const mine = state.operator_state ?? null;
  if (mine === null || mine.user_id !== data.user_id) return state;
  const offer = mine.offer ?? null;
  if (offer === null || offer.call_id !== data.call_id || offer.from_user_id == null) return state;
  return { ...state, operator_state: { ...mine, status: "on_call", offer: null } };
}

export function withQueue(state: Snapshot, queue: QueueLive): Snapshot {
  const queues = [...(state.queues ?? []).filter((q) => q.id !== queue.id), queue].sort(byQueueOrder);
  const calls_waiting = queues.reduce((sum, q) => sum + q.waiting, 0);
  return { ...state, queues, presence: { ...state.presence, calls_waiting } };
}

/** The order of two of the server's ISO instants to the microsecond (negative: `a` is earlier), which
 * `Date.parse` cuts to the millisecond: two changes of one operator can be that close. */
export function compareInstants(a: string, b: string): number {
  return Date.parse(a) - Date.parse(b) || microseconds(a) - microseconds(b);
}

function microseconds(instant: string): number {
  const fraction = /\.(\d+)/.exec(instant)?.[1] ?? "";
  return Number(fraction.padEnd(6, "0").slice(3, 6));
}
