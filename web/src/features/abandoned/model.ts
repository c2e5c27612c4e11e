// The abandoned-calls list (TEL-06): callers who hung up while waiting, and what taking one did.
import type { components } from "@/shared/api/schema";

export type AbandonedCall = components["schemas"]["AbandonedCallOut"];
export type TakeState = components["schemas"]["TakenOut"]["state"];

/** Whether the reader may call this applicant back now: open, ringing for nobody else, or theirs. */
export function mayTake(row: AbandonedCall, myId: number | null): boolean {
  return row.taken_by === null || row.taken_by === myId;
}

/** "1:10" for 70 seconds of waiting. */
export function waited(seconds: number): string {
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
}
