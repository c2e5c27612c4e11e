import { describe, expect, it } from "vitest";
import {
  applyCase,
  clockText,
  displayName,
  inWorkEntries,
  matches,
  myCardsInWork,
  nextQuestion,
  nextStatuses,
  type CaseSummary,
  type ListFilter,
  type Script,
} from "@/features/cases/model";
import { parseCaseSummary } from "@/features/cases/parse";
import { parseServerMessage } from "@/shared/events/protocol";
import { eventFrame } from "./fixtures";

const NOW = Date.parse("2026-09-12T09:00:00Z");
const ANY: ListFilter = { time: "all", status: "any", typeId: null, q: "" };

function card(id: number, extra: Partial<CaseSummary> = {}): CaseSummary {
  return {
    id,
    name: `Сен12_Справочная информация_${String(id).padStart(3, "0")}`,
    number: id,
    day: "2026-09-12",
    type_id: 1,
    type_name: "Справочная информация",
    type_icon: "info",
    type_changed: false,
    status: "new",
    status_label: "Новое обращение",
    attention: false,
    missed: false,
    source: "web",
    applicant_id: null,
    applicant_name: "",
    applicant_phone: "",
    operator_id: null,
    group_id: 1,
    created_at: new Date(NOW - (100 - id) * 60_000).toISOString(),
    updated_at: new Date(NOW).toISOString(),
    version: 1,
    ...extra,
  };
}

describe("the card list under live events", () => {
  it("inserts a new card newest first and counts it once, however often it arrives", () => {
    const start = { items: [card(1)], total: 1 };
    const once = applyCase(start, card(2), ANY, NOW);
    const twice = applyCase(once, card(2), ANY, NOW);
    expect(once.items.map((c) => c.id)).toEqual([2, 1]);
    expect(twice).toEqual(once);
    expect(twice.total).toBe(2);
  });

  it("replaces a card with a newer version and ignores an older one arriving late", () => {
    const start = { items: [card(1, { version: 3, attention: true })], total: 1 };
    expect(applyCase(start, card(1, { version: 2, attention: false }), ANY, NOW)).toBe(start);
    const flagged = applyCase(start, card(1, { version: 4, status: "in_work" }), ANY, NOW);
    expect(flagged.items[0]?.status).toBe("in_work");
  });

  it("given the active filter when a card is completed then it leaves the list", () => {
    const active: ListFilter = { ...ANY, status: "active" };
    const start = { items: [card(1), card(2)], total: 2 };
    const after = applyCase(start, card(1, { version: 2, status: "completed" }), active, NOW);
    expect(after.items.map((c) => c.id)).toEqual([2]);
    expect(after.total).toBe(1);
  });

  it("applies the time, status and type filter like the server's query", () => {
    const old = card(1, { created_at: new Date(NOW - 25 * 3600 * 1000).toISOString() });
    expect(matches(old, { ...ANY, time: "last_24h" }, NOW)).toBe(false);
    expect(matches(card(2), { ...ANY, time: "last_24h" }, NOW)).toBe(true);
    expect(matches(card(3, { status: "registered" }), { ...ANY, status: "active" }, NOW)).toBe(false);
    expect(matches(card(3, { status: "registered" }), { ...ANY, status: "inactive" }, NOW)).toBe(false);
    expect(matches(card(3, { status: "rejected" }), { ...ANY, status: "inactive" }, NOW)).toBe(true);
    expect(matches(card(4, { type_id: 2 }), { ...ANY, typeId: 1 }, NOW)).toBe(false);
  });

  it("lists only this operator's cards in work in the switcher", () => {
    const items = [card(1, { status: "in_work", operator_id: 7 }), card(2, { status: "in_work", operator_id: 8 }), card(3)];
    expect(myCardsInWork(items, 7).map((c) => c.id)).toEqual([1]);
  });

  it("marks a card whose type was changed, or is being changed, with a star", () => {
    expect(displayName(card(1, { type_changed: true }))).toBe("Сен12_Справочная информация_001 *");
    expect(displayName(card(1))).toBe("Сен12_Справочная информация_001");
    expect(displayName(card(1), true)).toBe("Сен12_Справочная информация_001 *");
  });

  it("gives the cards-in-work switcher this operator's cards with the open one marked", () => {
    const items = [card(1, { status: "in_work", operator_id: 7 }), card(2, { status: "in_work", operator_id: 7 }), card(3)];
    expect(inWorkEntries(items, 7, 2)).toEqual([
      { id: 1, name: "Сен12_Справочная информация_001", open: false },
      { id: 2, name: "Сен12_Справочная информация_002", open: true },
    ]);
  });

  it("shows a call's live duration as mm:ss, with hours past an hour", () => {
    expect(clockText(0)).toBe("00:00");
    expect(clockText(65.9)).toBe("01:05");
    expect(clockText(3725)).toBe("1:02:05");
    expect(clockText(-3)).toBe("00:00");
  });

  it("offers only the allowed status changes: never back to new, a finished case only reopens", () => {
    expect(nextStatuses("new")).not.toContain("new");
    expect(nextStatuses("completed")).toEqual(["in_work"]);
  });
});

describe("case events from the stream", () => {
  it("parses case.updated into the typed summary", () => {
    const message = parseServerMessage(eventFrame(5, "case.updated", { case: card(9, { attention: true }) }));
    expect(message.kind).toBe("event");
    if (message.kind !== "event" || "unknown" in message.event) throw new Error("not a known event");
    expect(message.event.type).toBe("case.updated");
    if (message.event.type !== "case.updated") throw new Error("wrong type");
    expect(message.event.data.case.attention).toBe(true);
  });

  it("refuses a summary with an unknown status", () => {
    expect(() => parseCaseSummary({ ...card(1), status: "lost" })).toThrow(/status/);
  });
});

describe("questionnaire navigation", () => {
  const script: Script = {
    id: 1,
    case_type_id: 1,
    title: "Справка",
    version: 1,
    questions: [
      { id: "urgent", text: "Срочно?", kind: "yes_no", choices: [], binding: null, branches: [{ when: "yes", goto: "what" }] },
      { id: "name", text: "Фамилия?", kind: "text", choices: [], binding: "applicant.last_name", branches: [] },
      { id: "what", text: "Что случилось?", kind: "text", choices: [], binding: null, branches: [] },
    ],
  };

  it("follows the branch of a yes answer given in Russian and the next question otherwise", () => {
    expect(nextQuestion(script, "urgent", "да")?.id).toBe("what");
    expect(nextQuestion(script, "urgent", "нет")?.id).toBe("name");
    expect(nextQuestion(script, "name", "Иванов")?.id).toBe("what");
    expect(nextQuestion(script, "what", "Болит")).toBeNull();
  });
});
