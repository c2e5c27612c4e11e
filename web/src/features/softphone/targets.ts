// The dialogs' choice of whom to transfer to, consult or call (TEL-03, TEL-12, TEL-17, TEL-18): a
// queue, a colleague, a group, a service or a typed number, checked before it is sent and turned into
// the request body.
import type { ApiError } from "@/shared/api/errors";
import type { CallTarget, TransferTarget } from "@/features/softphone/api";
import type { Invitation } from "@/features/softphone/conference";

export type TargetKind = "queue" | "colleague" | "group" | "service" | "contact" | "number";

export interface TargetChoice {
  kind: TargetKind;
  queueId: number | null;
  userId: number | null;
  groupId: number | null;
  serviceId: number | null;
  number: string;
}

export const emptyChoice = (kind: TargetKind): TargetChoice => ({
  kind,
  queueId: null,
  userId: null,
  groupId: null,
  serviceId: null,
  number: "",
});

/** i18n keys under `calls.problem.*`, by field. */
export type TargetProblem =
  | "queueRequired"
  | "colleagueRequired"
  | "colleagueBusy"
  | "groupRequired"
  | "serviceRequired"
  | "noFreeOperator"
  | "contactRequired"
  | "numberRequired"
  | "numberShape";

// What people type for a phone number: digits with spaces, dashes, brackets and a leading +. The
// server normalises it to E.164 and says whether a trunk serves it.
const NUMBER_SHAPE = /^\+?[\d\s()-]+$/;
const MAX_NUMBER_LENGTH = 32;

export function numberProblem(text: string): TargetProblem | null {
  const trimmed = text.trim();
  if (trimmed === "") return "numberRequired";
  const digits = trimmed.replace(/\D/g, "").length;
  if (!NUMBER_SHAPE.test(trimmed) || trimmed.length > MAX_NUMBER_LENGTH || digits < 2 || digits > 15) {
    return "numberShape";
  }
  return null;
}

export function choiceProblem(choice: TargetChoice): TargetProblem | null {
  switch (choice.kind) {
    case "queue":
      return choice.queueId === null ? "queueRequired" : null;
    case "colleague":
      return choice.userId === null ? "colleagueRequired" : null;
    case "group":
      return choice.groupId === null ? "groupRequired" : null;
    case "service":
      return choice.serviceId === null ? "serviceRequired" : null;
    case "contact":
      return choice.number === "" ? "contactRequired" : null;
    case "number":
      return numberProblem(choice.number);
  }
}

/** A group or a service, for any of the three dialogs (TEL-17, TEL-18). */
function groupOrService(choice: TargetChoice): { group_id: number } | { service_id: number } | null {
  if (choice.kind === "group" && choice.groupId !== null) return { group_id: choice.groupId };
  if (choice.kind === "service" && choice.serviceId !== null) return { service_id: choice.serviceId };
  return null;
}

export function transferBody(choice: TargetChoice): TransferTarget {
  if (choice.kind === "queue" && choice.queueId !== null) return { queue_id: choice.queueId };
  if (choice.kind === "colleague" && choice.userId !== null) return { user_id: choice.userId };
  const unit = groupOrService(choice);
  if (unit !== null) return unit;
  if (choice.kind === "number") return { number: choice.number.trim() };
  throw new Error(`no transfer to a ${choice.kind}`);
}

export function callBody(choice: TargetChoice): CallTarget {
  if (choice.kind === "colleague" && choice.userId !== null) return { user_id: choice.userId };
  const unit = groupOrService(choice);
  if (unit !== null) return unit;
  if (choice.kind === "number" || choice.kind === "contact") return { number: choice.number.trim() };
  throw new Error(`no call to a ${choice.kind}`);
}

/** An invitation into the conference (TEL-21): a colleague, a group, a phone-book entry's or a typed number. */
export function inviteBody(choice: TargetChoice): Invitation {
  if (choice.kind === "colleague" && choice.userId !== null) return { user_id: choice.userId };
  if (choice.kind === "group" && choice.groupId !== null) return { group_id: choice.groupId };
  if (choice.kind === "number" || choice.kind === "contact") return { number: choice.number.trim() };
  throw new Error(`no invitation of a ${choice.kind}`);
}

/**
 * The server's refusal split for the dialog: a problem with the typed number or the chosen queue or
 * colleague shows under that field (422 `fields`), anything else (404, 409, a 422 about the body) above
 * the buttons.
 */
export function refusal(error: ApiError): { field: string | null; message: string } {
  const text = (m: string) => m || error.message || error.code;
  for (const f of error.fields) {
    if (["number", "queue_id", "user_id", "group_id", "service_id"].includes(f.path)) {
      return { field: f.path, message: text(f.message) };
    }
  }
  return { field: null, message: text(error.message) };
}

/** A refusal that is about the chosen colleague and is said in the operator's language. */
export function refusalProblem(error: ApiError): TargetProblem | null {
  if (error.code === "no_free_operator") return "noFreeOperator";
  return error.code === "colleague_busy" ? "colleagueBusy" : null;
}
