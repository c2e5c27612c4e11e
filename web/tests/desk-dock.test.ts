// @vitest-environment jsdom
// The call dock and the desk's keys (OPS-19, OPS-04, docs/web.md "Keyboard"): the shortcut table,
// the keys acting on a ringing call, a conversation, the wrap-up and the status; the help sheet; the
// wrap-up countdown, the break timer against its allowance, the end-of-break sound and the break
// suggestion's «now / later»; Naive UI's own texts in the app's language. The event socket, REST
// and WebRTC are stand-ins (tests/softphoneFakes.ts, tests/standInFetch.ts): jsdom has none of them.
import { flushPromises, mount } from "@vue/test-utils";
import { NInput, NMessageProvider } from "naive-ui";
import { createPinia, setActivePinia } from "pinia";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { defineComponent, h } from "vue";
import { createMemoryHistory, createRouter } from "vue-router";
import App from "@/app/App.vue";
import CallDock from "@/app/CallDock.vue";
import { i18n, setLocale } from "@/shared/i18n";
import { breakTime } from "@/features/operator/model";
import { keysOf, shortcutFor, withKeys, type KeyPress } from "@/features/shortcuts/model";
import { useRealtimeStore } from "@/shared/realtime/store";
import { useSoftphoneStore } from "@/features/softphone/store";
import type { OperatorState } from "@/shared/events/protocol";
import { eventFrame, ME, offer, readyFrame, snapshot, state } from "./fixtures";
import { AUDIO_CODECS, FakePeer, FakeRinger, FakeStream, FakeWebSocket, socket } from "./softphoneFakes";
import { posts, standInFetch, type Reply } from "./standInFetch";

const chime = vi.hoisted(() => vi.fn());
vi.mock("@/features/operator/chime", () => ({ chime }));

beforeEach(() => {
  i18n.global.locale.value = "ru";
  FakeWebSocket.opened = [];
  vi.stubGlobal("WebSocket", FakeWebSocket);
  localStorage.clear();
  chime.mockClear();
  setActivePinia(createPinia());
});

// The desk's connections close with each test (tests/setup.ts unmounts its components).
afterEach(() => {
  useSoftphoneStore().stop();
  useRealtimeStore().stop();
  vi.unstubAllGlobals();
  document.body.innerHTML = "";
});

function press(over: Partial<KeyPress>): KeyPress {
  return { code: "", key: "", altKey: false, ctrlKey: false, metaKey: false, shiftKey: false, target: null, ...over };
}

describe("the shortcut table", () => {
  it("matches Alt with the key's position, whatever the layout types there", () => {
    expect(shortcutFor(press({ code: "KeyM", key: "ь", altKey: true }))).toBe("mute");
    expect(shortcutFor(press({ code: "KeyA", key: "a", altKey: true }))).toBe("answer");
    expect(shortcutFor(press({ code: "KeyX", key: "x", altKey: true }))).toBe("hangUp");
    expect(shortcutFor(press({ code: "KeyM", key: "m" }))).toBeNull(); // typing
    expect(shortcutFor(press({ code: "KeyM", key: "m", altKey: true, ctrlKey: true }))).toBeNull();
    expect(shortcutFor(press({ code: "KeyQ", key: "q", altKey: true }))).toBeNull();
  });

  it("takes «?» for the help sheet except while typing in a field", () => {
    expect(shortcutFor(press({ key: "?", shiftKey: true, target: document.body }))).toBe("help");
    expect(shortcutFor(press({ key: "?", shiftKey: true, target: document.createElement("input") }))).toBeNull();
    expect(shortcutFor(press({ key: "?", shiftKey: true, target: document.createElement("textarea") }))).toBeNull();
  });

  it("names the keys in tooltips", () => {
    expect(keysOf("hold")).toBe("Alt+H");
    expect(withKeys("Завершить разговор", "hangUp")).toBe("Завершить разговор (Alt+X)");
  });
});

