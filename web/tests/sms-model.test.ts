import { describe, expect, it } from "vitest";
import { partsOf, withSms, type Sms } from "@/features/sms/model";

describe("partsOf", () => {
  it("counts the GSM alphabet in 160 and 153 septets, extension characters twice", () => {
    expect(partsOf("")).toBe(0);
    expect(partsOf("a".repeat(160))).toBe(1);
    expect(partsOf("a".repeat(161))).toBe(2);
    expect(partsOf("€".repeat(81))).toBe(2);
  });
  it("counts Cyrillic in UCS-2: 70 alone, 67 a part", () => {
    expect(partsOf("я".repeat(70))).toBe(1);
    expect(partsOf("я".repeat(71))).toBe(2);
    expect(partsOf("я".repeat(135))).toBe(3);
  });
});

describe("withSms", () => {
  it("replaces a message by id and keeps the list oldest first", () => {
    const a = { id: 1, state: "queued" } as Sms;
    const b = { id: 2, state: "received" } as Sms;
    expect(withSms([b, a], { ...a, state: "sent" }).map((s) => [s.id, s.state])).toEqual([
      [1, "sent"],
      [2, "received"],
    ]);
  });
});
