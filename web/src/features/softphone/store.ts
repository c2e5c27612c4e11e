import { defineStore } from "pinia";
import { computed, ref, watch, type WatchStopHandle } from "vue";
import { ApiError } from "@/shared/api/errors";
import { offerDetails, type OfferDetails } from "@/shared/events/protocol";
import * as phoneApi from "@/features/softphone/api";
import type { CallTarget, CompleteMode, PhoneMode, TransferTarget } from "@/features/softphone/api";
import { applyConsultation, type Consultation } from "@/features/softphone/consultation";
import { MediaSession, type LegStatus, type MediaDeps } from "@/features/softphone/mediaSession";
import { microphoneGain } from "@/features/softphone/microphoneGain";
import { routeTo, Ringer } from "@/features/softphone/ringer";
import { clearSettings, loadSettings, saveSettings, type DeviceSettings } from "@/features/softphone/settings";
import { useOperatorStore } from "@/features/operator/store";
import { useCallVideoStore } from "@/features/softphone/callVideo";
import type { CallEvent } from "@/shared/realtime/dispatch";
import { useRealtimeStore } from "@/shared/realtime/store";

const nullStorage: Pick<Storage, "getItem"> = { getItem: () => null };

export interface ActiveCall {
  call_id: string;
  caller: string;
  /** ISO time the conversation began, by the server's clock */
  connected_at: string;
  /** the same moment by this browser's clock (Date.now() scale): the call timer counts from it */
  started_ms: number;
  held: boolean;
}

/** A call the operator placed, from the server's 201 until the far end answers or the call ends. */
export interface OutgoingCall {
  call_id: string;
  /** what the operator dialled: the number, or the colleague's name */
  target: string;
}

/** What the softphone needs from the browser; tests give stand-ins for what jsdom lacks. */
export interface SoftphoneEnvironment {
  storage: Storage;
  media: Omit<MediaDeps, "send" | "playRemote">;
  ringer: Pick<Ringer, "ring" | "stop">;
  /** The element the far side is heard on (the headset). */
  remoteAudio: HTMLAudioElement;
}

export function browserEnvironment(): SoftphoneEnvironment | null {
  if (typeof RTCPeerConnection === "undefined" || navigator.mediaDevices === undefined) return null;
  return {
    storage: localStorage,
    media: {
      createPeer: (iceServers) => new RTCPeerConnection({ iceServers, bundlePolicy: "max-bundle" }),
      getUserMedia: (constraints) => navigator.mediaDevices.getUserMedia(constraints),
      codecCapabilities: () => RTCRtpReceiver.getCapabilities?.("audio")?.codecs ?? null,
      gain: typeof AudioContext === "undefined" ? undefined : microphoneGain,
    },
    ringer: new Ringer(),
    remoteAudio: new Audio(),
  };
}

/**
 * The operator's softphone (TEL-19, TEL-20): the media leg while on shift, the ring, the call in
 * progress (timer, mute, hold, hang-up, DTMF, transfer, consultation), the calls the operator places
 * (TEL-03) and the device settings it uses.
 */
