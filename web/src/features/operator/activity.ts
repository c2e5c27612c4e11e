// Desk activity keeps an operator present (OPS-02). The desk reports keyboard, mouse and focus to
// the server, at most once per interval; the idle interval then counts real inactivity only, and the
// operator is warned a little before «Нет на месте» and before the shift ends. Pure, so the rules
// are tested without a browser.
import type { OperatorState, OperatorStatus } from "@/shared/events/protocol";

/** The DOM events that count as someone working at the desk. */
export const ACTIVITY_EVENTS = ["keydown", "pointerdown", "pointermove", "wheel", "focus"] as const;

// States in which the server counts inactivity (ready, on break) or a call keeps the operator
// present anyway: a report is useful in all of them, never before the shift or while away.
const REPORTED: readonly OperatorStatus[] = ["ready", "on_break", "wrap_up", "on_call", "offered"];

/** How often at most the desk tells the server it is in use: a quarter of the idle interval,
 * between one and fifteen seconds, so a report always lands well before the interval runs out. */
export function reportEveryMs(idleToAwayS: number | null): number {
  if (idleToAwayS === null) return 15_000;
  return Math.min(15_000, Math.max(1_000, (idleToAwayS * 1000) / 4));
}

/** How long before «Нет на месте» or the logout the warning shows: half the interval, at most a minute. */
export function warningLeadS(intervalS: number): number {
  return Math.min(60, intervalS / 2);
}

export function reportsActivity(state: OperatorState | null): boolean {
  return state !== null && REPORTED.includes(state.status);
}

export interface IdleWarning {
  kind: "away" | "logout";
  secondsLeft: number;
}

/**
 * The warning to show now, if any. `activeAtMs` is the desk's own time of the last activity the
 * server has heard of (a report it acknowledged, or a change of state, which counts as activity).
 */
export function idleWarning(state: OperatorState | null, activeAtMs: number, nowMs: number): IdleWarning | null {
  if (state === null) return null;
  let intervalS: number | null = null;
  let kind: IdleWarning["kind"] = "away";
  if (state.status === "ready" || state.status === "on_break") {
    intervalS = state.idle_to_away_s ?? null;
  } else if (state.status === "away") {
    intervalS = state.away_to_logout_s ?? null;
    kind = "logout";
  }
  if (intervalS === null) return null;
  const left = intervalS - (nowMs - activeAtMs) / 1000;
  if (left > warningLeadS(intervalS)) return null;
  return { kind, secondsLeft: Math.max(0, Math.ceil(left)) };
}

/**
 * Sends at most one report per `everyMs`: the first activity after a quiet spell goes at once, more
 * activity within the interval is sent once at its end.
 */
export class ActivityThrottle {
  private lastSentAt = Number.NEGATIVE_INFINITY;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly send: () => void,
    private readonly now: () => number = Date.now,
  ) {}

  activity(everyMs: number): void {
    if (this.timer !== null) return;
    const wait = this.lastSentAt + everyMs - this.now();
    if (wait <= 0) {
      this.fire();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      this.fire();
    }, wait);
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private fire(): void {
    this.lastSentAt = this.now();
    this.send();
  }
}
