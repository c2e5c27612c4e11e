import type { Health, PresenceEntry } from "@/api/types";
import type { Snapshot } from "@/events/protocol";

export function operator(user_id: number, full_name: string, overrides: Partial<PresenceEntry> = {}): PresenceEntry {
  return {
    user_id,
    login: `op${user_id}`,
    full_name,
    role: "operator",
    group_ids: [1],
    since: "2026-11-25T08:00:00+00:00",
    ...overrides,
  };
}

type Status = Health["status"];

export function health(socket: Status, sip: Status, checked_at = "2026-11-25T08:00:00+00:00"): Health {
  const part = (status: Status) => ({ status, detail: status === "ok" ? "" : `${status} for test` });
  const overall: Status = socket === "ok" && sip === "ok" ? "ok" : "degraded";
  return {
    status: overall,
    components: { db: part("ok"), socket: part(socket), sip: part(sip), media: part("ok") },
    checked_at,
  };
}

export function snapshot(operators: PresenceEntry[], h: Health = health("ok", "ok"), calls_waiting = 0): Snapshot {
  return { presence: { operators_online: operators, calls_waiting }, health: h, operator_state: null, queues: [] };
}

export function readyFrame(stream: string, last_id: number, snap: Snapshot | null, resumed = false): string {
  return JSON.stringify({ kind: "ready", stream, resumed, last_id, snapshot: snap });
}

export function eventFrame(id: number, type: string, data: unknown): string {
  return JSON.stringify({ kind: "event", id, type, at: "2026-11-25T09:00:00+00:00", data });
}
