// The operator's status menu in zone 1 (OPS-02, OPS-03): what each entry does and whether it can
// be chosen now. Pure, so the rules are tested without a browser.
import type { OperatorState, OperatorStatus } from "@/shared/events/protocol";

/** Break reason codes offered in the menu; `not_ready` (блокировка с указанием причины) needs a note. */
export const BREAK_REASONS = ["break", "lunch", "training", "not_ready"] as const;
export type BreakReason = (typeof BREAK_REASONS)[number];

export type StatusRequest =
  | { status: "ready" }
  | { status: "on_break"; reason: string; needsNote: boolean }
  | { status: "offline" };

export interface MenuEntry {
  key: string;
  /** i18n key of the label */
  label: string;
  /** null: shown for information, never chosen by hand (wrap-up, away) */
  request: StatusRequest | null;
  disabled: boolean;
  current: boolean;
}

// Where a change by hand is not possible: the caller is ringing, or a senior holds the operator.
const LOCKED: readonly OperatorStatus[] = ["offline", "offered", "blocked"];

export function canStartShift(state: OperatorState | null): boolean {
  return state !== null && state.status === "offline";
}

export function statusLabel(state: OperatorState): string {
  return state.status === "on_break" ? `operator.reason.${reasonKey(state.reason)}` : `operator.status.${state.status}`;
}

function reasonKey(reason: string): string {
  return (BREAK_REASONS as readonly string[]).includes(reason) || reason === "no_answer" ? reason : "other";
}

export function statusMenu(state: OperatorState): MenuEntry[] {
  const locked = LOCKED.includes(state.status);
  const entries: MenuEntry[] = [
    {
      key: "ready",
      label: "operator.status.ready",
      request: { status: "ready" },
      disabled: locked || state.status === "ready" || state.status === "on_call",
      current: state.status === "ready",
    },
  ];
  for (const reason of BREAK_REASONS) {
    const current = state.status === "on_break" && state.reason === reason;
    entries.push({
      key: `break:${reason}`,
      label: `operator.reason.${reason}`,
      request: { status: "on_break", reason, needsNote: reason === "not_ready" },
      // During a call the break is kept and starts after the wrap-up.
      disabled: locked || (current && reason !== "not_ready"),
      current,
    });
  }
  entries.push(
    {
      key: "wrap_up",
      label: "operator.status.wrap_up",
      request: null,
      disabled: true,
      current: state.status === "wrap_up",
    },
    { key: "away", label: "operator.status.away", request: null, disabled: true, current: state.status === "away" },
    {
      key: "end_shift",
      label: "operator.endShift",
      request: { status: "offline" },
      disabled: state.status === "offline" || state.status === "offered",
      current: false,
    },
  );
  return entries;
}

/** Seconds left until a time, never below zero (the ring countdown, the wrap-up timer). */
export function secondsLeft(until: string | null, now: number): number | null {
  if (until === null) return null;
  const end = Date.parse(until);
  return Number.isNaN(end) ? null : Math.max(0, Math.round((end - now) / 1000));
}

/** mm:ss for waits shown in zone 4. */
export function clock(seconds: number): string {
  const whole = Math.max(0, Math.floor(seconds));
  const m = Math.floor(whole / 60);
  const s = whole % 60;
  return `${String(m).padStart(2, "0")}:${String(s).padStart(2, "0")}`;
}

/**
 * Seconds of wrap-up left (OPS-19), or null without a timer (the queue wants «Готов» by hand). The
 * length comes from the server's own two times (start and end), the elapsed part from this desk's
 * clock since the state arrived, so a clock difference between server and desk does not matter.
 */
export function wrapUpLeft(state: OperatorState | null, arrivedAtMs: number, nowMs: number): number | null {
  const total = wrapUpLength(state);
  if (total === null) return null;
  return Math.max(0, Math.ceil(total - (nowMs - arrivedAtMs) / 1000));
}

/** The wrap-up's whole length in seconds by the server's two times, or null without a timer. */
export function wrapUpLength(state: OperatorState | null): number | null {
  if (state === null || state.status !== "wrap_up" || state.wrap_up_until === null) return null;
  const total = (Date.parse(state.wrap_up_until) - Date.parse(state.since)) / 1000;
  return Number.isNaN(total) ? null : total;
}

/**
 * The break timer (OPS-04): seconds on the break by this desk's clock since the state arrived (as the
 * wrap-up countdown, so a clock difference between server and desk does not matter; after a reload it
 * counts from the reload, the senior's board keeps the server's count), the reason's allowance, and
 * the overrun.
 */
export interface BreakTime {
  spent: number;
  allowed: number | null;
  over: number;
}

export function breakTime(
  state: OperatorState | null,
  arrivedAtMs: number,
  nowMs: number,
  elapsedNotice = false,
): BreakTime | null {
  if (state === null || state.status !== "on_break") return null;
  const allowed = state.break_limit_s ?? null;
  const counted = Math.max(0, Math.floor((nowMs - arrivedAtMs) / 1000));
  // The server's end-of-break notice is the truth: the timer is at least the allowance then.
  const spent = elapsedNotice && allowed !== null ? Math.max(counted, allowed) : counted;
  return { spent, allowed, over: allowed === null ? 0 : Math.max(0, spent - allowed) };
}
