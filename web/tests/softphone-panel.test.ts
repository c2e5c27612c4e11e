// @vitest-environment jsdom
// Render tests of the incoming-call alert, the call control panel and the device settings. The
// event socket, REST, WebRTC, getUserMedia and WebAudio are stand-ins (tests/softphoneFakes.ts,
// tests/standInFetch.ts): jsdom has none of them, and the Python server is not part of this run.
import { flushPromises, mount } from "@vue/test-utils";
import { NMessageProvider } from "naive-ui";
import { createPinia, setActivePinia } from "pinia";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { defineComponent, h } from "vue";
import CallPanel from "@/features/softphone/components/CallPanel.vue";
import DeviceSettingsDialog from "@/features/softphone/components/DeviceSettingsDialog.vue";
import HealthIndicator from "@/features/health/components/HealthIndicator.vue";
import OfferNotice from "@/features/softphone/components/OfferNotice.vue";
import { i18n } from "@/shared/i18n";
import { loadSettings, STORAGE_KEY } from "@/features/softphone/settings";
import { useRealtimeStore } from "@/shared/realtime/store";
import { useSoftphoneStore } from "@/features/softphone/store";
import { eventFrame, ME, offer, readyFrame, snapshot, state } from "./fixtures";
import { AUDIO_CODECS, FakePeer, FakeRinger, FakeStream, FakeWebSocket, socket } from "./softphoneFakes";
import { posts, standInFetch } from "./standInFetch";

let ringer: FakeRinger;

beforeEach(() => {
  i18n.global.locale.value = "ru";
  FakeWebSocket.opened = [];
  FakePeer.created = [];
  vi.stubGlobal("WebSocket", FakeWebSocket);
  localStorage.clear();
  ringer = new FakeRinger();
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

async function click(id: string): Promise<void> {
  byTestId(id).click();
  await flushPromises();
}

/** On shift with the media leg connected, as after «Начать смену». */
async function onShift(): Promise<void> {
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
    ringer,
    remoteAudio: remote,
  });
  socket().deliver(readyFrame("s1", 0, { ...snapshot([]), operator_state: state("ready") }));
  await vi.waitFor(() => expect(socket().signals()).toEqual([{ kind: "rtc.start", codecs: ["PCMU", "PCMA"] }]));
  socket().deliver({ kind: "rtc.offer", leg: "leg-1", sdp: "offer-1" });
  await vi.waitFor(() => expect(socket().signals().at(-1)).toMatchObject({ kind: "rtc.answer" }));
}

function mountInPage(...components: ReturnType<typeof defineComponent>[]) {
  const Host = defineComponent(() => () => h(NMessageProvider, null, () => components.map((c) => h(c))));
  const page = mount(Host, { global: { plugins: [i18n] }, attachTo: document.body });
  mounted.push(page);
  return page;
}

