// The phone book's model (seed 4.3.6, fig. 44–48): speed-dial contacts, colleagues, and the call
// history rows as the operator's own slice of the call journal.
import type { components } from "@/shared/api/schema";
import type { CallRow } from "@/features/journal/model";

export type Contact = components["schemas"]["ContactOut"];
export type ContactInput = components["schemas"]["ContactIn"];
export type Colleague = components["schemas"]["ColleagueOut"];
export type ColleagueGroup = components["schemas"]["ColleagueGroupOut"];
export type ImportReport = components["schemas"]["ImportReportOut"];

export const TABS = ["contacts", "colleagues", "history"] as const;
export type Tab = (typeof TABS)[number];

/** The history's kinds (seed fig. 46): incoming, outgoing and missed calls. */
export type HistoryKind = "incoming" | "outgoing" | "missed" | "internal";

export function historyKind(row: CallRow): HistoryKind {
  if (row.status === "missed" || (row.direction === "inbound" && row.status === "failed")) return "missed";
  if (row.direction === "outbound") return "outgoing";
  if (row.direction === "internal") return "internal";
  return "incoming";
}

/** The other party's number: whom to call back or add to the phone book. */
export function otherParty(row: CallRow): string {
  return row.direction === "outbound" ? row.called : row.caller;
}

/** Whether a number can be dialled back as it is (a public or a short service number, not an account). */
export function dialable(number: string): boolean {
  return /^\+?\d{2,15}$/.test(number);
}

/** The most recent distinct dialable numbers of the history, newest first (the dial dialog's redial). */
export function recentNumbers(rows: readonly CallRow[], limit = 5): string[] {
  const seen: string[] = [];
  for (const row of rows) {
    const number = otherParty(row);
    if (dialable(number) && !seen.includes(number)) seen.push(number);
    if (seen.length === limit) break;
  }
  return seen;
}

export function contactFor(number: string, contacts: readonly Contact[]): Contact | undefined {
  return contacts.find((c) => c.number === number);
}
