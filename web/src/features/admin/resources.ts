// What each admin screen shows and edits. The screens themselves are one generic component.
import type { components } from "@/shared/api/schema";
import type { Collection } from "./api";

export type CaseTypeIcon = components["schemas"]["CaseTypeIcon"];
export const CASE_TYPE_ICONS: readonly CaseTypeIcon[] = [
  "info",
  "vaccine",
  "doctor_home",
  "appointment",
  "psychology",
  "complaint",
  "emergency",
  "other",
];

export type FieldKind =
  | "text"
  | "textarea"
  | "password"
  | "service"
  | "group"
  | "groups"
  | "role"
  | "icon"
  | "switch"
  | "number"
  | "choice"
  | "skills";

export type FieldValue = string | number | boolean | number[] | string[] | null;

export interface FieldDef {
  key: string;
  kind: FieldKind;
  required?: boolean;
  minLength?: number;
  maxLength?: number;
  pattern?: "phone" | "code" | "login" | "time";
  /** An empty text or number is sent as null rather than "" (null: no limit, timer off). */
  nullable?: boolean;
  /** What an empty nullable field means, shown as its placeholder (admin.empty.<nullMeans>). */
  nullMeans?: "unlimited" | "off" | "none" | "configured";
  /** Number bounds as the server checks them; `above` is an exclusive lower bound. */
  min?: number;
  above?: number;
  max?: number;
  integer?: boolean;
  /** The values of a choice, labelled by admin.options.<optionSet>.<value>. */
  options?: readonly string[];
  optionSet?: "strategy" | "empty" | "slFormula";
  /** The value a new record starts with, the server's default. */
  initial?: FieldValue;
  /** A heading (admin.formSections.<section>) shown above this field. */
  section?: "distribution" | "waiting" | "figures" | "policies";
}

export const STRATEGIES = [
  "longest_idle",
  "round_robin",
  "fewest_calls",
  "least_talk_time",
  "random",
  "ring_all",
  "linear",
] as const;
export const EMPTY_RULES = ["never", "no_logged_in", "no_staffed"] as const;
// The service-level formulas a queue may use (domain/acd/kpi.py ServiceLevelFormula).
export const SL_FORMULAS = ["answered_of_offered", "short_abandons_ignored", "abandons_within_t_met", "answered_only"] as const;

// Seconds the server accepts for a wait or a timer: up to a week.
const WEEK = 604800;

export const QUEUE_SETTINGS: readonly FieldDef[] = [
  { key: "strategy", kind: "choice", options: STRATEGIES, optionSet: "strategy", initial: "longest_idle", required: true, section: "distribution" },
  { key: "ring_timeout_s", kind: "number", required: true, min: 3, max: 600, initial: 20 },
  { key: "wrap_up_s", kind: "number", required: true, min: 0, max: 3600, initial: 30 },
  { key: "manual_ready", kind: "switch", initial: false },
  { key: "auto_answer", kind: "switch", initial: false },
  { key: "retry_s", kind: "number", required: true, min: 0, max: 600, initial: 5 },
  { key: "no_answer_limit", kind: "number", required: true, integer: true, min: 1, max: 100, initial: 3 },
  { key: "weight", kind: "number", required: true, integer: true, min: -1000, max: 1000, initial: 0 },
  { key: "escalation_step_s", kind: "number", nullable: true, nullMeans: "off", above: 0, max: WEEK },
  { key: "required_skills", kind: "skills", initial: [] },
  { key: "max_wait_s", kind: "number", nullable: true, nullMeans: "unlimited", above: 0, max: WEEK, section: "waiting" },
  { key: "max_length", kind: "number", nullable: true, nullMeans: "unlimited", integer: true, min: 1, max: 100000 },
  { key: "overflow_destination", kind: "text", nullable: true, nullMeans: "none", maxLength: 200 },
  { key: "join_when_empty", kind: "choice", options: EMPTY_RULES, optionSet: "empty", initial: "never", required: true },
  { key: "leave_when_empty", kind: "choice", options: EMPTY_RULES, optionSet: "empty", initial: "never", required: true },
  { key: "removal_message", kind: "textarea", nullable: true, nullMeans: "none", maxLength: 1000 },
  { key: "callbacks_enabled", kind: "switch", initial: true },
  { key: "sla_wait_s", kind: "number", required: true, above: 0, max: WEEK, initial: 60, section: "figures" },
  { key: "service_level_s", kind: "number", required: true, min: 1, max: 3600, initial: 20 },
  { key: "service_level_formula", kind: "choice", options: SL_FORMULAS, optionSet: "slFormula", initial: "short_abandons_ignored", required: true },
  { key: "service_level_target_pct", kind: "number", required: true, min: 1, max: 100, initial: 80 },
  { key: "short_abandon_s", kind: "number", required: true, min: 0, max: 600, initial: 5 },
  { key: "repeat_call_window_s", kind: "number", required: true, min: 0, max: WEEK, initial: 1800 },
];

