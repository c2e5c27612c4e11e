// The abandoned-calls list and taking an entry to call the applicant back.
import { api, unwrap } from "@/shared/api/client";
import type { AbandonedCall, TakeState } from "./model";

export function listAbandoned(): Promise<AbandonedCall[]> {
  return unwrap(api.GET("/api/v1/abandoned-calls"));
}

export async function takeAbandoned(id: string): Promise<TakeState> {
  const answer = await unwrap(api.POST("/api/v1/abandoned-calls/{entry_id}/take", { params: { path: { entry_id: id } } }));
  return answer.state;
}
