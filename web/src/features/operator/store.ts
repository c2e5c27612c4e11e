import { defineStore } from "pinia";
import { computed, ref, watch } from "vue";
import { api, unwrap } from "@/shared/api/client";
import type { ApiError } from "@/shared/api/errors";
import type { OperatorState } from "@/shared/events/protocol";
import type { StatusRequest } from "@/features/operator/model";
import { ACTIVITY_EVENTS, ActivityThrottle, reportEveryMs, reportsActivity } from "@/features/operator/activity";
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
      const changesBefore = realtime.ownStateChanges();
      realtime.setOperatorState(await call(), changesBefore);
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

  // Desk activity (OPS-02): when the server last heard the desk is in use. A change of state counts
  // as activity on the server too, so it restarts the count here as well.
  const activeAt = ref(Date.now());
  // When this desk learnt of the current state: the wrap-up countdown runs from it.
  const changedAt = ref(Date.now());
  watch(
    () => [state.value?.status, state.value?.since],
    () => {
      activeAt.value = Date.now();
      changedAt.value = Date.now();
      // The state event does not carry the wrap-up's end: the state itself does.
      if (state.value?.status === "wrap_up" && state.value.wrap_up_until === null) void refresh();
    },
  );

  async function refresh(): Promise<void> {
    try {
      const fresh = await unwrap(api.GET("/api/v1/operators/me/state"));
      if (fresh.status === state.value?.status && fresh.since === state.value?.since) realtime.setOperatorState(fresh);
    } catch {
      // The countdown is left out; «Готов» still works.
    }
  }
  const throttle = new ActivityThrottle(() => void report());

  async function report(): Promise<void> {
    if (!reportsActivity(state.value)) return;
    const sentAt = Date.now();
    try {
      // A closed session answers 401: the app's 401 watch returns to the sign-in page.
      const { response } = await api.POST("/api/v1/operators/me/activity");
      if (response.ok) activeAt.value = sentAt;
    } catch {
      // Offline for a moment: the next activity tries again.
    }
  }

  /** Someone works at the desk: tell the server, at most once per interval. */
  function activity(): void {
    if (reportsActivity(state.value)) throttle.activity(reportEveryMs(state.value?.idle_to_away_s ?? null));
  }

  // Keyboard, mouse and focus anywhere in the signed-in app count, whatever screen is open: an
  // operator working on the journal or the statistics is at the desk too.
  const onActivity = (): void => activity();

  function startReporting(): void {
    for (const name of ACTIVITY_EVENTS) window.addEventListener(name, onActivity, { passive: true, capture: true });
  }

  function stopReporting(): void {
    for (const name of ACTIVITY_EVENTS) window.removeEventListener(name, onActivity, { capture: true });
    throttle.stop();
  }

  return {
    state,
    offer,
    queues,
    busy,
    error,
    activeAt,
    changedAt,
    change,
    startShift,
    accept,
    reject,
    activity,
    refresh,
    startReporting,
    stopReporting,
  };
});
