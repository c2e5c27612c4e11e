import { defineStore } from "pinia";
import { computed } from "vue";
import { useRealtimeStore } from "@/shared/realtime/store";
import * as http from "./api";
import type { Notice, NoticeDraft } from "./model";

/**
 * The notices of the user's groups. They live on the event stream's snapshot (a fresh stream
 * brings the whole board, board.* events change it), so a reconnect loses nothing; a change made
 * here is shown at once and the event that follows agrees with it.
 */
export const useBoardStore = defineStore("board", () => {
  const realtime = useRealtimeStore();
  const notices = computed<Notice[]>(() => realtime.snapshot?.board ?? []);

  async function pin(draft: NoticeDraft): Promise<void> {
    realtime.noticeChanged(await http.pin(draft));
  }

  async function edit(id: number, draft: NoticeDraft): Promise<void> {
    realtime.noticeChanged(await http.edit(id, draft));
  }

  async function unpin(id: number): Promise<void> {
    await http.unpin(id);
    realtime.noticeRemoved(id);
  }

  return { notices, pin, edit, unpin };
});
