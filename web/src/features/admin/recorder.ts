// Recording a prompt from the browser's microphone with MediaRecorder. Browsers record WebM or OGG;
// the recording is decoded here and uploaded as an 8 kHz mono 16-bit WAV, so it goes through the same
// upload as a file and the server's format rules (WAV, MP3, OGG) stay as they are.

export type MicrophoneProblem = "unsupported" | "denied" | "no_device";

export class MicrophoneError extends Error {
  constructor(readonly problem: MicrophoneProblem) {
    super(problem);
    this.name = "MicrophoneError";
  }
}

const PREFERRED_TYPES = ["audio/ogg;codecs=opus", "audio/ogg", "audio/webm;codecs=opus", "audio/webm"];

export interface Recording {
  /** Resolves with the recorded audio once stop() is called. */
  stop(): Promise<{ blob: Blob; filename: string }>;
  cancel(): void;
}

function problemOf(error: unknown): MicrophoneProblem {
  const name = error instanceof DOMException ? error.name : "";
  if (name === "NotAllowedError" || name === "SecurityError") return "denied";
  if (name === "NotFoundError" || name === "OverconstrainedError") return "no_device";
  return "unsupported";
}

export async function startRecording(): Promise<Recording> {
  if (typeof MediaRecorder === "undefined" || !navigator.mediaDevices?.getUserMedia) {
    throw new MicrophoneError("unsupported");
  }
  let stream: MediaStream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ audio: true });
  } catch (error) {
    throw new MicrophoneError(problemOf(error));
  }
  const mimeType = PREFERRED_TYPES.find((type) => MediaRecorder.isTypeSupported(type));
  const recorder = new MediaRecorder(stream, mimeType ? { mimeType } : undefined);
  const chunks: Blob[] = [];
  recorder.ondataavailable = (event) => chunks.push(event.data);
  const release = (): void => stream.getTracks().forEach((track) => track.stop());
  recorder.start();
  return {
    stop: () =>
      new Promise((resolve) => {
        recorder.onstop = () => {
          release();
          const recorded = new Blob(chunks, { type: recorder.mimeType });
          resolve(telephoneWav(recorded).then((blob) => ({ blob, filename: "recording.wav" })));
        };
        recorder.stop();
      }),
    cancel: () => {
      recorder.onstop = release;
      recorder.stop();
    },
  };
}

const SAMPLE_RATE = 8000;

/** The recording decoded and resampled to the telephone format: 8 kHz mono 16-bit PCM WAV. */
export async function telephoneWav(recorded: Blob): Promise<Blob> {
  const decoder = new AudioContext();
  let decoded: AudioBuffer;
  try {
    decoded = await decoder.decodeAudioData(await recorded.arrayBuffer());
  } finally {
    void decoder.close();
  }
  const frames = Math.max(1, Math.ceil(decoded.duration * SAMPLE_RATE));
  const offline = new OfflineAudioContext(1, frames, SAMPLE_RATE);
  const source = offline.createBufferSource();
  source.buffer = decoded;
  source.connect(offline.destination);
  source.start();
  const rendered = await offline.startRendering();
  return wavBlob(rendered.getChannelData(0), SAMPLE_RATE);
}

/** A 16-bit PCM mono WAV file of the samples (-1…1). */
export function wavBlob(samples: Float32Array, rate: number): Blob {
  const header = 44;
  const view = new DataView(new ArrayBuffer(header + samples.length * 2));
  const text = (offset: number, value: string): void =>
    [...value].forEach((char, i) => view.setUint8(offset + i, char.charCodeAt(0)));
  text(0, "RIFF");
  view.setUint32(4, 36 + samples.length * 2, true);
  text(8, "WAVE");
  text(12, "fmt ");
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, rate, true);
  view.setUint32(28, rate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  text(36, "data");
  view.setUint32(40, samples.length * 2, true);
  samples.forEach((sample, i) => {
    const clipped = Math.max(-1, Math.min(1, sample));
    view.setInt16(header + i * 2, Math.round(clipped * 0x7fff), true);
  });
  return new Blob([view.buffer], { type: "audio/wav" });
}
