// The operator's call controls and phone account (TEL-12, TEL-17, TEL-19, OPS-05, OPS-21), through
// the app's generated client (CSRF echo, 401 watch).
import { api, unwrap } from "@/shared/api/client";
import type { components } from "@/shared/api/schema";

type Schemas = components["schemas"];

export type PhoneSettings = Schemas["PhoneOut"];
export type PhoneMode = PhoneSettings["mode"];
export type SipAccount = Schemas["SipAccountOut"];
export type PhoneUpdate = Schemas["PhoneIn"];
export type QueueChoice = Schemas["QueueLiveOut"];

export type CallTargets = Schemas["CallTargetsOut"];
type Unit = { group_id: number } | { service_id: number };
/** Where a blind transfer sends the caller: a queue, a group (its queue), a service (its entry), a number. */
export type TransferTarget = { queue_id: number } | Unit | { number: string };
/** Whom the operator consults or calls: a colleague, a group or a service (a free operator there), a number. */
export type CallTarget = { user_id: number } | Unit | { number: string };
export type CompleteMode = Schemas["ConsultCompleteIn"]["mode"];

export async function hangUp(): Promise<void> {
  await unwrap(api.POST("/api/v1/operators/me/call/hang-up"));
}

export async function hold(held: boolean): Promise<void> {
  await unwrap(api.POST(held ? "/api/v1/operators/me/call/hold" : "/api/v1/operators/me/call/unhold"));
}

export function loadPhone(): Promise<PhoneSettings> {
  return unwrap(api.GET("/api/v1/operators/me/phone"));
}

export function savePhone(update: PhoneUpdate): Promise<PhoneSettings> {
  return unwrap(api.PUT("/api/v1/operators/me/phone", { body: update }));
}

/** The queues the signed-in user sees (their groups' queues; all of them for an administrator). */
export async function listQueues(): Promise<QueueChoice[]> {
  return (await unwrap(api.GET("/api/v1/queues"))).items;
}

/** Every service and group a call may be sent to. */
export function listCallTargets(): Promise<CallTargets> {
  return unwrap(api.GET("/api/v1/operators/me/call-targets"));
}

export async function transfer(target: TransferTarget): Promise<void> {
  await unwrap(api.POST("/api/v1/operators/me/call/transfer", { body: target }));
}

export async function consult(target: CallTarget): Promise<void> {
  await unwrap(api.POST("/api/v1/operators/me/call/consult", { body: target }));
}

export async function consultSwap(): Promise<void> {
  await unwrap(api.POST("/api/v1/operators/me/call/consult/swap"));
}

export async function consultComplete(mode: CompleteMode): Promise<void> {
  await unwrap(api.POST("/api/v1/operators/me/call/consult/complete", { body: { mode } }));
}

export async function consultCancel(): Promise<void> {
  await unwrap(api.POST("/api/v1/operators/me/call/consult/cancel"));
}

/** Dials a number or a colleague; the answer is the new call's id (201). */
export async function placeCall(target: CallTarget): Promise<string> {
  return (await unwrap(api.POST("/api/v1/operators/me/calls", { body: target }))).call_id;
}
