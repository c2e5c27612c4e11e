// A card's SMS through the app's generated client.
import { api, unwrap } from "@/shared/api/client";
import type { Sms } from "./model";

export function caseSms(caseId: number): Promise<Sms[]> {
  return unwrap(api.GET("/api/v1/cases/{case_id}/sms", { params: { path: { case_id: caseId } } }));
}

export function sendSms(phone: string, text: string, caseId: number): Promise<Sms> {
  return unwrap(api.POST("/api/v1/sms", { body: { phone, text, case_id: caseId } }));
}
