// @vitest-environment jsdom
// Render tests of «Перевести», «Консультация» and «Позвонить»: the dialogs' checks and the server's
// refusals as the operator sees them, and the consultation controls in the call panel. The event
// socket, REST and media are stand-ins (tests/softphoneFakes.ts, tests/standInFetch.ts): jsdom has
// none of them, and the Python server is not part of this run.
import { flushPromises, mount } from "@vue/test-utils";
import { NMessageProvider } from "naive-ui";
import { createPinia, setActivePinia } from "pinia";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { defineComponent, h } from "vue";
import type { components } from "@/shared/api/schema";
import type { OperatorStatus } from "@/shared/events/protocol";
import CallPanel from "@/features/softphone/components/CallPanel.vue";
import PlaceCallButton from "@/features/softphone/components/PlaceCallButton.vue";
import { i18n } from "@/shared/i18n";
import { useRealtimeStore } from "@/shared/realtime/store";
import { useSoftphoneStore } from "@/features/softphone/store";
import { eventFrame, ME, operator, readyFrame, snapshot, state, stateChanged } from "./fixtures";
import { AUDIO_CODECS, FakePeer, FakeRinger, FakeStream, FakeWebSocket, socket } from "./softphoneFakes";
import { posts, standInFetch, type Reply } from "./standInFetch";

const PHONE = {
  "GET /api/v1/operators/me/phone": {
    status: 200,
    body: {
      mode: "browser",
      sip: { auth_name: "op7", domain: "c122", proxy: "10.0.0.5", port: 5060, transport: "udp", registered: false, password_set: false },
    },
  },
};

function queue(id: number, name: string, waiting = 0): components["schemas"]["QueueLiveOut"] {
  return {
    left: [],
    id,
    name,
    group_id: 1,
    waiting,
    calls: [],
    callbacks_waiting: 0,
    available_operators: 1,
    eligible_operators: 2,
    logged_in_operators: 2,
    on_break_operators: 0,
    longest_wait_s: 0,
    waiting_by_priority: {},
  };
}

beforeEach(() => {
  i18n.global.locale.value = "ru";
  FakeWebSocket.opened = [];
  FakePeer.created = [];
  vi.stubGlobal("WebSocket", FakeWebSocket);
  localStorage.clear();
  setActivePinia(createPinia());
});

// Each test's page is unmounted after it: a page left mounted keeps reacting to the next test's stores.
const mounted: { unmount: () => void }[] = [];

afterEach(() => {
  mounted.splice(0).forEach((page) => page.unmount());
  vi.unstubAllGlobals();
  document.body.innerHTML = "";
});

function byTestId(id: string): HTMLElement {
  const element = document.querySelector<HTMLElement>(`[data-testid="${id}"]`);
  if (element === null) throw new Error(`no ${id}`);
  return element;
}
const present = (id: string): boolean => document.querySelector(`[data-testid="${id}"]`) !== null;

async function click(id: string): Promise<void> {
  byTestId(id).click();
  await flushPromises();
}

/** A radio of the dialog (a queue, a colleague, a kind of target). */
async function pick(id: string): Promise<void> {
  const input = byTestId(id).querySelector("input");
  if (input === null) throw new Error(`no input in ${id}`);
  input.click();
  await flushPromises();
}

async function typeNumber(text: string): Promise<void> {
  const input = byTestId("call-target-number") as HTMLInputElement;
  input.value = text;
  input.dispatchEvent(new Event("input"));
  await flushPromises();
}

