import { defineStore } from "pinia";
import { computed, ref, shallowRef } from "vue";
import { api } from "@/api/client";
import type { Health } from "@/api/types";
import { healthColour } from "@/events/health";
import type { OrgEntity, Snapshot } from "@/events/protocol";
import { applyEvent } from "@/events/state";
import { EventStream, type SocketLike, type StreamStatus } from "@/events/stream";

export interface OrgChange {
  entity: OrgEntity;
  id: number;
  seq: number;
}

/** Live presence and health from /api/v1/events, plus organisation-change notices. */
export const useRealtimeStore = defineStore("realtime", () => {
  const snapshot = shallowRef<Snapshot | null>(null);
  const status = ref<StreamStatus>("idle");
  const orgChange = ref<OrgChange | null>(null);
  let stream: EventStream | null = null;
  let orgSeq = 0;

  const connected = computed(() => status.value === "open");
  const presence = computed(() => snapshot.value?.presence ?? null);
  const health = computed<Health | null>(() => snapshot.value?.health ?? null);
  const indicator = computed(() => healthColour(health.value, connected.value));

  function start(onEnded: (reason: string) => void): void {
    if (stream !== null) return;
    stream = new EventStream(
      window.location.origin,
      {
        snapshot: (fresh) => {
          snapshot.value = fresh;
        },
        event: (event) => {
          if (snapshot.value !== null) snapshot.value = applyEvent(snapshot.value, event);
          if (!("unknown" in event) && event.type === "org.changed") {
            orgSeq += 1;
            orgChange.value = { entity: event.data.entity, id: event.data.id, seq: orgSeq };
          }
        },
        status: (next) => {
          status.value = next;
        },
        ended: (reason) => {
          stream = null;
          onEnded(reason);
        },
        disconnected: () => void recheck(),
      },
      { socket: (url) => new WebSocket(url) as unknown as SocketLike },
    );
    stream.start();
  }

  /**
   * While the socket is down: a signed-out session shows up as a 401 here (and the app returns
   * to /auth), and the indicator keeps showing the SIP side from a fresh health check.
   */
  async function recheck(): Promise<void> {
    const [, health] = await Promise.all([
      api.GET("/api/v1/me").catch(() => null),
      api.GET("/api/v1/health").catch(() => null),
    ]);
    if (health?.data !== undefined && snapshot.value !== null) {
      snapshot.value = { ...snapshot.value, health: health.data };
    }
  }

  function stop(): void {
    stream?.stop();
    stream = null;
    snapshot.value = null;
  }

  return { snapshot, status, connected, presence, health, indicator, orgChange, start, stop };
});
