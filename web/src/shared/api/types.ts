// Names for the shapes the app uses, derived from the generated OpenAPI paths so they follow
// the server's document whatever its schema components are called.
import type { paths } from "./schema";

type Json<T> = T extends { content: { "application/json": infer B } } ? B : never;
type Ok<Op> = Op extends { responses: { 200: infer R } }
  ? Json<R>
  : Op extends { responses: { 201: infer R } }
    ? Json<R>
    : never;
type Body<Op> = Op extends { requestBody?: infer R } ? Json<NonNullable<R>> : never;

export type Me = Ok<paths["/api/v1/me"]["get"]>;
export type Role = Me["role"];
export type Health = Ok<paths["/api/v1/health"]["get"]>;
export type HealthStatus = Health["status"];
export type Presence = Ok<paths["/api/v1/presence"]["get"]>;
export type PresenceEntry = Presence["operators_online"][number];
export type LoginResponse = Ok<paths["/api/v1/auth/login"]["post"]>;

export type Service = Ok<paths["/api/v1/admin/services/{record_id}"]["get"]>;
export type Group = Ok<paths["/api/v1/admin/groups/{record_id}"]["get"]>;
export type Queue = Ok<paths["/api/v1/admin/queues/{record_id}"]["get"]>;
export type Line = Ok<paths["/api/v1/admin/lines/{record_id}"]["get"]>;
export type CaseType = Ok<paths["/api/v1/admin/case-types/{record_id}"]["get"]>;
export type User = Ok<paths["/api/v1/admin/users/{record_id}"]["get"]>;
export type UserCreate = Body<paths["/api/v1/admin/users"]["post"]>;
