import type { Health } from "@/shared/api/types";

export type IndicatorColour = "green" | "yellow" | "red";

export interface IndicatorState {
  colour: IndicatorColour;
  /** The messaging service counts as working only while this page's own socket is up. */
  socketOk: boolean;
  sipOk: boolean;
}

/** Seed §4.3.1.4: green when both services work, yellow when one fails, red when neither does. */
export function healthColour(health: Health | null, socketConnected: boolean): IndicatorState {
  const socketOk = socketConnected && health?.components.socket.status === "ok";
  const sipOk = health?.components.sip.status === "ok";
  const colour: IndicatorColour = socketOk && sipOk ? "green" : socketOk || sipOk ? "yellow" : "red";
  return { colour, socketOk, sipOk };
}
