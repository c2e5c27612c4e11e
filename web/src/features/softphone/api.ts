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
/** Where a blind transfer sends the caller: a queue, a group (its queue), a service (its entry), a colleague (with the card), a number. */
export type TransferTarget = { queue_id: number } | Unit | { user_id: number } | { number: string };
/** An operator of my groups on shift, with the live state (OPS-20). */
export type Colleague = Schemas["ShiftColleagueOut"];
/** Whom the operator consults or calls: a colleague, a group or a service (a free operator there), a number. */
export type CallTarget = { user_id: number } | Unit | { number: string };
export type CompleteMode = Schemas["ConsultCompleteIn"]["mode"];

export async function hangUp(): Promise<void> {
  await unwrap(api.POST("/api/v1/operators/me/call/hang-up"));
}

export async function hold(held: boolean): Promise<void> {
  await unwrap(api.POST(held ? "/api/v1/operators/me/call/hold" : "/api/v1/operators/me/call/unhold"));
}

/** A call a colleague put through to this desk (an offer with `from_user_id`): answered or declined here. */
export async function answerPutThrough(callId: string, answered: boolean): Promise<void> {
  const path = answered ? "/api/v1/operators/me/transfers/{call_id}/answer" : "/api/v1/operators/me/transfers/{call_id}/decline";
  await unwrap(api.POST(path, { params: { path: { call_id: callId } } }));
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

/** Dials a number or a colleague, from a card when `caseId` is given; the answer is the new call's id (201). */
export async function placeCall(target: CallTarget, caseId: number | null = null): Promise<string> {
  const body = caseId === null ? target : { ...target, case_id: caseId };
  return (await unwrap(api.POST("/api/v1/operators/me/calls", { body }))).call_id;
}

/** The operators of my groups on shift with their states: whom a call can be transferred to. */
export async function listColleagues(): Promise<Colleague[]> {
  return (await unwrap(api.GET("/api/v1/operators/me/colleagues"))).items;
}
