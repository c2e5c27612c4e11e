// A field refusal of the server's request check (wrong type, too short, out of range…) worded in the
// UI's language: the server's own text for these is generic English. Refusals of the services' rules
// come worded already and keep their text.
import { useI18n } from "vue-i18n";
import type { FieldError } from "./errors";

/** The checks worded here, each with the limits its wording names. */
const WORDED_CHECKS = new Map<string, string[]>([
  ["missing", []],
  ["string_too_short", ["min_length"]],
  ["string_too_long", ["max_length"]],
  ["too_short", ["min_length"]],
  ["too_long", ["max_length"]],
  ["greater_than", ["gt"]],
  ["greater_than_equal", ["ge"]],
  ["less_than", ["lt"]],
  ["less_than_equal", ["le"]],
  ...[
    "int_parsing",
    "int_type",
    "int_from_float",
    "float_parsing",
    "float_type",
    "bool_parsing",
    "bool_type",
    "string_type",
    "string_pattern_mismatch",
    "enum",
    "literal_error",
    "extra_forbidden",
    "datetime_parsing",
    "datetime_type",
    "datetime_from_date_parsing",
    "date_parsing",
    "date_type",
    "date_from_datetime_parsing",
    "time_parsing",
    "time_type",
    "null_not_allowed",
    "one_target",
    "idle_bounds",
  ].map((code): [string, string[]] => [code, []]),
]);

export interface FieldWording {
  key: string;
  params: Record<string, string | number>;
}

/** The i18n key and values for a request-check refusal, or null for a refusal worded by the server. */
export function fieldWording(field: FieldError): FieldWording | null {
  const params = field.params ?? {};
  if (field.code === "string_too_short" && params.min_length === 1) return { key: "validation.required", params };
  const needs = WORDED_CHECKS.get(field.code);
  if (needs === undefined || !needs.every((name) => name in params)) return null;
  return { key: `validation.${field.code}`, params };
}

export function useFieldText(): (field: FieldError) => string {
  const { t } = useI18n();
  return (field) => {
    const wording = fieldWording(field);
    return wording ? t(wording.key, wording.params) : field.message || field.code;
  };
}
