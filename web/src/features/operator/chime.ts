// The end-of-break notice's sound (OPS-04): two short tones through WebAudio, so it needs no audio
// file and plays on the default output whatever the ringer device is.
export function chime(context: AudioContext | null = newContext()): void {
  if (context === null) return;
  const start = context.currentTime;
  [880, 660].forEach((frequency, i) => {
    const tone = context.createOscillator();
    const gain = context.createGain();
    tone.frequency.value = frequency;
    const at = start + i * 0.35;
    gain.gain.setValueAtTime(0.0001, at);
    gain.gain.exponentialRampToValueAtTime(0.3, at + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.3);
    tone.connect(gain).connect(context.destination);
    tone.start(at);
    tone.stop(at + 0.32);
  });
  window.setTimeout(() => void context.close().catch(() => undefined), 1200);
}

function newContext(): AudioContext | null {
  return typeof AudioContext === "undefined" ? null : new AudioContext();
}
