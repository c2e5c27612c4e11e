import { createApp } from "vue";
import CitizenApp from "./CitizenApp.vue";
import { i18n } from "./i18n";
import { registerWorker } from "./push";
import { router } from "./router";
import "./citizen.css";

document.documentElement.lang = i18n.global.locale.value;
createApp(CitizenApp).use(router).use(i18n).mount("#app");
void registerWorker().catch(() => undefined);
// A notification tapped while the app is open: the service worker names the screen to show.
navigator.serviceWorker?.addEventListener("message", (event: MessageEvent<{ type: string; url?: string }>) => {
  if (event.data.type === "open" && event.data.url) void router.push(event.data.url.replace(/^\/app/, "") || "/");
});
