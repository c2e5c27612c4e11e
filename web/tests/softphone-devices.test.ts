// Device settings storage, the ring's cadence and routing, and the level meter's arithmetic.
// WebAudio does not exist in Node: the ring is checked against a recording stand-in context.
import { describe, expect, it } from "vitest";
import { groupDevices, level, listDevices } from "@/features/softphone/devices";
import { RING_HZ, Ringer, ringCadence, routeTo, type AudioSink } from "@/features/softphone/ringer";
import {
  clearSettings,
  defaultSettings,
  loadSettings,
  microphoneConstraints,
  moveCodec,
  normaliseCodecs,
  parseSettings,
  saveSettings,
  STORAGE_KEY,
} from "@/features/softphone/settings";

class MemoryStorage {
  items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
}

describe("device settings storage", () => {
  it("saves and reads back every setting, and reset returns to the defaults", () => {
    const storage = new MemoryStorage();
    expect(loadSettings(storage)).toEqual(defaultSettings());
    const chosen = {
      ...defaultSettings(),
      microphone: "mic-2",
      speaker: "headset-1",
      ringer: "speakers-3",
      noiseSuppression: false,
      outputVolume: 35,
      ringVolume: 100,
      inputVolume: 70,
      codecs: ["PCMA" as const, "PCMU" as const],
    };
    saveSettings(storage, chosen);
    expect(loadSettings(storage)).toEqual(chosen);
    expect(clearSettings(storage)).toEqual(defaultSettings());
    expect(storage.getItem(STORAGE_KEY)).toBeNull();
  });

  it("falls back per field on damaged or foreign stored values", () => {
    expect(parseSettings("{not json")).toEqual(defaultSettings());
    expect(parseSettings("[1,2]")).toMatchObject({ codecs: ["PCMU", "PCMA"] });
    const parsed = parseSettings(
      JSON.stringify({ microphone: 5, speaker: "hs", echoCancellation: "yes", outputVolume: 250, ringVolume: -3, inputVolume: "loud", codecs: ["G729", "PCMA", "PCMA"] }),
    );
    expect(parsed).toMatchObject({
      microphone: "",
      speaker: "hs",
      echoCancellation: true,
      outputVolume: 100,
      ringVolume: 0,
      inputVolume: 100,
      codecs: ["PCMA", "PCMU"],
    });
  });

  it("keeps each codec once and moves one a step within the list", () => {
    expect(normaliseCodecs(["PCMU", "PCMU"])).toEqual(["PCMU", "PCMA"]);
    expect(moveCodec(["PCMU", "PCMA"], 1, -1)).toEqual(["PCMA", "PCMU"]);
    expect(moveCodec(["PCMU", "PCMA"], 0, -1)).toEqual(["PCMU", "PCMA"]);
    expect(moveCodec(["PCMU", "PCMA"], 1, 1)).toEqual(["PCMU", "PCMA"]);
  });

  it("asks the browser for the default microphone when none is chosen", () => {
    expect(microphoneConstraints(defaultSettings())).toEqual({
      audio: { noiseSuppression: true, echoCancellation: true, autoGainControl: true },
      video: false,
    });
  });
});

describe("device lists", () => {
  const device = (kind: MediaDeviceKind, deviceId: string, label = ""): MediaDeviceInfo =>
    ({ kind, deviceId, label, groupId: "g", toJSON: () => ({}) }) as MediaDeviceInfo;

  it("splits inputs and outputs and leaves out the browser's aliases and video", async () => {
    const devices = [
      device("audioinput", "default", "Default"),
      device("audioinput", "mic-1", "Гарнитура"),
      device("audiooutput", "communications"),
      device("audiooutput", "out-1", "Динамики"),
      device("videoinput", "cam-1"),
    ];
    expect(groupDevices(devices)).toEqual({
      microphones: [{ id: "mic-1", label: "Гарнитура" }],
      outputs: [{ id: "out-1", label: "Динамики" }],
    });
    expect(await listDevices(undefined)).toEqual({ microphones: [], outputs: [] });
    expect(await listDevices({ enumerateDevices: async () => devices })).toEqual(groupDevices(devices));
  });

  it("measures silence as zero and a loud signal near full scale", () => {
    expect(level(new Float32Array(128))).toBe(0);
    expect(level(new Float32Array(128).fill(0.5))).toBe(1);
    const quiet = level(new Float32Array(128).fill(0.05));
    expect(quiet).toBeGreaterThan(0.1);
    expect(quiet).toBeLessThan(0.3);
  });
});

// A recording stand-in for AudioContext: which tone, which gain steps, where it plays.
class RecordingContext {
  static made: RecordingContext[] = [];
  currentTime = 10;
  frequency = 0;
  steps: [number, number][] = [];
  closed = false;
  started = false;
  constructor() {
    RecordingContext.made.push(this);
  }
  createOscillator() {
    const self = this;
    const node = {
      frequency: {
        set value(hz: number) {
          self.frequency = hz;
        },
      },
      connect: (next: unknown) => next,
      start: () => {
        self.started = true;
      },
    };
    return node;
  }
  createGain() {
    const node = {
      gain: { setValueAtTime: (value: number, at: number) => void this.steps.push([value, at]) },
      connect: (next: unknown) => next,
    };
    return node;
  }
  createMediaStreamDestination() {
    return { stream: { id: "tone" } };
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

class RecordingSink implements AudioSink {
  srcObject: MediaProvider | null = null;
  volume = 1;
  sinkId = "";
  playing = false;
  refuse = false;
  async setSinkId(id: string): Promise<void> {
    if (this.refuse) throw new DOMException("not found", "NotFoundError");
    this.sinkId = id;
  }
  async play(): Promise<void> {
    this.playing = true;
  }
  pause(): void {
    this.playing = false;
  }
}

describe("ring", () => {
  it("follows the 425 Hz ringing cadence: 0.8 s on, 3.2 s off", () => {
    expect(ringCadence(10, 2)).toEqual([
      { at: 10, value: 1 },
      { at: 10.8, value: 0 },
      { at: 14, value: 1 },
      { at: 14.8, value: 0 },
    ]);
  });

  it("rings on the chosen device at the chosen volume until stopped", async () => {
    RecordingContext.made = [];
    const sinks: RecordingSink[] = [];
    const ringer = new Ringer({
      context: () => new RecordingContext() as unknown as AudioContext,
      sink: () => {
        const sink = new RecordingSink();
        sinks.push(sink);
        return sink;
      },
    });
    await ringer.ring("speakers-3", 40);
    const context = RecordingContext.made[0];
    expect(context?.frequency).toBe(RING_HZ);
    expect(context?.steps.slice(0, 3)).toEqual([
      [0, 10],
      [1, 10],
      [0, 10.8],
    ]);
    expect(sinks[0]).toMatchObject({ sinkId: "speakers-3", volume: 0.4, playing: true });
    expect(ringer.active).toBe(true);

    ringer.stop();
    expect(sinks[0]).toMatchObject({ playing: false, srcObject: null });
    expect(context?.closed).toBe(true);
    expect(ringer.active).toBe(false);
  });

  it("reports whether an output could be chosen", async () => {
    const sink = new RecordingSink();
    expect(await routeTo(sink, "out-1")).toBe(true);
    sink.refuse = true;
    expect(await routeTo(sink, "gone")).toBe(false);
    const noChoice: AudioSink = { srcObject: null, volume: 1, play: async () => undefined, pause: () => undefined };
    expect(await routeTo(noChoice, "")).toBe(true);
    expect(await routeTo(noChoice, "out-1")).toBe(false);
  });
});
