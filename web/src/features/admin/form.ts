// Form model <-> request body, client-side checks and the server's per-field errors.
import type { ApiError, FieldError } from "@/shared/api/errors";
import { fieldWording } from "@/shared/api/fieldWording";
import type { FieldDef, FieldValue } from "./resources";
import { MAX_QUEUE_SKILLS, skillsProblem } from "./skills";

export type { FieldValue };
export type FormModel = Record<string, FieldValue>;
export type Mode = "create" | "edit";

/** An i18n key with its parameters, or a message the server already worded. */
export type FieldProblem = { key: string; params?: Record<string, string | number> } | { text: string };

const PHONE = /^(?:\+7|7|8)\d{10}$|^\+[1-9]\d{6,14}$/;
// The same shapes the server accepts, checked here to answer before a round trip.
const CODE = /^[a-z0-9_-]{1,64}$/;
const LOGIN = /^[A-Za-z0-9._-]{2,64}$/;
const TIME_OF_DAY = /^(?:[01]\d|2[0-3]):[0-5]\d$/;

export function emptyValue(field: FieldDef): FieldValue {
  if (field.initial !== undefined) return Array.isArray(field.initial) ? ([...field.initial] as FieldValue) : field.initial;
  switch (field.kind) {
    case "service":
    case "group":
    case "number":
      return null;
    case "groups":
    case "skills":
      return [];
    case "role":
      return "operator";
    case "icon":
      return "other";
    case "switch":
      return true;
    default:
      return "";
  }
}

export function initialModel(fields: FieldDef[], item: Record<string, unknown> | null): FormModel {
  const model: FormModel = {};
  for (const field of fields) {
    const value = item?.[field.key];
    if (field.kind === "password" || value === undefined) model[field.key] = emptyValue(field);
    // Text inputs hold "" for null; number inputs hold null itself.
    else if (value === null) model[field.key] = field.nullable === true && field.kind !== "number" ? "" : null;
    // Arrays are copied so editing the form never changes the table row.
    else model[field.key] = Array.isArray(value) ? ([...value] as FieldValue) : (value as FieldValue);
  }
  return model;
}

function isBlank(value: FieldValue): boolean {
  return value === null || (typeof value === "string" && value.trim() === "");
}

/** Leaving the password empty while editing keeps the current one. */
function skipped(field: FieldDef, model: FormModel, mode: Mode): boolean {
  return field.kind === "password" && mode === "edit" && isBlank(model[field.key] ?? null);
}

export function validate(fields: FieldDef[], model: FormModel, mode: Mode): Record<string, FieldProblem> {
  const problems: Record<string, FieldProblem> = {};
  for (const field of fields) {
    if (skipped(field, model, mode)) continue;
    const value = model[field.key] ?? null;
    if (isBlank(value)) {
      if (field.required === true) problems[field.key] = { key: "admin.required" };
      continue;
    }
    const problem = typeof value === "string" ? textProblem(field, value) : valueProblem(field, value);
    if (problem !== null) problems[field.key] = problem;
  }
  return problems;
}

function numberProblem(field: FieldDef, value: number): FieldProblem | null {
  if (field.integer === true && !Number.isInteger(value)) return { key: "admin.integer" };
  if (field.min !== undefined && value < field.min) return { key: "admin.atLeast", params: { n: field.min } };
  if (field.above !== undefined && value <= field.above) return { key: "admin.above", params: { n: field.above } };
  if (field.max !== undefined && value > field.max) return { key: "admin.atMost", params: { n: field.max } };
  return null;
}

function valueProblem(field: FieldDef, value: FieldValue): FieldProblem | null {
  if (typeof value === "number") return numberProblem(field, value);
  if (field.kind === "skills" && Array.isArray(value)) return skillsProblem(value, MAX_QUEUE_SKILLS);
  return null;
}

function textProblem(field: FieldDef, value: string): FieldProblem | null {
  const text = field.kind === "password" ? value : value.trim();
  if (field.minLength !== undefined && text.length < field.minLength) {
    return { key: "admin.minLength", params: { n: field.minLength } };
  }
  if (field.maxLength !== undefined && text.length > field.maxLength) {
    return { key: "admin.maxLength", params: { n: field.maxLength } };
  }
  if (field.pattern === "phone" && !PHONE.test(text.replace(/[\s()-]/g, ""))) return { key: "admin.phone" };
  if (field.pattern === "code" && !CODE.test(text)) return { key: "admin.code" };
  if (field.pattern === "login" && !LOGIN.test(text)) return { key: "admin.login" };
  if (field.pattern === "time" && !TIME_OF_DAY.test(text)) return { key: "admin.time" };
  return null;
}

export function toBody(fields: FieldDef[], model: FormModel, mode: Mode): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const field of fields) {
    if (skipped(field, model, mode)) continue;
    const value = model[field.key] ?? null;
    if (typeof value === "string") {
      const text = field.kind === "password" ? value : value.trim();
      body[field.key] = text === "" && field.nullable === true ? null : text;
    } else {
      body[field.key] = value;
    }
  }
  return body;
}

/** Server field errors keyed by the top-level body field they belong to. */
// Refusals the screens word themselves (admin.serverCodes.<code>); other codes show the server's text.
const WORDED_CODES = new Set(["overlap", "empty_shift"]);

function fieldKey(path: string): string | undefined {
  const segments = path.split(".");
  return segments[0] === "body" ? segments[1] : segments[0];
}

/** A server refusal of a field: worded by the admin screens, by the request check's wording, or as sent. */
export function serverProblem(item: FieldError): FieldProblem {
  if (WORDED_CODES.has(item.code)) return { key: `admin.serverCodes.${item.code}` };
  return fieldWording(item) ?? { text: item.message || item.code };
}

/** The server's messages about no one field of the form (a rule over several), to show beside it. */
export function unplacedProblems(error: ApiError, fields: FieldDef[]): string[] {
  const known = new Set(fields.map((f) => f.key));
  return error.fields.filter((item) => !known.has(fieldKey(item.path) ?? "")).map((item) => item.message || item.code);
}

export function serverFieldProblems(error: ApiError, fields: FieldDef[]): Record<string, FieldProblem> {
  const known = new Set(fields.map((f) => f.key));
  const problems: Record<string, FieldProblem> = {};
  for (const item of error.fields) {
    const key = fieldKey(item.path);
    if (key !== undefined && known.has(key) && problems[key] === undefined) {
      problems[key] = serverProblem(item);
    }
  }
  return problems;
}
