import { describe, expect, it } from "vitest";
import {
  GROUP_SECTIONS,
  QUEUE_SECTIONS,
  breakAllowance,
  breakModel,
  changedValues,
  sectionFields,
} from "@/features/admin/policies";
import { validate } from "@/features/admin/form";

describe("policies screen model", () => {
  it("given a group on the defaults then its break allowances show the defaults in minutes", () => {
    expect(breakModel(null)).toEqual({ break_min_break: 15, break_min_lunch: 30, break_min_training: 60 });
  });

  it("given minutes edited then the allowance map is in seconds, an emptied reason unlimited, unknown reasons kept", () => {
    const model = { ...breakModel({ break: 600, lunch: 1800, smoke: 300 }), break_min_lunch: 45, break_min_break: null };
    expect(breakAllowance(model, { break: 600, lunch: 1800, smoke: 300 })).toEqual({ smoke: 300, lunch: 2700 });
  });

  it("given a body then only the changed values are sent", () => {
    expect(changedValues({ wrap_up_s: 30, manual_ready: true, max_wait_s: null }, { wrap_up_s: 30, manual_ready: false })).toEqual({
      manual_ready: true,
    });
  });

  it("given values out of the server's bounds then each field is refused", () => {
    const groups = sectionFields(GROUP_SECTIONS);
    const problems = validate(groups, { recording_retention_days: 0, break_min_lunch: -1, idle_choice_min_s: 60, idle_choice_max_s: 600 }, "edit");
    expect(Object.keys(problems).sort()).toEqual(["break_min_lunch", "recording_retention_days"]);
    const queues = sectionFields(QUEUE_SECTIONS);
    const queue = { wrap_up_s: -5, ring_timeout_s: 20, retry_s: 5, no_answer_limit: 3, sla_wait_s: 60, service_level_s: 20 };
    expect(validate(queues, { ...queue, service_level_target_pct: 0 }, "edit")).toEqual({
      wrap_up_s: { key: "admin.atLeast", params: { n: 0 } },
      service_level_target_pct: { key: "admin.atLeast", params: { n: 1 } },
    });
  });
});
