import { describe, expect, it } from "vitest";
import { emptyRule, moved, ruleBody, ruleForm, splitList } from "@/features/routing/api";

describe("routing rule form", () => {
  it("sends only what the chosen action and the switched-on conditions need", () => {
    const form = { ...emptyRule(), name: " VIP ", patterns: "+7916*, 8495XXXXXXX\n", action: "priority" as const };
    form.priority = 7;
    form.queueId = 3; // left from an earlier choice: not sent with a priority action
    const body = ruleBody(2, form);
    expect(body.name).toBe("VIP");
    expect(body.conditions.patterns).toEqual(["+7916*", "8495XXXXXXX"]);
    expect(body.conditions.hours).toBeNull();
    expect(body.conditions.repeat).toBeNull();
    expect(body.action).toEqual({ kind: "priority", queue_id: null, priority: 7, flow: null, prompt: null });
  });

  it("reads a stored rule back into the form", () => {
    const form = ruleForm({
      id: 1, line_id: 2, position: 1, name: "Ночь", enabled: true, stage: "arrival",
      conditions: { patterns: [], lists: [4], repeat: { count: 3, within_hours: 24 }, weekdays: [6, 7],
        hours: { start: "22:00:00", end: "06:00:00" }, day_kinds: ["holiday"], ivr_choice: null },
      action: { kind: "refuse", queue_id: null, priority: null, flow: null, prompt: null },
    });
    expect([form.hoursOn, form.hoursStart, form.hoursEnd]).toEqual([true, "22:00", "06:00"]);
    expect([form.repeatOn, form.repeatCount, form.lists, form.action]).toEqual([true, 3, [4], "refuse"]);
  });

  it("moves a rule one place and never past the ends", () => {
    expect(moved([1, 2, 3], 1, -1)).toEqual([2, 1, 3]);
    expect(moved([1, 2, 3], 2, 1)).toEqual([1, 2, 3]);
    expect(splitList(" a ;b,,c ")).toEqual(["a", "b", "c"]);
  });
});
