// The consultation of the call in progress (TEL-17, OPS-20), followed from `call.consultation_changed`:
// the caller waits with music while the operator talks to a colleague or a number, then swaps, joins
// them (transfer or conference) or cancels.
import type { CallConsultationChangedData } from "@/shared/events/protocol";

export type ConsultPhase = CallConsultationChangedData["state"];
export type TalkingTo = NonNullable<CallConsultationChangedData["talking_to"]>;

export interface Consultation {
  call_id: string;
  /** the colleague's user id (as text) or the number, as the server names the consultant */
  consultant: string;
  phase: ConsultPhase;
  /** whom the operator hears while talking: the consultant, or the caller after a swap */
  talking_to: TalkingTo | null;
}

/** The consultation after one event of the call in progress; events of other calls change nothing. */
export function applyConsultation(
  current: Consultation | null,
  callId: string | null,
  data: CallConsultationChangedData,
): Consultation | null {
  if (callId === null || data.call_id !== callId) return current;
  return {
    call_id: data.call_id,
    consultant: data.consultant,
    phase: data.state,
    talking_to: data.state === "talking" ? (data.talking_to ?? "consultant") : null,
  };
}

/** A consultant is on the line or being rung: a second consultation is refused meanwhile. */
export function consulting(c: Consultation | null): boolean {
  return c !== null && (c.phase === "ringing" || c.phase === "talking");
}

/** Swap, transfer and conference need the consultant to have answered. */
export function canJoin(c: Consultation | null): boolean {
  return c !== null && c.phase === "talking";
}

/** The three of them talk: the consultation controls are done, hanging up ends the conference. */
export function inConference(c: Consultation | null): boolean {
  return c !== null && c.phase === "conference";
}
