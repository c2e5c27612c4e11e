// The desk's colour for each operator state, one table for zone 1's status, the call dock and the
// senior's board: green on duty, blue with a caller (ringing or talking), violet in wrap-up, amber on
// a break or away, red when blocked or over the allowance, grey off shift.
import type { OperatorStatus } from "@/shared/events/protocol";

export interface StateColour {
  /** the strong colour: borders, dots, icons */
  colour: string;
  /** the pale background of a bar or tag */
  background: string;
  /** text on the pale background */
  text: string;
}

export const STATE_COLOURS: Record<OperatorStatus, StateColour> = {
  ready: { colour: "#18a058", background: "#edf8f1", text: "#0c6b38" },
  offered: { colour: "#2080f0", background: "#eaf3fe", text: "#1558a8" },
  on_call: { colour: "#2080f0", background: "#eaf3fe", text: "#1558a8" },
  wrap_up: { colour: "#8a63d2", background: "#f4effc", text: "#5b3aa3" },
  on_break: { colour: "#e69512", background: "#fff6e6", text: "#8a5300" },
  away: { colour: "#e69512", background: "#fff6e6", text: "#8a5300" },
  blocked: { colour: "#d03050", background: "#fdeef1", text: "#9c1f3a" },
  offline: { colour: "#98a2b3", background: "#f2f4f7", text: "#475467" },
};

/** Over a limit (a break past its allowance). */
export const ALERT_COLOUR: StateColour = STATE_COLOURS.blocked;

/** A Naive UI tag's `color` prop for a state. */
export function tagColour(status: OperatorStatus): { color: string; textColor: string; borderColor: string } {
  const c = STATE_COLOURS[status];
  return { color: c.background, textColor: c.text, borderColor: c.colour };
}

/** The CSS variables a bar of the call dock paints itself with (`--tone`, `--tone-bg`, `--tone-text`). */
export function toneStyle(c: StateColour): Record<string, string> {
  return { "--tone": c.colour, "--tone-bg": c.background, "--tone-text": c.text };
}