/** On shift (browser headset) with colleagues online in zone 4. */
async function onShift(status: OperatorStatus, callId: string | null = null): Promise<void> {
  const remote = document.createElement("audio");
  remote.play = async () => undefined;
  useRealtimeStore().start(() => undefined);
  useSoftphoneStore().start({
    storage: localStorage,
    media: {
      createPeer: () => new FakePeer() as unknown as RTCPeerConnection,
      getUserMedia: async () => new FakeStream() as unknown as MediaStream,
      codecCapabilities: () => AUDIO_CODECS as RTCRtpCodec[],
    },
    ringer: new FakeRinger(),
    remoteAudio: remote,
  });
  const online = [operator(ME, "Иванов Иван"), operator(12, "Петрова Анна"), operator(15, "Сидоров Пётр", { role: "senior" })];
  socket().deliver(readyFrame("s1", 0, { ...snapshot(online), operator_state: state(status, { call_id: callId }) }));
  await flushPromises();
}

function mountInPage(...components: ReturnType<typeof defineComponent>[]) {
  const Host = defineComponent(() => () => h(NMessageProvider, null, () => components.map((c) => h(c))));
  const page = mount(Host, { global: { plugins: [i18n] }, attachTo: document.body });
  mounted.push(page);
  return page;
}

async function inCall(): Promise<void> {
  await onShift("on_call", "c1");
  mountInPage(CallPanel);
  socket().deliver(
    eventFrame(1, "call.connected", { user_id: ME, call_id: "c1", caller: "+79001112233", queue_id: 2, connected_at: "2026-11-25T09:00:00+00:00" }),
  );
  await flushPromises();
}

describe("«Перевести»", () => {
  it("offers the queues the operator sees and a number, checks the choice and shows each refusal", async () => {
    const routes: Record<string, Reply> = {
      ...PHONE,
      "GET /api/v1/queues": { status: 200, body: { items: [queue(2, "Справочная информация", 1), queue(3, "Запись на вакцинацию", 4)] } },
      "GET /api/v1/operators/me/colleagues": { status: 200, body: { items: [] } },
    };
    const requests = standInFetch(routes);
    await inCall();

    await click("call-transfer");
    expect(byTestId("call-target-dialog").dataset.purpose).toBe("transfer");
    expect(byTestId("call-target-dialog").textContent).toContain("Перевод вызова");
    await pick("call-target-kind-queue");
    expect(byTestId("call-target-queue-3").textContent).toContain("Запись на вакцинацию");
    expect(byTestId("call-target-queue-3").textContent).toContain("ожидают: 4");

    // Nothing chosen: the page says so and sends nothing.
    await click("call-target-submit");
    expect(byTestId("call-target-problem").textContent).toBe("Выберите очередь");
    expect(posts(requests)).toEqual([]);

    routes["POST /api/v1/operators/me/call/transfer"] = { status: 404, body: { code: "not_found", message: "Очередь 3 не найдена" } };
    await pick("call-target-queue-3");
    expect(present("call-target-problem")).toBe(false);
    await click("call-target-submit");
    expect(posts(requests).map((r) => r.body)).toEqual([{ queue_id: 3 }]);
    expect(byTestId("call-target-error").textContent).toContain("Очередь 3 не найдена");

    await pick("call-target-kind-number");
    await typeNumber("8495 доб. 12");
    await click("call-target-submit");
    expect(byTestId("call-target-problem").textContent).toContain("цифры, пробелы, скобки");
    expect(posts(requests)).toHaveLength(1);

    routes["POST /api/v1/operators/me/call/transfer"] = {
      status: 422,
      body: {
        code: "validation_error",
        message: "Проверьте поля",
        fields: [{ path: "number", code: "no_trunk", message: "Номер не обслуживается ни одной линией" }],
      },
    };
    await typeNumber("8 800 000-00-00");
    byTestId("call-target-number").dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    await flushPromises();
    expect(posts(requests).at(-1)?.body).toEqual({ number: "8 800 000-00-00" });
    expect(byTestId("call-target-problem").textContent).toBe("Номер не обслуживается ни одной линией");
    expect(present("call-target-error")).toBe(false);

    routes["POST /api/v1/operators/me/call/transfer"] = { status: 409, body: { code: "no_call", message: "Нет активного вызова" } };
    await click("call-target-submit");
    expect(byTestId("call-target-error").textContent).toContain("Нет активного вызова");

    routes["POST /api/v1/operators/me/call/transfer"] = { status: 204 };
    await typeNumber("+7 (495) 111-22-33");
    await click("call-target-submit");
    expect(posts(requests).at(-1)?.body).toEqual({ number: "+7 (495) 111-22-33" });
    expect(present("call-target-dialog")).toBe(false);
  });

  it("says when the queues cannot be listed and still allows a number", async () => {
    standInFetch({
      ...PHONE,
      "GET /api/v1/queues": { status: 503, body: { code: "unavailable", message: "ACD не запущен" } },
      "GET /api/v1/operators/me/colleagues": { status: 200, body: { items: [] } },
    });
    await inCall();
    await click("call-transfer");
    await pick("call-target-kind-queue");
    expect(byTestId("call-target-queues-error").textContent).toContain("Не удалось получить список очередей");
    await pick("call-target-kind-number");
    expect(present("call-target-number")).toBe(true);
  });
});

