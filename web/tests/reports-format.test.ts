import { describe, expect, it } from "vitest";

import { formatFigure } from "@/features/reports/model";

describe("report figures", () => {
  it("writes durations as m:ss or h:mm:ss, shares as percent, counts as numbers", () => {
    expect(formatFigure(150, "seconds")).toBe("2:30");
    expect(formatFigure(3725.4, "seconds")).toBe("1:02:05");
    expect(formatFigure(90_061, "seconds")).toBe("25:01:01");
    expect(formatFigure(0.8, "ratio")).toBe("80.0 %");
    expect(formatFigure(12, "count")).toBe("12");
    expect(formatFigure(null, "seconds")).toBe("—");
  });
});
