// @vitest-environment jsdom
// fetch is a stand-in (tests/standInFetch.ts): the Python server is not part of this run.
import { flushPromises, mount } from "@vue/test-utils";
import { NMessageProvider } from "naive-ui";
import { createPinia, setActivePinia } from "pinia";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { defineComponent, h, type Component } from "vue";
import { i18n } from "@/shared/i18n";
import QueueMembersDialog from "@/features/admin/components/QueueMembersDialog.vue";
import UserSkillsDialog from "@/features/admin/components/UserSkillsDialog.vue";
import { standInFetch } from "./standInFetch";

beforeEach(() => {
  i18n.global.locale.value = "ru";
  setActivePinia(createPinia());
});

afterEach(() => {
  vi.unstubAllGlobals();
  document.body.innerHTML = "";
});

async function mountDialog(dialog: Component, props: Record<string, unknown>) {
  const Host = defineComponent(() => () => h(NMessageProvider, null, () => h(dialog, { show: true, ...props })));
  const wrapper = mount(Host, { global: { plugins: [i18n] }, attachTo: document.body });
  await flushPromises();
  return wrapper;
}

function byTestId(id: string): HTMLElement {
  const element = document.querySelector<HTMLElement>(`[data-testid="${id}"]`);
  if (element === null) throw new Error(`no ${id}`);
  return element;
}

async function waitForText(id: string, text: string): Promise<void> {
  await vi.waitFor(() => expect(byTestId(id).textContent).toContain(text), { timeout: 2000 });
}

const users = [
  { id: 3, login: "ivanova", full_name: "Иванова Мария", role: "operator", enabled: true, group_ids: [1] },
  { id: 4, login: "petrov", full_name: "Петров Пётр", role: "senior", enabled: true, group_ids: [1] },
  { id: 1, login: "admin", full_name: "Администратор", role: "admin", enabled: true, group_ids: [] },
];

describe("queue members dialog", () => {
  it("given members on two tiers when one is moved up and saved then the new order is sent as positions", async () => {
    const requests = standInFetch({
      "GET /api/v1/admin/queues/7/members": {
        status: 200,
        body: { queue_id: 7, members: [{ user_id: 4, level: 1, position: 1 }, { user_id: 3, level: 1, position: 0 }] },
      },
      "GET /api/v1/admin/users": { status: 200, body: { items: users, total: 3 } },
      "PUT /api/v1/admin/queues/7/members": {
        status: 200,
        body: { queue_id: 7, members: [{ user_id: 4, level: 1, position: 0 }, { user_id: 3, level: 1, position: 1 }] },
      },
    });
    await mountDialog(QueueMembersDialog, { queue: { id: 7, name: "Справки" } });
    expect(document.body.textContent).toContain("Операторы очереди «Справки»");
    expect(byTestId("members-user-0").textContent).toContain("Иванова Мария (ivanova)");
    expect(byTestId("members-user-1").textContent).toContain("Петров Пётр (petrov)");
    expect(requests.find((r) => r.path === "/api/v1/admin/users")?.query).toContain("limit=500");

    byTestId("members-up-1").click();
    await flushPromises();
    expect(byTestId("members-user-0").textContent).toContain("Петров Пётр");
    byTestId("members-save").click();
    await flushPromises();

    const put = requests.find((r) => r.method === "PUT");
    expect(put).toMatchObject({
      path: "/api/v1/admin/queues/7/members",
      csrf: "csrf-token",
      body: { members: [{ user_id: 4, level: 1, position: 0 }, { user_id: 3, level: 1, position: 1 }] },
    });
  });

  it("given the server refuses a member when saving then its message shows on that row's operator", async () => {
    standInFetch({
      "GET /api/v1/admin/queues/7/members": {
        status: 200,
        body: { queue_id: 7, members: [{ user_id: 3, level: 1, position: 0 }, { user_id: 4, level: 2, position: 0 }] },
      },
      "GET /api/v1/admin/users": { status: 200, body: { items: users, total: 3 } },
      "PUT /api/v1/admin/queues/7/members": {
        status: 422,
        body: {
          code: "validation_error",
          message: "invalid",
          fields: [{ path: "members.1.user_id", code: "not_staff", message: "only operators and seniors take calls" }],
        },
      },
    });
    await mountDialog(QueueMembersDialog, { queue: { id: 7, name: "Справки" } });
    byTestId("members-save").click();
    await flushPromises();
    await waitForText("members-user-1", "only operators and seniors take calls");
    expect(byTestId("members-user-0").textContent).not.toContain("only operators");
    expect(byTestId("members-error").textContent).toContain("Проверьте заполнение полей");
  });

  it("a new row without an operator is refused before sending", async () => {
    const requests = standInFetch({
      "GET /api/v1/admin/queues/7/members": { status: 200, body: { queue_id: 7, members: [] } },
      "GET /api/v1/admin/users": { status: 200, body: { items: users, total: 3 } },
    });
    await mountDialog(QueueMembersDialog, { queue: { id: 7, name: "Справки" } });
    expect(byTestId("members-empty").textContent).toContain("В очереди нет операторов");
    byTestId("members-add").click();
    await flushPromises();
    byTestId("members-save").click();
    await flushPromises();
    await waitForText("members-user-0", "Обязательное поле");
    expect(requests.some((r) => r.method === "PUT")).toBe(false);
  });
});

describe("operator skills dialog", () => {
  it("shows the stored skills and the server's refusal under the field", async () => {
    const requests = standInFetch({
      "GET /api/v1/admin/users/3/skills": { status: 200, body: { user_id: 3, skills: ["en", "ru"] } },
      "PUT /api/v1/admin/users/3/skills": {
        status: 422,
        body: {
          code: "validation_error",
          message: "invalid",
          fields: [{ path: "body.skills.0", code: "string_pattern_mismatch", message: "Недопустимый навык" }],
        },
      },
    });
    await mountDialog(UserSkillsDialog, { user: { id: 3, login: "ivanova" } });
    expect(document.body.textContent).toContain("Навыки оператора ivanova");
    const field = byTestId("skills-field");
    expect(field.textContent).toContain("en");
    expect(field.textContent).toContain("ru");

    byTestId("skills-save").click();
    await flushPromises();
    await waitForText("skills-field", "Недопустимый навык");
    expect(requests.find((r) => r.method === "PUT")).toMatchObject({
      path: "/api/v1/admin/users/3/skills",
      body: { skills: ["en", "ru"] },
      csrf: "csrf-token",
    });
  });
});