// Null turns a group timer off; a new group starts with the server's defaults.
export const GROUP_POLICIES: readonly FieldDef[] = [
  { key: "idle_to_away_s", kind: "number", nullable: true, nullMeans: "off", above: 0, max: WEEK, initial: 600, section: "policies" },
  { key: "away_to_logout_s", kind: "number", nullable: true, nullMeans: "off", above: 0, max: WEEK, initial: 1200 },
  { key: "continuous_work_s", kind: "number", nullable: true, nullMeans: "off", above: 0, max: WEEK, initial: 7200 },
  { key: "long_call_s", kind: "number", nullable: true, nullMeans: "off", above: 0, max: WEEK, initial: 600 },
  // Chats an operator holds at once besides one call (OPS-25): the server's bounds.
  { key: "chat_limit", kind: "number", required: true, integer: true, min: 1, max: 20, initial: 3 },
  { key: "monitoring_shown", kind: "switch", initial: false },
  { key: "operator_camera", kind: "switch", initial: false },
  { key: "record_video", kind: "switch", initial: false },
  { key: "idle_choice_allowed", kind: "switch", initial: false },
  { key: "idle_choice_min_s", kind: "number", required: true, above: 0, max: WEEK, initial: 60 },
  { key: "idle_choice_max_s", kind: "number", required: true, above: 0, max: WEEK, initial: 3600 },
  { key: "early_ready", kind: "switch", initial: true },
  { key: "recording_retention_days", kind: "number", nullable: true, nullMeans: "configured", integer: true, min: 1, max: 36500 },
];

/** Editors opened from a table row besides the record's own form. */
export type RowAction = "members" | "skills" | "scripts";

export interface ResourceDef {
  collection: Collection;
  rowActions?: readonly RowAction[];
  /** Columns shown in the table, by field key; "id" is always first. */
  columns: string[];
  fields: FieldDef[];
  /** The field naming an item in confirmations. */
  labelKey: string;
  /** An explanation shown above the table (admin.hints.<collection>). */
  hint?: boolean;
}

export const RESOURCES: readonly ResourceDef[] = [
  {
    collection: "services",
    columns: ["name", "description"],
    fields: [
      { key: "name", kind: "text", required: true },
      { key: "description", kind: "textarea" },
    ],
    labelKey: "name",
  },
  {
    collection: "groups",
    columns: ["name", "service_id", "description"],
    fields: [
      { key: "service_id", kind: "service", required: true },
      { key: "name", kind: "text", required: true, maxLength: 200 },
      { key: "description", kind: "textarea", maxLength: 4000 },
      ...GROUP_POLICIES,
    ],
    labelKey: "name",
  },
  {
    collection: "queues",
    rowActions: ["members"],
    columns: ["name", "group_id", "strategy"],
    fields: [
      { key: "group_id", kind: "group", required: true },
      { key: "name", kind: "text", required: true, maxLength: 200 },
      ...QUEUE_SETTINGS,
    ],
    labelKey: "name",
  },
  {
    collection: "lines",
    columns: ["number", "name", "service_id", "entry_flow"],
    fields: [
      { key: "number", kind: "text", required: true, pattern: "phone" },
      { key: "name", kind: "text", required: true },
      { key: "service_id", kind: "service", required: true },
      { key: "entry_flow", kind: "text", nullable: true },
    ],
    labelKey: "number",
  },
  {
    collection: "case-types",
    rowActions: ["scripts"],
    columns: ["code", "name", "icon"],
    fields: [
      { key: "code", kind: "text", required: true, pattern: "code" },
      { key: "name", kind: "text", required: true },
      { key: "icon", kind: "icon", required: true },
    ],
    labelKey: "name",
  },
  {
    collection: "users",
    rowActions: ["skills"],
    columns: ["login", "full_name", "role", "enabled", "group_ids"],
    fields: [
      { key: "login", kind: "text", required: true, pattern: "login" },
      { key: "full_name", kind: "text", required: true },
      { key: "role", kind: "role", required: true },
      { key: "enabled", kind: "switch" },
      { key: "group_ids", kind: "groups" },
      { key: "password", kind: "password", required: true, minLength: 8 },
    ],
    labelKey: "login",
  },
  {
    // Local times in the hotline's time zone; an end not after the start runs over midnight.
    collection: "shifts",
    columns: ["name", "starts_at", "ends_at"],
    hint: true,
    fields: [
      { key: "name", kind: "text", required: true, maxLength: 200 },
      { key: "starts_at", kind: "text", required: true, pattern: "time", initial: "08:00" },
      { key: "ends_at", kind: "text", required: true, pattern: "time", initial: "20:00" },
    ],
    labelKey: "name",
  },
];

export function resourceFor(collection: string): ResourceDef | undefined {
  return RESOURCES.find((r) => r.collection === collection);
}