describe("«Передать» an operator of my groups (OPS-20)", () => {
  const colleague = (user_id: number, login: string, full_name: string, status: string, reason = "") => ({
    user_id,
    login,
    full_name,
    status,
    reason,
    since: "2026-11-25T08:00:00+00:00",
    group_names: ["Справочная"],
  });

  it("lists them with their states, offers only those taking calls and shows the server's refusal", async () => {
    const routes: Record<string, Reply> = {
      ...PHONE,
      "GET /api/v1/queues": { status: 200, body: { items: [] } },
      "GET /api/v1/operators/me/colleagues": {
        status: 200,
        body: { items: [colleague(12, "petrova", "Петрова Анна", "ready"), colleague(15, "sidorov", "Сидоров Пётр", "on_break", "lunch")] },
      },
      "POST /api/v1/operators/me/call/transfer": {
        status: 409,
        body: { code: "colleague_unavailable", message: "оператор на перерыве: lunch" },
      },
    };
    const requests = standInFetch(routes);
    await inCall();
    await click("call-transfer");
    await flushPromises();
    expect(byTestId("call-target-dialog").textContent).toContain("Операторы моих групп");
    expect(byTestId("call-target-colleague-petrova").textContent).toContain("Справочная");
    expect(byTestId("call-target-colleague-sidorov").textContent).toContain("На перерыве");
    expect(byTestId("call-target-colleague-sidorov").querySelector("input")?.disabled).toBe(true);

    await pick("call-target-colleague-petrova");
    await click("call-target-submit");
    expect(posts(requests).map((r) => r.body)).toEqual([{ user_id: 12 }]);
    expect(byTestId("call-target-error").textContent).toContain("оператор на перерыве");
    expect(present("call-target-dialog")).toBe(true);

    routes["POST /api/v1/operators/me/call/transfer"] = { status: 204 };
    await click("call-target-submit");
    expect(present("call-target-dialog")).toBe(false);
  });
});

