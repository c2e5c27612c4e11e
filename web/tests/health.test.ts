import { describe, expect, it } from "vitest";
import { healthColour } from "@/features/health/model";
import { health } from "./fixtures";

describe("health indicator colour (seed §4.3.1.4)", () => {
  it.each([
    ["green when socket and SIP work and the page is connected", health("ok", "ok"), true, "green"],
    ["yellow when SIP is down", health("ok", "down"), true, "yellow"],
    ["yellow when SIP is degraded", health("ok", "degraded"), true, "yellow"],
    ["yellow when the server's socket service is degraded", health("degraded", "ok"), true, "yellow"],
    ["yellow when the page's own socket is disconnected", health("ok", "ok"), false, "yellow"],
    ["red when neither works", health("down", "down"), true, "red"],
    ["red when SIP is down and the page is disconnected", health("ok", "down"), false, "red"],
  ] as const)("%s", (_name, h, connected, colour) => {
    expect(healthColour(h, connected).colour).toBe(colour);
  });

  it("is red before any health is known and the socket is down", () => {
    expect(healthColour(null, false)).toEqual({ colour: "red", socketOk: false, sipOk: false });
  });
});
