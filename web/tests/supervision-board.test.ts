import { describe, expect, it } from "vitest";
import {
  alertOf,
  applyChange,
  clock,
  visibleRows,
  withCase,
  withHeld,
  type BoardRow,
  type StateChange,
} from "@/features/supervision/model";

const T0 = Date.parse("2026-01-01T10:00:00Z");

function row(over: Partial<BoardRow> = {}): BoardRow {
  return {
    user_id: 1,
    login: "operator1",
    full_name: "Иванова",
    role: "operator",
    group_ids: [1],
    status: "ready",
    since: "2026-01-01T10:00:00Z",
    reason: "",
    note: "",
    pending: null,
    blocked: false,
    calls_answered: 0,
    calls_missed: 0,
    break_limit_s: null,
    long_call_s: 600,
    call: null,
    case: null,
    audio: { mode: "browser", registered: null },
    ...over,
  };
}

function change(over: Partial<StateChange> = {}): StateChange {
  return {
    user_id: 1,
    old_status: "ready",
    status: "on_call",
    trigger: "answer",
    reason: "",
    note: "",
    since: "2026-01-01T10:01:00Z",
    duration_s: 60,
    call_id: "c1",
    queue_id: 3,
    calls_answered: 4,
    calls_missed: 1,
    call: {
      call_id: "c1",
      caller: "+79990001122",
      queue_id: 3,
      direction: "inbound",
      since: "2026-01-01T10:01:00Z",
      held: false,
    },
    break_limit_s: null,
    case: null,
    ...over,
  };
}

describe("the operators board", () => {
  it("follows a state change: state, time, counts and the call", () => {
    const next = applyChange(row(), change());
    expect(next.status).toBe("on_call");
    expect([next.calls_answered, next.calls_missed]).toEqual([4, 1]);
    expect(next.call?.caller).toBe("+79990001122");
    expect(applyChange(next, change({ status: "wrap_up", call: null, call_id: null })).call).toBeNull();
  });

  it("marks a held call, and ignores hold news of a call that is over", () => {
    const onCall = applyChange(row(), change());
    expect(withHeld(onCall, { call_id: "c1", held: true }).call?.held).toBe(true);
    expect(withHeld(onCall, { call_id: "c0", held: true })).toBe(onCall);
    expect(withHeld(row(), { call_id: "c1", held: true }).call).toBeNull();
  });

  it("shows the case in work on the call and in wrap-up, and drops it after", () => {
    const card = { case_id: 7, name: "Янв01_Справочная информация_007", number: 7, type_name: "Справочная информация" };
    const onCall = applyChange(row(), change());
    expect(onCall.case).toBeNull(); // the card reaches the board just after the answer
    const withCard = withCase(onCall, { call_id: "c1", case: card });
    expect(withCard.case).toEqual(card);
    expect(withCase(onCall, { call_id: "c0", case: card })).toBe(onCall); // a call the operator left
    expect(withCase(row(), { call_id: "c1", case: card })).toEqual(row()); // ready: no case in work
    const wrapUp = applyChange(withCard, change({ status: "wrap_up", call: null, case: card }));
    expect(wrapUp.case).toEqual(card);
    expect(applyChange(wrapUp, change({ status: "ready", call: null, call_id: "c1", case: null })).case).toBeNull();
  });

  it("colours a call or a break longer than its threshold", () => {
    const onCall = applyChange(row(), change());
    expect(alertOf(onCall, T0 + 60_000 + 5 * 60_000)).toBeNull();
    expect(alertOf(onCall, T0 + 60_000 + 11 * 60_000)).toBe("long_call");
    // the group's own threshold, set by the administrator; none: never marked
    expect(alertOf({ ...onCall, long_call_s: 240 }, T0 + 60_000 + 5 * 60_000)).toBe("long_call");
    expect(alertOf({ ...onCall, long_call_s: null }, T0 + 60_000 + 60 * 60_000)).toBeNull();
    const onBreak = row({ status: "on_break", reason: "break", break_limit_s: 900 });
    expect(alertOf(onBreak, T0 + 14 * 60_000)).toBeNull();
    expect(alertOf(onBreak, T0 + 16 * 60_000)).toBe("long_break");
  });

  it("highlights a break begun while the board was open, from the allowance the event carries", () => {
    const ready = row({ status: "ready", reason: "", break_limit_s: null });
    const onBreak = applyChange(
      ready,
      change({ status: "on_break", reason: "lunch", call: null, call_id: null, since: "2026-01-01T10:00:00Z", break_limit_s: 1800 }),
    );
    expect(onBreak.break_limit_s).toBe(1800);
    expect(alertOf(onBreak, T0 + 29 * 60_000)).toBeNull();
    expect(alertOf(onBreak, T0 + 31 * 60_000)).toBe("long_break");
    expect(applyChange(onBreak, change({ status: "ready", call: null, call_id: null })).break_limit_s).toBeNull();
  });

  it("filters by group and state and sorts by any column", () => {
    const rows = [
      row({ user_id: 1, full_name: "Борисова", calls_answered: 5, group_ids: [1] }),
      row({ user_id: 2, full_name: "Алексеев", calls_answered: 2, group_ids: [2], status: "on_break" }),
      row({ user_id: 3, full_name: "Волков", calls_answered: 9, group_ids: [1, 2] }),
    ];
    const view = { group: null, status: null, sort: "name" as const, descending: false };
    expect(visibleRows(rows, view, T0).map((r) => r.user_id)).toEqual([2, 1, 3]);
    expect(visibleRows(rows, { ...view, sort: "answered", descending: true }, T0).map((r) => r.user_id)).toEqual([3, 1, 2]);
    expect(visibleRows(rows, { ...view, group: 2 }, T0).map((r) => r.user_id)).toEqual([2, 3]);
    expect(visibleRows(rows, { ...view, status: "on_break" }, T0).map((r) => r.user_id)).toEqual([2]);
  });

  it("shows time as mm:ss, and hours when there are any", () => {
    expect(clock(65)).toBe("01:05");
    expect(clock(3725)).toBe("1:02:05");
  });
});