describe("«Консультация»", () => {
  it("consults a colleague online and drives the consultation from the panel", async () => {
    const requests = standInFetch({
      ...PHONE,
      "POST /api/v1/operators/me/call/consult": { status: 204 },
      "POST /api/v1/operators/me/call/consult/swap": { status: 204 },
      "POST /api/v1/operators/me/call/consult/complete": { status: 204 },
      "POST /api/v1/operators/me/call/consult/cancel": { status: 204 },
    });
    await inCall();
    await click("call-consult");
    expect(byTestId("call-target-dialog").dataset.purpose).toBe("consult");
    // Colleagues from zone 4, not oneself.
    expect(present("call-target-colleague-op7")).toBe(false);
    expect(byTestId("call-target-colleague-op15").dataset.userId).toBe("15");
    await click("call-target-submit");
    expect(byTestId("call-target-problem").textContent).toBe("Выберите оператора");
    await pick("call-target-colleague-op12");
    await click("call-target-submit");
    expect(posts(requests).map((r) => [r.path, r.body])).toEqual([["/api/v1/operators/me/call/consult", { user_id: 12 }]]);
    expect(present("call-target-dialog")).toBe(false);

    const consultStep = (id: number, s: string, talking_to: string | null = null) =>
      socket().deliver(eventFrame(id, "call.consultation_changed", { user_id: ME, call_id: "c1", state: s, consultant: "12", talking_to }));
    consultStep(2, "ringing");
    await flushPromises();
    expect(byTestId("call-consultation").dataset.phase).toBe("ringing");
    expect(byTestId("call-consultant").textContent).toBe("Консультант: Петрова Анна");
    expect(byTestId("call-consultation-state").textContent).toContain("вызов консультанта");
    expect((byTestId("call-consult-swap") as HTMLButtonElement).disabled).toBe(true);
    expect((byTestId("call-consult-transfer") as HTMLButtonElement).disabled).toBe(true);
    expect((byTestId("call-consult-cancel") as HTMLButtonElement).disabled).toBe(false);
    // No second consultation or transfer meanwhile.
    expect(present("call-consult")).toBe(false);
    expect(present("call-transfer")).toBe(false);

    consultStep(3, "talking", "consultant");
    await flushPromises();
    expect(byTestId("call-consultation-state").textContent).toContain("разговор с консультантом");
    await click("call-consult-swap");
    consultStep(4, "talking", "caller");
    await flushPromises();
    expect(byTestId("call-consultation").dataset.talkingTo).toBe("caller");
    expect(byTestId("call-consultation-state").textContent).toContain("разговор с заявителем");
    await click("call-consult-transfer");
    await click("call-consult-conference");
    await click("call-consult-cancel");
    expect(posts(requests).slice(1).map((r) => [r.path, r.body])).toEqual([
      ["/api/v1/operators/me/call/consult/swap", null],
      ["/api/v1/operators/me/call/consult/complete", { mode: "transfer" }],
      ["/api/v1/operators/me/call/consult/complete", { mode: "conference" }],
      ["/api/v1/operators/me/call/consult/cancel", null],
    ]);

    consultStep(5, "conference");
    await flushPromises();
    expect(byTestId("call-consultation-state").textContent).toContain("конференция");
    expect(present("call-consult-swap")).toBe(false);
    expect(present("call-consult")).toBe(false);
    expect(present("call-hang-up")).toBe(true);
  });

  it("after a failed consultation the operator may consult again; a number's refusal shows in the dialog", async () => {
    standInFetch({
      ...PHONE,
      "POST /api/v1/operators/me/call/consult": { status: 409, body: { code: "consulting", message: "Консультация уже идёт" } },
    });
    await inCall();
    socket().deliver(eventFrame(2, "call.consultation_changed", { user_id: ME, call_id: "c1", state: "failed", consultant: "+74951112233", talking_to: null }));
    await flushPromises();
    expect(byTestId("call-consultant").textContent).toBe("Консультант: +74951112233");
    expect(byTestId("call-consultation-state").textContent).toContain("консультант не ответил");
    await click("call-consult");
    await pick("call-target-kind-number");
    await typeNumber("+7 495 111-22-33");
    await click("call-target-submit");
    expect(byTestId("call-target-error").textContent).toContain("Консультация уже идёт");
    expect(present("call-target-dialog")).toBe(true);
  });

  it("speaks English when switched", async () => {
    standInFetch(PHONE);
    await inCall();
    i18n.global.locale.value = "en";
    await flushPromises();
    expect(byTestId("call-transfer").getAttribute("aria-label")).toContain("Transfer");
    expect(byTestId("call-consult").getAttribute("aria-label")).toContain("Consult");
  });
});

