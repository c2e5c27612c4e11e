// Skill lists (a queue's required skills, an operator's skills): the server's shape and limits.
import type { ApiError } from "@/shared/api/errors";
import type { FieldProblem } from "./form";

const SKILL = /^[a-z0-9_\-.]{1,64}$/;
export const MAX_QUEUE_SKILLS = 50;
export const MAX_OPERATOR_SKILLS = 100;

export function skillsProblem(skills: readonly unknown[], max: number): FieldProblem | null {
  if (skills.length > max) return { key: "admin.tooMany", params: { n: max } };
  if (skills.some((skill) => typeof skill !== "string" || !SKILL.test(skill))) return { key: "admin.skill" };
  return null;
}

/** The server's first problem with the `skills` list, worded by the server. */
export function serverSkillsProblem(error: ApiError): FieldProblem | null {
  const item = error.fields.find((f) => {
    const segments = f.path.split(".");
    return (segments[0] === "body" ? segments[1] : segments[0]) === "skills";
  });
  return item === undefined ? null : { text: item.message || item.code };
}
