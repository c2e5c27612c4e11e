// @vitest-environment jsdom
import { createPinia, setActivePinia } from "pinia";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { CallRow } from "@/features/journal/model";
import { useJournalStore } from "@/features/journal/store";
import { standInFetch, type Recorded } from "./standInFetch";

// The journal's count follows its page: a page with no next one is its own count; otherwise the
// server is asked apart (GET /api/v1/calls/count) with the same filters.
function call(id: string): CallRow {
  return { id } as CallRow;
}

let requests: Recorded[] = [];

beforeEach(() => {
  setActivePinia(createPinia());
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("the journal's count", () => {
  it("is the calls shown when the first page is the last, without asking the server", async () => {
    requests = standInFetch({
      "GET /api/v1/calls": { status: 200, body: { items: [call("a"), call("b")], next: null } },
    });
    const store = useJournalStore();
    await store.search();
    expect(store.count).toEqual({ total: 2, capped: false, estimated: false });
    expect(requests.map((r) => r.path)).toEqual(["/api/v1/calls"]);
  });

  it("is asked apart, with the same filters, when more pages follow", async () => {
    requests = standInFetch({
      "GET /api/v1/calls": { status: 200, body: { items: [call("a")], next: "2026-09-12T09:00:00+00:00|a" } },
      "GET /api/v1/calls/count": { status: 200, body: { total: 1_234_000, capped: false, estimated: true } },
    });
    const store = useJournalStore();
    store.filters.status = "missed";
    await store.search();
    await vi.waitFor(() => expect(store.count).toEqual({ total: 1_234_000, capped: false, estimated: true }));
    const counted = requests.find((r) => r.path === "/api/v1/calls/count");
    expect(new URLSearchParams(counted?.query).get("status")).toBe("missed");
    expect(new URLSearchParams(counted?.query).has("limit")).toBe(false);
  });

  it("stays unknown when counting fails, and the page is still shown", async () => {
    standInFetch({
      "GET /api/v1/calls": { status: 200, body: { items: [call("a")], next: "2026-09-12T09:00:00+00:00|a" } },
      "GET /api/v1/calls/count": { status: 500, body: { code: "internal", message: "" } },
    });
    const store = useJournalStore();
    await store.search();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(store.count).toBeNull();
    expect(store.rows.map((r) => r.id)).toEqual(["a"]);
  });
});
