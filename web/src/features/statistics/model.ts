// How the statistics screen writes its figures: durations as ч:мм:сс, shares as whole percent.

export { duration } from "@/shared/ui/duration";

export function percent(share: number | null | undefined): string {
  if (share === null || share === undefined) return "—";
  return `${Math.round(share * 100)} %`;
}

/** The states in the order of the operator's status menu; others (if any) after them. */
export const STATE_ORDER = ["ready", "offered", "on_call", "wrap_up", "on_break", "away", "blocked"] as const;

export function orderedStates(states: Record<string, number>): [string, number][] {
  const known = STATE_ORDER.filter((s) => s in states).map((s): [string, number] => [s, states[s] ?? 0]);
  const rest = Object.entries(states).filter(([s]) => !(STATE_ORDER as readonly string[]).includes(s));
  return [...known, ...rest.sort()];
}
