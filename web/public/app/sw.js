// The citizen app's service worker: shows what the server pushes (docs/channels/push.md) and opens the
// app's screen a notification names; a broadcast opened from its notification is counted as opened.
// Plain JavaScript: the browser loads it as is, from /app/sw.js, for the /app/ scope.

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    data = { title: "Линия 122", body: event.data ? event.data.text() : "" };
  }
  const title = data.title || "Линия 122";
  const shown = self.registration.showNotification(title, {
    body: data.body || "",
    icon: "/app/icon.svg",
    tag: data.case_id ? `case-${data.case_id}` : data.broadcast_id ? `news-${data.broadcast_id}` : undefined,
    data,
  });
  // Open windows of the app refresh what they show.
  const told = self.clients
    .matchAll({ type: "window", includeUncontrolled: true })
    .then((windows) => windows.forEach((w) => w.postMessage({ type: "push", data })));
  event.waitUntil(Promise.all([shown, told]));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const data = event.notification.data || {};
  const url = data.url || "/app/";
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      const open = windows.find((w) => new URL(w.url).pathname.startsWith("/app"));
      if (open) {
        open.postMessage({ type: "open", url });
        return open.focus();
      }
      return self.clients.openWindow(url);
    }),
  );
});
