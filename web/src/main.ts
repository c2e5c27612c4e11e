import { createPinia } from "pinia";
import { createApp } from "vue";
import App from "@/app/App.vue";
import { i18n } from "@/shared/i18n";
import { router } from "@/app/router";

document.documentElement.lang = i18n.global.locale.value;
createApp(App).use(createPinia()).use(router).use(i18n).mount("#app");
