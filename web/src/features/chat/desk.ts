// The operator's text work items (OPS-25): the chat offered to them, with accept/decline before its
// time ends, and the chats they hold. Loaded on every fresh event stream, kept live by chat.desk.
import { defineStore } from "pinia";
import { shallowRef } from "vue";
import { api, unwrap } from "@/shared/api/client";
import { ApiError } from "@/shared/api/errors";
import type { ChatDesk } from "@/shared/events/protocol";
import { useRealtimeStore } from "@/shared/realtime/store";

export const useChatDeskStore = defineStore("chatDesk", () => {
  const realtime = useRealtimeStore();
  const desk = shallowRef<ChatDesk | null>(null);
  const error = shallowRef<ApiError | null>(null);

  async function load(): Promise<void> {
    try {
      desk.value = await unwrap(api.GET("/api/v1/operators/me/chats"));
    } catch (caught) {
      if (!(caught instanceof ApiError)) throw caught;
      desk.value = null; // an account that takes no calls has no chat desk either
    }
  }

  async function act(callId: string, action: "accept" | "decline"): Promise<boolean> {
    error.value = null;
    try {
      const path = action === "accept" ? "/api/v1/operators/me/chats/{call_id}/accept" : "/api/v1/operators/me/chats/{call_id}/decline";
      desk.value = await unwrap(api.POST(path, { params: { path: { call_id: callId } } }));
      return true;
    } catch (caught) {
      if (!(caught instanceof ApiError)) throw caught;
      error.value = caught;
      await load();
      return false;
    }
  }

  realtime.onChatDesk((changed) => {
    desk.value = changed;
  });
  realtime.onFreshSnapshot(() => void load());

  return { desk, error, load, act };
});
