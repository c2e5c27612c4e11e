// @vitest-environment jsdom
// fetch is a stand-in (tests/standInFetch.ts): the Python server is not part of this run.
import { flushPromises, mount } from "@vue/test-utils";
import { NMessageProvider } from "naive-ui";
import { createPinia, setActivePinia } from "pinia";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { defineComponent, h } from "vue";
import { i18n } from "@/shared/i18n";
import CaseScriptsDialog from "@/features/admin/components/CaseScriptsDialog.vue";
import { standInFetch } from "./standInFetch";

beforeEach(() => {
  i18n.global.locale.value = "ru";
  setActivePinia(createPinia());
});

afterEach(() => {
  vi.unstubAllGlobals();
  document.body.innerHTML = "";
});

async function mountDialog() {
  const Host = defineComponent(() => () =>
    h(NMessageProvider, null, () => h(CaseScriptsDialog, { show: true, caseType: { id: 2, name: "Запись к врачу" } })),
  );
  const wrapper = mount(Host, { global: { plugins: [i18n] }, attachTo: document.body });
  await flushPromises();
  return wrapper;
}

function byTestId(id: string): HTMLElement {
  const element = document.querySelector<HTMLElement>(`[data-testid="${id}"]`);
  if (element === null) throw new Error(`no ${id}`);
  return element;
}

const script = {
  id: 5,
  case_type_id: 2,
  title: "Опрос",
  version: 3,
  questions: [
    { id: "name", text: "Как вас зовут?", kind: "text", choices: [], binding: "applicant.first_name", branches: [] },
    { id: "born", text: "Дата рождения?", kind: "date", choices: [], binding: "applicant.birth_date", branches: [] },
  ],
};

describe("questionnaire scripts dialog", () => {
  it("given a stored script when saved then the server's per-question problem shows on that input", async () => {
    const requests = standInFetch({
      "GET /api/v1/case-types/2/scripts": { status: 200, body: [script] },
      "PUT /api/v1/case-types/2/scripts": {
        status: 422,
        body: {
          code: "validation_error",
          message: "invalid",
          fields: [{ path: "questions.1.binding", code: "unknown_field", message: "нет поля «applicant.birth_date»" }],
        },
      },
    });
    await mountDialog();
    expect(document.body.textContent).toContain("Скрипты опроса: Запись к врачу");
    expect(byTestId("scripts-select").textContent).toContain("Опрос (версия 3)");
    expect(byTestId("scripts-q0-binding").textContent).toContain("Заявитель: имя");
    expect(byTestId("scripts-q1-kind").textContent).toContain("Дата");

    byTestId("scripts-save").click();
    await flushPromises();
    await vi.waitFor(() => expect(byTestId("scripts-q1-binding").textContent).toContain("нет поля «applicant.birth_date»"), {
      timeout: 2000,
    });
    expect(byTestId("scripts-q0-binding").textContent).not.toContain("нет поля");
    const put = requests.find((r) => r.method === "PUT");
    expect(put).toMatchObject({ csrf: "csrf-token", body: { script_id: 5, version: 3, title: "Опрос", questions: script.questions } });
  });

  it("a new question is added at the end and an empty text is refused before sending", async () => {
    const requests = standInFetch({ "GET /api/v1/case-types/2/scripts": { status: 200, body: [script] } });
    await mountDialog();
    byTestId("scripts-add-question").click();
    await flushPromises();
    expect(byTestId("scripts-question-2").textContent).toContain("Вопрос 3");
    byTestId("scripts-save").click();
    await flushPromises();
    await vi.waitFor(() => expect(byTestId("scripts-q2-text").textContent).toContain("Обязательное поле"), { timeout: 2000 });
    expect(requests.some((r) => r.method === "PUT")).toBe(false);
  });
});
