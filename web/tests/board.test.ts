import { describe, expect, it } from "vitest";
import { draftProblems, mayChange, type Notice } from "@/features/board/model";
import { parseServerMessage, type StreamEvent } from "@/shared/events/protocol";
import { applyEvent } from "@/shared/realtime/dispatch";
import { health, snapshot } from "./fixtures";

function notice(id: number, pinned_at: string, text = "Собрание", group_ids = [1]): Notice {
  return { id, author_id: 7, author_name: "Волкова Елена Андреевна", text, group_ids, expires_at: null, pinned_at, changed_at: pinned_at };
}

function event(id: number, type: StreamEvent["type"], data: unknown): StreamEvent {
  const frame = JSON.stringify({ kind: "event", id, at: "2026-11-25T09:00:00+00:00", type, data });
  const parsed = parseServerMessage(frame);
  if (parsed.kind !== "event" || "unknown" in parsed.event) throw new Error("not a known event");
  return parsed.event;
}

describe("message board", () => {
  it("a pinned notice joins the board newest first, a change replaces it, a repeat changes nothing", () => {
    const start = { ...snapshot([], health("ok", "ok")), board: [notice(1, "2026-11-25T08:00:00+00:00")] };
    const pinned = event(5, "board.notice_pinned", { notice: notice(2, "2026-11-25T09:00:00+00:00", "<b>Новое</b>") });
    const once = applyEvent(start, pinned);
    expect(once.board.map((n) => n.id)).toEqual([2, 1]);
    expect(applyEvent(once, pinned)).toEqual(once);
    const changed = event(6, "board.notice_pinned", {
      notice: { ...notice(1, "2026-11-25T08:00:00+00:00", "Перенесено"), changed_at: "2026-11-25T09:30:00+00:00" },
    });
    const after = applyEvent(once, changed);
    expect(after.board.map((n) => [n.id, n.text])).toEqual([
      [2, "<b>Новое</b>"],
      [1, "Перенесено"],
    ]);
    const removed = event(7, "board.notice_removed", { id: 2, reason: "expired" });
    expect(applyEvent(after, removed).board.map((n) => n.id)).toEqual([1]);
    expect(applyEvent(applyEvent(after, removed), removed).board.map((n) => n.id)).toEqual([1]);
  });

  it("the snapshot brings the board whole, and a bad notice is refused", () => {
    const ready = JSON.stringify({
      kind: "ready",
      stream: "s",
      resumed: false,
      last_id: 0,
      snapshot: { ...snapshot([], health("ok", "ok")), board: [notice(3, "2026-11-25T08:00:00+00:00")] },
    });
    const parsed = parseServerMessage(ready);
    expect(parsed.kind === "ready" ? parsed.snapshot?.board.map((n) => n.id) : null).toEqual([3]);
    expect(() => event(8, "board.notice_removed", { id: 3, reason: "deleted" })).toThrow();
    expect(() => event(9, "board.notice_pinned", { notice: { ...notice(4, "x"), group_ids: ["1"] } })).toThrow();
  });

  it("a draft needs a text within the limit, a group and an expiry still to come", () => {
    const now = Date.parse("2026-11-25T09:00:00Z");
    const ok = { text: "Собрание", group_ids: [1], expires_at: "2026-11-25T10:00:00Z" };
    expect(draftProblems(ok, now)).toEqual([]);
    expect(draftProblems({ ...ok, text: "   " }, now)).toEqual(["board.textNeeded"]);
    expect(draftProblems({ ...ok, text: "я".repeat(2001) }, now)).toEqual(["board.tooLong"]);
    expect(draftProblems({ ...ok, group_ids: [] }, now)).toEqual(["board.groupNeeded"]);
    expect(draftProblems({ ...ok, expires_at: "2026-11-25T08:59:00Z" }, now)).toEqual(["board.expiryPast"]);
  });

  it("a senior changes a notice only when all its groups are theirs", () => {
    const both = notice(1, "2026-11-25T08:00:00+00:00", "x", [1, 2]);
    expect(mayChange(both, [1, 2, 3], false)).toBe(true);
    expect(mayChange(both, [1], false)).toBe(false);
    expect(mayChange(both, [], true)).toBe(true);
  });
});