describe("incoming call and call control panel", () => {
  it("alerts with caller, service number and group, answers, and controls the call from the panel", async () => {
    const requests = standInFetch({
      "POST /api/v1/operators/me/offers/c1/accept": { status: 200, body: state("on_call", { call_id: "c1", queue_id: 2 }) },
      "POST /api/v1/operators/me/call/hold": { status: 204 },
      "POST /api/v1/operators/me/call/hang-up": { status: 204 },
    });
    await onShift();
    mountInPage(OfferNotice, CallPanel);

    socket().deliver(eventFrame(1, "call.offered", { user_id: ME, offer: offer("c1") }));
    await flushPromises();
    expect(byTestId("offer-caller").textContent).toContain("+79001112233");
    expect(byTestId("offer-service").textContent).toBe("Служба: Служба 122 (122)");
    expect(byTestId("offer-group").textContent).toBe("Группа: Первая линия");
    expect(document.querySelector('[data-testid="offer-auto-answer"]')).toBeNull();
    expect(ringer.ringing).toBe(true);

    await click("offer-accept");
    expect(posts(requests).map((r) => r.path)).toEqual(["/api/v1/operators/me/offers/c1/accept"]);
    expect(ringer.ringing).toBe(false);
    expect(document.querySelector('[data-testid="offer-notice"]')).toBeNull();

    // The server's clock is its own (here: a day behind this browser's); the talk time is not.
    socket().deliver(
      eventFrame(
        2,
        "call.connected",
        { user_id: ME, call_id: "c1", caller: "+79001112233", queue_id: 2, connected_at: "2026-11-24T09:00:00+00:00" },
        "2026-11-24T09:01:05+00:00",
      ),
    );
    await flushPromises();
    expect(byTestId("call-caller").textContent).toBe("+79001112233");
    expect(byTestId("call-timer").textContent).toMatch(/^01:0[5-7]$/);

    await click("call-mute");
    expect(byTestId("call-panel").dataset.muted).toBe("true");
    expect(byTestId("call-mute").getAttribute("aria-label")).toContain("Включить микрофон");

    await click("call-hold");
    expect(byTestId("call-panel").dataset.held).toBe("true");
    expect(byTestId("call-held").textContent).toContain("На удержании");
    expect(byTestId("call-hold").getAttribute("aria-label")).toContain("Снять с удержания");

    await click("call-keypad-toggle");
    await click("dtmf-5");
    await click("dtmf-hash");
    byTestId("call-panel").dispatchEvent(new KeyboardEvent("keydown", { key: "9", bubbles: true }));
    byTestId("call-panel").dispatchEvent(new KeyboardEvent("keydown", { key: "x", bubbles: true }));
    await flushPromises();
    expect(socket().signals().filter((m) => m.kind === "rtc.dtmf")).toEqual([
      { kind: "rtc.dtmf", leg: "leg-1", digit: "5" },
      { kind: "rtc.dtmf", leg: "leg-1", digit: "#" },
      { kind: "rtc.dtmf", leg: "leg-1", digit: "9" },
    ]);
    expect(byTestId("call-dialled").textContent).toBe("5#9");

    await click("call-hang-up");
    expect(requests.map((r) => r.path).at(-1)).toBe("/api/v1/operators/me/call/hang-up");
    socket().deliver(eventFrame(3, "call.ended", { user_id: ME, call_id: "c1", cause: "operator_hung_up" }));
    await flushPromises();
    expect(document.querySelector('[data-testid="call-panel"]')).toBeNull();
  });

  it("speaks English when switched", async () => {
    standInFetch({});
    await onShift();
    i18n.global.locale.value = "en";
    mountInPage(OfferNotice, CallPanel);
    socket().deliver(eventFrame(1, "call.offered", { user_id: ME, offer: offer("c9", true) }));
    socket().deliver(eventFrame(2, "call.connected", { user_id: ME, call_id: "c9", caller: "+79001112233", queue_id: 2, connected_at: new Date().toISOString() }));
    await flushPromises();
    expect(byTestId("call-mute").getAttribute("aria-label")).toContain("Mute microphone");
    expect(byTestId("call-hang-up").getAttribute("aria-label")).toContain("End the call");
  });

  it("on a SIP phone leaves the microphone and keypad to the phone", async () => {
    standInFetch({});
    await onShift();
    useSoftphoneStore().setPhoneMode("sip");
    mountInPage(CallPanel);
    socket().deliver(eventFrame(1, "call.connected", { user_id: ME, call_id: "c7", caller: "+79001112233", queue_id: 2, connected_at: "2026-11-25T09:00:00+00:00" }));
    await flushPromises();
    expect(byTestId("call-hang-up").getAttribute("aria-label")).toContain("Завершить разговор");
    expect(byTestId("call-hold").getAttribute("aria-label")).toContain("Поставить разговор на удержание");
    expect(document.querySelector('[data-testid="call-mute"]')).toBeNull();
    expect(document.querySelector('[data-testid="call-keypad-toggle"]')).toBeNull();
  });
});

