// The chat of the open card: loaded when a card opens and on every fresh event stream, kept live by
// chat.message and, for answers sent by SMS, sms.changed; the operator's answers go by the channel chosen.
import { defineStore } from "pinia";
import { shallowRef } from "vue";
import { ApiError } from "@/shared/api/errors";
import { useRealtimeStore } from "@/shared/realtime/store";
import { loadChat, sendChat, sendChatPhoto } from "./api";
import { withMessage, type CaseChat, type ChatMessage, type ReplyChannel } from "./model";

export const useChatStore = defineStore("chat", () => {
  const realtime = useRealtimeStore();
  const caseId = shallowRef<number | null>(null);
  const chat = shallowRef<CaseChat | null>(null);
  const messages = shallowRef<ChatMessage[]>([]);
  const error = shallowRef<ApiError | null>(null);
  const sending = shallowRef(false);

  async function open(id: number | null): Promise<void> {
    caseId.value = id;
    chat.value = null;
    messages.value = [];
    error.value = null;
    if (id !== null) await reload();
  }

  async function reload(): Promise<void> {
    const id = caseId.value;
    if (id === null) return;
    try {
      const loaded = await loadChat(id);
      if (caseId.value !== id) return;
      chat.value = loaded;
      messages.value = loaded.messages;
    } catch (caught) {
      if (!(caught instanceof ApiError)) throw caught;
      error.value = caught;
    }
  }

  function send(text: string, channel: ReplyChannel | null = null): Promise<boolean> {
    return deliver((id) => sendChat(id, text, channel));
  }

  /** A photo to the applicant; its preview comes with the conversation (reloaded for its media). */
  async function sendPhoto(photo: Blob, channel: ReplyChannel | null = null): Promise<boolean> {
    const sent = await deliver((id) => sendChatPhoto(id, photo, channel));
    if (sent) await reload();
    return sent;
  }

  async function deliver(request: (id: number) => Promise<ChatMessage>): Promise<boolean> {
    const id = caseId.value;
    if (id === null || sending.value) return false;
    sending.value = true;
    error.value = null;
    try {
      const sent = await request(id);
      if (caseId.value === id) messages.value = withMessage(messages.value, sent);
      return true;
    } catch (caught) {
      if (!(caught instanceof ApiError)) throw caught;
      error.value = caught;
      return false;
    } finally {
      sending.value = false;
    }
  }

  realtime.onChatMessage((message) => {
    if (message.case_id !== caseId.value) return;
    messages.value = withMessage(messages.value, message);
    // A photo or voice note arrived: its details come with the conversation.
    if (message.media_id !== null && !(chat.value?.media ?? []).some((m) => m.id === message.media_id)) void reload();
  });
  // An SMS answer moved on (sent, delivered, failed): its state is read with the conversation.
  realtime.onSms((change) => {
    if (change.case_id !== null && change.case_id === caseId.value) void reload();
  });
  realtime.onFreshSnapshot(() => void reload());

  return { caseId, chat, messages, error, sending, open, reload, send, sendPhoto };
});
