// The statistics screen's figures, read while it is open. The server keeps them as running
// counters, so a read is cheap; the screen re-reads every REFRESH_MS to stay live.
import { defineStore } from "pinia";
import { ref } from "vue";
import { statisticsApi, type CenterShift, type OperatorShift } from "./api";

export const REFRESH_MS = 5000;

export const useStatisticsStore = defineStore("statistics", () => {
  const operator = ref<OperatorShift | null>(null);
  const center = ref<CenterShift | null>(null);
  const failed = ref(false);
  let timer: ReturnType<typeof setInterval> | null = null;

  async function load(): Promise<void> {
    try {
      [operator.value, center.value] = await Promise.all([statisticsApi.operator(), statisticsApi.center()]);
      failed.value = false;
    } catch {
      failed.value = true;
    }
  }

  function start(): void {
    stop();
    void load();
    timer = setInterval(() => void load(), REFRESH_MS);
  }

  function stop(): void {
    if (timer !== null) clearInterval(timer);
    timer = null;
  }

  return { operator, center, failed, load, start, stop };
});
