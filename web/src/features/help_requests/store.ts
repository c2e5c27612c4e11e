// «Помощь старшего» on this desktop: the requests it may see (a snapshot from the API on every fresh
// event stream, then help_request.changed), the operator's own request, the senior's alerts.
import { defineStore } from "pinia";
import { computed, shallowRef } from "vue";
import { chime } from "@/features/messages/notify";
import { ApiError } from "@/shared/api/errors";
import { useSessionStore } from "@/features/auth/store";
import { useMonitoringStore } from "@/features/supervision/store";
import { activeRequests, cancelRequest, raiseHand, takeRequest } from "./api";
import { alertsFor, ownRequest, TAKEN_NOTICE_MS, withRequest, type HelpMode, type HelpRequest } from "./model";

export const useHelpRequestsStore = defineStore("helpRequests", () => {
  const session = useSessionStore();
  const monitoring = useMonitoringStore();
  const requests = shallowRef<HelpRequest[]>([]);
  // Taken alerts the senior has seen long enough (TAKEN_NOTICE_MS after another senior took them).
  const hidden = shallowRef<Set<number>>(new Set());
  const busy = shallowRef(false);
  const error = shallowRef<ApiError | null>(null); // the operator's raise or cancel
  const alertError = shallowRef<ApiError | null>(null); // the senior's take or joining the call
  /** The last `seniors_notified` the server answered a raise with (0: nobody on shift to ask). */
  const notified = shallowRef<number | null>(null);

  // How far this browser's clock is ahead of the server's (ms): the wait is counted on the server's.
  const clockOffsetMs = shallowRef(0);
  const serverNow = (): number => Date.now() - clockOffsetMs.value;
  function seen(serverTime: string): void {
    const at = Date.parse(serverTime);
    if (!Number.isNaN(at)) clockOffsetMs.value = Date.now() - at;
  }

  const me = computed(() => session.me?.id ?? 0);
  const alerts = computed(() => alertsFor(requests.value, me.value, hidden.value));

  /** Re-reads the open requests; a refusal keeps what is shown (the next fresh stream reads again). */
  async function load(): Promise<void> {
    let active: Awaited<ReturnType<typeof activeRequests>>;
    try {
      active = await activeRequests();
    } catch (caught) {
      if (caught instanceof ApiError) return;
      throw caught;
    }
    seen(active.as_of);
    requests.value = active.items;
    // Taken while this desktop was away: nothing to announce any more.
    const taken = active.items.filter((r) => r.status === "taken").map((r) => r.id);
    hidden.value = new Set([...hidden.value, ...taken]);
  }

  function changed(request: HelpRequest, at: string): void {
    seen(at);
    const known = requests.value.some((r) => r.id === request.id);
    requests.value = withRequest(requests.value, request);
    // A colleague's new request: the senior hears it even with the console in another tab.
    if (request.operator_id !== me.value && request.status === "open" && !known) chime();
    if (request.status === "taken" && request.taken_by !== me.value) {
      setTimeout(() => {
        hidden.value = new Set([...hidden.value, request.id]);
      }, TAKEN_NOTICE_MS);
    }
  }

  async function act<T>(call: () => Promise<T>, failed = error): Promise<T | null> {
    busy.value = true;
    failed.value = null;
    try {
      return await call();
    } catch (caught) {
      if (!(caught instanceof ApiError)) throw caught;
      failed.value = caught;
      return null;
    } finally {
      busy.value = false;
    }
  }

  /** The operator has an open or taken request on this call already. */
  function asked(callId: string): boolean {
    return ownRequest(requests.value, me.value, callId) !== null;
  }

  async function raise(): Promise<void> {
    const raised = await act(raiseHand);
    if (raised !== null) {
      notified.value = raised.seniors_notified;
      requests.value = withRequest(requests.value, raised.request);
    } else if (error.value?.code === "already_raised") {
      error.value = null; // a second press: the request is already there
      await load();
    }
  }

  async function cancel(id: number): Promise<void> {
    const done = await act(() => cancelRequest(id));
    if (done !== null) requests.value = withRequest(requests.value, done);
  }

  /**
   * One click on the alert: take the request (the first senior wins), then join the call with the
   * senior's own audio, listening or whispering (the console's monitoring session: its bar switches
   * mode and leaves).
   */
  async function take(id: number, mode: HelpMode): Promise<void> {
    const taken = await act(() => takeRequest(id, mode), alertError);
    if (taken === null) return;
    requests.value = withRequest(requests.value, taken);
    await act(() => monitoring.start(taken.call_id, mode), alertError);
  }

  return { requests, alerts, busy, error, alertError, notified, serverNow, load, changed, asked, raise, cancel, take };
});
