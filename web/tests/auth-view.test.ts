// @vitest-environment jsdom
import { flushPromises, mount } from "@vue/test-utils";
import { createPinia, setActivePinia } from "pinia";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createMemoryHistory, createRouter } from "vue-router";
import { i18n } from "@/shared/i18n";
import { useSessionStore } from "@/features/auth/store";
import AuthView from "@/features/auth/components/AuthView.vue";

// The Python server is not part of the web unit run (the e2e suite drives the real one), so
// fetch answers here with the responses the API contract specifies for each case.
type Reply = { status: number; body: unknown; headers?: Record<string, string> };
let reply: Reply;
let requests: Request[];

beforeEach(() => {
  requests = [];
  vi.stubGlobal("fetch", async (input: Request) => {
    requests.push(input);
    return new Response(JSON.stringify(reply.body), {
      status: reply.status,
      headers: { "Content-Type": "application/json", ...reply.headers },
    });
  });
  i18n.global.locale.value = "ru";
});

afterEach(() => {
  vi.unstubAllGlobals();
});

async function mountAuth(path = "/auth") {
  const pinia = createPinia();
  setActivePinia(pinia);
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: "/auth", name: "auth", component: AuthView },
      { path: "/", name: "workstation", component: { template: "<div data-testid='home' />" } },
    ],
  });
  await router.push(path);
  const wrapper = mount(AuthView, { global: { plugins: [pinia, router, i18n] }, attachTo: document.body });
  return { wrapper, router };
}

async function signIn(wrapper: Awaited<ReturnType<typeof mountAuth>>["wrapper"], login: string, password: string) {
  await wrapper.get('[data-testid="login-username"]').setValue(login);
  await wrapper.get('[data-testid="login-password"]').setValue(password);
  await wrapper.get('[data-testid="login-form"]').trigger("submit");
  await flushPromises();
}

describe("login page", () => {
  it("given wrong credentials when signing in then it says so in Russian", async () => {
    reply = { status: 401, body: { code: "invalid_credentials", message: "wrong login or password" } };
    const { wrapper } = await mountAuth();
    await signIn(wrapper, "ivanova", "wrong-password");

    expect(wrapper.get('[data-testid="login-error"]').text()).toBe("Неверное имя пользователя или пароль");
    const request = requests[0];
    expect(request?.method).toBe("POST");
    expect(new URL(request?.url ?? "").pathname).toBe("/api/v1/auth/login");
    expect(await request?.json()).toEqual({ login: "ivanova", password: "wrong-password" });
  });

  it("given a disabled account when signing in then it tells to contact the administrator", async () => {
    reply = { status: 403, body: { code: "account_disabled", message: "disabled" } };
    const { wrapper } = await mountAuth();
    await signIn(wrapper, "ivanova", "password1");
    expect(wrapper.get('[data-testid="login-error"]').text()).toContain("Учётная запись отключена");
  });

  it("given too many attempts when signing in then it shows when to retry and blocks the button", async () => {
    reply = { status: 429, body: { code: "too_many_attempts", message: "slow down", retry_after: 60 }, headers: { "Retry-After": "60" } };
    const { wrapper } = await mountAuth();
    const before = Date.now();
    await signIn(wrapper, "ivanova", "password1");

    const text = wrapper.get('[data-testid="login-error"]').text();
    expect(text).toMatch(/^Слишком много попыток входа\. Повторите попытку после \d{2}:\d{2}:\d{2}$/);
    const shown = text.slice(-8);
    const expected = [0, 1, 2].map((d) =>
      new Date(before + (60 + d) * 1000).toLocaleTimeString("ru", { hour: "2-digit", minute: "2-digit", second: "2-digit" }),
    );
    expect(expected).toContain(shown);
    expect(wrapper.get('[data-testid="login-submit"]').attributes("disabled")).toBeDefined();
    wrapper.unmount();
  });

  it("given valid credentials when signing in then it opens the workstation", async () => {
    reply = {
      status: 200,
      body: { user: { id: 1, login: "ivanova", full_name: "Иванова Мария", role: "operator", groups: [] }, csrf_token: "t" },
    };
    const { wrapper, router } = await mountAuth();
    await signIn(wrapper, "ivanova", "password1");

    expect(router.currentRoute.value.name).toBe("workstation");
    expect(useSessionStore().me?.login).toBe("ivanova");
  });

  it("given the session was replaced elsewhere when the page opens then the notice is shown", async () => {
    const { wrapper } = await mountAuth("/auth?notice=session_replaced");
    expect(wrapper.get('[data-testid="login-notice"]').text()).toContain("Выполнен вход с другого рабочего места");
  });

  it("given empty fields when submitting then nothing is sent and the fields are marked", async () => {
    const { wrapper } = await mountAuth();
    await wrapper.get('[data-testid="login-form"]').trigger("submit");
    await flushPromises();
    expect(requests).toHaveLength(0);
    expect(wrapper.text()).toContain("Заполните поле");
  });
});
