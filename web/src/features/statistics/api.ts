// The current shift's statistics: the reader's own (OPS-27) and the contact centre's (OPS-28).
import { api, unwrap } from "@/shared/api/client";
import type { components } from "@/shared/api/schema";

export type OperatorShift = components["schemas"]["OperatorShiftOut"];
export type CenterShift = components["schemas"]["CenterShiftOut"];
export type QueueShift = components["schemas"]["QueueShiftOut"];

export type StaffingPlan = components["schemas"]["StaffingOut"];

export const statisticsApi = {
  staffing: (queueId: number, day: string): Promise<StaffingPlan> =>
    unwrap(api.GET("/api/v1/statistics/staffing", { params: { query: { queue_id: queueId, day } } })),
  operator: (): Promise<OperatorShift> => unwrap(api.GET("/api/v1/statistics/shift/operator")),
  center: (): Promise<CenterShift> => unwrap(api.GET("/api/v1/statistics/shift/center")),
};
