// Case cards on the desktop: the shapes from the server's OpenAPI document, and the pure rules the
// card list applies to live events (the same filter as the server's query, docs/events/cases.md).
import type { components } from "@/shared/api/schema";

type Schemas = components["schemas"];

export type CaseSummary = Schemas["CaseSummaryOut"];
export type CaseCard = Schemas["CaseCardOut"];
export type CaseStatus = CaseSummary["status"];
export type Applicant = Schemas["ApplicantOut"];
export type ApplicantView = Schemas["ApplicantViewOut"];
export type Script = Schemas["ScriptOut"];
export type ScriptQuestion = Script["questions"][number];
export type FieldClash = Schemas["FieldClashOut"];

export type TimeFilter = "all" | "last_24h";
export type StatusFilter = "any" | "active" | "inactive";

export interface ListFilter {
  time: TimeFilter;
  status: StatusFilter;
  typeId: number | null;
  q: string;
}

export const CASE_STATUSES: readonly CaseStatus[] = [
  "new",
  "in_work",
  "registered",
  "rejected",
  "completed",
  "closed_by_user",
];
const ACTIVE: ReadonlySet<CaseStatus> = new Set<CaseStatus>(["new", "in_work"]);
const INACTIVE: ReadonlySet<CaseStatus> = new Set<CaseStatus>(["completed", "rejected", "closed_by_user"]);
const DAY_MS = 24 * 3600 * 1000;

/** The allowed next statuses (TRANSITIONS in the domain): nothing goes back to "new". */
export function nextStatuses(current: CaseStatus): CaseStatus[] {
  if (current === "new") return ["in_work", "registered", "rejected", "completed", "closed_by_user"];
  if (current === "in_work") return ["registered", "rejected", "completed", "closed_by_user"];
  if (current === "registered") return ["in_work", "rejected", "completed", "closed_by_user"];
  return ["in_work"];
}

/** Whether a card belongs in a list with this filter; `q` lists are re-run on the server instead. */
export function matches(card: CaseSummary, filter: ListFilter, now: number): boolean {
  if (filter.time === "last_24h" && Date.parse(card.created_at) < now - DAY_MS) return false;
  if (filter.typeId !== null && card.type_id !== filter.typeId) return false;
  if (filter.status === "active") return ACTIVE.has(card.status);
  if (filter.status === "inactive") return INACTIVE.has(card.status);
  return true;
}

function newestFirst(a: CaseSummary, b: CaseSummary): number {
  return Date.parse(b.created_at) - Date.parse(a.created_at) || b.id - a.id;
}

export interface ListState {
  items: CaseSummary[];
  total: number;
}

/**
 * Applies one `case.created` / `case.updated` summary: insert or replace (never with an older
 * version), or drop when it no longer matches. Applying the same summary twice changes nothing.
 */
export function applyCase(state: ListState, card: CaseSummary, filter: ListFilter, now: number): ListState {
  const index = state.items.findIndex((item) => item.id === card.id);
  const held = index >= 0 ? state.items[index] : undefined;
  if (held !== undefined && held.version > card.version) return state;
  const others = state.items.filter((item) => item.id !== card.id);
  if (!matches(card, filter, now)) {
    return held === undefined ? state : { items: others, total: Math.max(0, state.total - 1) };
  }
  const items = [...others, card].sort(newestFirst);
  return { items, total: held === undefined ? state.total + 1 : state.total };
}

/** "My cards in work" (OPS-12): the switcher lists the cards this operator took into work. */
export function myCardsInWork(items: readonly CaseSummary[], userId: number): CaseSummary[] {
  return items.filter((item) => item.status === "in_work" && item.operator_id === userId);
}

/** The list row's title: the `*` mark follows a name whose type was changed (or is being changed). */
export function displayName(card: CaseSummary, typePending = false): string {
  return card.type_changed || typePending ? `${card.name} *` : card.name;
}

/** The cards-in-work switcher's entries (fig. 20–21): the open card among them is marked. */
export function inWorkEntries(items: readonly CaseSummary[], userId: number, openId: number | null) {
  return myCardsInWork(items, userId).map((item) => ({ id: item.id, name: item.name, open: item.id === openId }));
}

/** A live duration as the call panel shows it: mm:ss, or h:mm:ss past an hour. */
export function clockText(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const two = (n: number) => String(n).padStart(2, "0");
  const hours = Math.floor(s / 3600);
  const rest = `${two(Math.floor((s % 3600) / 60))}:${two(s % 60)}`;
  return hours > 0 ? `${hours}:${rest}` : rest;
}

/** Where "next" leads in a questionnaire: the branch for the answer, else the following question. */
export function nextQuestion(script: Script, questionId: string, answer: unknown): ScriptQuestion | null {
  const position = script.questions.findIndex((q) => q.id === questionId);
  if (position < 0) return null;
  const question = script.questions[position];
  if (question === undefined) return null;
  if (answer !== undefined && answer !== null && answer !== "") {
    const key = question.kind === "yes_no" ? yesNo(answer) : String(answer);
    const branch = question.branches?.find((b) => b.when === key);
    if (branch !== undefined) return script.questions.find((q) => q.id === branch.goto) ?? null;
  }
  return script.questions[position + 1] ?? null;
}

const YES = new Set(["yes", "да", "true"]);
const NO = new Set(["no", "нет", "false"]);

function yesNo(answer: unknown): string {
  const text = String(answer).trim().toLowerCase();
  if (answer === true || YES.has(text)) return "yes";
  if (answer === false || NO.has(text)) return "no";
  return text;
}

/** The field errors of a refusal, keyed by path, for the form items. */
export function fieldMessages(fields: readonly { path: string; message: string }[], prefix = ""): Record<string, string> {
  const out: Record<string, string> = {};
  for (const field of fields) {
    if (field.path.startsWith(prefix)) out[field.path.slice(prefix.length)] = field.message;
  }
  return out;
}
