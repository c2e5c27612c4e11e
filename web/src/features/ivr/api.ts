// The IVR flow editor's calls: flows and their versions, save (a new version each time), rollback, the
// diff between two versions and «try it». Refusals arrive as ApiError with each problem's node.
import { api, unwrap } from "@/shared/api/client";
import type { components } from "@/shared/api/schema";
import type { FlowDoc } from "@/features/ivr/graph";

export type FlowOut = components["schemas"]["FlowOut"];
export type FlowSummary = components["schemas"]["FlowSummaryOut"];
export type FlowVersion = components["schemas"]["FlowVersionOut"];
export type FlowDiff = components["schemas"]["FlowDiffOut"];
export type Simulation = components["schemas"]["SimulationOut"];

const path = (name: string) => ({ params: { path: { name } } });

export async function listFlows(): Promise<FlowSummary[]> {
  return (await unwrap(api.GET("/api/v1/admin/ivr-flows"))).items;
}

export async function getFlow(name: string, version?: number): Promise<FlowOut> {
  const query = version === undefined ? {} : { version };
  return unwrap(api.GET("/api/v1/admin/ivr-flows/{name}", { params: { path: { name }, query } }));
}

export async function createFlow(doc: FlowDoc): Promise<FlowOut> {
  return unwrap(api.POST("/api/v1/admin/ivr-flows", { body: doc }));
}

export async function saveFlow(doc: FlowDoc): Promise<FlowOut> {
  return unwrap(api.PUT("/api/v1/admin/ivr-flows/{name}", { ...path(doc.name), body: doc }));
}

export async function rollbackFlow(name: string, version: number): Promise<FlowOut> {
  return unwrap(api.POST("/api/v1/admin/ivr-flows/{name}/rollback", { ...path(name), body: { version } }));
}

export async function diffFlow(name: string, before: number, after: number): Promise<FlowDiff> {
  return unwrap(
    api.GET("/api/v1/admin/ivr-flows/{name}/diff", { params: { path: { name }, query: { before, after } } }),
  );
}

/** Walks the unsaved document (checked as on save) with the keys at a wall-clock time of the flow's zone. */
export async function simulateFlow(name: string, doc: FlowDoc, keys: string, at: string): Promise<Simulation> {
  return unwrap(api.POST("/api/v1/admin/ivr-flows/{name}/simulate", { ...path(name), body: { keys, at, flow: doc } }));
}

/** The flow's document from the server's answer: only the JSON form's own keys. */
export function docOf(flow: FlowOut): FlowDoc {
  return {
    name: flow.name,
    entry: flow.entry,
    timezone: flow.timezone,
    nodes: JSON.parse(JSON.stringify(flow.nodes)) as FlowDoc["nodes"],
  };
}
