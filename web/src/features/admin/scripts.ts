// The questionnaire script editor's model: script <-> request body, client checks and the
// server's problems, all keyed by the server's own paths (`title`, `questions.2.binding`,
// `questions.0.branches.1.goto`) so a problem from either side lands on the same input.
import type { ApiError } from "@/shared/api/errors";
import type { components } from "@/shared/api/schema";
import { serverProblem, type FieldProblem } from "./form";

export type ScriptOut = components["schemas"]["ScriptOut"];
export type ScriptBody = components["schemas"]["ScriptIn"];
export type AnswerKind = components["schemas"]["QuestionIO"]["kind"];

export const ANSWER_KINDS: readonly AnswerKind[] = ["text", "choice", "date", "number", "yes_no"];
export const BRANCHING_KINDS: readonly AnswerKind[] = ["choice", "yes_no"];
const TEXTUAL: readonly AnswerKind[] = ["text", "choice"];

/** Fields an answer may fill and the answer kinds each accepts (the server's BINDABLE_FIELDS). */
export const BINDINGS: Readonly<Record<string, readonly AnswerKind[]>> = {
  "applicant.last_name": TEXTUAL,
  "applicant.first_name": TEXTUAL,
  "applicant.patronymic": TEXTUAL,
  "applicant.birth_date": ["date"],
  "applicant.phones": ["text"],
  "applicant.oms": ["text"],
  "applicant.snils": ["text"],
  "applicant.health_info": TEXTUAL,
  "applicant.home_address": TEXTUAL,
  "case.description": TEXTUAL,
  "case.operator_comment": TEXTUAL,
  "case.address": TEXTUAL,
  "case.location_text": TEXTUAL,
};

// The same shapes and sizes the server checks, answered before a round trip.
const QUESTION_ID = /^[A-Za-z0-9_-]{1,64}$/;
const TITLE_MAX = 200;
const QUESTIONS_MAX = 200;
const TEXT_MAX = 2000;

export interface BranchRow {
  when: string;
  goto: string;
}

export interface QuestionRow {
  id: string;
  text: string;
  kind: AnswerKind;
  choices: string[];
  binding: string | null;
  branches: BranchRow[];
}

export interface ScriptModel {
  scriptId: number | null;
  version: number | null;
  title: string;
  questions: QuestionRow[];
}

/** Problems by server path; choice problems (`questions.N.choices.M`) are kept on the choices. */
export type ScriptProblems = Record<string, FieldProblem>;

export function newScript(): ScriptModel {
  return { scriptId: null, version: null, title: "", questions: [newQuestion([])] };
}

/** A question with the first free code `qN`. */
export function newQuestion(existing: readonly QuestionRow[]): QuestionRow {
  const taken = new Set(existing.map((q) => q.id));
  let n = existing.length + 1;
  while (taken.has(`q${n}`)) n += 1;
  return { id: `q${n}`, text: "", kind: "text", choices: [], binding: null, branches: [] };
}

export function modelFromScript(script: ScriptOut): ScriptModel {
  return {
    scriptId: script.id,
    version: script.version,
    title: script.title,
    questions: script.questions.map((q) => ({
      id: q.id,
      text: q.text,
      kind: q.kind,
      choices: [...(q.choices ?? [])],
      binding: q.binding ?? null,
      branches: (q.branches ?? []).map((b) => ({ ...b })),
    })),
  };
}

/** The answers a question may branch on. */
export function branchAnswers(question: QuestionRow): string[] {
  if (question.kind === "yes_no") return ["yes", "no"];
  return question.kind === "choice" ? question.choices : [];
}

/** Bindings that accept the question's kind. */
export function bindingsFor(kind: AnswerKind): string[] {
  return Object.keys(BINDINGS).filter((field) => BINDINGS[field]?.includes(kind) === true);
}

/** What is hidden for the question's kind is not sent: choices off a choice question, branches off a non-branching one. */
export function scriptBody(model: ScriptModel): ScriptBody {
  return {
    script_id: model.scriptId,
    version: model.version,
    title: model.title.trim(),
    questions: model.questions.map((q) => ({
      id: q.id.trim(),
      text: q.text.trim(),
      kind: q.kind,
      choices: q.kind === "choice" ? q.choices.map((c) => c.trim()) : [],
      binding: q.binding === null || q.binding === "" ? null : q.binding,
      branches: BRANCHING_KINDS.includes(q.kind) ? q.branches.map((b) => ({ ...b })) : [],
    })),
  };
}

function questionProblems(q: QuestionRow, index: number, model: ScriptModel, problems: ScriptProblems): void {
  const path = `questions.${index}`;
  const id = q.id.trim();
  if (!QUESTION_ID.test(id)) problems[`${path}.id`] = { key: "admin.scripts.badId" };
  else if (model.questions.slice(0, index).some((other) => other.id.trim() === id)) {
    problems[`${path}.id`] = { key: "admin.scripts.duplicateId" };
  }
  const text = q.text.trim();
  if (text === "") problems[`${path}.text`] = { key: "admin.required" };
  else if (text.length > TEXT_MAX) problems[`${path}.text`] = { key: "admin.maxLength", params: { n: TEXT_MAX } };
  if (q.kind === "choice" && q.choices.length === 0) problems[`${path}.choices`] = { key: "admin.scripts.noChoices" };
  if (q.binding !== null && q.binding !== "" && !bindingsFor(q.kind).includes(q.binding)) {
    problems[`${path}.binding`] = { key: "admin.scripts.kindMismatch" };
  }
  if (!BRANCHING_KINDS.includes(q.kind)) return;
  const answers = branchAnswers(q);
  const later = model.questions.slice(index + 1).map((other) => other.id.trim());
  q.branches.forEach((branch, number) => {
    const at = `${path}.branches.${number}`;
    if (!answers.includes(branch.when)) problems[`${at}.when`] = { key: "admin.required" };
    if (!later.includes(branch.goto)) problems[`${at}.goto`] = { key: "admin.scripts.forwardOnly" };
  });
}

export function validateScript(model: ScriptModel): ScriptProblems {
  const problems: ScriptProblems = {};
  const title = model.title.trim();
  if (title === "") problems.title = { key: "admin.required" };
  else if (title.length > TITLE_MAX) problems.title = { key: "admin.maxLength", params: { n: TITLE_MAX } };
  if (model.questions.length === 0) problems.questions = { key: "admin.scripts.noQuestions" };
  else if (model.questions.length > QUESTIONS_MAX) {
    problems.questions = { key: "admin.tooMany", params: { n: QUESTIONS_MAX } };
  }
  model.questions.forEach((q, index) => questionProblems(q, index, model, problems));
  return problems;
}

/** The server's problems by path; `questions.N.choices.M` is shown on the question's choices. */
export function serverScriptProblems(error: ApiError): ScriptProblems {
  const problems: ScriptProblems = {};
  for (const item of error.fields) {
    const segments = item.path.split(".");
    const rest = segments[0] === "body" ? segments.slice(1) : segments;
    const path = (rest[2] === "choices" ? rest.slice(0, 3) : rest).join(".");
    if (path !== "" && problems[path] === undefined) problems[path] = serverProblem(item);
  }
  return problems;
}
