// The queue members editor's model: an ordered list of operators with their tier level.
// The list order is the members' position, so reordering is moving rows.
import type { ApiError } from "@/shared/api/errors";
import type { FieldProblem } from "./form";
import type { QueueMember, QueueMembersBody } from "./api";

export interface MemberRow {
  user_id: number | null;
  level: number | null;
}

export type MemberField = "user_id" | "level";
export type MemberProblems = Record<number, Partial<Record<MemberField, FieldProblem>>>;

export const MIN_LEVEL = 1;
export const MAX_LEVEL = 9;

/** Rows in the order the ACD uses: tier level, then position. */
export function rowsFromMembers(members: readonly QueueMember[]): MemberRow[] {
  return [...members]
    .sort((a, b) => a.level - b.level || a.position - b.position || a.user_id - b.user_id)
    .map((m) => ({ user_id: m.user_id, level: m.level }));
}

/** Positions follow the list order from 0. */
export function membersBody(rows: readonly MemberRow[]): QueueMembersBody {
  return {
    members: rows.map((row, position) => ({ user_id: row.user_id ?? 0, level: row.level ?? MIN_LEVEL, position })),
  };
}

function set(problems: MemberProblems, index: number, field: MemberField, problem: FieldProblem): void {
  const row = problems[index] ?? {};
  if (row[field] === undefined) row[field] = problem;
  problems[index] = row;
}

export function validateMembers(rows: readonly MemberRow[]): MemberProblems {
  const problems: MemberProblems = {};
  const seen = new Set<number>();
  rows.forEach((row, index) => {
    if (row.user_id === null) set(problems, index, "user_id", { key: "admin.required" });
    else if (seen.has(row.user_id)) set(problems, index, "user_id", { key: "admin.members.duplicate" });
    else seen.add(row.user_id);
    if (row.level === null) set(problems, index, "level", { key: "admin.required" });
    else if (!Number.isInteger(row.level)) set(problems, index, "level", { key: "admin.integer" });
    else if (row.level < MIN_LEVEL || row.level > MAX_LEVEL) {
      set(problems, index, "level", { key: "admin.members.levelRange", params: { min: MIN_LEVEL, max: MAX_LEVEL } });
    }
  });
  return problems;
}

/** Server problems such as `members.2.user_id` on row 2's operator. */
export function serverMemberProblems(error: ApiError): MemberProblems {
  const problems: MemberProblems = {};
  for (const item of error.fields) {
    const segments = item.path.split(".");
    const [list, index, field] = segments[0] === "body" ? segments.slice(1) : segments;
    const row = Number(index);
    if (list !== "members" || !Number.isInteger(row) || row < 0) continue;
    // A problem with the position (or the row as a whole) is shown on the operator.
    const target: MemberField = field === "level" ? "level" : "user_id";
    set(problems, row, target, { text: item.message || item.code });
  }
  return problems;
}

export function hasProblems(problems: MemberProblems): boolean {
  return Object.keys(problems).length > 0;
}
