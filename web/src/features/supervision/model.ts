// The senior's operators board as pure functions: a row follows operator.state_changed; filter,
// sort and the colour rules (a call or a break longer than its threshold) read it.
import type { components } from "@/shared/api/schema";
import type { StreamEvent } from "@/shared/events/protocol";

type Schemas = components["schemas"];
export type BoardRow = Schemas["BoardOperatorOut"];
export type BoardGroup = Schemas["BoardGroupOut"];
export type OperatorsBoard = Schemas["OperatorsBoardOut"];
export type StateChange = Extract<StreamEvent, { type: "operator.state_changed" }>["data"];

export type SortKey = "name" | "status" | "time" | "call" | "case" | "answered" | "missed" | "audio";
export interface BoardView {
  group: number | null;
  status: string | null;
  sort: SortKey;
  descending: boolean;
}

/** The row after one of its operator's state changes; rows of other operators are not touched. */
export function applyChange(row: BoardRow, d: StateChange): BoardRow {
  return {
    ...row,
    status: d.status,
    since: d.since,
    reason: d.reason,
    note: d.note,
    blocked: d.status === "blocked" || (row.blocked && d.trigger !== "unblock"),
    calls_answered: d.calls_answered ?? row.calls_answered,
    calls_missed: d.calls_missed ?? row.calls_missed,
    call: d.call ?? null,
    // The card of the call, on it and through wrap-up (null otherwise).
    case: d.case ?? null,
    // The event names the allowance; an older server's event leaves the row's own for the same break.
    break_limit_s:
      d.status !== "on_break" ? null : (d.break_limit_s ?? (d.reason === row.reason ? row.break_limit_s : null)),
  };
}

const WORKING = ["on_call", "wrap_up"];

/** The row with the card of the operator's call (on it or in wrap-up); a card of a call the operator
 * is no longer on is ignored. */
export function withCase(row: BoardRow, change: { call_id: string; case: NonNullable<BoardRow["case"]> }): BoardRow {
  if (!WORKING.includes(row.status)) return row;
  if (row.call !== null && row.call.call_id !== change.call_id) return row;
  return { ...row, case: change.case };
}

/** The row with its call held or not; a change about another call (one already over) is ignored. */
export function withHeld(row: BoardRow, change: { call_id: string; held: boolean }): BoardRow {
  if (row.call === null || row.call.call_id !== change.call_id) return row;
  return { ...row, call: { ...row.call, held: change.held } };
}

/** Seconds in the current state (or on the current call) at `now` (ms since the epoch). */
export function secondsIn(row: BoardRow, now: number): number {
  const from = Date.parse(row.call?.since ?? row.since);
  return Math.max(0, Math.floor((now - from) / 1000));
}

export type Alert = "long_call" | "long_break" | null;

/** A call longer than the group's `long_call_s` is amber; a break longer than its allowance red. */
export function alertOf(row: BoardRow, now: number): Alert {
  const longCallS = row.long_call_s;
  if (row.call !== null && row.status === "on_call" && longCallS !== null && secondsIn(row, now) > longCallS) {
    return "long_call";
  }
  if (row.status === "on_break" && row.break_limit_s !== null && secondsIn(row, now) > row.break_limit_s) {
    return "long_break";
  }
  return null;
}

const STATUS_ORDER = ["on_call", "offered", "wrap_up", "ready", "on_break", "away", "blocked", "offline"];

function sortValue(row: BoardRow, key: SortKey, now: number): string | number {
  switch (key) {
    case "name":
      return row.full_name.toLocaleLowerCase("ru");
    case "status":
      return STATUS_ORDER.indexOf(row.status);
    case "time":
      return secondsIn(row, now);
    case "call":
      return row.call?.caller ?? "";
    case "case":
      return row.case?.name ?? "";
    case "answered":
      return row.calls_answered;
    case "missed":
      return row.calls_missed;
    case "audio":
      return `${row.audio.mode}:${String(row.audio.registered)}`;
  }
}

export function visibleRows(rows: Iterable<BoardRow>, view: BoardView, now: number): BoardRow[] {
  const shown = [...rows].filter(
    (row) =>
      (view.group === null || row.group_ids.includes(view.group)) &&
      (view.status === null || row.status === view.status),
  );
  const sign = view.descending ? -1 : 1;
  return shown.sort((a, b) => {
    const x = sortValue(a, view.sort, now);
    const y = sortValue(b, view.sort, now);
    if (x < y) return -sign;
    if (x > y) return sign;
    return a.user_id - b.user_id;
  });
}

/** How many operators are in each state, for the filter's counts. */
export function countByStatus(rows: Iterable<BoardRow>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(row.status, (counts.get(row.status) ?? 0) + 1);
  return counts;
}

export function clock(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const mm = String(m).padStart(2, "0");
  const ss = String(s).padStart(2, "0");
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}
