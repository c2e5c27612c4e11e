// The administration's calls over the generated client: one typed CRUD surface for every admin
// collection (all share the same shape: list with q/limit/offset, create, read, patch, delete),
// queue membership, operator skills and questionnaire scripts.
import { api, unwrap } from "@/shared/api/client";
import type { components, paths } from "@/shared/api/schema";
import type { ScriptBody, ScriptOut } from "./scripts";

export type Collection = "services" | "groups" | "queues" | "lines" | "case-types" | "users";

type Json<T> = T extends { content: { "application/json": infer B } } ? B : never;
type CollectionPath<K extends Collection> = `/api/v1/admin/${K}`;
type ItemPath<K extends Collection> = `/api/v1/admin/${K}/{record_id}`;

export type ItemOf<K extends Collection> = Json<paths[ItemPath<K>]["get"]["responses"][200]>;
export type CreateOf<K extends Collection> = Json<paths[CollectionPath<K>]["post"]["requestBody"]>;
export type UpdateOf<K extends Collection> = Json<
  NonNullable<paths[ItemPath<K>]["patch"]["requestBody"]>
>;
export interface Page<T> {
  items: T[];
  total: number;
}
export interface ListQuery {
  q?: string;
  limit?: number;
  offset?: number;
}

export interface AdminApi<K extends Collection> {
  list(query: ListQuery): Promise<Page<ItemOf<K>>>;
  create(body: CreateOf<K>): Promise<ItemOf<K>>;
  update(id: number, body: UpdateOf<K>): Promise<ItemOf<K>>;
  remove(id: number): Promise<void>;
}

// Every admin path has identical parameters, so the calls are typed against one of them and
// the results re-typed for the collection at hand.
type Sample = "services";

export function adminApi<K extends Collection>(collection: K): AdminApi<K> {
  const listPath = `/api/v1/admin/${collection}` as CollectionPath<Sample>;
  const itemPath = `/api/v1/admin/${collection}/{record_id}` as ItemPath<Sample>;
  return {
    list: async (query) =>
      (await unwrap(api.GET(listPath, { params: { query } }))) as Page<ItemOf<K>>,
    create: async (body) => (await unwrap(api.POST(listPath, { body: body as CreateOf<Sample> }))) as ItemOf<K>,
    update: async (id, body) =>
      (await unwrap(
        api.PATCH(itemPath, {
          params: { path: { record_id: id } },
          body: body as UpdateOf<Sample>,
        }),
      )) as ItemOf<K>,
    remove: async (id) => {
      await unwrap(api.DELETE(itemPath, { params: { path: { record_id: id } } }));
    },
  };
}

// Queue membership and operator skills.
export type QueueMember = components["schemas"]["QueueMemberOut"];
export type QueueMembersBody = components["schemas"]["QueueMembersIn"];

export async function getMembers(queueId: number): Promise<QueueMember[]> {
  const out = await unwrap(
    api.GET("/api/v1/admin/queues/{queue_id}/members", { params: { path: { queue_id: queueId } } }),
  );
  return out.members;
}

export async function setMembers(queueId: number, body: QueueMembersBody): Promise<QueueMember[]> {
  const out = await unwrap(
    api.PUT("/api/v1/admin/queues/{queue_id}/members", { params: { path: { queue_id: queueId } }, body }),
  );
  return out.members;
}

export async function getSkills(userId: number): Promise<string[]> {
  const out = await unwrap(
    api.GET("/api/v1/admin/users/{user_id}/skills", { params: { path: { user_id: userId } } }),
  );
  return out.skills;
}

export async function setSkills(userId: number, skills: string[]): Promise<string[]> {
  const out = await unwrap(
    api.PUT("/api/v1/admin/users/{user_id}/skills", {
      params: { path: { user_id: userId } },
      body: { skills },
    }),
  );
  return out.skills;
}

// Questionnaire scripts of a case type.
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
