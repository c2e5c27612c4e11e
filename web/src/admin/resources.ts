// What each admin screen shows and edits. The screens themselves are one generic component.
import type { components } from "@/api/schema";
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
  | "switch";

export interface FieldDef {
  key: string;
  kind: FieldKind;
  required?: boolean;
  minLength?: number;
  pattern?: "phone" | "code" | "login";
  /** An empty text is sent as null rather than "". */
  nullable?: boolean;
}

export interface ResourceDef {
  collection: Collection;
  /** Columns shown in the table, by field key; "id" is always first. */
  columns: string[];
  fields: FieldDef[];
  /** The field naming an item in confirmations. */
  labelKey: string;
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
      { key: "name", kind: "text", required: true },
      { key: "description", kind: "textarea" },
    ],
    labelKey: "name",
  },
  {
    collection: "queues",
    columns: ["name", "group_id"],
    fields: [
      { key: "group_id", kind: "group", required: true },
      { key: "name", kind: "text", required: true },
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
];

export function resourceFor(collection: string): ResourceDef | undefined {
  return RESOURCES.find((r) => r.collection === collection);
}
