// The caller's video on the operator's leg (TEL-25): the leg's video track, what the server says of it
// (rtc.video: showing, or why not), and whether the operator has turned the picture off (TEL-19).
// The server forwards the picture only while the operator hears the caller, so hold pauses it too.
import { defineStore } from "pinia";
import { computed, ref, shallowRef } from "vue";
import type { VideoAbsence } from "@/shared/events/protocol";

export const useCallVideoStore = defineStore("callVideo", () => {
  const track = shallowRef<MediaStreamTrack | null>(null);
  const showing = ref(false);
  const reason = ref<VideoAbsence | null>(null);
  const hidden = ref(false);
  const stream = computed(() => (track.value === null ? null : new MediaStream([track.value])));

  function setTrack(next: MediaStreamTrack | null): void {
    track.value = next;
  }

  function setState(nowShowing: boolean, why: VideoAbsence | null): void {
    showing.value = nowShowing;
    reason.value = why;
    if (!nowShowing) hidden.value = false; // the next call starts with its picture on
  }

  function toggle(): void {
    hidden.value = !hidden.value;
  }

  return { track, stream, showing, reason, hidden, setTrack, setState, toggle };
});
