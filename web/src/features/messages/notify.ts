// How the desktop tells the operator about an offer, a message, a broadcast or a new case, as
// their notification settings say (seed 4.3.1.3): a service notice inside the workstation, a
// short sound, a browser notification (the Notification API, permission asked the first time).
import type { NotificationSettings } from "./model";

export interface Notice {
  title: string;
  body: string;
  /** Opens what the notice is about (a conversation, a broadcast, a card). */
  open?: () => void;
}

/** Where notices go; the workstation gives the in-app one, tests give their own. */
export interface NoticeOutlets {
  service(notice: Notice): void;
  sound(): void;
  browser(notice: Notice): void;
}

/** Each outlet runs only when its setting is on. */
export function notify(settings: NotificationSettings, outlets: NoticeOutlets, notice: Notice): void {
  if (settings.service) outlets.service(notice);
  if (settings.sound) outlets.sound();
  if (settings.browser) outlets.browser(notice);
}

/** A short two-tone chime made on the spot: no audio file to ship. */
export function chime(): void {
  const Context = globalThis.AudioContext;
  if (Context === undefined) return;
  const context = new Context();
  const gain = context.createGain();
  gain.gain.value = 0.08;
  gain.connect(context.destination);
  [880, 1320].forEach((hz, i) => {
    const tone = context.createOscillator();
    tone.frequency.value = hz;
    tone.connect(gain);
    tone.start(context.currentTime + i * 0.15);
    tone.stop(context.currentTime + i * 0.15 + 0.12);
  });
  setTimeout(() => void context.close(), 600);
}

/** Asks the browser once; a refusal is the browser's to keep, we do not ask again. */
export async function askBrowserPermission(): Promise<NotificationPermission | "unsupported"> {
  if (typeof Notification === "undefined") return "unsupported";
  if (Notification.permission !== "default") return Notification.permission;
  return Notification.requestPermission();
}

export function browserNotice(notice: Notice): void {
  if (typeof Notification === "undefined" || Notification.permission !== "granted") return;
  const shown = new Notification(notice.title, { body: notice.body, tag: notice.title });
  shown.onclick = () => {
    window.focus();
    notice.open?.();
    shown.close();
  };
}
