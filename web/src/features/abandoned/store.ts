// The abandoned-calls panel's state: the list (read again every few seconds while the panel is open,
// as entries come and go with callers and colleagues) and the last refusal.
import { defineStore } from "pinia";
import { ref, shallowRef } from "vue";
import type { ApiError } from "@/shared/api/errors";
import { listAbandoned, takeAbandoned } from "./api";
import type { AbandonedCall, TakeState } from "./model";

const REFRESH_MS = 5000;

export const useAbandonedStore = defineStore("abandoned", () => {
  const panelOpen = ref(false);
  const rows = shallowRef<AbandonedCall[]>([]);
  const loading = ref(false);
  const error = ref<ApiError | null>(null);
  let timer: number | null = null;

  async function load(): Promise<void> {
    loading.value = true;
    try {
      rows.value = await listAbandoned();
      error.value = null;
    } catch (e) {
      error.value = e as ApiError;
    } finally {
      loading.value = false;
    }
  }

  function follow(): void {
    void load();
    if (timer === null) timer = window.setInterval(() => void load(), REFRESH_MS);
  }

  function stop(): void {
    if (timer !== null) window.clearInterval(timer);
    timer = null;
  }

  /** «Перезвонить»: the refusal (403, 404, 409 naming who took it) is returned for the panel to show. */
  async function take(id: string): Promise<TakeState | ApiError> {
    try {
      const state = await takeAbandoned(id);
      await load();
      return state;
    } catch (e) {
      await load();
      return e as ApiError;
    }
  }

  return { panelOpen, rows, loading, error, load, follow, stop, take };
});
