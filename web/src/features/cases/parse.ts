// Checks a case summary from the event stream before the list uses it: the socket is an outside input.
import { CASE_STATUSES, type CaseStatus, type CaseSummary } from "./model";

const SOURCES = ["mobile_app", "pstn", "web", "sms", "messenger"] as const;

export class CaseParseError extends Error {
  override name = "CaseParseError";
}

type Rec = Record<string, unknown>;

function need<T>(ok: boolean, value: unknown, where: string): T {
  if (!ok) throw new CaseParseError(`${where}: unexpected value`);
  return value as T;
}

export function parseCaseSummary(value: unknown, where = "case"): CaseSummary {
  const r = need<Rec>(typeof value === "object" && value !== null && !Array.isArray(value), value, where);
  const int = (k: string): number => need<number>(Number.isInteger(r[k]), r[k], `${where}.${k}`);
  const optInt = (k: string): number | null =>
    r[k] === null ? null : need<number>(Number.isInteger(r[k]), r[k], `${where}.${k}`);
  const str = (k: string): string => need<string>(typeof r[k] === "string", r[k], `${where}.${k}`);
  const bool = (k: string): boolean => need<boolean>(typeof r[k] === "boolean", r[k], `${where}.${k}`);
  const status = str("status");
  const source = str("source");
  return {
    id: int("id"),
    name: str("name"),
    number: int("number"),
    day: str("day"),
    type_id: int("type_id"),
    type_name: str("type_name"),
    type_icon: str("type_icon"),
    type_changed: bool("type_changed"),
    status: need<CaseStatus>((CASE_STATUSES as readonly string[]).includes(status), status, `${where}.status`),
    status_label: str("status_label"),
    attention: bool("attention"),
    // Older servers do not send it: their cards are never missed.
    missed: r.missed === undefined ? false : bool("missed"),
    source: need<CaseSummary["source"]>((SOURCES as readonly string[]).includes(source), source, `${where}.source`),
    applicant_id: optInt("applicant_id"),
    applicant_name: str("applicant_name"),
    applicant_phone: str("applicant_phone"),
    operator_id: optInt("operator_id"),
    group_id: optInt("group_id"),
    created_at: str("created_at"),
    updated_at: str("updated_at"),
    version: int("version"),
  };
}