export const useSoftphoneStore = defineStore("softphone", () => {
  const callVideo = useCallVideoStore();
  const realtime = useRealtimeStore();
  const operator = useOperatorStore();

  const settings = ref<DeviceSettings>(loadSettings(typeof localStorage === "undefined" ? nullStorage : localStorage));
  const leg = ref<LegStatus>("idle");
  const mediaError = ref<string | null>(null);
  const muted = ref(false);
  const connected = ref<ActiveCall | null>(null);
  // The last call.ended: the state may still say on_call for it until wrap-up begins.
  const ended = ref<string | null>(null);
  const busy = ref(false);
  const error = ref<ApiError | null>(null);
  /** False when the browser cannot run the softphone at all (no WebRTC). */
  const supported = ref(true);
  /** How the operator takes calls; null until the server has said. */
  const phoneMode = ref<PhoneMode | null>(null);
  /** The consultation of the call in progress, from call.consultation_changed. */
  const consultation = ref<Consultation | null>(null);
  const outgoing = ref<OutgoingCall | null>(null);

  let env: SoftphoneEnvironment | null = null;
  let session: MediaSession | null = null;
  let stops: (WatchStopHandle | (() => void))[] = [];
  // Who called, by call id: after answering, the offer is gone but the panel still names the caller.
  const callers = new Map<string, string>();
  let ringingFor: string | null = null;
  // Calls this desktop placed, by id, with whom was dialled: for them call.connected's `caller` is the
  // operator's own login, so the panel names the dialled party instead.
  const dialled = new Map<string, string>();
  // How far this browser's clock is ahead of the server's, from the last call event's time stamp:
  // the talk time must not depend on the two clocks agreeing.
  let clockOffsetMs = 0;
  const local = (serverTime: string): number => {
    const t = Date.parse(serverTime);
    return Number.isNaN(t) ? Date.now() : t + clockOffsetMs;
  };

  const offer = computed(() => operator.offer);
  const details = computed<OfferDetails | null>(() => (offer.value === null ? null : offerDetails(offer.value)));
  const myId = computed(() => operator.state?.user_id ?? null);

  /** The call in progress: from call.connected, or from the state after a reload mid-call. */
  const call = computed<ActiveCall | null>(() => {
    if (connected.value !== null) return connected.value;
    const state = operator.state;
    if (state === null || state.status !== "on_call" || state.call_id === null || state.call_id === ended.value) return null;
    // A colleague's call holding this operator ("<call>:transfer:…", "<call>:consult:…") is no
    // conversation of this desk until its call.connected says so.
    if (state.call_id.includes(":")) return null;
    // A call being dialled has no conversation (nor talk time) until the far end answers.
    if (state.call_id === outgoing.value?.call_id) return null;
    return {
      call_id: state.call_id,
      caller: callers.get(state.call_id) ?? "",
      connected_at: state.since,
      started_ms: local(state.since),
      held: false,
    };
  });

  function start(environment: SoftphoneEnvironment | null = browserEnvironment()): void {
    if (session !== null || env !== null) return;
    if (environment === null) {
      supported.value = false;
      return;
    }
    env = environment;
    settings.value = loadSettings(environment.storage);
    const remote = environment.remoteAudio;
    session = new MediaSession(
      {
        ...environment.media,
        send: (message) => realtime.sendSignal(message),
        playRemote: (stream) => {
          remote.srcObject = stream;
          if (stream !== null) void playRemote(remote);
        },
        showVideo: (track) => callVideo.setTrack(track),
        videoState: (showing, reason, stalled) => callVideo.setState(showing, reason, stalled),
        cameraState: (allowed, on) => callVideo.setCamera(allowed, on),
      },
      settings.value,
      (view) => {
        leg.value = view.status;
        mediaError.value = view.error;
        muted.value = view.muted;
      },
    );
    const media = session;
    callVideo.bindCamera((on) => media.setCamera(on));
    stops = [
      realtime.onSignal((message) => media.handle(message)),
      realtime.onCall(callEvent),
      watch(
        () => realtime.status,
        (status, before) => {
          if (status === "open") media.socketOpened();
          else if (before === "open") media.socketClosed();
        },
        { immediate: true },
      ),
      // The browser leg is for operators who take calls in the browser, once that is known.
      watch(
        () => phoneMode.value === "browser" && (operator.state?.status ?? "offline") !== "offline",
        (wanted) => {
          if (wanted) media.begin();
          else media.end();
        },
        { immediate: true },
      ),
      watch(
        () => operator.state?.status ?? "offline",
        (status, before) => {
          // A missed call.ended must not leave the panel up; the events may arrive in either order
          // around the change to on_call, so only a state after the call clears it.
          if (status !== "on_call" && status !== "offered") {
            connected.value = null;
            consultation.value = null;
          }
          // The 201 of a dialled call may come before or after the change to on_call.
          if (before === "on_call" && status !== "on_call") outgoing.value = null;
        },
        { immediate: true },
      ),
      watch(() => offer.value?.call_id ?? null, offered, { immediate: true }),
    ];
    void loadPhoneMode();
  }

  // Bumped by every explicit choice: a start-up read answered after the operator chose must not undo it.
  let phoneModeChoices = 0;

  async function loadPhoneMode(): Promise<void> {
    const choicesBefore = phoneModeChoices;
    let mode: PhoneMode;
    try {
      mode = (await phoneApi.loadPhone()).mode;
    } catch (e) {
      // Without the answer the desktop assumes the browser, the usual way to take calls.
      console.warn("phone settings not available", e);
      mode = "browser";
    }
    if (phoneModeChoices === choicesBefore) phoneMode.value = mode;
  }

  /** The operator switched between the browser and a SIP phone (device settings). */
  function setPhoneMode(mode: PhoneMode): void {
    phoneModeChoices += 1;
    phoneMode.value = mode;
  }

  function stop(): void {
    stops.forEach((s) => s());
    stops = [];
    session?.end();
    session = null;
    env?.ringer.stop();
    env = null;
    ringingFor = null;
  }

  async function playRemote(remote: HTMLAudioElement): Promise<void> {
    remote.volume = settings.value.outputVolume / 100;
    await routeTo(remote, settings.value.speaker);
    await remote.play().catch((e: unknown) => console.warn("call audio could not play", e));
  }

  function offered(callId: string | null): void {
    const ringer = env?.ringer;
    if (callId === null || offer.value === null) {
      ringer?.stop();
      ringingFor = null;
      return;
    }
    if (callId === ringingFor) return;
    ringingFor = callId;
    callers.set(callId, offer.value.caller);
    // The tone in the headset is the server's, played on the media leg while the call is offered;
    // the desktop rings the ringer device.
    if (details.value?.auto_answer === true) {
      void autoAnswer(callId);
      return;
    }
    void ringer?.ring(settings.value.ringer, settings.value.ringVolume);
  }

  /** The queue answers for the operator; the server may well have accepted first, which is fine. */
  async function autoAnswer(callId: string): Promise<void> {
    await operator.accept(callId);
    if (operator.error?.status === 409) operator.error = null;
  }

  function callEvent(event: CallEvent): void {
    const at = Date.parse(event.at);
    if (!Number.isNaN(at)) clockOffsetMs = Date.now() - at;
    if (event.type === "call.connected" && event.data.user_id === myId.value) {
      env?.ringer.stop();
      const caller = dialled.get(event.data.call_id) ?? event.data.caller;
      callers.set(event.data.call_id, caller);
      connected.value = {
        call_id: event.data.call_id,
        caller,
        connected_at: event.data.connected_at,
        started_ms: local(event.data.connected_at),
        held: false,
      };
      if (outgoing.value?.call_id === event.data.call_id) outgoing.value = null;
      if (consultation.value?.call_id !== event.data.call_id) consultation.value = null;
      session?.setMuted(false);
    } else if (event.type === "call.ended" && event.data.user_id === myId.value) {
      ended.value = event.data.call_id;
      if (connected.value?.call_id === event.data.call_id) connected.value = null;
      if (outgoing.value?.call_id === event.data.call_id) outgoing.value = null;
      if (consultation.value?.call_id === event.data.call_id) consultation.value = null;
      session?.setMuted(false);
    } else if (event.type === "call.consultation_changed" && event.data.user_id === myId.value) {
      consultation.value = applyConsultation(consultation.value, call.value?.call_id ?? null, event.data);
    } else if (event.type === "call.hold_changed" && event.data.user_id === myId.value) {
      const current = call.value;
      if (current !== null && current.call_id === event.data.call_id) {
        connected.value = { ...current, held: event.data.held };
      }
    }
  }

  async function run(action: () => Promise<void>): Promise<void> {
    busy.value = true;
    error.value = null;
    try {
      await action();
    } catch (e) {
      error.value = e as ApiError;
    } finally {
      busy.value = false;
    }
  }

  /** A call a colleague put through (transfer or consultation) is answered through the call, not the queue. */
  async function putThrough(callId: string, answered: boolean): Promise<void> {
    await run(() => phoneApi.answerPutThrough(callId, answered));
  }

  async function answer(): Promise<void> {
    const current = offer.value;
    if (current === null) return;
    env?.ringer.stop();
    if (current.from_user_id != null) await putThrough(current.call_id, true);
    else await operator.accept(current.call_id);
  }

  async function reject(): Promise<void> {
    const current = offer.value;
    if (current === null) return;
    env?.ringer.stop();
    if (current.from_user_id != null) await putThrough(current.call_id, false);
    else await operator.reject(current.call_id);
  }

  const hangUp = (): Promise<void> => run(() => phoneApi.hangUp());

  /** A dialog's request: its refusal goes back to the dialog (shown there), not to the panel. */
  async function attempt(action: () => Promise<void>): Promise<ApiError | null> {
    busy.value = true;
    try {
      await action();
      return null;
    } catch (e) {
      if (e instanceof ApiError) return e;
      throw e;
    } finally {
      busy.value = false;
    }
  }

  /** «Перевести»: the caller goes to another queue or to a public number; wrap-up follows. */
  const transfer = (target: TransferTarget): Promise<ApiError | null> => attempt(() => phoneApi.transfer(target));

  /** «Консультация»: the caller waits with music while the operator calls a colleague or a number. */
  const consult = (target: CallTarget): Promise<ApiError | null> =>
    attempt(async () => {
      await phoneApi.consult(target);
      error.value = null;
    });

  const swapConsultation = (): Promise<void> => run(() => phoneApi.consultSwap());
  const completeConsultation = (mode: CompleteMode): Promise<void> => run(() => phoneApi.consultComplete(mode));
  const cancelConsultation = (): Promise<void> => run(() => phoneApi.consultCancel());

  /** «Позвонить»: the operator dials a number or a colleague; the panel shows the call until it is answered. */
  /** `caseId`: placed from that card, which the call joins. */
  const placeCall = (target: CallTarget, label: string, caseId: number | null = null): Promise<ApiError | null> =>
    attempt(async () => {
      const callId = await phoneApi.placeCall(target, caseId);
      dialled.set(callId, label);
      callers.set(callId, label);
      if (connected.value?.call_id === callId) connected.value = { ...connected.value, caller: label };
      // call.connected or call.ended may already have come for it.
      if (connected.value?.call_id !== callId && ended.value !== callId) outgoing.value = { call_id: callId, target: label };
    });

  function toggleHold(): Promise<void> {
    const current = call.value;
    if (current === null) return Promise.resolve();
    const held = !current.held;
    return run(async () => {
      await phoneApi.hold(held);
      // The event that follows says the same; the button should not wait for it.
      if (call.value?.call_id === current.call_id) connected.value = { ...call.value, held };
    });
  }

  function toggleMute(): void {
    session?.setMuted(!muted.value);
  }

  function dtmf(digit: string): boolean {
    return session?.dtmf(digit) ?? false;
  }

  const storage = (): Storage => env?.storage ?? localStorage;

  async function apply(next: DeviceSettings): Promise<void> {
    settings.value = next;
    await session?.applySettings(next);
    if (env !== null) {
      env.remoteAudio.volume = next.outputVolume / 100;
      await routeTo(env.remoteAudio, next.speaker);
    }
  }

  async function saveDeviceSettings(next: DeviceSettings): Promise<void> {
    saveSettings(storage(), next);
    await apply(next);
  }

  /** «Сбросить настройки»: this browser forgets its choices and uses the defaults. */
  async function resetDeviceSettings(): Promise<DeviceSettings> {
    const defaults = clearSettings(storage());
    await apply(defaults);
    return defaults;
  }

  return {
    settings,
    leg,
    mediaError,
    muted,
    call,
    offer,
    details,
    busy,
    error,
    supported,
    phoneMode,
    consultation,
    outgoing,
    setPhoneMode,
    start,
    stop,
    answer,
    reject,
    hangUp,
    transfer,
    consult,
    swapConsultation,
    completeConsultation,
    cancelConsultation,
    placeCall,
    toggleHold,
    toggleMute,
    dtmf,
    saveDeviceSettings,
    resetDeviceSettings,
  };
});

