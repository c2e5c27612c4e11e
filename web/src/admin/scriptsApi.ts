// Questionnaire scripts of a case type through the generated client.
import { api, unwrap } from "@/api/client";
import type { ScriptBody, ScriptOut } from "./scripts";

export async function listScripts(caseTypeId: number): Promise<ScriptOut[]> {
  return unwrap(
    api.GET("/api/v1/case-types/{case_type_id}/scripts", { params: { path: { case_type_id: caseTypeId } } }),
  );
}

export async function saveScript(caseTypeId: number, body: ScriptBody): Promise<ScriptOut> {
  return unwrap(
    api.PUT("/api/v1/case-types/{case_type_id}/scripts", {
      params: { path: { case_type_id: caseTypeId } },
      body,
    }),
  );
}
