import { describe, expect, it, vi } from "vitest";
import { sortSent, unreadBroadcasts, withMessage, withRead, withReceived, type SentBroadcast } from "@/features/messages/model";
import { notify } from "@/features/messages/notify";
import { parseBroadcastSent, parseMessageSent, MessageParseError } from "@/features/messages/parse";

function sent(id: number, sender: string, at: string, reads: (string | null)[]): SentBroadcast {
  return {
    id,
    sender_id: id,
    sender_name: sender,
    text: `text ${id}`,
    sent_at: at,
    recipients: reads.map((read_at, i) => ({ user_id: i + 1, full_name: `op ${i + 1}`, group_id: 1, read_at })),
  };
}

describe("broadcasts", () => {
  const list = [
    sent(1, "Волкова", "2026-12-01T09:00:00Z", [null]),
    sent(2, "Андреева", "2026-12-02T09:00:00Z", [null]),
    sent(3, "Волкова", "2026-12-03T09:00:00Z", [null]),
  ];

  it("sorts by date, newest first, or by sender then date (fig. 50–51)", () => {
    expect(sortSent(list, "date").map((b) => b.id)).toEqual([3, 2, 1]);
    expect(sortSent(list, "sender").map((b) => b.id)).toEqual([2, 3, 1]);
  });

  it("turns a recipient green once, whatever the order of marks", () => {
    const mark = { broadcast_id: 2, user_id: 1, read_at: "2026-12-02T10:00:00Z" };
    const once = withRead(list, mark);
    expect(once[1]!.recipients[0]!.read_at).toBe("2026-12-02T10:00:00Z");
    expect(withRead(once, { ...mark, read_at: "2026-12-02T11:00:00Z" })).toEqual(once);
    expect(once[0]).toBe(list[0]);
  });

  it("adds a received broadcast once and counts the unread", () => {
    const notice = { id: 5, sender_id: 1, sender_name: "В", text: "t", sent_at: "2026-12-02T10:00:00Z" };
    const one = withReceived([], notice);
    expect(withReceived(one, notice)).toBe(one);
    expect(unreadBroadcasts(one)).toBe(1);
  });
});

describe("messages", () => {
  it("keeps a conversation in id order without duplicates", () => {
    const m = (id: number) => ({
      id,
      sender_id: 1,
      sender_name: "a",
      recipient_id: 2,
      recipient_name: "b",
      text: "x",
      sent_at: "2026-12-02T10:00:00Z",
      read_at: null,
    });
    expect(withMessage([m(1), m(3)], m(2)).map((x) => x.id)).toEqual([1, 2, 3]);
    expect(withMessage([m(1)], m(1)).length).toBe(1);
  });

  it("parses the payloads and refuses a malformed one", () => {
    const data = parseMessageSent(
      {
        message: {
          id: 1,
          sender_id: null,
          sender_name: "a",
          recipient_id: 2,
          recipient_name: "b",
          text: "<b>x</b>",
          sent_at: "t",
          read_at: null,
        },
      },
      "data",
    );
    expect(data.message.text).toBe("<b>x</b>");
    expect(() => parseBroadcastSent({ broadcast: { id: "1" } }, "data")).toThrow(MessageParseError);
  });
});

describe("notification settings", () => {
  it("runs only the outlets that are on", () => {
    const outlets = { service: vi.fn(), sound: vi.fn(), browser: vi.fn() };
    notify({ service: true, sound: false, browser: true }, outlets, { title: "t", body: "b" });
    expect(outlets.service).toHaveBeenCalledOnce();
    expect(outlets.sound).not.toHaveBeenCalled();
    expect(outlets.browser).toHaveBeenCalledOnce();
  });
});
