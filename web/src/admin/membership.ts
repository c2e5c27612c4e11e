// Queue membership and operator skills through the generated client.
import { api, unwrap } from "@/api/client";
import type { components } from "@/api/schema";

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
