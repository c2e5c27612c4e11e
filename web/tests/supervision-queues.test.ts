// @vitest-environment jsdom
// The supervision «Очереди» board: each queue's shift figures by the queue's own answer threshold,
// marked when the service level is under the queue's target (the API's stand-in answers as specified).
import { flushPromises, mount } from "@vue/test-utils";
import { NMessageProvider } from "naive-ui";
import { createPinia, setActivePinia } from "pinia";
import { beforeEach, describe, expect, it } from "vitest";
import { defineComponent, h } from "vue";
import QueuesBoard from "@/features/supervision/components/QueuesBoard.vue";
import type { components } from "@/shared/api/schema";
import { i18n } from "@/shared/i18n";
import { useRealtimeStore } from "@/shared/realtime/store";
import { snapshot } from "./fixtures";
import { standInFetch } from "./standInFetch";

type Kpis = components["schemas"]["QueueKpisOut"];
type Queue = components["schemas"]["QueueLiveOut"];

const queue: Queue = {
  id: 3,
  group_id: 1,
  name: "Справочная",
  waiting: 0,
  waiting_by_priority: {},
  callbacks_waiting: 0,
  longest_wait_s: 0,
  available_operators: 1,
  eligible_operators: 2,
  logged_in_operators: 2,
  on_break_operators: 0,
  calls: [],
  left: [],
};

function kpis(over: Partial<Kpis>): Kpis {
  return {
    offered: 2,
    answered: 2,
    answered_within_t: 1,
    abandoned: 0,
    short_abandoned: 0,
    abandoned_within_t: 0,
    timed_out: 0,
    refused_on_entry: 0,
    completed: 2,
    service_level: 0.5,
    asa_s: 10,
    aht_s: 100,
    abandon_rate: 0,
    occupancy: null,
    longest_wait_s: 12,
    service_level_s: 10,
    service_level_target: 0.9,
    below_target: true,
    ...over,
  };
}

async function board(figures: Kpis) {
  standInFetch({ "GET /api/v1/queues/3/kpis": { status: 200, body: figures } });
  useRealtimeStore().snapshot = { ...snapshot([]), queues: [queue] };
  const Host = defineComponent({ render: () => h(NMessageProvider, null, { default: () => h(QueuesBoard) }) });
  const page = mount(Host, { global: { plugins: [i18n] }, attachTo: document.body });
  await flushPromises();
  return page;
}

describe("the queues board", () => {
  beforeEach(() => {
    setActivePinia(createPinia());
    i18n.global.locale.value = "ru";
  });

  it("words the service level by the queue's own T and marks it under the target", async () => {
    const page = await board(kpis({}));
    const level = page.get('[data-testid="queue-service-level"]');
    expect(level.text()).toBe("уровень обслуживания (T = 10 с): 50%, цель 90%");
    expect(level.classes()).toContain("below_target");
    expect(level.attributes("title")).toBe("Уровень обслуживания ниже целевого");
  });

  it("leaves a queue at its target unmarked", async () => {
    const page = await board(kpis({ service_level: 0.95, below_target: false }));
    const level = page.get('[data-testid="queue-service-level"]');
    expect(level.text()).toBe("уровень обслуживания (T = 10 с): 95%, цель 90%");
    expect(level.classes()).not.toContain("below_target");
  });
});
