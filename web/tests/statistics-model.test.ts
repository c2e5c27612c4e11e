import { describe, expect, it } from "vitest";
import { duration, occupancy, orderedStates, percent } from "@/features/statistics/model";

describe("statistics figures as written on the screen", () => {
  it("writes durations as m:ss or h:mm:ss, and a missing figure as a dash", () => {
    expect(duration(0)).toBe("0:00");
    expect(duration(65.4)).toBe("1:05");
    expect(duration(3 * 3600 + 7 * 60 + 9)).toBe("3:07:09");
    expect(duration(null)).toBe("—");
  });

  it("writes shares as whole percent", () => {
    expect(percent(0.256)).toBe("26 %");
    expect(percent(null)).toBe("—");
  });

  it("orders states as the status menu does, unknown ones last", () => {
    expect(orderedStates({ on_break: 1, zzz: 2, ready: 3, aaa: 4 })).toEqual([
      ["ready", 3],
      ["on_break", 1],
      ["aaa", 4],
      ["zzz", 2],
    ]);
  });
});

describe("occupancy on the statistics screen", () => {
  it("is talk and wrap-up over staffed-available time, breaks and offline apart", () => {
    // ready 600 + 840, on_call 300, wrap-up 60, offered 0; the lunch break and offline are not staffed
    const states = { offline: 3600, ready: 1440, on_call: 300, wrap_up: 60, on_break: 1800 };
    expect(occupancy(states)).toBeCloseTo(360 / 1800);
    expect(percent(occupancy(states))).toBe("20 %");
    expect(occupancy({ on_break: 600 })).toBeNull();
    expect(occupancy({})).toBeNull();
  });
});
