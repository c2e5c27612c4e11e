import { describe, expect, it } from "vitest";
import { alertsFor, ownRequest, waitedSeconds, withRequest, type HelpRequest } from "@/features/help_requests/model";
import { parseHelpRequest } from "@/shared/events/protocol";

const OPERATOR = 11;
const SENIOR = 21;
const OTHER_SENIOR = 22;

function request(overrides: Partial<HelpRequest> = {}): HelpRequest {
  return {
    id: 1,
    call_id: "c-1",
    operator_id: OPERATOR,
    operator_name: "Иванова Мария Сергеевна",
    caller: "+79990001122",
    queue_id: 3,
    group_ids: [1],
    raised_at: "2026-12-06T09:00:00+00:00",
    status: "open",
    taken_by: null,
    taken_by_name: null,
    taken_at: null,
    mode: null,
    closed_at: null,
    ...overrides,
  };
}

describe("help requests", () => {
  it("a senior is alerted by a colleague's open request, and sees who took it, but not their own take", () => {
    const open = request();
    expect(alertsFor([open], SENIOR, new Set())).toEqual([open]);
    const taken = request({ status: "taken", taken_by: OTHER_SENIOR, taken_by_name: "Волкова" });
    expect(alertsFor([taken], SENIOR, new Set())).toEqual([taken]);
    expect(alertsFor([taken], OTHER_SENIOR, new Set())).toEqual([]);
    expect(alertsFor([taken], SENIOR, new Set([1]))).toEqual([]); // seen long enough
    expect(alertsFor([open], OPERATOR, new Set())).toEqual([]); // the operator's own
  });

  it("a closed request leaves the list; the operator's own is found by call", () => {
    const list = withRequest([], request());
    expect(ownRequest(list, OPERATOR, "c-1")?.id).toBe(1);
    expect(ownRequest(list, OPERATOR, "c-2")).toBeNull();
    expect(withRequest(list, request({ status: "cancelled" }))).toEqual([]);
    expect(withRequest(list, request({ status: "ended" }))).toEqual([]);
  });

  it("counts the wait from the request", () => {
    expect(waitedSeconds(request(), Date.parse("2026-12-06T09:01:05+00:00"))).toBe(65);
  });

  it("reads the event payload and refuses an unknown status", () => {
    const wire = { ...request(), mode: "whisper", status: "taken" };
    expect(parseHelpRequest(wire, "data")).toEqual(wire);
    expect(() => parseHelpRequest({ ...wire, status: "lost" }, "data")).toThrow(/status/);
    expect(() => parseHelpRequest({ ...wire, mode: "barge" }, "data")).toThrow(/mode/);
  });
});
