// The current shift's statistics: the reader's own (OPS-27) and the contact centre's (OPS-28).
import { api, unwrap } from "@/shared/api/client";
import type { components } from "@/shared/api/schema";

export type OperatorShift = components["schemas"]["OperatorShiftOut"];
export type CenterShift = components["schemas"]["CenterShiftOut"];
export type QueueShift = components["schemas"]["QueueShiftOut"];

export type StaffingPlan = components["schemas"]["StaffingOut"];
export type CallStatistics = components["schemas"]["CallStatisticsOut"];
export type CallFigures = components["schemas"]["CallFiguresOut"];
export type Shift = components["schemas"]["ShiftOut"];
export type Breakdown = "queue" | "group" | "service" | "operator";

export interface CallStatisticsQuery {
  since: string;
  until: string;
  by: Breakdown;
  shift_id?: number;
  group_id?: number;
}

export const statisticsApi = {
  staffing: (queueId: number, day: string): Promise<StaffingPlan> =>
    unwrap(api.GET("/api/v1/statistics/staffing", { params: { query: { queue_id: queueId, day } } })),
  operator: (): Promise<OperatorShift> => unwrap(api.GET("/api/v1/statistics/shift/operator")),
  center: (): Promise<CenterShift> => unwrap(api.GET("/api/v1/statistics/shift/center")),
  shifts: (): Promise<Shift[]> => unwrap(api.GET("/api/v1/statistics/shifts")),
  calls: (query: CallStatisticsQuery): Promise<CallStatistics> =>
    unwrap(api.GET("/api/v1/statistics/calls", { params: { query } })),
};
