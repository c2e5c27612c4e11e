import { api } from "./api";

/** Whether this browser can take Web Push at all (a service worker and the Push API). */
export function pushSupported(): boolean {
  return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
}

function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const padded = base64url.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (base64url.length % 4)) % 4);
  const raw = atob(padded);
  const bytes = new Uint8Array(new ArrayBuffer(raw.length));
  for (let i = 0; i < raw.length; i += 1) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

export async function registerWorker(): Promise<ServiceWorkerRegistration | null> {
  if (!("serviceWorker" in navigator)) return null;
  return navigator.serviceWorker.register("/app/sw.js", { scope: "/app/" });
}

/**
 * Asks the citizen's permission, subscribes this browser with the server's VAPID key and gives the
 * subscription to the server with the chosen region. Returns the refusal as a sentence, or null.
 */
export async function optIn(region: string): Promise<string | null> {
  if (!pushSupported()) return "Этот браузер не принимает уведомления";
  const permission = await Notification.requestPermission();
  if (permission !== "granted") return "Уведомления запрещены в настройках браузера";
  const key = await api.GET("/api/citizen/v1/push/key");
  if (!key.data) return "Сервер не ответил: попробуйте позже";
  const registration = await navigator.serviceWorker.ready;
  const subscription = await registration.pushManager.subscribe({
    userVisibleOnly: true,
    applicationServerKey: keyBytes(key.data.application_server_key),
  });
  const json = subscription.toJSON();
  const saved = await api.POST("/api/citizen/v1/push/subscriptions", {
    body: {
      kind: "web",
      endpoint: subscription.endpoint,
      keys: { p256dh: json.keys?.p256dh ?? "", auth: json.keys?.auth ?? "" },
      region,
      topics: [],
    },
  });
  return saved.error ? (saved.error.message ?? "Подписка не сохранена") : null;
}

export async function optOut(id: number): Promise<void> {
  await api.DELETE("/api/citizen/v1/push/subscriptions/{subscription_id}", {
    params: { path: { subscription_id: id } },
  });
  const registration = await navigator.serviceWorker.getRegistration("/app/");
  const subscription = await registration?.pushManager.getSubscription();
  await subscription?.unsubscribe();
}
