// The operator's call controls and phone account (TEL-19, OPS-05). These endpoints are agreed
// with the server but not in the generated OpenAPI document yet, so they are described here in
// the generator's shape and called through the app's client (same CSRF and 401 handling). After
// `make openapi-client` lists them, `api` from @/api/client serves the same calls.
import { createApiClient, unwrap } from "@/api/client";

export type PhoneMode = "browser" | "sip";

/** What a SIP phone needs to register for the operator. */
export interface SipAccount {
  auth_name: string;
  domain: string;
  proxy: string;
  port: number;
  /** "udp", "tcp", "tls" or "ws" as the server names it */
  transport: string;
  registered: boolean;
  /** whether a SIP password has been set (the server keeps only its digest) */
  password_set: boolean;
}

export interface PhoneSettings {
  mode: PhoneMode;
  sip: SipAccount;
}

export interface PhoneUpdate {
  mode: PhoneMode;
  sip_password?: string;
}

interface ErrorContent {
  headers: Record<string, unknown>;
  content: { "application/json": { code: string; message: string; fields?: { path: string; code: string; message: string }[] } };
}
interface NoContent {
  headers: Record<string, unknown>;
  content?: never;
}
interface NoParameters {
  query?: never;
  header?: never;
  path?: never;
  cookie?: never;
}
interface CallAction {
  parameters: NoParameters;
  requestBody?: never;
  responses: { 204: NoContent; 409: ErrorContent };
}
interface PathItem {
  parameters: NoParameters;
  get?: never;
  put?: never;
  post?: never;
  delete?: never;
  options?: never;
  head?: never;
  patch?: never;
  trace?: never;
}
interface PhoneContent {
  headers: Record<string, unknown>;
  content: { "application/json": PhoneSettings };
}

export interface SoftphonePaths {
  "/api/v1/operators/me/call/hang-up": Omit<PathItem, "post"> & { post: CallAction };
  "/api/v1/operators/me/call/hold": Omit<PathItem, "post"> & { post: CallAction };
  "/api/v1/operators/me/call/unhold": Omit<PathItem, "post"> & { post: CallAction };
  "/api/v1/operators/me/phone": Omit<PathItem, "get" | "put"> & {
    get: { parameters: NoParameters; requestBody?: never; responses: { 200: PhoneContent } };
    put: {
      parameters: NoParameters;
      requestBody: { content: { "application/json": PhoneUpdate } };
      responses: { 200: PhoneContent; 422: ErrorContent };
    };
  };
}

const client = createApiClient<SoftphonePaths>();

export async function hangUp(): Promise<void> {
  await unwrap(client.POST("/api/v1/operators/me/call/hang-up"));
}

export async function hold(held: boolean): Promise<void> {
  await unwrap(client.POST(held ? "/api/v1/operators/me/call/hold" : "/api/v1/operators/me/call/unhold"));
}

export function loadPhone(): Promise<PhoneSettings> {
  return unwrap(client.GET("/api/v1/operators/me/phone"));
}

export function savePhone(update: PhoneUpdate): Promise<PhoneSettings> {
  return unwrap(client.PUT("/api/v1/operators/me/phone", { body: update }));
}
