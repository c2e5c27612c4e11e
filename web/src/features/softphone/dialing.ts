// Whether the operator may place a call now, and placing one: the server refuses other states with
// 409 illegal_transition; the buttons are offered only when it would be taken (TEL-03, OPS-21).
import { computed, type ComputedRef } from "vue";
import type { ApiError } from "@/shared/api/errors";
import type { CallTarget } from "@/features/softphone/api";
import { useOperatorStore } from "@/features/operator/store";
import { useSoftphoneStore } from "@/features/softphone/store";

export function useDialing(): {
  canDial: ComputedRef<boolean>;
  dial: (target: CallTarget, label: string) => Promise<ApiError | null>;
} {
  const operator = useOperatorStore();
  const softphone = useSoftphoneStore();
  const canDial = computed(() => {
    const status = operator.state?.status;
    return (status === "ready" || status === "wrap_up") && softphone.call === null && softphone.outgoing === null;
  });
  return { canDial, dial: (target, label) => softphone.placeCall(target, label) };
}