describe("health indicator media line", () => {
  it("shows the voice leg's state and follows rtc.state", async () => {
    standInFetch({});
    await onShift();
    mountInPage(HealthIndicator);
    byTestId("health-indicator").dispatchEvent(new MouseEvent("mouseenter", { bubbles: true }));
    await vi.waitFor(() => expect(byTestId("health-media").dataset.leg).toBe("connecting"), { timeout: 2000 });
    expect(byTestId("health-media").textContent).toContain("Голосовой канал");
    expect(byTestId("health-media").dataset.ok).toBe("false");

    socket().deliver({ kind: "rtc.state", leg: "leg-1", state: "connected" });
    await flushPromises();
    expect(byTestId("health-media").dataset.ok).toBe("true");
    expect(byTestId("health-media").textContent).toContain("подключён");
  });
});

// The analyser reports a steady signal, so the meter's bar has something to show.
class MeterContext {
  createAnalyser() {
    return { fftSize: 0, getFloatTimeDomainData: (samples: Float32Array) => samples.fill(0.5) };
  }
  createMediaStreamSource() {
    return { connect: () => undefined };
  }
  async close(): Promise<void> {}
}

const sipAccount = {
  auth_name: "operator1",
  domain: "c122.local",
  proxy: "10.0.0.5",
  port: 5060,
  transport: "udp",
  registered: false,
  password_set: false,
};

