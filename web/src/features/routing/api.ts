// The routing rules screen's calls and the rule form's plain values: rules per line in order, the
// number lists they name, the production calendar (upload and the year's days) and the rule tester.
import { api, unwrap } from "@/shared/api/client";
import type { components } from "@/shared/api/schema";

export type RuleItem = components["schemas"]["RuleOut"];
export type RuleBody = components["schemas"]["RuleIn"];
export type ActionKind = RuleItem["action"]["kind"];
export type DayKind = RuleItem["conditions"]["day_kinds"][number];
export type NumberListItem = components["schemas"]["NumberListOut"];
export type ListKind = NumberListItem["kind"];
export type CalendarItem = components["schemas"]["CalendarOut"];
export type TestResult = components["schemas"]["RuleTestOut"];

export const ACTIONS: ActionKind[] = ["queue", "priority", "flow", "refuse"];
export const DAY_KINDS: DayKind[] = ["working", "non_working", "holiday", "shortened"];
export const LIST_KINDS: ListKind[] = ["vip", "blocked", "repeat", "other"];
export const WEEKDAYS = [1, 2, 3, 4, 5, 6, 7] as const;

export interface RuleForm {
  name: string;
  enabled: boolean;
  patterns: string;
  lists: number[];
  repeatOn: boolean;
  repeatCount: number;
  repeatHours: number;
  weekdays: number[];
  hoursOn: boolean;
  hoursStart: string;
  hoursEnd: string;
  dayKinds: DayKind[];
  ivrChoice: string;
  action: ActionKind;
  queueId: number | null;
  priority: number | null;
  flow: string | null;
  prompt: string;
}

export function emptyRule(): RuleForm {
  return {
    name: "",
    enabled: true,
    patterns: "",
    lists: [],
    repeatOn: false,
    repeatCount: 3,
    repeatHours: 24,
    weekdays: [],
    hoursOn: false,
    hoursStart: "09:00",
    hoursEnd: "18:00",
    dayKinds: [],
    ivrChoice: "",
    action: "queue",
    queueId: null,
    priority: null,
    flow: null,
    prompt: "",
  };
}

/** «09:00:00» from the server as the form's «09:00». */
function hhmm(value: string): string {
  return value.slice(0, 5);
}

export function ruleForm(rule: RuleItem): RuleForm {
  const c = rule.conditions;
  const a = rule.action;
  return {
    name: rule.name,
    enabled: rule.enabled,
    patterns: (c.patterns ?? []).join(", "),
    lists: [...(c.lists ?? [])],
    repeatOn: c.repeat != null,
    repeatCount: c.repeat?.count ?? 3,
    repeatHours: c.repeat?.within_hours ?? 24,
    weekdays: [...(c.weekdays ?? [])],
    hoursOn: c.hours != null,
    hoursStart: c.hours ? hhmm(c.hours.start) : "09:00",
    hoursEnd: c.hours ? hhmm(c.hours.end) : "18:00",
    dayKinds: [...(c.day_kinds ?? [])],
    ivrChoice: c.ivr_choice ?? "",
    action: a.kind,
    queueId: a.queue_id ?? null,
    priority: a.priority ?? null,
    flow: a.flow ?? null,
    prompt: a.prompt ?? "",
  };
}

/** Patterns typed as «+7916*, 8495XXXXXXX» or one per line. */
export function splitList(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((p) => p.trim())
    .filter((p) => p !== "");
}

export function ruleBody(lineId: number, form: RuleForm): RuleBody {
  const usesQueue = form.action === "queue";
  return {
    line_id: lineId,
    name: form.name.trim(),
    enabled: form.enabled,
    conditions: {
      patterns: splitList(form.patterns),
      lists: form.lists,
      repeat: form.repeatOn ? { count: form.repeatCount, within_hours: form.repeatHours } : null,
      weekdays: form.weekdays,
      hours: form.hoursOn ? { start: form.hoursStart, end: form.hoursEnd } : null,
      day_kinds: form.dayKinds,
      ivr_choice: form.ivrChoice.trim() || null,
    },
    action: {
      kind: form.action,
      queue_id: usesQueue ? form.queueId : null,
      priority: usesQueue || form.action === "priority" ? form.priority : null,
      flow: form.action === "flow" ? form.flow : null,
      prompt: form.action === "refuse" ? form.prompt.trim() || null : null,
    },
  };
}

export async function listRules(lineId: number): Promise<RuleItem[]> {
  return unwrap(api.GET("/api/v1/admin/routing/rules", { params: { query: { line_id: lineId } } }));
}

export async function createRule(body: RuleBody): Promise<RuleItem> {
  return unwrap(api.POST("/api/v1/admin/routing/rules", { body }));
}

export async function updateRule(id: number, body: RuleBody): Promise<RuleItem> {
  return unwrap(api.PUT("/api/v1/admin/routing/rules/{rule_id}", { params: { path: { rule_id: id } }, body }));
}

export async function deleteRule(id: number): Promise<void> {
  await unwrap(api.DELETE("/api/v1/admin/routing/rules/{rule_id}", { params: { path: { rule_id: id } } }));
}

export async function orderRules(lineId: number, ruleIds: number[]): Promise<RuleItem[]> {
  return unwrap(
    api.PUT("/api/v1/admin/routing/lines/{line_id}/order", {
      params: { path: { line_id: lineId } },
      body: { rule_ids: ruleIds },
    }),
  );
}

/** The list of ids with the one at `index` moved one place up (-1) or down (+1). */
export function moved(ids: number[], index: number, step: -1 | 1): number[] {
  const target = index + step;
  if (target < 0 || target >= ids.length) return ids;
  const next = [...ids];
  [next[index], next[target]] = [next[target] as number, next[index] as number];
  return next;
}

export async function listNumberLists(): Promise<NumberListItem[]> {
  return unwrap(api.GET("/api/v1/admin/routing/lists"));
}

export async function saveNumberList(
  id: number | null,
  body: { name: string; kind: ListKind; numbers: string[] },
): Promise<NumberListItem> {
  if (id === null) return unwrap(api.POST("/api/v1/admin/routing/lists", { body }));
  return unwrap(api.PUT("/api/v1/admin/routing/lists/{list_id}", { params: { path: { list_id: id } }, body }));
}

export async function deleteNumberList(id: number): Promise<void> {
  await unwrap(api.DELETE("/api/v1/admin/routing/lists/{list_id}", { params: { path: { list_id: id } } }));
}

export async function getCalendar(year: number): Promise<CalendarItem> {
  return unwrap(api.GET("/api/v1/admin/routing/calendar", { params: { query: { year } } }));
}

export async function importCalendar(file: Blob, filename: string): Promise<{ years: number[]; days: number }> {
  const form = new FormData();
  form.append("file", file, filename);
  return unwrap(
    api.POST("/api/v1/admin/routing/calendar", { body: { file: filename }, bodySerializer: () => form }),
  );
}

export async function testRules(body: {
  line_id: number;
  caller: string;
  at: string;
  ivr_choice: string | null;
}): Promise<TestResult> {
  return unwrap(api.POST("/api/v1/admin/routing/test", { body }));
}
