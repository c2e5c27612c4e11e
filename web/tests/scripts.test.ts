import { describe, expect, it } from "vitest";
import {
  bindingsFor,
  branchAnswers,
  modelFromScript,
  newQuestion,
  newScript,
  scriptBody,
  serverScriptProblems,
  validateScript,
  type ScriptOut,
} from "@/features/admin/scripts";
import { ApiError } from "@/shared/api/errors";

const stored: ScriptOut = {
  id: 5,
  case_type_id: 2,
  title: "Запись к врачу",
  version: 3,
  questions: [
    { id: "name", text: "Как вас зовут?", kind: "text", choices: [], binding: "applicant.first_name", branches: [] },
    { id: "adult", text: "Вам есть 18?", kind: "yes_no", choices: [], binding: null, branches: [{ when: "no", goto: "parent" }] },
    { id: "parent", text: "Кто ваш представитель?", kind: "choice", choices: ["мать", "отец"], binding: null, branches: [] },
  ],
};

describe("questionnaire script model", () => {
  it("a loaded script goes back as the next version of the same script", () => {
    const model = modelFromScript(stored);
    expect(scriptBody(model)).toEqual({
      script_id: 5,
      version: 3,
      title: "Запись к врачу",
      questions: stored.questions,
    });
    model.questions[0]?.branches.push({ when: "x", goto: "y" });
    expect(stored.questions[0]?.branches).toEqual([]);
  });

  it("a new script has one text question and no id or version", () => {
    expect(scriptBody({ ...newScript(), title: " Опрос " })).toEqual({
      script_id: null,
      version: null,
      title: "Опрос",
      questions: [{ id: "q1", text: "", kind: "text", choices: [], binding: null, branches: [] }],
    });
    expect(newQuestion([{ ...newQuestion([]), id: "q2" }]).id).toBe("q3");
  });

  it("choices and branches hidden by the answer kind are not sent", () => {
    const model = modelFromScript(stored);
    const parent = model.questions[2];
    const adult = model.questions[1];
    if (parent === undefined || adult === undefined) throw new Error("fixture");
    parent.kind = "text";
    adult.kind = "date";
    const body = scriptBody(model);
    expect(body.questions[2]?.choices).toEqual([]);
    expect(body.questions[1]?.branches).toEqual([]);
  });

  it("bindings offered follow the answer kind, like the server's", () => {
    expect(bindingsFor("date")).toEqual(["applicant.birth_date"]);
    expect(bindingsFor("choice")).not.toContain("applicant.snils");
    expect(bindingsFor("text")).toContain("applicant.snils");
    expect(bindingsFor("number")).toEqual([]);
    expect(branchAnswers({ ...newQuestion([]), kind: "yes_no" })).toEqual(["yes", "no"]);
  });

  it("client checks name the same paths the server does", () => {
    const model = modelFromScript(stored);
    model.title = " ";
    const [name, adult, parent] = model.questions;
    if (name === undefined || adult === undefined || parent === undefined) throw new Error("fixture");
    name.kind = "date";
    name.text = "";
    adult.id = "name";
    adult.branches = [{ when: "maybe", goto: "name" }];
    parent.choices = [];
    parent.id = "bad id";
    expect(validateScript(model)).toEqual({
      title: { key: "admin.required" },
      "questions.0.text": { key: "admin.required" },
      "questions.0.binding": { key: "admin.scripts.kindMismatch" },
      "questions.1.id": { key: "admin.scripts.duplicateId" },
      "questions.1.branches.0.when": { key: "admin.required" },
      "questions.1.branches.0.goto": { key: "admin.scripts.forwardOnly" },
      "questions.2.id": { key: "admin.scripts.badId" },
      "questions.2.choices": { key: "admin.scripts.noChoices" },
    });
    expect(validateScript(modelFromScript(stored))).toEqual({});
    expect(validateScript({ ...newScript(), title: "x", questions: [] })).toEqual({
      questions: { key: "admin.scripts.noQuestions" },
    });
  });

  it("server problems keep their paths; a single choice's problem goes to the choices", () => {
    const error = new ApiError(422, "validation_error", "invalid", [
      { path: "questions.2.binding", code: "unknown_field", message: "нет поля «applicant.x»" },
      { path: "body.questions.1.choices.3", code: "duplicate", message: "такой вариант уже есть" },
      { path: "questions.0.branches.0.goto", code: "not_forward", message: "только вперёд" },
      { path: "title", code: "too_long", message: "не длиннее 200 символов" },
    ]);
    expect(serverScriptProblems(error)).toEqual({
      "questions.2.binding": { text: "нет поля «applicant.x»" },
      "questions.1.choices": { text: "такой вариант уже есть" },
      "questions.0.branches.0.goto": { text: "только вперёд" },
      title: { text: "не длиннее 200 символов" },
    });
  });
});
