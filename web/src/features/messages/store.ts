import { defineStore } from "pinia";
import { computed, ref } from "vue";
import type { CaseSummary } from "@/features/cases/model";
import type { MessageEvent } from "@/shared/realtime/dispatch";
import * as http from "./api";
import {
  DEFAULT_SETTINGS,
  unreadBroadcasts,
  withMessage,
  withRead,
  withReceived,
  type Conversation,
  type Message,
  type NotificationSettings,
  type ReceivedBroadcast,
  type SentBroadcast,
} from "./model";
import { askBrowserPermission, notify, type Notice, type NoticeOutlets } from "./notify";

/** What the notices say; the component that wires the store gives them in the user's language. */
export interface NoticeTexts {
  message(from: string, text: string): Notice;
  broadcast(from: string, text: string): Notice;
  newCase(name: string, open: () => void): Notice;
  offer(caller: string): Notice;
}

/**
 * Conversations with the seniors (or operators) of the user's groups, broadcasts received and (for
 * a senior) sent, and the notification settings. Everything is reloaded from the server on every
 * fresh event-stream snapshot, so what arrived while the desktop was away is shown on return.
 */
export const useMessagesStore = defineStore("messages", () => {
  const myId = ref<number | null>(null);
  const settings = ref<NotificationSettings>({ ...DEFAULT_SETTINGS });
  const conversations = ref<Conversation[]>([]);
  const openWith = ref<number | null>(null);
  const history = ref<Message[]>([]);
  const received = ref<ReceivedBroadcast[]>([]);
  const sent = ref<SentBroadcast[]>([]);
  const panelOpen = ref(false);
  let outlets: NoticeOutlets | null = null;
  let texts: NoticeTexts | null = null;

  const unreadMessages = computed(() => conversations.value.reduce((n, c) => n + c.unread, 0));
  const unreadBroadcastCount = computed(() => unreadBroadcasts(received.value));
  const unreadTotal = computed(() => unreadMessages.value + unreadBroadcastCount.value);
  /** The oldest unread broadcast: the notice on screen (seed fig. 54). */
  const pendingBroadcast = computed(() => [...received.value].reverse().find((b) => b.read_at === null) ?? null);

  function wire(userId: number, noticeOutlets: NoticeOutlets, noticeTexts: NoticeTexts): void {
    myId.value = userId;
    outlets = noticeOutlets;
    texts = noticeTexts;
  }

  function tell(notice: Notice): void {
    if (outlets !== null) notify(settings.value, outlets, notice);
  }

  async function reload(isSenior: boolean): Promise<void> {
    const [conv, got, mine, chosen] = await Promise.all([
      http.listConversations(),
      http.listReceived(),
      isSenior ? http.listSent() : Promise.resolve([] as SentBroadcast[]),
      http.loadSettings(),
    ]);
    conversations.value = conv;
    received.value = got;
    sent.value = mine;
    settings.value = chosen;
    if (openWith.value !== null) history.value = await http.loadHistory(openWith.value);
  }

  async function openConversation(userId: number): Promise<void> {
    openWith.value = userId;
    panelOpen.value = true;
    history.value = await http.loadHistory(userId);
    await readOpen();
  }

  /** The open conversation's unread messages to me are read once it is shown. */
  async function readOpen(): Promise<void> {
    const unread = history.value.filter((m) => m.recipient_id === myId.value && m.read_at === null);
    const newest = unread[unread.length - 1];
    if (newest === undefined) return;
    await http.markMessageRead(newest.id);
    const now = new Date().toISOString();
    history.value = history.value.map((m) => (unread.includes(m) ? { ...m, read_at: now } : m));
    setUnread(openWith.value, 0);
  }

  function setUnread(userId: number | null, unread: number, last?: Message): void {
    conversations.value = conversations.value.map((c) =>
      c.counterpart.user_id === userId ? { ...c, unread, last: last ?? c.last } : c,
    );
  }

  async function send(text: string): Promise<void> {
    if (openWith.value === null) return;
    const message = await http.sendMessage(openWith.value, text);
    history.value = withMessage(history.value, message);
    setUnread(openWith.value, conversationOf(openWith.value)?.unread ?? 0, message);
  }

  function conversationOf(userId: number): Conversation | undefined {
    return conversations.value.find((c) => c.counterpart.user_id === userId);
  }

  async function markBroadcastRead(id: number): Promise<void> {
    await http.markBroadcastRead(id);
    const now = new Date().toISOString();
    received.value = received.value.map((b) => (b.id === id && b.read_at === null ? { ...b, read_at: now } : b));
  }

  async function broadcast(text: string, target: http.BroadcastTarget): Promise<SentBroadcast> {
    const made = await http.sendBroadcast(text, target);
    sent.value = [made, ...sent.value.filter((b) => b.id !== made.id)];
    return made;
  }

  async function loadSettings(): Promise<void> {
    settings.value = await http.loadSettings();
  }

  /** An offer rings on its own and has its notice: only the browser notification is added. */
  function offered(caller: string): void {
    if (outlets === null || texts === null || !settings.value.browser) return;
    outlets.browser(texts.offer(caller));
  }

  async function saveSettings(next: NotificationSettings): Promise<void> {
    if (next.browser && !settings.value.browser) await askBrowserPermission();
    settings.value = await http.saveSettings(next);
  }

  function apply(event: MessageEvent): void {
    switch (event.type) {
      case "message.sent": {
        const message = event.data.message;
        const other = message.sender_id === myId.value ? message.recipient_id : message.sender_id;
        const incoming = message.recipient_id === myId.value;
        if (other === openWith.value) {
          history.value = withMessage(history.value, message);
          if (incoming && panelOpen.value) void readOpen();
        }
        const current = other === null ? undefined : conversationOf(other);
        const unread = (current?.unread ?? 0) + (incoming && !(panelOpen.value && other === openWith.value) ? 1 : 0);
        setUnread(other, unread, message);
        const seen = panelOpen.value && other === openWith.value;
        if (incoming && !seen && texts !== null) {
          const from = message.sender_id;
          tell({ ...texts.message(message.sender_name, message.text), open: () => from !== null && void openConversation(from) });
        }
        return;
      }
      case "message.read": {
        const ids = new Set(event.data.ids);
        history.value = history.value.map((m) => (ids.has(m.id) ? { ...m, read_at: event.data.read_at } : m));
        if (event.data.reader_id === myId.value) setUnread(event.data.sender_id, 0);
        return;
      }
      case "broadcast.sent": {
        const notice = event.data.broadcast;
        const before = received.value.length;
        received.value = withReceived(received.value, notice);
        // The broadcast's own card is the service notice (fig. 54): only sound and browser are added.
        if (received.value.length > before && texts !== null && outlets !== null) {
          notify({ ...settings.value, service: false }, outlets, texts.broadcast(notice.sender_name, notice.text));
        }
        return;
      }
      case "broadcast.read":
        sent.value = withRead(sent.value, event.data);
        if (event.data.user_id === myId.value) {
          received.value = received.value.map((b) =>
            b.id === event.data.broadcast_id ? { ...b, read_at: event.data.read_at } : b,
          );
        }
        return;
    }
  }

  /** «Новое обращение»: a colleague of the group made a card by hand (OPS-09). */
  function caseCreated(card: CaseSummary, open: (id: number) => void): void {
    if (card.source !== "web" || card.operator_id === myId.value || texts === null) return;
    tell(texts.newCase(card.name, () => open(card.id)));
  }

  function reset(): void {
    conversations.value = [];
    received.value = [];
    sent.value = [];
    history.value = [];
    openWith.value = null;
    settings.value = { ...DEFAULT_SETTINGS };
  }

  return {
    settings,
    conversations,
    openWith,
    history,
    received,
    sent,
    panelOpen,
    unreadMessages,
    unreadBroadcastCount,
    unreadTotal,
    pendingBroadcast,
    wire,
    tell,
    reload,
    openConversation,
    send,
    markBroadcastRead,
    broadcast,
    saveSettings,
    loadSettings,
    offered,
    apply,
    caseCreated,
    reset,
  };
});
