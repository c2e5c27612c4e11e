import { describe, expect, it } from "vitest";
import { createI18n } from "vue-i18n";
import { toApiError } from "@/shared/api/errors";
import { fieldWording } from "@/shared/api/fieldWording";
import { en } from "@/shared/i18n/en";
import { ru } from "@/shared/i18n/ru";

const i18n = createI18n({ legacy: false, locale: "ru", messages: { ru, en } });

function worded(locale: "ru" | "en", body: unknown): string[] {
  const error = toApiError(new Response(null, { status: 422 }), body);
  return error.fields.map((field) => {
    const wording = fieldWording(field);
    return wording ? i18n.global.t(wording.key, wording.params, { locale }) : field.message;
  });
}

describe("request-check refusals in the UI's language", () => {
  const body = {
    code: "validation_error",
    message: "String should have at least 1 character",
    fields: [
      { path: "name", code: "string_too_short", message: "String should have at least 1 character", params: { min_length: 1 } },
      { path: "code", code: "string_too_short", message: "String should have at least 3 characters", params: { min_length: 3 } },
      { path: "ring_timeout_s", code: "greater_than_equal", message: "Input should be greater than or equal to 5", params: { ge: 5 } },
      { path: "wrap_up_s", code: "int_parsing", message: "Input should be a valid integer" },
      { path: "name", code: "required", message: "укажите название списка" },
      { path: "x", code: "weird", message: "kept as sent", params: { error: { nested: true }, n: 2 } },
    ],
  };

  it("words the checker's refusals with their limits, keeps the services' own words", () => {
    expect(worded("ru", body)).toEqual([
      "Заполните поле",
      "Не короче 3 симв.",
      "Не меньше 5",
      "Нужно целое число",
      "укажите название списка",
      "kept as sent",
    ]);
    expect(worded("en", body).slice(0, 3)).toEqual(["Fill in this field", "At least 3 characters", "At least 5"]);
  });

  it("keeps only plain values of the limits", () => {
    const error = toApiError(new Response(null, { status: 422 }), body);
    expect(error.fields[5]?.params).toEqual({ n: 2 });
  });
});
