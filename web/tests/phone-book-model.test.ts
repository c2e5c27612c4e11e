import { describe, expect, it } from "vitest";
import type { CallRow } from "@/features/journal/model";
import { contactFor, dialable, historyKind, otherParty, recentNumbers, type Contact } from "@/features/phone_book/model";
import { mayTake, waited, type AbandonedCall } from "@/features/abandoned/model";

function row(over: Partial<CallRow>): CallRow {
  return {
    id: "call-1",
    direction: "inbound",
    status: "answered",
    caller: "+79001112233",
    called: "+78001220122",
    ...over,
  } as CallRow;
}

describe("the call history", () => {
  it("tells incoming, outgoing, missed and internal calls apart", () => {
    expect(historyKind(row({}))).toBe("incoming");
    expect(historyKind(row({ status: "missed" }))).toBe("missed");
    expect(historyKind(row({ status: "failed" }))).toBe("missed");
    expect(historyKind(row({ direction: "outbound" }))).toBe("outgoing");
    expect(historyKind(row({ direction: "internal" }))).toBe("internal");
  });

  it("calls back the other party: the caller of an incoming call, the called number of an outgoing one", () => {
    expect(otherParty(row({}))).toBe("+79001112233");
    expect(otherParty(row({ direction: "outbound", called: "112" }))).toBe("112");
  });

  it("offers the latest distinct dialable numbers for redial, newest first", () => {
    const rows = [
      row({ id: "a", direction: "outbound", called: "+74951112233" }),
      row({ id: "b", caller: "+79001112233" }),
      row({ id: "c", direction: "outbound", called: "+74951112233" }),
      row({ id: "d", direction: "internal", caller: "operator2" }),
      row({ id: "e", direction: "outbound", called: "103" }),
    ];
    expect(recentNumbers(rows)).toEqual(["+74951112233", "+79001112233", "103"]);
    expect(recentNumbers(rows, 1)).toEqual(["+74951112233"]);
    expect(dialable("operator2")).toBe(false);
  });

  it("names a number that is in the phone book", () => {
    const book = [{ id: 1, number: "103", name: "Скорая" } as Contact];
    expect(contactFor("103", book)?.name).toBe("Скорая");
    expect(contactFor("104", book)).toBeUndefined();
  });
});

describe("the abandoned-calls list", () => {
  const entry = (taken_by: number | null) => ({ id: "call-1", taken_by }) as AbandonedCall;

  it("lets an operator take an open entry or their own, not a colleague's", () => {
    expect(mayTake(entry(null), 5)).toBe(true);
    expect(mayTake(entry(5), 5)).toBe(true);
    expect(mayTake(entry(6), 5)).toBe(false);
  });

  it("shows the wait as minutes and seconds", () => {
    expect(waited(70)).toBe("1:10");
    expect(waited(5.4)).toBe("0:05");
  });
});

describe("a group or a service as a call target", () => {
  it("is sent as group_id or service_id, and must be chosen first", async () => {
    const { callBody, choiceProblem, emptyChoice, refusalProblem, transferBody } = await import("@/features/softphone/targets");
    const group = { ...emptyChoice("group"), groupId: 3 };
    const service = { ...emptyChoice("service"), serviceId: 2 };
    expect(callBody(group)).toEqual({ group_id: 3 });
    expect(transferBody(service)).toEqual({ service_id: 2 });
    expect(choiceProblem(emptyChoice("group"))).toBe("groupRequired");
    expect(choiceProblem(emptyChoice("service"))).toBe("serviceRequired");
    expect(refusalProblem({ code: "no_free_operator" } as never)).toBe("noFreeOperator");
  });
});
