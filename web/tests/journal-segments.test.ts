import { describe, expect, it } from "vitest";
import { segmentParties, type RecordingSegment } from "@/features/journal/model";

function segment(parties: RecordingSegment["parties"], mixed = false): RecordingSegment {
  return { position: 0, started_at: "", ended_at: null, offset_s: 0, duration_s: null, mixed, parties };
}

const roles = { caller: "Заявитель", operator: "Оператор", consultant: "Консультант", supervisor: "Старший" };

describe("who was in a segment of the recording", () => {
  it("names the caller by their number and our users by name, in the channels' order", () => {
    const found = segment([
      { leg_id: "a", role: "caller", party: "+79161234567", name: null },
      { leg_id: "b", role: "operator", party: "7", name: "Иванова Мария Сергеевна" },
    ]);
    expect(segmentParties(found, (role) => roles[role])).toBe("Заявитель +79161234567, Иванова Мария Сергеевна");
  });

  it("shows an outside consultant's number when there is no name", () => {
    const found = segment([
      { leg_id: "c", role: "consultant", party: "+74951112233", name: null },
      { leg_id: "b", role: "operator", party: "7", name: "Иванова Мария Сергеевна" },
    ]);
    expect(segmentParties(found, (role) => roles[role])).toBe("+74951112233, Иванова Мария Сергеевна");
  });
});