describe("«Позвонить»", () => {
  it("dials a number while ready, shows the call ringing, then the conversation", async () => {
    const requests = standInFetch({ ...PHONE, "POST /api/v1/operators/me/calls": { status: 201, body: { call_id: "o1" } } });
    await onShift("ready");
    mountInPage(PlaceCallButton, CallPanel);
    await click("call-dial");
    expect(byTestId("call-target-dialog").dataset.purpose).toBe("dial");
    await pick("call-target-kind-number");
    await click("call-target-submit");
    expect(byTestId("call-target-problem").textContent).toBe("Введите номер телефона");
    await typeNumber("8 495 111-22-33");
    await click("call-target-submit");
    expect(posts(requests).map((r) => [r.path, r.body])).toEqual([["/api/v1/operators/me/calls", { number: "8 495 111-22-33" }]]);
    expect(present("call-target-dialog")).toBe(false);
    expect(byTestId("call-outgoing").dataset.callId).toBe("o1");
    expect(byTestId("call-outgoing-target").textContent).toBe("8 495 111-22-33");
    expect(present("call-dial")).toBe(false);

    socket().deliver(stateChanged(1, "ready", "on_call", "o1"));
    await flushPromises();
    expect(present("call-outgoing")).toBe(true);
    expect(present("call-timer")).toBe(false);
    socket().deliver(eventFrame(2, "call.connected", { user_id: ME, call_id: "o1", caller: "op7", queue_id: null, connected_at: new Date().toISOString() }));
    await flushPromises();
    expect(present("call-outgoing")).toBe(false);
    expect(byTestId("call-caller").textContent).toBe("8 495 111-22-33");
    expect(byTestId("call-timer").textContent).toBe("00:00");
  });

  it("calls a colleague by name; an unanswered call leaves the panel; a refusal stays in the dialog", async () => {
    const routes: Record<string, Reply> = { ...PHONE, "POST /api/v1/operators/me/calls": { status: 201, body: { call_id: "o2" } } };
    const requests = standInFetch(routes);
    await onShift("wrap_up");
    mountInPage(PlaceCallButton, CallPanel);
    await click("call-dial");
    await pick("call-target-colleague-op12");
    await click("call-target-submit");
    expect(posts(requests).at(-1)?.body).toEqual({ user_id: 12 });
    expect(byTestId("call-outgoing-target").textContent).toBe("Петрова Анна");
    socket().deliver(eventFrame(1, "call.ended", { user_id: ME, call_id: "o2", cause: "no_answer" }));
    await flushPromises();
    expect(present("call-outgoing")).toBe(false);

    routes["POST /api/v1/operators/me/calls"] = {
      status: 409,
      body: { code: "illegal_transition", message: "Звонить можно в состоянии «на дежурстве» или после вызова" },
    };
    await click("call-dial");
    await pick("call-target-colleague-op15");
    await click("call-target-submit");
    expect(byTestId("call-target-error").textContent).toContain("Звонить можно");
    expect(present("call-outgoing")).toBe(false);

    // A colleague on a call: said in Russian under the choice, not the server's text.
    routes["POST /api/v1/operators/me/calls"] = { status: 409, body: { code: "colleague_busy", message: "operator 15 is on a call" } };
    await click("call-target-submit");
    expect(byTestId("call-target-problem").textContent).toBe("Оператор сейчас разговаривает: выберите другого или позвоните позже");
    expect(present("call-target-error")).toBe(false);
  });

  it("goes straight to the number when no colleague is online", async () => {
    standInFetch(PHONE);
    useRealtimeStore().start(() => undefined);
    socket().deliver(readyFrame("s1", 0, { ...snapshot([operator(ME, "Иванов Иван")]), operator_state: state("ready") }));
    await flushPromises();
    mountInPage(PlaceCallButton);
    await click("call-dial");
    expect(present("call-target-number")).toBe(true);
    await pick("call-target-kind-colleague");
    expect(byTestId("call-target-colleagues").textContent).toContain("Нет операторов в сети");
  });

  it("is not offered on a break or without a shift", async () => {
    standInFetch(PHONE);
    await onShift("ready");
    mountInPage(PlaceCallButton);
    expect(present("call-dial")).toBe(true);
    socket().deliver(stateChanged(1, "ready", "on_break"));
    await flushPromises();
    expect(present("call-dial")).toBe(false);
  });
});
