import type { Health, PresenceEntry } from "@/shared/api/types";
import type { OperatorState, Snapshot } from "@/shared/events/protocol";

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
  return { presence: { operators_online: operators, calls_waiting }, health: h, operator_state: null, queues: [], board: [] };
}

export function readyFrame(stream: string, last_id: number, snap: Snapshot | null, resumed = false): string {
  return JSON.stringify({ kind: "ready", stream, resumed, last_id, snapshot: snap });
}

export function eventFrame(id: number, type: string, data: unknown, at = "2026-11-25T09:00:00+00:00"): string {
  return JSON.stringify({ kind: "event", id, type, at, data });
}

/** The signed-in operator of the softphone tests. */
export const ME = 7;
export function state(status: OperatorState["status"], extra: Partial<OperatorState> = {}): OperatorState {
  return {
    user_id: ME,
    status,
    since: "2026-11-25T09:00:00+00:00",
    reason: "",
    note: "",
    early_ready: true,
    call_id: null,
    queue_id: null,
    offer: null,
    pending: null,
    wrap_up_until: null,
    ...extra,
  };
}

export function stateChanged(id: number, from: OperatorState["status"], to: OperatorState["status"], callId: string | null = null) {
  return eventFrame(id, "operator.state_changed", {
    user_id: ME,
    old_status: from,
    status: to,
    trigger: "test",
    reason: "",
    note: "",
    since: "2026-11-25T09:00:00+00:00",
    duration_s: 0,
    call_id: callId,
    queue_id: callId === null ? null : 2,
  });
}

export const offer = (call_id: string, auto_answer = false) => ({
  call_id,
  queue_id: 2,
  queue_name: "Справочная информация",
  caller: "+79001112233",
  expires_at: "2030-01-01T00:00:00+00:00",
  is_callback: false,
  service_number: "122",
  service_name: "Служба 122",
  group_name: "Первая линия",
  auto_answer,
});
