import { createRouter, createWebHistory, type RouteLocationRaw } from "vue-router";
import { useSessionStore } from "@/stores/session";

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: "/auth", name: "auth", component: () => import("@/views/AuthView.vue"), meta: { public: true } },
    { path: "/", name: "workstation", component: () => import("@/views/WorkstationView.vue") },
    {
      path: "/admin",
      component: () => import("@/views/admin/AdminView.vue"),
      meta: { admin: true },
      children: [
        { path: "", redirect: { name: "admin-section", params: { collection: "services" } } },
        {
          path: ":collection",
          name: "admin-section",
          component: () => import("@/views/admin/ResourcePage.vue"),
          props: true,
        },
      ],
    },
    { path: "/:rest(.*)*", name: "not-found", component: () => import("@/views/NotFoundView.vue") },
  ],
});

router.beforeEach(async (to): Promise<RouteLocationRaw | true> => {
  const session = useSessionStore();
  const me = await session.load();
  if (to.meta.public === true) return me !== null && to.name === "auth" ? { name: "workstation" } : true;
  if (me === null) {
    return { name: "auth", query: to.fullPath === "/" ? {} : { redirect: to.fullPath } };
  }
  if (to.matched.some((r) => r.meta.admin === true) && me.role !== "admin") {
    return { name: "workstation" };
  }
  return true;
});
