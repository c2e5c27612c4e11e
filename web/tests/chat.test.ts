import { describe, expect, it } from "vitest";
import { timeline, withMessage, type ChatMedia, type ChatMessage } from "@/features/chat/model";

function message(id: number, at: string, extra: Partial<ChatMessage> = {}): ChatMessage {
  return { id, case_id: 7, channel: "app", author: "citizen", author_name: "", text: `m${id}`, media_id: null, created_at: at, delivery: null, problem: "", ...extra };
}

const photo: ChatMedia = {
  id: 5,
  kind: "photo",
  content_type: "image/jpeg",
  size: 100,
  created_at: "2026-09-12T09:01:00Z",
  exif_latitude: 55.75,
  exif_longitude: 37.6,
};

describe("the chat timeline", () => {
  it("puts messages, their media and status changes in time order, without the first status", () => {
    const items = timeline(
      [message(2, "2026-09-12T09:03:00Z"), message(1, "2026-09-12T09:01:00Z", { media_id: 5, text: "" })],
      [photo],
      [
        { status: "new", at: "2026-09-12T09:00:00Z" },
        { status: "in_work", at: "2026-09-12T09:02:00Z" },
      ],
    );
    expect(items.map((item) => item.key)).toEqual(["m1", "s0", "m2"]);
    const first = items[0];
    expect(first?.kind === "message" ? first.media?.id : null).toBe(5);
  });

  it("takes a live message once, in id order", () => {
    const one = [message(1, "2026-09-12T09:00:00Z"), message(3, "2026-09-12T09:02:00Z")];
    const added = withMessage(one, message(2, "2026-09-12T09:01:00Z"));
    expect(added.map((m) => m.id)).toEqual([1, 2, 3]);
    expect(withMessage(added, message(2, "2026-09-12T09:01:00Z"))).toHaveLength(3);
  });
});
