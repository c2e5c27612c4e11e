import { describe, expect, it } from "vitest";
import type { OperatorState } from "@/shared/events/protocol";
import { canStartShift, clock, secondsLeft, statusLabel, statusMenu, wrapUpLeft } from "@/features/operator/model";

function state(status: OperatorState["status"], reason = ""): OperatorState {
  return {
    user_id: 1,
    status,
    since: "2026-11-25T08:00:00+00:00",
    reason,
    note: "",
    early_ready: true,
    call_id: null,
    queue_id: null,
    offer: null,
    pending: null,
    wrap_up_until: null,
  };
}

function enabled(s: OperatorState): string[] {
  return statusMenu(s)
    .filter((e) => !e.disabled)
    .map((e) => e.key);
}

describe("the operator's status menu", () => {
  it("offers «Начать смену» only before the shift starts", () => {
    expect(canStartShift(state("offline"))).toBe(true);
    expect(canStartShift(state("ready"))).toBe(false);
    expect(canStartShift(null)).toBe(false);
  });

  it("on duty: every break reason and ending the shift can be chosen, ready cannot", () => {
    expect(enabled(state("ready"))).toEqual([
      "break:break",
      "break:lunch",
      "break:training",
      "break:not_ready",
      "end_shift",
    ]);
  });

  it("wrap-up and away are shown but never chosen by hand", () => {
    for (const status of ["ready", "wrap_up", "away", "on_break"] as const) {
      const menu = statusMenu(state(status));
      expect(menu.find((e) => e.key === "wrap_up")).toMatchObject({ disabled: true, request: null });
      expect(menu.find((e) => e.key === "away")).toMatchObject({ disabled: true, request: null });
    }
    expect(statusMenu(state("wrap_up")).find((e) => e.key === "wrap_up")?.current).toBe(true);
  });

  it("during wrap-up the operator may return to duty early or take a break", () => {
    expect(enabled(state("wrap_up"))).toContain("ready");
    expect(enabled(state("wrap_up"))).toContain("break:lunch");
  });

  it("on a call a break can be asked for (it starts after wrap-up), but not ready", () => {
    const on = enabled(state("on_call"));
    expect(on).toContain("break:break");
    expect(on).not.toContain("ready");
  });

  it("while ringing or blocked by a senior nothing but what the server allows is offered", () => {
    expect(enabled(state("offered"))).toEqual([]);
    expect(enabled(state("blocked"))).toEqual(["end_shift"]);
  });

  it("the current break reason is marked and not offered again, except a new stated reason", () => {
    const menu = statusMenu(state("on_break", "lunch"));
    expect(menu.find((e) => e.key === "break:lunch")).toMatchObject({ current: true, disabled: true });
    expect(menu.find((e) => e.key === "break:not_ready")?.request).toEqual({
      status: "on_break",
      reason: "not_ready",
      needsNote: true,
    });
  });

  it("a break shows its reason; a reason the menu does not know shows as a plain break", () => {
    expect(statusLabel(state("on_break", "lunch"))).toBe("operator.reason.lunch");
    expect(statusLabel(state("on_break", "no_answer"))).toBe("operator.reason.no_answer");
    expect(statusLabel(state("on_break", "meeting"))).toBe("operator.reason.other");
    expect(statusLabel(state("wrap_up"))).toBe("operator.status.wrap_up");
  });
});

describe("timers shown to the operator", () => {
  it("counts down whole seconds and never below zero", () => {
    const now = Date.parse("2026-11-25T09:00:00Z");
    expect(secondsLeft("2026-11-25T09:00:20Z", now)).toBe(20);
    expect(secondsLeft("2026-11-25T08:59:00Z", now)).toBe(0);
    expect(secondsLeft(null, now)).toBeNull();
    expect(secondsLeft("not a date", now)).toBeNull();
  });

  it("formats waits as mm:ss", () => {
    expect(clock(0)).toBe("00:00");
    expect(clock(75.9)).toBe("01:15");
    expect(clock(3600)).toBe("60:00");
  });
});

describe("the wrap-up countdown (OPS-19)", () => {
  const wrapUp = (until: string | null): OperatorState => ({
    ...state("wrap_up"),
    since: "2026-11-25T08:00:00+00:00",
    wrap_up_until: until,
  });

  it("counts the server's wrap-up length down on this desk's clock, whatever the server's clock says", () => {
    const arrived = Date.parse("2030-01-01T00:00:00Z"); // the desk's clock is far from the server's
    expect(wrapUpLeft(wrapUp("2026-11-25T08:00:30+00:00"), arrived, arrived)).toBe(30);
    expect(wrapUpLeft(wrapUp("2026-11-25T08:00:30+00:00"), arrived, arrived + 12_500)).toBe(18);
    expect(wrapUpLeft(wrapUp("2026-11-25T08:00:30+00:00"), arrived, arrived + 60_000)).toBe(0);
  });

  it("after a reload counts on from what the server says is left", () => {
    const arrived = Date.parse("2030-01-01T00:00:00Z");
    const reloaded = { ...wrapUp("2026-11-25T08:00:30+00:00"), server_time: "2026-11-25T08:00:10+00:00" };
    expect(wrapUpLeft(reloaded, arrived, arrived)).toBe(20);
    expect(wrapUpLeft(reloaded, arrived, arrived + 5_000)).toBe(15);
  });

  it("has no countdown where the queue wants «Готов» by hand, nor outside the wrap-up", () => {
    expect(wrapUpLeft(wrapUp(null), 0, 0)).toBeNull();
    expect(wrapUpLeft(state("ready"), 0, 0)).toBeNull();
    expect(wrapUpLeft(null, 0, 0)).toBeNull();
  });
});
