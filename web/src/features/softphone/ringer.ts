// The incoming-call ring (TEL-20): a 425 Hz tone in the Russian ringing cadence (0.8 s on,
// 3.2 s off) on the chosen ringer device. Generated with WebAudio and routed through an <audio>
// element, whose setSinkId picks the output device. (The tone in the headset is played by the
// server on the operator's media leg.)

export const RING_HZ = 425;
export const RING_ON_S = 0.8;
export const RING_PERIOD_S = 4;
// Long enough for the longest ring timeout a queue allows (600 s).
const RING_CYCLES = 150;

export interface GainStep {
  at: number;
  value: number;
}

/** Gain automation for `cycles` rings starting at `start` (seconds of the audio clock). */
export function ringCadence(start: number, cycles: number, level = 1): GainStep[] {
  const steps: GainStep[] = [];
  for (let i = 0; i < cycles; i += 1) {
    const at = start + i * RING_PERIOD_S;
    steps.push({ at, value: level }, { at: at + RING_ON_S, value: 0 });
  }
  return steps;
}

/** The output the tones play on: an audio element, sent to a device where the browser can. */
export interface AudioSink {
  srcObject: MediaProvider | null;
  volume: number;
  play(): Promise<void>;
  pause(): void;
  setSinkId?(sinkId: string): Promise<void>;
}

export interface RingerDeps {
  context(): AudioContext;
  sink(): AudioSink;
}

export const browserRingerDeps: RingerDeps = {
  context: () => new AudioContext(),
  sink: () => new Audio(),
};

/** Sends an element to a device; false when the browser cannot choose outputs (or refused). */
export async function routeTo(sink: AudioSink, deviceId: string): Promise<boolean> {
  if (deviceId === "" || typeof sink.setSinkId !== "function") return deviceId === "";
  try {
    await sink.setSinkId(deviceId);
    return true;
  } catch (error) {
    console.warn("audio output not available", deviceId, error);
    return false;
  }
}

interface Playing {
  context: AudioContext;
  sink: AudioSink;
}

export class Ringer {
  private ringing: Playing | null = null;

  constructor(private readonly deps: RingerDeps = browserRingerDeps) {}

  get active(): boolean {
    return this.ringing !== null;
  }

  /** Starts ringing on a device at a volume (0–100) until stop(). */
  async ring(deviceId: string, volume: number): Promise<void> {
    this.stop();
    const playing = this.play(deviceId, volume, RING_HZ, (gain, now) => {
      for (const step of ringCadence(now, RING_CYCLES)) gain.setValueAtTime(step.value, step.at);
    });
    this.ringing = playing;
    await this.start(playing, deviceId);
  }

  stop(): void {
    const playing = this.ringing;
    this.ringing = null;
    if (playing !== null) this.release(playing);
  }

  private play(
    deviceId: string,
    volume: number,
    hz: number,
    shape: (gain: AudioParam, now: number) => void,
  ): Playing {
    const context = this.deps.context();
    const oscillator = context.createOscillator();
    oscillator.frequency.value = hz;
    const gain = context.createGain();
    gain.gain.setValueAtTime(0, context.currentTime);
    shape(gain.gain, context.currentTime);
    const destination = context.createMediaStreamDestination();
    oscillator.connect(gain).connect(destination);
    oscillator.start();
    const sink = this.deps.sink();
    sink.srcObject = destination.stream;
    sink.volume = Math.min(1, Math.max(0, volume / 100));
    return { context, sink };
  }

  private async start(playing: Playing, deviceId: string): Promise<void> {
    await routeTo(playing.sink, deviceId);
    try {
      await playing.sink.play();
    } catch (error) {
      // Autoplay refused before the first click: the visual alert still shows.
      console.warn("ring could not play", error);
    }
  }

  private release(playing: Playing): void {
    playing.sink.pause();
    playing.sink.srcObject = null;
    void playing.context.close().catch(() => undefined);
  }
}
