// How the statistics screen writes its figures: durations as ч:мм:сс, shares as whole percent.

export { duration } from "@/shared/ui/duration";

export function percent(share: number | null | undefined): string {
  if (share === null || share === undefined) return "—";
  return `${Math.round(share * 100)} %`;
}

/** Staffed-available states: the denominator of occupancy (docs/contact-center/statistics.md). */
const STAFFED = ["ready", "offered", "on_call", "wrap_up"] as const;

/** Occupancy: (talk time + wrap-up time) / staffed-available time, from the time in each state; null
 * when the operator was not staffed at all. Talk time is the `on_call` state, hold included. */
export function occupancy(states: Record<string, number>): number | null {
  const staffed = STAFFED.reduce((sum, s) => sum + (states[s] ?? 0), 0);
  if (staffed <= 0) return null;
  return ((states.on_call ?? 0) + (states.wrap_up ?? 0)) / staffed;
}

/** The states in the order of the operator's status menu; others (if any) after them. */
export const STATE_ORDER = ["ready", "offered", "on_call", "wrap_up", "on_break", "away", "blocked"] as const;

export function orderedStates(states: Record<string, number>): [string, number][] {
  const known = STATE_ORDER.filter((s) => s in states).map((s): [string, number] => [s, states[s] ?? 0]);
  const rest = Object.entries(states).filter(([s]) => !(STATE_ORDER as readonly string[]).includes(s));
  return [...known, ...rest.sort()];
}