describe("the break timer's arithmetic", () => {
  const onBreak = (limit: number | null): OperatorState => state("on_break", { reason: "lunch", break_limit_s: limit });

  it("counts on this desk's clock against the reason's allowance", () => {
    expect(breakTime(onBreak(1800), 1_000, 61_000)).toEqual({ spent: 60, allowed: 1800, over: 0 });
    expect(breakTime(onBreak(60), 1_000, 91_000)).toEqual({ spent: 90, allowed: 60, over: 30 });
    expect(breakTime(onBreak(null), 1_000, 91_000)).toEqual({ spent: 90, allowed: null, over: 0 });
    expect(breakTime(state("ready"), 1_000, 91_000)).toBeNull();
  });

  it("after a reload counts on from the break's start by the server's times, whatever the desk's clock says", () => {
    const arrived = Date.parse("2030-01-01T00:00:00Z");
    const reloaded = { ...onBreak(1800), since: "2026-11-25T09:00:00+00:00", server_time: "2026-11-25T09:05:00+00:00" };
    expect(breakTime(reloaded, arrived, arrived)).toEqual({ spent: 300, allowed: 1800, over: 0 });
    expect(breakTime(reloaded, arrived, arrived + 10_000)).toEqual({ spent: 310, allowed: 1800, over: 0 });
  });

  it("is at least the allowance once the server says it has run out", () => {
    expect(breakTime(onBreak(60), 1_000, 11_000, true)).toEqual({ spent: 60, allowed: 60, over: 0 });
  });
});

function byTestId(id: string): HTMLElement {
  const element = document.querySelector<HTMLElement>(`[data-testid="${id}"]`);
  if (element === null) throw new Error(`no ${id}`);
  return element;
}
const has = (id: string): boolean => document.querySelector(`[data-testid="${id}"]`) !== null;

/** A key pressed with nothing focused, as the operator does with the mouse away. */
async function key(code: string, over: Partial<KeyboardEventInit> = {}): Promise<KeyboardEvent> {
  const event = new KeyboardEvent("keydown", { code, key: "", altKey: true, bubbles: true, cancelable: true, ...over });
  window.dispatchEvent(event);
  await flushPromises();
  return event;
}

/** The dock mounted with the operator in `initial`, the media leg up. */
async function dock(initial: OperatorState, routes: Record<string, Reply> = {}) {
  const requests = standInFetch(routes);
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
  socket().deliver(readyFrame("s1", 0, { ...snapshot([]), operator_state: initial }));
  await vi.waitFor(() => expect(socket().signals()).toEqual([{ kind: "rtc.start", codecs: ["PCMU", "PCMA"] }]));
  socket().deliver({ kind: "rtc.offer", leg: "leg-1", sdp: "offer-1" });
  await vi.waitFor(() => expect(socket().signals().at(-1)).toMatchObject({ kind: "rtc.answer" }));
  const Host = defineComponent(() => () => h(NMessageProvider, null, () => h(CallDock)));
  mount(Host, { global: { plugins: [i18n] }, attachTo: document.body });
  await flushPromises();
  return requests;
}

describe("the desk's keys", () => {
  it("answer a ringing call with Alt+A, then mute, hold and hang up without a mouse", async () => {
    const requests = await dock(state("ready"), {
      "POST /api/v1/operators/me/offers/c1/accept": { status: 200, body: state("on_call", { call_id: "c1", queue_id: 2 }) },
      "POST /api/v1/operators/me/call/hold": { status: 204 },
      "POST /api/v1/operators/me/call/hang-up": { status: 204 },
    });
    // Nothing rings yet: the key does nothing and is left to the page.
    expect((await key("KeyA")).defaultPrevented).toBe(false);
    socket().deliver(eventFrame(1, "call.offered", { user_id: ME, offer: offer("c1") }));
    await flushPromises();
    expect(byTestId("offer-accept").getAttribute("aria-keyshortcuts")).toBe("Alt+A");
    expect((await key("KeyA")).defaultPrevented).toBe(true);
    expect(posts(requests).map((r) => r.path)).toEqual(["/api/v1/operators/me/offers/c1/accept"]);

    socket().deliver(eventFrame(2, "call.connected", { user_id: ME, call_id: "c1", caller: "+79001112233", queue_id: 2, connected_at: new Date().toISOString() }));
    await flushPromises();
    expect(byTestId("call-mute").getAttribute("aria-keyshortcuts")).toBe("Alt+M");
    await key("KeyM");
    expect(byTestId("call-panel").dataset.muted).toBe("true");
    await key("KeyH");
    expect(byTestId("call-panel").dataset.held).toBe("true");
    await key("KeyU");
    expect(byTestId("call-panel").dataset.expanded).toBe("true");
    await key("KeyU");
    expect(byTestId("call-panel").dataset.expanded).toBe("false");
    await key("KeyX");
    expect(posts(requests).map((r) => r.path)).toEqual([
      "/api/v1/operators/me/offers/c1/accept",
      "/api/v1/operators/me/call/hold",
      "/api/v1/operators/me/call/hang-up",
    ]);
  });

  it("reject with Alt+R", async () => {
    const requests = await dock(state("ready"), {
      "POST /api/v1/operators/me/offers/c2/reject": { status: 200, body: state("ready") },
    });
    socket().deliver(eventFrame(1, "call.offered", { user_id: ME, offer: offer("c2") }));
    await flushPromises();
    await key("KeyR");
    expect(posts(requests).map((r) => r.path)).toEqual(["/api/v1/operators/me/offers/c2/reject"]);
  });

  it("change the status: Alt+G ends the wrap-up early, Alt+B takes a break", async () => {
    const until = new Date(Date.now() + 30_000).toISOString();
    const requests = await dock(state("wrap_up", { since: new Date().toISOString(), wrap_up_until: until }), {
      "PUT /api/v1/operators/me/state": { status: 200, body: state("ready") },
    });
    expect(byTestId("wrap-up-left").textContent?.trim()).toMatch(/^00:(30|29)$/);
    await key("KeyG");
    await key("KeyB");
    expect(posts(requests).map((r) => r.body)).toEqual([
      { status: "ready", note: "" },
      { status: "on_break", reason: "break", note: "" },
    ]);
  });

  it("open and close the help sheet with «?», which lists every key", async () => {
    await dock(state("ready"));
    await key("Slash", { key: "?", altKey: false, shiftKey: true });
    await vi.waitFor(() => expect(has("shortcuts-help")).toBe(true));
    expect(byTestId("shortcut-hangUp").textContent).toBe("Alt+X");
    expect(byTestId("shortcuts-help").textContent).toContain("Поставить на удержание");
  });
});

