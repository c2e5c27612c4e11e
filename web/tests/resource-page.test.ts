// @vitest-environment jsdom
import { flushPromises, mount } from "@vue/test-utils";
import { NDialogProvider, NMessageProvider } from "naive-ui";
import { createPinia, setActivePinia } from "pinia";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { defineComponent, h } from "vue";
import { i18n } from "@/shared/i18n";
import ResourcePage from "@/features/admin/components/ResourcePage.vue";

// The Python server is not part of the web unit run (the e2e suite drives the real one), so
// fetch answers with the responses the API contract specifies, keyed by method and path.
type Reply = { status: number; body?: unknown };
let routes: Record<string, Reply>;
let requests: { method: string; path: string; body: unknown; csrf: string | null }[];

beforeEach(() => {
  requests = [];
  document.cookie = "c122_csrf=csrf-token";
  vi.stubGlobal("fetch", async (request: Request) => {
    const url = new URL(request.url);
    const text = await request.text();
    requests.push({
      method: request.method,
      path: url.pathname,
      body: text === "" ? null : JSON.parse(text),
      csrf: request.headers.get("X-CSRF-Token"),
    });
    const reply = routes[`${request.method} ${url.pathname}`] ?? { status: 404, body: { code: "not_found", message: "" } };
    return new Response(reply.body === undefined ? null : JSON.stringify(reply.body), {
      status: reply.status,
      headers: { "Content-Type": "application/json" },
    });
  });
  i18n.global.locale.value = "ru";
  setActivePinia(createPinia());
});

afterEach(() => {
  vi.unstubAllGlobals();
  document.body.innerHTML = "";
});

const services = [
  { id: 1, name: "Служба 122", description: "Единый номер" },
  { id: 2, name: "Вакцинация", description: "" },
];

async function mountPage(collection: string) {
  const Host = defineComponent(() => () =>
    h(NDialogProvider, null, () => h(NMessageProvider, null, () => h(ResourcePage, { collection }))),
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

// Naive UI opens dialogs and feedback with transitions: wait for the text, bounded in time.
async function waitForText(root: () => HTMLElement, text: string): Promise<void> {
  await vi.waitFor(() => expect(root().textContent).toContain(text), { timeout: 2000 });
}

describe("admin resource screen", () => {
  it("lists the collection with the total", async () => {
    routes = { "GET /api/v1/admin/services": { status: 200, body: { items: services, total: 2 } } };
    await mountPage("services");
    expect(byTestId("admin-table-services").textContent).toContain("Вакцинация");
    expect(byTestId("admin-total").textContent).toBe("Всего: 2");
    expect(requests[0]).toMatchObject({ method: "GET", path: "/api/v1/admin/services", csrf: null });
  });

  it("given the server refuses a field when saving then its message shows on that field", async () => {
    routes = {
      "GET /api/v1/admin/services": { status: 200, body: { items: services, total: 2 } },
      "POST /api/v1/admin/services": {
        status: 409,
        body: {
          code: "duplicate",
          message: "a service with this name already exists",
          fields: [{ path: "name", code: "duplicate", message: "Служба с таким названием уже есть" }],
        },
      },
    };
    await mountPage("services");
    byTestId("admin-create").click();
    await flushPromises();
    const input = byTestId("admin-field-name").querySelector("input");
    if (input === null) throw new Error("no name input");
    input.value = "Служба 122";
    input.dispatchEvent(new Event("input"));
    byTestId("admin-save").click();
    await flushPromises();

    await waitForText(() => byTestId("admin-field-name"), "Служба с таким названием уже есть");
    const post = requests.find((r) => r.method === "POST");
    expect(post).toEqual({
      method: "POST",
      path: "/api/v1/admin/services",
      body: { name: "Служба 122", description: "" },
      csrf: "csrf-token",
    });
  });

  it("given a record still in use when deleting then the server's reason is shown", async () => {
    routes = {
      "GET /api/v1/admin/services": { status: 200, body: { items: services, total: 2 } },
      "DELETE /api/v1/admin/services/1": {
        status: 409,
        body: { code: "in_use", message: "service 1 still has 2 groups; delete or move them first" },
      },
    };
    await mountPage("services");
    byTestId("admin-delete-1").click();
    await flushPromises();
    const confirm = [...document.querySelectorAll<HTMLButtonElement>(".n-dialog button")].find(
      (b) => b.textContent?.trim() === "Удалить",
    );
    if (confirm === undefined) throw new Error("no confirmation");
    confirm.click();
    await flushPromises();

    await waitForText(() => document.body, "Удаление невозможно");
    expect(document.body.textContent).toContain("Запись используется: service 1 still has 2 groups; delete or move them first");
    expect(requests.find((r) => r.method === "DELETE")).toMatchObject({ path: "/api/v1/admin/services/1", csrf: "csrf-token" });
  });

  it("given a queue the server refuses when saving then the setting's message shows on its field", async () => {
    const queue = {
      id: 7, group_id: 1, name: "Справки", strategy: "linear", ring_timeout_s: 20, wrap_up_s: 30, manual_ready: false,
      retry_s: 5, no_answer_limit: 3, weight: 0, escalation_step_s: null, required_skills: [], max_wait_s: null, max_length: null,
      overflow_destination: null, join_when_empty: "never", leave_when_empty: "never", removal_message: null,
      callbacks_enabled: true, auto_answer: false, sla_wait_s: 60, short_abandon_s: 5, repeat_call_window_s: 1800,
      service_level_s: 20, service_level_formula: "short_abandons_ignored", service_level_target_pct: 80,
    };
    routes = {
      "GET /api/v1/admin/queues": { status: 200, body: { items: [queue], total: 1 } },
      "PATCH /api/v1/admin/queues/7": {
        status: 422,
        body: {
          code: "validation_error",
          message: "invalid",
          fields: [{ path: "body.max_length", code: "less_than_equal", message: "Не больше 100000" }],
        },
      },
    };
    await mountPage("queues");
    expect(byTestId("admin-table-queues").textContent).toContain("По порядку позиций");
    byTestId("admin-edit-7").click();
    await flushPromises();
    expect(byTestId("admin-section-distribution").textContent).toContain("Распределение вызовов");
    expect(byTestId("admin-field-max_wait_s").querySelector("input")?.placeholder).toBe("не ограничено");
    byTestId("admin-save").click();
    await flushPromises();

    await waitForText(() => byTestId("admin-field-max_length"), "Не больше 100000");
    const patch = requests.find((r) => r.method === "PATCH");
    const { id: _id, ...sent } = queue;
    expect(patch?.body).toEqual(sent);
  });
});
