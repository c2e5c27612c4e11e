// The caller's video on the operator's leg (TEL-25): the leg's video track, what the server says of it
// (rtc.video: showing, or why not), and whether the operator has turned the picture off (TEL-19).
// The server forwards the picture only while the operator hears the caller, so hold pauses it too.
// The operator's own camera toward the caller, where the group allows it (the leg's offer says).
import { defineStore } from "pinia";
import { computed, ref, shallowRef } from "vue";
import type { VideoAbsence } from "@/shared/events/protocol";

export const useCallVideoStore = defineStore("callVideo", () => {
  const track = shallowRef<MediaStreamTrack | null>(null);
  const showing = ref(false);
  const reason = ref<VideoAbsence | null>(null);
  const hidden = ref(false);
  const stalled = ref(false); // the server says the shown camera has stopped sending
  const cameraAllowed = ref(false);
  const camera = shallowRef<MediaStream | null>(null);
  const cameraOn = computed(() => camera.value !== null);
  const cameraFailed = ref(false);
  let switchCamera: (on: boolean) => Promise<boolean> = async () => false;
  const stream = computed(() => (track.value === null ? null : new MediaStream([track.value])));

  function setTrack(next: MediaStreamTrack | null): void {
    track.value = next;
  }

  function setState(nowShowing: boolean, why: VideoAbsence | null, nowStalled = false): void {
    showing.value = nowShowing;
    reason.value = why;
    stalled.value = nowShowing && nowStalled;
    if (!nowShowing) hidden.value = false; // the next call starts with its picture on
  }

  function toggle(): void {
    hidden.value = !hidden.value;
  }

  /** The media session's camera switch (set by the softphone store). */
  function bindCamera(fn: (on: boolean) => Promise<boolean>): void {
    switchCamera = fn;
  }

  function setCamera(allowed: boolean, sent: MediaStream | null): void {
    cameraAllowed.value = allowed;
    camera.value = sent;
  }

  async function toggleCamera(on = !cameraOn.value): Promise<void> {
    cameraFailed.value = !(await switchCamera(on));
  }

  return {
    track,
    stream,
    showing,
    reason,
    hidden,
    stalled,
    cameraAllowed,
    camera,
    cameraOn,
    cameraFailed,
    setTrack,
    setState,
    toggle,
    bindCamera,
    setCamera,
    toggleCamera,
  };
});
