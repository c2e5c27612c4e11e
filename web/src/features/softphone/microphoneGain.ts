// The microphone volume (OPS-05, seed §4.3.1.2 «громкость микрофона»): the captured track goes
// through a WebAudio gain before it is sent, since browsers offer no input volume of their own.
// Only a volume below 100 builds the stage; at 100 the track is sent as captured.

export interface MicrophoneGain {
  /** what the leg sends */
  stream: MediaStream;
  setVolume(volume: number): void;
  /** stops the captured tracks and the audio graph */
  close(): void;
}

export const needsGain = (volume: number): boolean => volume < 100;

export function microphoneGain(captured: MediaStream, volume: number): MicrophoneGain {
  const context = new AudioContext();
  // The shift starts on a click, so the context may run; resume in case the browser held it.
  void context.resume().catch(() => undefined);
  const gain = context.createGain();
  gain.gain.value = volume / 100;
  const out = context.createMediaStreamDestination();
  context.createMediaStreamSource(captured).connect(gain).connect(out);
  return {
    stream: out.stream,
    setVolume: (next) => {
      gain.gain.value = Math.max(0, Math.min(100, next)) / 100;
    },
    close: () => {
      captured.getTracks().forEach((track) => track.stop());
      void context.close().catch(() => undefined);
    },
  };
}