describe("breaks in the dock", () => {
  it("show the timer against the allowance, then ring and turn red when the server says it is over", async () => {
    await dock(state("on_break", { reason: "lunch", since: new Date().toISOString(), break_limit_s: 1800 }));
    expect(byTestId("break-allowed").textContent?.trim()).toBe("из 30:00");
    expect(byTestId("break-bar").dataset.over).toBe("false");
    expect(chime).not.toHaveBeenCalled();
    socket().deliver(eventFrame(1, "operator.break_time_elapsed", { user_id: ME, reason: "lunch", allowed_s: 1800 }));
    await flushPromises();
    expect(byTestId("break-bar").dataset.over).toBe("true");
    expect(byTestId("break-notice").textContent).toContain("Отведённое на перерыв время закончилось");
    expect(byTestId("break-timer").textContent).toBe("30:00");
    expect(chime).toHaveBeenCalledTimes(1);
  });

  it("suggest a break: «Позже» puts it away, «Взять перерыв сейчас» takes it", async () => {
    const requests = await dock(state("ready"), {
      "PUT /api/v1/operators/me/state": { status: 200, body: state("on_break", { reason: "break", break_limit_s: 900 }) },
    });
    socket().deliver(eventFrame(1, "operator.break_suggested", { user_id: ME, worked_s: 7200 }));
    await vi.waitFor(() => expect(has("break-later")).toBe(true));
    byTestId("break-later").click();
    await flushPromises();
    expect(useRealtimeStore().breakNotice).toBeNull();
    expect(posts(requests)).toEqual([]);

    socket().deliver(eventFrame(2, "operator.break_suggested", { user_id: ME, worked_s: 9000 }));
    await vi.waitFor(() => expect(has("break-now")).toBe(true));
    byTestId("break-now").click();
    await flushPromises();
    expect(posts(requests).map((r) => r.body)).toEqual([{ status: "on_break", reason: "break", note: "" }]);
    expect(useRealtimeStore().breakNotice).toBeNull();
  });
});

describe("Naive UI's own texts", () => {
  it("follow the app's language", async () => {
    standInFetch({});
    const Probe = defineComponent(() => () => h(NInput, { "data-testid": "probe" }));
    const router = createRouter({ history: createMemoryHistory(), routes: [{ path: "/", component: Probe }] });
    await router.push("/");
    mount(App, { global: { plugins: [i18n, router] }, attachTo: document.body });
    await flushPromises();
    const placeholder = (): string | null => document.querySelector("input")?.getAttribute("placeholder") ?? null;
    expect(placeholder()).toBe("Ввести");
    setLocale("en");
    await flushPromises();
    expect(placeholder()).toBe("Please Input");
    setLocale("ru");
  });
});
