// The card opens with the call (TEL-14, OPS-18, OPS-20): the card of a call offered to this desk is
// shown while the phone rings, and a call a colleague transfers here opens its card with it.
import { onBeforeUnmount, watch } from "vue";
import { useCasesStore } from "@/features/cases/store";
import { useOperatorStore } from "@/features/operator/store";
import { offerDetails } from "@/shared/events/protocol";
import { useRealtimeStore } from "@/shared/realtime/store";

export function useCallCards(): void {
  const cases = useCasesStore();
  const operator = useOperatorStore();
  const realtime = useRealtimeStore();
  const colleagueName = (userId: number): string =>
    (realtime.presence?.operators_online ?? []).find((p) => p.user_id === userId)?.full_name ?? "";

  watch(
    () => operator.offer?.call_id ?? null,
    (callId) => {
      const offer = operator.offer;
      // A callback is a call the hotline places: its card was opened when the caller first called.
      if (callId === null || offer === null || offer.is_callback) return;
      const details = offerDetails(offer);
      void cases.openByCall(callId, {
        caller: offer.caller,
        serviceNumber: details.service_number,
        serviceName: details.service_name,
        groupName: details.group_name || offer.queue_name,
        since: Date.now(),
        // A call a colleague puts through rings with the card they had.
        from: offer.from_user_id == null ? null : colleagueName(offer.from_user_id),
      });
    },
    { immediate: true },
  );

  const stop = realtime.onCaseHandedOver((handover) => {
    void cases.openByCall(handover.call_id, {
      caller: handover.caller,
      serviceNumber: handover.service_number,
      serviceName: handover.service_name,
      groupName: handover.group_name,
      since: Date.now(),
      from: handover.from_name,
    });
  });
  onBeforeUnmount(stop);
}
