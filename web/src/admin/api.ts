// One typed CRUD surface for every admin collection; all of them share the same shape
// (list with q/limit/offset, create, read, patch, delete).
import { api, unwrap } from "@/api/client";
import type { paths } from "@/api/schema";

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
      (await unwrap(api.GET(listPath, { params: { query } }))) as unknown as Page<ItemOf<K>>,
    create: async (body) =>
      (await unwrap(
        api.POST(listPath, { body: body as unknown as CreateOf<Sample> }),
      )) as unknown as ItemOf<K>,
    update: async (id, body) =>
      (await unwrap(
        api.PATCH(itemPath, {
          params: { path: { record_id: id } },
          body: body as unknown as UpdateOf<Sample>,
        }),
      )) as unknown as ItemOf<K>,
    remove: async (id) => {
      await unwrap(api.DELETE(itemPath, { params: { path: { record_id: id } } }));
    },
  };
}
