// The «Политики и пороги» screen: the operator policies of a group and the thresholds of a queue, in
// sections, over the same field definitions (and so the same bounds) as the groups' and queues' forms.
// Break allowances are edited in minutes per reason and sent as the group's `break_allowance` map.
import type { FormModel } from "./form";
import { GROUP_POLICIES, QUEUE_SETTINGS, type FieldDef } from "./resources";

export interface PolicySection {
  /** admin.policies.sections.<key> */
  key: string;
  fields: FieldDef[];
}

/** The break reasons a group sets an allowance for, with the server's defaults in minutes. */
export const BREAK_REASONS = ["break", "lunch", "training"] as const;
export type BreakReason = (typeof BREAK_REASONS)[number];
const DEFAULT_BREAK_MIN: Record<BreakReason, number> = { break: 15, lunch: 30, training: 60 };
const BREAK_PREFIX = "break_min_";

function pick(from: readonly FieldDef[], keys: string[]): FieldDef[] {
  return keys.map((key) => {
    const found = from.find((f) => f.key === key);
    if (found === undefined) throw new Error(`no field ${key}`);
    // The screen draws its own headings.
    return { ...found, section: undefined };
  });
}

const breakFields: FieldDef[] = BREAK_REASONS.map((reason) => ({
  key: `${BREAK_PREFIX}${reason}`,
  kind: "number",
  nullable: true,
  nullMeans: "unlimited",
  above: 0,
  max: 10080, // a week, in minutes
}));

export const GROUP_SECTIONS: readonly PolicySection[] = [
  { key: "breaks", fields: [...breakFields, ...pick(GROUP_POLICIES, ["continuous_work_s"])] },
  { key: "wrapUp", fields: pick(GROUP_POLICIES, ["early_ready"]) },
  {
    key: "idle",
    fields: pick(GROUP_POLICIES, ["idle_to_away_s", "away_to_logout_s", "idle_choice_allowed", "idle_choice_min_s", "idle_choice_max_s"]),
  },
  { key: "supervision", fields: pick(GROUP_POLICIES, ["monitoring_shown", "long_call_s"]) },
  { key: "recordings", fields: pick(GROUP_POLICIES, ["recording_retention_days"]) },
  { key: "video", fields: pick(GROUP_POLICIES, ["operator_camera", "record_video"]) },
];

export const QUEUE_SECTIONS: readonly PolicySection[] = [
  { key: "ringing", fields: pick(QUEUE_SETTINGS, ["ring_timeout_s", "retry_s", "no_answer_limit"]) },
  { key: "wrapUp", fields: pick(QUEUE_SETTINGS, ["wrap_up_s", "manual_ready"]) },
  { key: "waiting", fields: pick(QUEUE_SETTINGS, ["sla_wait_s", "service_level_s", "service_level_target_pct", "max_wait_s"]) },
];

export function sectionFields(sections: readonly PolicySection[]): FieldDef[] {
  return sections.flatMap((s) => s.fields);
}

export function isBreakField(key: string): boolean {
  return key.startsWith(BREAK_PREFIX);
}

/** The reason code a break allowance field stands for. */
export function breakReasonOf(key: string): string {
  return key.slice(BREAK_PREFIX.length);
}

/** The break allowances of a group as the form's minute fields; null (the server's defaults) shows them. */
export function breakModel(allowance: Record<string, number> | null | undefined): FormModel {
  const model: FormModel = {};
  for (const reason of BREAK_REASONS) {
    const seconds = allowance === null || allowance === undefined ? DEFAULT_BREAK_MIN[reason] * 60 : allowance[reason];
    model[`${BREAK_PREFIX}${reason}`] = seconds === undefined ? null : Math.round((seconds / 60) * 100) / 100;
  }
  return model;
}

/** The minute fields as the group's `break_allowance`: reasons left empty have no limit; reasons the
 * screen does not show (set through the API) are kept. */
export function breakAllowance(model: FormModel, current: Record<string, number> | null | undefined): Record<string, number> {
  const known = new Set<string>(BREAK_REASONS);
  const kept = Object.fromEntries(Object.entries(current ?? {}).filter(([reason]) => !known.has(reason)));
  for (const reason of BREAK_REASONS) {
    const minutes = model[`${BREAK_PREFIX}${reason}`];
    if (typeof minutes === "number") kept[reason] = minutes * 60;
  }
  return kept;
}

/** Only what the administrator changed, so one screen's save never overwrites another's edit. */
export function changedValues(body: Record<string, unknown>, item: Record<string, unknown>): Record<string, unknown> {
  const changed: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    if (JSON.stringify(value) !== JSON.stringify(item[key] ?? null)) changed[key] = value;
  }
  return changed;
}
