import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { OperatorState } from "@/shared/events/protocol";
import {
  ActivityThrottle,
  idleWarning,
  reportEveryMs,
  reportsActivity,
  warningLeadS,
} from "@/features/operator/activity";

function state(status: OperatorState["status"], idle: number | null = 600, away: number | null = 1200): OperatorState {
  return {
    user_id: 1,
    status,
    since: "2026-11-25T08:00:00+00:00",
    reason: "",
    note: "",
    early_ready: true,
    call_id: null,
    queue_id: null,
    offer: null,
    pending: null,
    wrap_up_until: null,
    idle_to_away_s: idle,
    away_to_logout_s: away,
  };
}

describe("the idle warning (OPS-02)", () => {
  it("shows a minute before «Нет на месте», counting from the last activity the server heard of", () => {
    const at = 1_000_000;
    expect(idleWarning(state("ready"), at, at + 539_000)).toBeNull();
    expect(idleWarning(state("ready"), at, at + 541_000)).toEqual({ kind: "away", secondsLeft: 59 });
    expect(idleWarning(state("on_break"), at, at + 700_000)).toEqual({ kind: "away", secondsLeft: 0 });
  });

  it("while away, warns before the shift is ended", () => {
    const at = 0;
    expect(idleWarning(state("away"), at, 1_139_000)).toBeNull();
    expect(idleWarning(state("away"), at, 1_150_000)).toEqual({ kind: "logout", secondsLeft: 50 });
  });

  it("says nothing on a call, before the shift, or where the group turned the timer off", () => {
    expect(idleWarning(state("on_call"), 0, 10_000_000)).toBeNull();
    expect(idleWarning(state("offline"), 0, 10_000_000)).toBeNull();
    expect(idleWarning(state("ready", null), 0, 10_000_000)).toBeNull();
    expect(idleWarning(null, 0, 10_000_000)).toBeNull();
  });

  it("warns half the interval ahead for short intervals", () => {
    expect(warningLeadS(6)).toBe(3);
    expect(warningLeadS(600)).toBe(60);
  });
});

describe("activity reports", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("are sent while on duty, never before the shift or while away", () => {
    expect(reportsActivity(state("ready"))).toBe(true);
    expect(reportsActivity(state("wrap_up"))).toBe(true);
    expect(reportsActivity(state("offline"))).toBe(false);
    expect(reportsActivity(state("away"))).toBe(false);
    expect(reportsActivity(null)).toBe(false);
  });

  it("go at most once per quarter of the idle interval, between 1 and 15 s", () => {
    expect(reportEveryMs(600)).toBe(15_000);
    expect(reportEveryMs(8)).toBe(2_000);
    expect(reportEveryMs(1)).toBe(1_000);
    expect(reportEveryMs(null)).toBe(15_000);
  });

  it("send the first activity at once and the rest of an interval once at its end", () => {
    const send = vi.fn();
    const throttle = new ActivityThrottle(send, () => Date.now());
    throttle.activity(10_000);
    expect(send).toHaveBeenCalledTimes(1);
    for (let i = 0; i < 50; i += 1) throttle.activity(10_000);
    expect(send).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(10_000);
    expect(send).toHaveBeenCalledTimes(2);
    vi.advanceTimersByTime(60_000); // quiet: nothing more
    expect(send).toHaveBeenCalledTimes(2);
    throttle.activity(10_000);
    expect(send).toHaveBeenCalledTimes(3);
  });
});
