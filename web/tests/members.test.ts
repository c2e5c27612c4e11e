import { describe, expect, it } from "vitest";
import {
  membersBody,
  rowsFromMembers,
  serverMemberProblems,
  validateMembers,
} from "@/features/admin/members";
import { moveRow } from "@/features/admin/order";
import { serverSkillsProblem, skillsProblem } from "@/features/admin/skills";
import { ApiError } from "@/shared/api/errors";

describe("queue members model", () => {
  it("rows follow the ACD order: tier level, then position", () => {
    const rows = rowsFromMembers([
      { user_id: 5, level: 2, position: 0 },
      { user_id: 3, level: 1, position: 7 },
      { user_id: 4, level: 1, position: 2 },
    ]);
    expect(rows).toEqual([
      { user_id: 4, level: 1 },
      { user_id: 3, level: 1 },
      { user_id: 5, level: 2 },
    ]);
  });

  it("the saved positions are the list order from zero", () => {
    expect(membersBody([{ user_id: 9, level: 2 }, { user_id: 3, level: 1 }])).toEqual({
      members: [
        { user_id: 9, level: 2, position: 0 },
        { user_id: 3, level: 1, position: 1 },
      ],
    });
  });

  it("moving a row up or down swaps it with its neighbour; past the ends nothing moves", () => {
    const rows = [{ user_id: 1, level: 1 }, { user_id: 2, level: 1 }, { user_id: 3, level: 1 }];
    expect(moveRow(rows, 2, -1).map((r) => r.user_id)).toEqual([1, 3, 2]);
    expect(moveRow(rows, 0, 1).map((r) => r.user_id)).toEqual([2, 1, 3]);
    expect(moveRow(rows, 0, -1).map((r) => r.user_id)).toEqual([1, 2, 3]);
    expect(moveRow(rows, 2, 1).map((r) => r.user_id)).toEqual([1, 2, 3]);
    expect(rows.map((r) => r.user_id)).toEqual([1, 2, 3]);
  });

  it("a member needs an operator listed once and a tier from 1 to 9", () => {
    expect(
      validateMembers([
        { user_id: 1, level: 1 },
        { user_id: null, level: 1 },
        { user_id: 1, level: 10 },
        { user_id: 2, level: 1.5 },
        { user_id: 3, level: null },
      ]),
    ).toEqual({
      1: { user_id: { key: "admin.required" } },
      2: { user_id: { key: "admin.members.duplicate" }, level: { key: "admin.members.levelRange", params: { min: 1, max: 9 } } },
      3: { level: { key: "admin.integer" } },
      4: { level: { key: "admin.required" } },
    });
    expect(validateMembers([{ user_id: 1, level: 9 }])).toEqual({});
  });

  it("server problems land on the row and input their path names", () => {
    const error = new ApiError(422, "validation_error", "invalid", [
      { path: "members.2.user_id", code: "not_staff", message: "only operators and seniors take calls" },
      { path: "body.members.0.level", code: "less_than_equal", message: "Не больше 9" },
      { path: "members.1.position", code: "greater_than_equal", message: "position" },
      { path: "members", code: "x", message: "whole list" },
    ]);
    expect(serverMemberProblems(error)).toEqual({
      2: { user_id: { text: "only operators and seniors take calls" } },
      0: { level: { text: "Не больше 9" } },
      1: { user_id: { text: "position" } },
    });
  });
});

describe("skill lists", () => {
  it("skills are lower-case codes, at most the given number", () => {
    expect(skillsProblem(["ru", "en.2", "child_care"], 100)).toBeNull();
    expect(skillsProblem(["Русский"], 100)).toEqual({ key: "admin.skill" });
    expect(skillsProblem(["a", "b", "c"], 2)).toEqual({ key: "admin.tooMany", params: { n: 2 } });
  });

  it("the server's problem with the skills list is shown in its words", () => {
    const error = new ApiError(422, "validation_error", "invalid", [
      { path: "body.skills.1", code: "string_pattern_mismatch", message: "bad skill" },
    ]);
    expect(serverSkillsProblem(error)).toEqual({ text: "bad skill" });
    expect(serverSkillsProblem(new ApiError(404, "not_found", "no user", []))).toBeNull();
  });
});
