import { describe, expect, it } from "vitest";
import { initialModel, serverFieldProblems, toBody, validate } from "@/admin/form";
import { resourceFor, RESOURCES } from "@/admin/resources";
import { ApiError } from "@/api/errors";

function fields(collection: string) {
  const def = resourceFor(collection);
  if (def === undefined) throw new Error(collection);
  return def.fields;
}

describe("admin forms", () => {
  it("covers the six organisation collections", () => {
    expect(RESOURCES.map((r) => r.collection)).toEqual(["services", "groups", "queues", "lines", "case-types", "users"]);
  });

  it("a new user needs login, full name and a password of at least 8 characters", () => {
    const users = fields("users");
    const model = initialModel(users, null);
    expect(validate(users, model, "create")).toEqual({
      login: { key: "admin.required" },
      full_name: { key: "admin.required" },
      password: { key: "admin.required" },
    });
    model.login = "ivanova";
    model.full_name = "Иванова Мария";
    model.password = "short";
    expect(validate(users, model, "create")).toEqual({ password: { key: "admin.minLength", params: { n: 8 } } });
  });

  it("editing a user with an empty password keeps it: not validated, not sent", () => {
    const users = fields("users");
    const model = initialModel(users, { id: 3, login: "ivanova", full_name: "Иванова Мария", role: "senior", enabled: false, group_ids: [2] });
    expect(model.password).toBe("");
    expect(validate(users, model, "edit")).toEqual({});
    expect(toBody(users, model, "edit")).toEqual({
      login: "ivanova",
      full_name: "Иванова Мария",
      role: "senior",
      enabled: false,
      group_ids: [2],
    });
  });

  it("line numbers accept 8-, 7- and +7-prefixed input and refuse other text", () => {
    const lines = fields("lines");
    const model = { ...initialModel(lines, null), name: "Горячая линия", service_id: 1 };
    for (const number of ["+78001234567", "88001234567", "7 (800) 123-45-67"]) {
      expect(validate(lines, { ...model, number }, "create")).toEqual({});
    }
    expect(validate(lines, { ...model, number: "12345" }, "create")).toEqual({ number: { key: "admin.phone" } });
  });

  it("an empty entry flow is sent as null and text is trimmed", () => {
    const lines = fields("lines");
    const body = toBody(lines, { number: " +78001234567 ", name: " Линия ", service_id: 1, entry_flow: "" }, "create");
    expect(body).toEqual({ number: "+78001234567", name: "Линия", service_id: 1, entry_flow: null });
  });

  it("server field errors land on their fields, unknown paths are left for the form-level message", () => {
    const error = new ApiError(422, "validation_error", "invalid", [
      { path: "number", code: "phone", message: "Номер не похож на телефонный" },
      { path: "body.name", code: "missing", message: "" },
      { path: "group_ids.1", code: "not_found", message: "Нет такой группы" },
      { path: "nonsense", code: "x", message: "y" },
    ]);
    const problems = serverFieldProblems(error, [...fields("lines"), ...fields("users")]);
    expect(problems).toEqual({
      number: { text: "Номер не похож на телефонный" },
      name: { text: "missing" },
      group_ids: { text: "Нет такой группы" },
    });
  });
});
