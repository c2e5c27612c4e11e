import { describe, expect, it } from "vitest";
import { initialModel, serverFieldProblems, toBody, validate, type FormModel } from "@/features/admin/form";
import { resourceFor, RESOURCES } from "@/features/admin/resources";
import { ApiError } from "@/shared/api/errors";

function fields(collection: string) {
  const def = resourceFor(collection);
  if (def === undefined) throw new Error(collection);
  return def.fields;
}

describe("admin forms", () => {
  it("covers the organisation collections and the shifts", () => {
    expect(RESOURCES.map((r) => r.collection)).toEqual(["services", "groups", "queues", "lines", "case-types", "users", "shifts"]);
  });

  it("a shift starts 08:00–20:00 and takes HH:MM on a 24-hour clock, a night shift ending before it starts", () => {
    const shifts = fields("shifts");
    const model = { ...initialModel(shifts, null), name: "Ночная смена" };
    expect(initialModel(shifts, null).starts_at).toBe("08:00");
    expect(validate(shifts, { ...model, starts_at: "20:00", ends_at: "08:00" }, "create")).toEqual({});
    expect(validate(shifts, { ...model, starts_at: "24:00", ends_at: "8:00" }, "create")).toEqual({
      starts_at: { key: "admin.time" },
      ends_at: { key: "admin.time" },
    });
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
      { path: "body.name", code: "missing", message: "Field required" },
      { path: "group_ids.1", code: "not_found", message: "Нет такой группы" },
      { path: "login", code: "string_too_long", message: "String should have at most 64 characters", params: { max_length: 64 } },
      { path: "nonsense", code: "x", message: "y" },
    ]);
    const problems = serverFieldProblems(error, [...fields("lines"), ...fields("users")]);
    expect(problems).toEqual({
      number: { text: "Номер не похож на телефонный" },
      name: { key: "validation.missing", params: {} },
      group_ids: { text: "Нет такой группы" },
      login: { key: "validation.string_too_long", params: { max_length: 64 } },
    });
  });

  it("a new queue starts with the server's defaults and sends every distribution setting", () => {
    const queues = fields("queues");
    const model = { ...initialModel(queues, null), group_id: 2, name: "Вакцинация" };
    expect(validate(queues, model, "create")).toEqual({});
    expect(toBody(queues, model, "create")).toEqual({
      group_id: 2,
      name: "Вакцинация",
      strategy: "longest_idle",
      ring_timeout_s: 20,
      wrap_up_s: 30,
      manual_ready: false,
      auto_answer: false,
      retry_s: 5,
      no_answer_limit: 3,
      weight: 0,
      escalation_step_s: null,
      required_skills: [],
      max_wait_s: null,
      max_length: null,
      overflow_destination: null,
      join_when_empty: "never",
      leave_when_empty: "never",
      removal_message: null,
      callbacks_enabled: true,
      sla_wait_s: 60,
      short_abandon_s: 5,
      repeat_call_window_s: 1800,
      service_level_s: 20,
      service_level_formula: "short_abandons_ignored",
      service_level_target_pct: 80,
    });
  });

  it("queue settings outside the server's bounds are refused before sending", () => {
    const queues = fields("queues");
    const model = {
      ...initialModel(queues, null),
      group_id: 2,
      name: "Q",
      ring_timeout_s: 2,
      wrap_up_s: 3601,
      retry_s: 601,
      no_answer_limit: 1.5,
      weight: -1001,
      max_wait_s: 0,
      max_length: 0,
      sla_wait_s: null,
      service_level_target_pct: 101,
      overflow_destination: "x".repeat(201),
      required_skills: ["ru", "Спец"],
    };
    expect(validate(queues, model, "create")).toEqual({
      ring_timeout_s: { key: "admin.atLeast", params: { n: 3 } },
      wrap_up_s: { key: "admin.atMost", params: { n: 3600 } },
      retry_s: { key: "admin.atMost", params: { n: 600 } },
      no_answer_limit: { key: "admin.integer" },
      weight: { key: "admin.atLeast", params: { n: -1000 } },
      max_wait_s: { key: "admin.above", params: { n: 0 } },
      max_length: { key: "admin.atLeast", params: { n: 1 } },
      sla_wait_s: { key: "admin.required" },
      service_level_target_pct: { key: "admin.atMost", params: { n: 100 } },
      overflow_destination: { key: "admin.maxLength", params: { n: 200 } },
      required_skills: { key: "admin.skill" },
    });
  });

  it("editing a queue keeps its stored settings and a cleared limit is sent as null", () => {
    const queues = fields("queues");
    const row = {
      id: 4, group_id: 2, name: "Q", strategy: "ring_all", ring_timeout_s: 15, wrap_up_s: 0, manual_ready: true,
      auto_answer: true,
      retry_s: 0, no_answer_limit: 5, weight: 10, escalation_step_s: 30, required_skills: ["ru"], max_wait_s: 300,
      max_length: 20, overflow_destination: "+78001234567", join_when_empty: "no_staffed",
      leave_when_empty: "no_logged_in", removal_message: "Перезвоните позже", callbacks_enabled: false,
      sla_wait_s: 20, short_abandon_s: 3, repeat_call_window_s: 600,
      service_level_s: 15, service_level_formula: "answered_of_offered", service_level_target_pct: 90,
    };
    expect(initialModel(queues, { ...row, max_wait_s: null, removal_message: null })).toMatchObject({
      max_wait_s: null,
      removal_message: "",
    });
    const model = initialModel(queues, row);
    (model.required_skills as string[]).push("en");
    expect(row.required_skills).toEqual(["ru"]);
    model.max_wait_s = null;
    model.removal_message = "  ";
    const { id: _id, ...expected } = row;
    expect(toBody(queues, model, "edit")).toEqual({
      ...expected,
      required_skills: ["ru", "en"],
      max_wait_s: null,
      removal_message: null,
    });
  });

  it("group timers default on for a new group and may be turned off", () => {
    const groups = fields("groups");
    const model: FormModel = { ...initialModel(groups, null), service_id: 1, name: "Группа 1" };
    expect(toBody(groups, model, "create")).toMatchObject({
      idle_to_away_s: 600,
      away_to_logout_s: 1200,
      continuous_work_s: 7200,
    });
    model.idle_to_away_s = null;
    model.continuous_work_s = 0;
    expect(validate(groups, model, "create")).toEqual({ continuous_work_s: { key: "admin.above", params: { n: 0 } } });
    model.continuous_work_s = null;
    expect(toBody(groups, model, "create")).toMatchObject({ idle_to_away_s: null, continuous_work_s: null });
  });

  it("a group's chat limit is a whole number of chats from 1 to 20, 3 for a new group", () => {
    const groups = fields("groups");
    const model: FormModel = { ...initialModel(groups, null), service_id: 1, name: "Группа 1" };
    expect(toBody(groups, model, "create")).toMatchObject({ chat_limit: 3 });
    expect(initialModel(groups, { chat_limit: 5 }).chat_limit).toBe(5);
    model.chat_limit = 0;
    expect(validate(groups, model, "create")).toEqual({ chat_limit: { key: "admin.atLeast", params: { n: 1 } } });
    model.chat_limit = 21;
    expect(validate(groups, model, "create")).toEqual({ chat_limit: { key: "admin.atMost", params: { n: 20 } } });
    model.chat_limit = 2.5;
    expect(validate(groups, model, "create")).toEqual({ chat_limit: { key: "admin.integer" } });
    model.chat_limit = null;
    expect(validate(groups, model, "create")).toEqual({ chat_limit: { key: "admin.required" } });
  });

  it("server errors on queue settings land on their fields", () => {
    const error = new ApiError(422, "validation_error", "invalid", [
      { path: "body.ring_timeout_s", code: "greater_than_equal", message: "Input should be greater than or equal to 3", params: { ge: 3 } },
      { path: "wrap_up_s", code: "less_than_equal", message: "Input should be less than or equal to 600" },
      { path: "required_skills.1", code: "string_pattern_mismatch", message: "bad skill" },
      { path: "strategy", code: "null_not_allowed", message: "" },
    ]);
    expect(serverFieldProblems(error, fields("queues"))).toEqual({
      ring_timeout_s: { key: "validation.greater_than_equal", params: { ge: 3 } },
      wrap_up_s: { text: "Input should be less than or equal to 600" }, // its limit not sent: the server's words
      required_skills: { key: "validation.string_pattern_mismatch", params: {} },
      strategy: { key: "validation.null_not_allowed", params: {} },
    });
  });
});
