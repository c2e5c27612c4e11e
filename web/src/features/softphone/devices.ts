// Audio devices for the settings page (OPS-05): the lists, whether outputs can be chosen, and
// the microphone level meter.

export interface DeviceOption {
  id: string;
  /** empty until the browser has been allowed to use the microphone */
  label: string;
}

export interface DeviceLists {
  microphones: DeviceOption[];
  outputs: DeviceOption[];
}

/** Devices by kind, without the "default"/"communications" aliases of real devices. */
export function groupDevices(devices: readonly MediaDeviceInfo[]): DeviceLists {
  const pick = (kind: MediaDeviceKind): DeviceOption[] =>
    devices
      .filter((d) => d.kind === kind && d.deviceId !== "" && d.deviceId !== "default" && d.deviceId !== "communications")
      .map((d) => ({ id: d.deviceId, label: d.label }));
  return { microphones: pick("audioinput"), outputs: pick("audiooutput") };
}

export async function listDevices(media: Pick<MediaDevices, "enumerateDevices"> | undefined): Promise<DeviceLists> {
  if (media === undefined) return { microphones: [], outputs: [] };
  return groupDevices(await media.enumerateDevices());
}

/** Whether this browser can send audio to a chosen output (HTMLMediaElement.setSinkId). */
export function outputChoiceSupported(): boolean {
  return typeof HTMLMediaElement !== "undefined" && "setSinkId" in HTMLMediaElement.prototype;
}

/** Loudness of a block of samples (-1…1) as 0…1: RMS scaled so speech fills most of the bar. */
export function level(samples: Float32Array): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (const s of samples) sum += s * s;
  const rms = Math.sqrt(sum / samples.length);
  return Math.min(1, rms * 4);
}

export interface MeterDeps {
  context(): AudioContext;
  frame(fn: () => void): unknown;
  cancel(handle: unknown): void;
}

export const browserMeterDeps: MeterDeps = {
  context: () => new AudioContext(),
  frame: (fn) => requestAnimationFrame(fn),
  cancel: (handle) => cancelAnimationFrame(handle as number),
};

/** Reads a microphone stream through an AnalyserNode and reports its level every frame. */
export class LevelMeter {
  private context: AudioContext | null = null;
  private handle: unknown = null;

  constructor(private readonly deps: MeterDeps = browserMeterDeps) {}

  start(stream: MediaStream, report: (value: number) => void): void {
    this.stop();
    const context = this.deps.context();
    this.context = context;
    const analyser = context.createAnalyser();
    analyser.fftSize = 1024;
    context.createMediaStreamSource(stream).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    const tick = () => {
      analyser.getFloatTimeDomainData(samples);
      report(level(samples));
      this.handle = this.deps.frame(tick);
    };
    tick();
  }

  stop(): void {
    if (this.handle !== null) this.deps.cancel(this.handle);
    this.handle = null;
    void this.context?.close().catch(() => undefined);
    this.context = null;
  }
}
