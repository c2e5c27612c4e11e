// The trunks screen's calls and the form's plain values. A password is sent only when typed: the
// server never returns one, it says whether one is set.
import { api, unwrap } from "@/shared/api/client";
import type { components } from "@/shared/api/schema";

export type TrunkItem = components["schemas"]["TrunkOut"];
export type TrunkBody = components["schemas"]["TrunkIn"];
export type LiveState = TrunkItem["live"]["state"];

export const TRANSPORTS = ["udp", "tcp", "tls"] as const;
export const CODECS = ["PCMA", "PCMU"] as const;

export interface TrunkForm {
  name: string;
  host: string;
  port: number;
  transport: string;
  username: string;
  password: string;
  registration: boolean;
  prefixes: string;
  caller_id: string;
  codecs: string[];
  max_calls: number | null;
  keepalive_s: number;
}

export function emptyForm(): TrunkForm {
  return {
    name: "",
    host: "",
    port: 5060,
    transport: "udp",
    username: "",
    password: "",
    registration: false,
    prefixes: "",
    caller_id: "",
    codecs: [...CODECS],
    max_calls: null,
    keepalive_s: 30,
  };
}

export function formOf(trunk: TrunkItem): TrunkForm {
  return {
    name: trunk.name,
    host: trunk.host,
    port: trunk.port,
    transport: trunk.transport,
    username: trunk.username ?? "",
    password: "",
    registration: trunk.registration,
    prefixes: trunk.prefixes.join(", "),
    caller_id: trunk.caller_id ?? "",
    codecs: [...trunk.codecs],
    max_calls: trunk.max_calls,
    keepalive_s: trunk.keepalive_s,
  };
}

/** Prefixes typed as «+7495, +7496» or one per line. */
export function parsePrefixes(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((p) => p.trim())
    .filter((p) => p !== "");
}

export function bodyOf(form: TrunkForm): TrunkBody {
  return {
    name: form.name.trim(),
    host: form.host.trim(),
    port: form.port,
    transport: form.transport,
    username: form.username.trim() || null,
    password: form.password === "" ? null : form.password,
    registration: form.registration,
    prefixes: parsePrefixes(form.prefixes),
    caller_id: form.caller_id.trim() || null,
    codecs: form.codecs,
    max_calls: form.max_calls,
    keepalive_s: form.keepalive_s,
  };
}

/** The colour of a trunk's state: red for a carrier that does not answer. */
export function stateType(state: LiveState): "success" | "error" | "default" {
  return state === "up" ? "success" : state === "down" ? "error" : "default";
}

export async function listTrunks(): Promise<TrunkItem[]> {
  return unwrap(api.GET("/api/v1/admin/trunks"));
}

export async function createTrunk(body: TrunkBody): Promise<TrunkItem> {
  return unwrap(api.POST("/api/v1/admin/trunks", { body }));
}

export async function updateTrunk(id: number, body: TrunkBody): Promise<TrunkItem> {
  return unwrap(api.PUT("/api/v1/admin/trunks/{trunk_id}", { params: { path: { trunk_id: id } }, body }));
}

export async function deleteTrunk(id: number): Promise<void> {
  await unwrap(api.DELETE("/api/v1/admin/trunks/{trunk_id}", { params: { path: { trunk_id: id } } }));
}
