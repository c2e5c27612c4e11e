import { describe, expect, it } from "vitest";
import { detailText, emptyFilter, exportUrl, toQuery } from "@/features/admin/audit";

describe("audit trail filter", () => {
  it("sends only the filters that are set", () => {
    expect(toQuery(emptyFilter())).toEqual({});
    expect(toQuery({ ...emptyFilter(), actorId: 7, action: "listen_recording", entityId: "  c-1 " })).toEqual({
      actor_id: 7,
      action: "listen_recording",
      entity_id: "c-1",
    });
  });

  it("includes the whole last day of the period", () => {
    const start = new Date(2026, 8, 10).getTime();
    const end = new Date(2026, 8, 12).getTime();
    const query = toQuery({ ...emptyFilter(), period: [start, end] });
    expect(query.since).toBe(new Date(2026, 8, 10).toISOString());
    expect(query.until).toBe(new Date(2026, 8, 13).toISOString());
  });

  it("exports with the same filter", () => {
    expect(exportUrl(emptyFilter())).toBe("/api/v1/admin/audit/export");
    expect(exportUrl({ ...emptyFilter(), entity: "call", entityId: "a b" })).toBe(
      "/api/v1/admin/audit/export?entity=call&entity_id=a+b",
    );
  });

  it("words the detail as key: value pairs", () => {
    expect(detailText(null)).toBe("");
    expect(detailText({ group_id: 1, fields: ["snils"], note: "строка" })).toBe(
      'group_id: 1; fields: ["snils"]; note: строка',
    );
  });
});
