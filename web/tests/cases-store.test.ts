import { createPinia, setActivePinia } from "pinia";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { CaseSummary } from "@/features/cases/model";
import { useCasesStore } from "@/features/cases/store";
import { useRealtimeStore } from "@/shared/realtime/store";
import { eventFrame, health, readyFrame, snapshot } from "./fixtures";

// A stand-in server for the list route: answers GET /api/v1/cases with what the test sets, and records
// the queries asked; the event socket is a fake the test plays frames into.
class FakeWebSocket {
  static opened: FakeWebSocket[] = [];
  onopen = null;
  onerror = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose = null;
  constructor(readonly url: string) {
    FakeWebSocket.opened.push(this);
  }
  send(): void {}
  close(): void {}
}

const NOW = new Date().toISOString();

function summary(id: number, extra: Partial<CaseSummary> = {}): CaseSummary {
  return {
    id,
    name: `Сен12_Справочная информация_00${id}`,
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
    created_at: NOW,
    updated_at: NOW,
    version: 1,
    ...extra,
  };
}

let page: CaseSummary[] = [];
const asked: URLSearchParams[] = [];

beforeEach(() => {
  page = [];
  asked.length = 0;
  FakeWebSocket.opened = [];
  vi.stubGlobal("WebSocket", FakeWebSocket);
  vi.stubGlobal("window", { location: { origin: "http://127.0.0.1:8122" } });
  vi.stubGlobal("fetch", async (request: Request) => {
    const url = new URL(request.url);
    asked.push(url.searchParams);
    return new Response(JSON.stringify({ items: page, total: page.length, total_capped: false }), {
      status: 200,
      headers: { "Content-Type": "application/json" },
    });
  });
  setActivePinia(createPinia());
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("cases store", () => {
  it("asks the server with the chosen filters and shows its page", async () => {
    const cases = useCasesStore();
    page = [summary(1)];
    await cases.setFilter({ status: "active", time: "last_24h", typeId: 3 });
    const query = asked.at(-1);
    expect([query?.get("status"), query?.get("period"), query?.get("type")]).toEqual(["active", "last_24h", "3"]);
    expect(cases.list.items.map((c) => c.id)).toEqual([1]);
  });

  it("given the event stream when a colleague creates and flags a card then the list follows live", async () => {
    const cases = useCasesStore();
    const realtime = useRealtimeStore();
    await cases.reload();
    realtime.onCase((card) => cases.applyLive(card));
    realtime.start(() => undefined);
    const socket = FakeWebSocket.opened.at(-1);
    socket?.onmessage?.({ data: readyFrame("s1", 0, snapshot([], health("ok", "ok"), 0)) });
    socket?.onmessage?.({ data: eventFrame(1, "case.created", { case: summary(4) }) });
    socket?.onmessage?.({ data: eventFrame(2, "case.updated", { case: summary(4, { attention: true, version: 2 }) }) });
    expect(cases.list.items.map((c) => [c.id, c.attention])).toEqual([[4, true]]);
    expect(cases.list.total).toBe(1);
  });

  it("re-runs a search instead of guessing when a shown card changes", async () => {
    const cases = useCasesStore();
    page = [summary(2)];
    await cases.setFilter({ q: "Орлова" });
    const before = asked.length;
    cases.applyLive(summary(2, { version: 2, status: "in_work" }));
    cases.applyLive(summary(9, { version: 1 }));
    await vi.waitFor(() => expect(asked.length).toBe(before + 1));
    expect(asked.at(-1)?.get("q")).toBe("Орлова");
  });
});

describe("the open card", () => {
  it("keeps a newer saved version when a reload for an older live event answers later", async () => {
    const card = (version: number, description: string) => ({
      case: summary(5, { version }),
      description,
      operator_comment: "",
      address: "",
      location_text: "",
      latitude: null,
      longitude: null,
      call_ids: [],
      message_ids: [],
      status_history: [],
      type_history: [],
      applicant: null,
      answers: [],
    });
    let releaseReload: () => void = () => {};
    let gets = 0;
    vi.stubGlobal("fetch", async (request: Request) => {
      const url = new URL(request.url);
      const json = (body: unknown) =>
        new Response(JSON.stringify(body), { status: 200, headers: { "Content-Type": "application/json" } });
      if (url.pathname.endsWith("/scripts")) return json([]);
      if (request.method === "POST") return json(card(3, "Болит голова"));
      gets += 1;
      if (gets === 1) return json(card(1, ""));
      await new Promise<void>((resolve) => (releaseReload = resolve)); // the slow reload of version 2
      return json(card(2, ""));
    });
    const cases = useCasesStore();
    await cases.open(5);
    cases.applyLive(summary(5, { version: 2 })); // starts a reload that answers late
    await vi.waitFor(() => expect(gets).toBe(2));
    await cases.answer(1, 1, { what: "Болит голова" }); // the save answers first, with version 3
    releaseReload();
    await vi.waitFor(() => expect(cases.card?.case.version).toBe(3));
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(cases.card?.description).toBe("Болит голова");
  });
});

describe("the card of a call", () => {
  const cardOf = (extra: Partial<CaseSummary> = {}) => ({
    case: summary(9, extra),
    description: "",
    operator_comment: "",
    address: "",
    location_text: "",
    latitude: null,
    longitude: null,
    call_ids: ["call-1"],
    message_ids: [],
    status_history: [],
    type_history: [],
    handovers: [],
    applicant: null,
    answers: [],
  });
  const info = { caller: "+79161234567", serviceNumber: "+78001220122", serviceName: "", groupName: "Справочная группа", since: 0, from: null };

  it("opens by the call's id, leaves a call without a card alone, and stars a new type until it is saved", async () => {
    const sent: unknown[] = [];
    vi.stubGlobal("fetch", async (request: Request) => {
      const url = new URL(request.url);
      const json = (body: unknown, status = 200) =>
        new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
      if (url.pathname.endsWith("/by-call/call-none")) return json({ code: "not_found", message: "нет карточки" }, 404);
      if (url.pathname.endsWith("/by-call/call-1")) return json(cardOf());
      if (url.pathname.endsWith("/scripts")) return json([]);
      if (request.method === "PATCH") {
        sent.push(await request.json());
        return json(cardOf({ type_id: 3, type_changed: true, version: 2 }));
      }
      return json(cardOf());
    });
    const cases = useCasesStore();
    expect(await cases.openByCall("call-none", info)).toBe(false);
    expect(cases.card).toBeNull();
    expect(await cases.openByCall("call-1", info)).toBe(true);
    expect(cases.callCard).toMatchObject({ callId: "call-1", caseId: 9, caller: "+79161234567" });
    const open = cases.card;
    if (open === null) throw new Error("no card");
    expect(cases.titleOf(open.case)).toBe("Сен12_Справочная информация_009");

    cases.pickType(3);
    expect(cases.titleOf(open.case)).toBe("Сен12_Справочная информация_009 *");
    cases.pickType(open.case.type_id); // back to the stored type before saving: no mark
    expect(cases.titleOf(open.case)).toBe("Сен12_Справочная информация_009");
    cases.pickType(3);
    expect(await cases.saveDetails({ type_id: 3 })).toBe(true);
    expect(sent).toEqual([{ version: 1, changes: { type_id: 3 }, base: { type_id: 1 } }]);
    expect(cases.pendingType).toBeNull();
    expect(cases.titleOf(cases.card?.case ?? open.case)).toBe("Сен12_Справочная информация_009 *"); // now the server's
  });
});