describe("device settings", () => {
  let constraints: MediaStreamConstraints[];

  beforeEach(() => {
    constraints = [];
    vi.stubGlobal("AudioContext", MeterContext);
    vi.stubGlobal("requestAnimationFrame", () => 1);
    vi.stubGlobal("cancelAnimationFrame", () => undefined);
    Object.defineProperty(navigator, "mediaDevices", {
      configurable: true,
      value: {
        enumerateDevices: async () => [
          { kind: "audioinput", deviceId: "mic-1", label: "Гарнитура USB", groupId: "a" },
          { kind: "audiooutput", deviceId: "out-1", label: "Динамики", groupId: "b" },
        ],
        getUserMedia: async (c: MediaStreamConstraints) => {
          constraints.push(c);
          return new FakeStream();
        },
      },
    });
  });

  async function openDialog() {
    const Host = defineComponent(() => () => h(NMessageProvider, null, () => h(DeviceSettingsDialog, { show: true })));
    const wrapper = mount(Host, { global: { plugins: [i18n] }, attachTo: document.body });
    mounted.push(wrapper);
    await flushPromises();
    return wrapper;
  }

  it("saves codec order and switches for this browser, tests the microphone, and resets to defaults", async () => {
    standInFetch({ "GET /api/v1/operators/me/phone": { status: 200, body: { mode: "browser", sip: sipAccount } } });
    await openDialog();
    expect(document.body.textContent).toContain("Настройки устройств");
    // jsdom, like some browsers, cannot choose an output device: the page says so.
    expect(byTestId("devices-no-output-choice").textContent).toContain("устройство по умолчанию");
    // Two saves (this browser's sound, the server's phone settings) say which is which.
    expect(byTestId("devices-save").textContent?.trim()).toBe("Сохранить настройки звука");
    expect(byTestId("phone-save").textContent?.trim()).toBe("Сохранить настройки телефона");
    // The other parameters of the manual: jsdom has no File System Access API, so the dialog says
    // recordings go to the browser's download folder; the idle interval is the group's.
    expect(byTestId("devices-folder-mode").dataset.mode).toBe("downloads");
    expect(byTestId("devices-folder-mode").textContent).toContain("папку загрузок браузера");
    expect(document.querySelector('[data-testid="devices-folder-choose"]')).toBeNull();
    expect(byTestId("devices-input-volume").textContent).toContain("Громкость микрофона");

    await click("devices-codec-down-0");
    expect([byTestId("devices-codec-0").dataset.codec, byTestId("devices-codec-1").dataset.codec]).toEqual(["PCMA", "PCMU"]);
    await click("devices-noise-suppression");
    await click("devices-test-microphone");
    expect(constraints.at(-1)).toEqual({
      audio: { noiseSuppression: false, echoCancellation: true, autoGainControl: true },
      video: false,
    });
    expect(byTestId("devices-level").dataset.level).toBe("100");

    await click("devices-save");
    expect(loadSettings(localStorage)).toMatchObject({ codecs: ["PCMA", "PCMU"], noiseSuppression: false });
    expect(useSoftphoneStore().settings.codecs).toEqual(["PCMA", "PCMU"]);

    await click("devices-reset");
    expect(localStorage.getItem(STORAGE_KEY)).toBeNull();
    expect(byTestId("devices-codec-0").dataset.codec).toBe("PCMU");
    expect(useSoftphoneStore().settings.noiseSuppression).toBe(true);
  });

  it("switches the operator to a SIP phone, shows the account it needs and sets its password", async () => {
    const requests = standInFetch({
      "GET /api/v1/operators/me/phone": { status: 200, body: { mode: "browser", sip: sipAccount } },
      "PUT /api/v1/operators/me/phone": { status: 200, body: { mode: "sip", sip: { ...sipAccount, registered: true, password_set: true } } },
    });
    await openDialog();
    expect(document.querySelector('[data-testid="phone-account"]')).toBeNull();

    byTestId("phone-mode-sip").querySelector("input")?.click();
    await flushPromises();
    expect(byTestId("phone-auth-name").textContent).toBe("operator1");
    expect(byTestId("phone-proxy").textContent).toBe("10.0.0.5");
    expect(byTestId("phone-port").textContent).toBe("5060");
    expect(byTestId("phone-transport").textContent).toBe("udp");
    expect(byTestId("phone-registered").dataset.registered).toBe("false");
    expect(byTestId("phone-password-set").textContent).toContain("не задан");

    const password = byTestId("phone-password") as HTMLInputElement;
    password.value = "s3cret-pass";
    password.dispatchEvent(new Event("input"));
    await click("phone-save");
    expect(requests.find((r) => r.method === "PUT")).toMatchObject({
      path: "/api/v1/operators/me/phone",
      csrf: "csrf-token",
      body: { mode: "sip", sip_password: "s3cret-pass" },
    });
    expect(byTestId("phone-registered").textContent).toContain("зарегистрирован");
    expect(byTestId("phone-registered").dataset.registered).toBe("true");
    expect(byTestId("phone-password-set").dataset.set).toBe("true");
    expect(password.value).toBe("");
    // The desktop stops using a browser leg for this operator.
    expect(useSoftphoneStore().phoneMode).toBe("sip");
  });

  it("shows the server's problem with the SIP password under the field", async () => {
    standInFetch({
      "GET /api/v1/operators/me/phone": { status: 200, body: { mode: "sip", sip: sipAccount } },
      "PUT /api/v1/operators/me/phone": {
        status: 422,
        body: {
          code: "validation_error",
          message: "Проверьте поля",
          fields: [{ path: "sip_password", code: "too_short", message: "Пароль не короче 8 символов" }],
        },
      },
    });
    await openDialog();
    const password = byTestId("phone-password") as HTMLInputElement;
    password.value = "123";
    password.dispatchEvent(new Event("input"));
    await click("phone-save");
    expect(byTestId("phone-password-error").textContent).toContain("Пароль не короче 8 символов");
    expect(byTestId("phone-registered").dataset.registered).toBe("false");
  });

  it("says when the phone settings cannot be loaded and does not offer to save", async () => {
    standInFetch({ "GET /api/v1/operators/me/phone": { status: 500, body: { code: "internal", message: "" } } });
    await openDialog();
    expect(byTestId("phone-error").textContent).toContain("Не удалось получить настройки телефона");
    expect((byTestId("phone-save") as HTMLButtonElement).disabled).toBe(true);
  });
});
