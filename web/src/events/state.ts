// Pure application of stream events to the snapshot: the same function serves live updates
// and replay after a resume, so applying an event twice must leave the same state.
import type { PresenceEntry } from "@/api/types";
import type { Snapshot, StreamEvent, UnknownEvent } from "./protocol";

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
    case "org.changed":
    case "session.closed":
      return state;
  }
}
