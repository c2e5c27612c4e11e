import { defineStore } from "pinia";
import { computed, ref } from "vue";
import { api, unwrap } from "@/shared/api/client";
import type { ApiError } from "@/shared/api/errors";
import type { OperatorState } from "@/shared/events/protocol";
import type { StatusRequest } from "@/features/operator/model";
import { useRealtimeStore } from "@/shared/realtime/store";

/** The operator's shift and offers: state from the event stream, changes through the API. */
export const useOperatorStore = defineStore("operator", () => {
  const realtime = useRealtimeStore();
  const busy = ref(false);
  const error = ref<ApiError | null>(null);

  const state = computed<OperatorState | null>(() => realtime.snapshot?.operator_state ?? null);
  const offer = computed(() => state.value?.offer ?? null);
  const queues = computed(() => realtime.snapshot?.queues ?? []);

  async function run(call: () => Promise<OperatorState>): Promise<void> {
    busy.value = true;
    error.value = null;
    try {
      // The answer is the state after the change; events that follow carry the same or newer.
      realtime.setOperatorState(await call());
    } catch (e) {
      error.value = e as ApiError;
    } finally {
      busy.value = false;
    }
  }

  function change(request: StatusRequest, note = ""): Promise<void> {
    const body =
      request.status === "on_break"
        ? { status: request.status, reason: request.reason, note }
        : { status: request.status, note: "" };
    return run(() => unwrap(api.PUT("/api/v1/operators/me/state", { body })));
  }

  const startShift = (): Promise<void> => change({ status: "ready" });

  function accept(callId: string): Promise<void> {
    return run(() =>
      unwrap(api.POST("/api/v1/operators/me/offers/{call_id}/accept", { params: { path: { call_id: callId } } })),
    );
  }

  function reject(callId: string): Promise<void> {
    return run(() =>
      unwrap(api.POST("/api/v1/operators/me/offers/{call_id}/reject", { params: { path: { call_id: callId } } })),
    );
  }

  return { state, offer, queues, busy, error, change, startShift, accept, reject };
});
