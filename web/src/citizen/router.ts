import { createRouter, createWebHistory } from "vue-router";
import { loadSession } from "./session";

export const router = createRouter({
  history: createWebHistory("/app/"),
  routes: [
    { path: "/register", component: () => import("./views/RegisterView.vue") },
    { path: "/", component: () => import("./views/CasesView.vue") },
    { path: "/new", component: () => import("./views/NewCaseView.vue") },
    { path: "/bot", component: () => import("./views/BotView.vue") },
    { path: "/cases/:id", component: () => import("./views/CaseView.vue"), props: (r) => ({ id: Number(r.params.id) }) },
    {
      path: "/cases/:id/chat",
      component: () => import("./views/ChatView.vue"),
      props: (r) => ({ id: Number(r.params.id) }),
    },
    { path: "/news", component: () => import("./views/NewsView.vue") },
    { path: "/news/:id", component: () => import("./views/NewsView.vue"), props: (r) => ({ openId: Number(r.params.id) }) },
    { path: "/settings", component: () => import("./views/SettingsView.vue") },
    { path: "/:rest(.*)*", redirect: "/" },
  ],
});

// Without a confirmed device only the registration screen is open.
router.beforeEach((to) => (to.path !== "/register" && !loadSession() ? "/register" : true));
