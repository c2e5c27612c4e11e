// Device settings of the operator's workstation (OPS-05, seed §4.3.1.2). Device ids are per
// browser, so the settings live in this browser's localStorage, read back defensively.
import type { Codec } from "@/shared/events/protocol";

export const CODECS: readonly Codec[] = ["PCMU", "PCMA"];

export interface DeviceSettings {
  /** deviceId of the microphone; "" is the browser's default device */
  microphone: string;
  /** deviceId of the headset / speakers the call is heard on */
  speaker: string;
  /** deviceId of the output the incoming-call ring plays on */
  ringer: string;
  noiseSuppression: boolean;
  echoCancellation: boolean;
  autoGainControl: boolean;
  /** 0–100, the call's loudness */
  outputVolume: number;
  /** 0–100, the ring's loudness */
  ringVolume: number;
  /** 0–100, the microphone's loudness as the caller hears it; 100 sends it as captured */
  inputVolume: number;
  /** codec priority, first preferred */
  codecs: Codec[];
}

export const STORAGE_KEY = "c122.devices";

export function defaultSettings(): DeviceSettings {
  return {
    microphone: "",
    speaker: "",
    ringer: "",
    noiseSuppression: true,
    echoCancellation: true,
    autoGainControl: true,
    outputVolume: 80,
    ringVolume: 80,
    inputVolume: 100,
    codecs: [...CODECS],
  };
}

function volume(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value) ? Math.min(100, Math.max(0, Math.round(value))) : fallback;
}

/** A codec order holding each known codec once, in the stored order, missing ones appended. */
export function normaliseCodecs(value: unknown): Codec[] {
  const listed = Array.isArray(value) ? value.filter((c): c is Codec => (CODECS as readonly unknown[]).includes(c)) : [];
  const unique = [...new Set(listed)];
  return [...unique, ...CODECS.filter((c) => !unique.includes(c))];
}

/** Stored settings over the defaults; anything malformed falls back to its default. */
export function parseSettings(text: string | null): DeviceSettings {
  const defaults = defaultSettings();
  if (text === null) return defaults;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return defaults;
  }
  if (typeof raw !== "object" || raw === null) return defaults;
  const r = raw as Record<string, unknown>;
  const id = (key: "microphone" | "speaker" | "ringer"): string => (typeof r[key] === "string" ? (r[key] as string) : "");
  const flag = (key: "noiseSuppression" | "echoCancellation" | "autoGainControl"): boolean =>
    typeof r[key] === "boolean" ? (r[key] as boolean) : defaults[key];
  return {
    microphone: id("microphone"),
    speaker: id("speaker"),
    ringer: id("ringer"),
    noiseSuppression: flag("noiseSuppression"),
    echoCancellation: flag("echoCancellation"),
    autoGainControl: flag("autoGainControl"),
    outputVolume: volume(r.outputVolume, defaults.outputVolume),
    ringVolume: volume(r.ringVolume, defaults.ringVolume),
    inputVolume: volume(r.inputVolume, defaults.inputVolume),
    codecs: normaliseCodecs(r.codecs),
  };
}

export function loadSettings(storage: Pick<Storage, "getItem">): DeviceSettings {
  return parseSettings(storage.getItem(STORAGE_KEY));
}

export function saveSettings(storage: Pick<Storage, "setItem">, settings: DeviceSettings): void {
  storage.setItem(STORAGE_KEY, JSON.stringify(settings));
}

export function clearSettings(storage: Pick<Storage, "removeItem">): DeviceSettings {
  storage.removeItem(STORAGE_KEY);
  return defaultSettings();
}

/** getUserMedia constraints for the chosen microphone and processing switches. */
export function microphoneConstraints(settings: DeviceSettings): MediaStreamConstraints {
  return {
    audio: {
      ...(settings.microphone === "" ? {} : { deviceId: { exact: settings.microphone } }),
      noiseSuppression: settings.noiseSuppression,
      echoCancellation: settings.echoCancellation,
      autoGainControl: settings.autoGainControl,
    },
    video: false,
  };
}

/** Moves one codec a step up or down the priority list. */
export function moveCodec(codecs: readonly Codec[], index: number, step: -1 | 1): Codec[] {
  const target = index + step;
  const next = [...codecs];
  if (index < 0 || index >= next.length || target < 0 || target >= next.length) return next;
  const [moved] = next.splice(index, 1);
  if (moved !== undefined) next.splice(target, 0, moved);
  return next;
}
