// @vitest-environment jsdom
// The questionnaire renders from the cases store; no request is made while typing.
import { mount } from "@vue/test-utils";
import { createPinia, setActivePinia } from "pinia";
import { beforeEach, describe, expect, it } from "vitest";
import { nextTick } from "vue";
import CaseQuestionnaire from "@/features/cases/components/CaseQuestionnaire.vue";
import type { CaseCard, Script } from "@/features/cases/model";
import { useCasesStore } from "@/features/cases/store";
import { i18n } from "@/shared/i18n";

const SCRIPT: Script = {
  id: 5,
  case_type_id: 1,
  version: 1,
  title: "Справка",
  questions: [
    { id: "surname", text: "Ваша фамилия?", kind: "text", binding: "applicant.last_name", branches: [], choices: [] },
    { id: "what", text: "Что случилось?", kind: "text", binding: "case.description", branches: [], choices: [] },
  ],
};

// Only the parts of a card the questionnaire reads.
function card(version: number, answers: Record<string, unknown>): CaseCard {
  return { case: { id: 1, version }, answers: [{ script_id: SCRIPT.id, answers }] } as unknown as CaseCard;
}

describe("questionnaire", () => {
  beforeEach(() => setActivePinia(createPinia()));

  it("keeps the answer being typed when the open card is reloaded live with the same answers", async () => {
    const cases = useCasesStore();
    cases.scripts = [SCRIPT];
    cases.card = card(2, {});
    const view = mount(CaseQuestionnaire, { global: { plugins: [i18n] } });
    const input = view.find('[data-testid="questionnaire-answer"] input');
    await input.setValue("Болит голова");

    // Another change to the card (a case.* event) reloads it while the operator types.
    cases.card = card(3, {});
    await nextTick();

    expect((input.element as HTMLInputElement).value).toBe("Болит голова");
  });

  it("shows a stored answer that arrives for the current question", async () => {
    const cases = useCasesStore();
    cases.scripts = [SCRIPT];
    cases.card = card(2, {});
    const view = mount(CaseQuestionnaire, { global: { plugins: [i18n] } });
    cases.card = card(3, { surname: "Морозова" });
    await nextTick();
    expect((view.find('[data-testid="questionnaire-answer"] input').element as HTMLInputElement).value).toBe("Морозова");
  });
});
