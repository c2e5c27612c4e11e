// «Помощь старшего»: the requests a desktop knows of and what each side shows. Pure functions of
// the list, so the store and the tests share them.
import type { HelpRequest } from "@/shared/events/protocol";

export type { HelpRequest };
export type HelpMode = NonNullable<HelpRequest["mode"]>;

/** How long the other seniors still see a taken request, naming who took it, before it closes. */
export const TAKEN_NOTICE_MS = 6000;

export function isActive(request: HelpRequest): boolean {
  return request.status === "open" || request.status === "taken";
}

/** The list with this request's latest state; a closed request leaves it. */
export function withRequest(list: readonly HelpRequest[], next: HelpRequest): HelpRequest[] {
  const others = list.filter((r) => r.id !== next.id);
  return isActive(next) ? [...others, next] : others;
}

/** The operator's own request on the call they are on, if any (open or taken). */
export function ownRequest(list: readonly HelpRequest[], userId: number, callId: string | null): HelpRequest | null {
  if (callId === null) return null;
  return list.find((r) => r.operator_id === userId && r.call_id === callId && isActive(r)) ?? null;
}

/**
 * A senior's alerts: open requests of colleagues, and requests another senior took (shown a moment,
 * naming who). A request this senior took themselves needs no alert: they are on the call.
 */
export function alertsFor(list: readonly HelpRequest[], userId: number, hidden: ReadonlySet<number>): HelpRequest[] {
  return list.filter(
    (r) => r.operator_id !== userId && !hidden.has(r.id) && (r.status === "open" || (r.status === "taken" && r.taken_by !== userId)),
  );
}

/** Seconds since the operator asked, on the server's clock (`nowMs`). */
export function waitedSeconds(request: HelpRequest, nowMs: number): number {
  return Math.max(0, (nowMs - Date.parse(request.raised_at)) / 1000);
}
