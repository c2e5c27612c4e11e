import { createRouter, createWebHistory, type RouteLocationRaw } from "vue-router";
import { useSessionStore } from "@/features/auth/store";
import { ApiError } from "@/shared/api/errors";

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: "/auth", name: "auth", component: () => import("@/features/auth/components/AuthView.vue"), meta: { public: true } },
    { path: "/", name: "workstation", component: () => import("@/app/WorkstationView.vue") },
    { path: "/journal", name: "journal", component: () => import("@/features/journal/components/JournalView.vue") },
    {
      path: "/supervision",
      name: "supervision",
      component: () => import("@/features/supervision/components/SupervisionView.vue"),
      meta: { senior: true },
    },
    {
      path: "/statistics",
      name: "statistics",
      component: () => import("@/features/statistics/components/StatisticsView.vue"),
    },
    {
      path: "/reports",
      name: "reports",
      component: () => import("@/features/reports/components/ReportsView.vue"),
      meta: { senior: true },
    },
    {
      path: "/admin",
      component: () => import("@/features/admin/components/AdminView.vue"),
      meta: { admin: true },
      children: [
        { path: "", redirect: { name: "admin-section", params: { collection: "services" } } },
        {
          path: "audit",
          name: "admin-audit",
          component: () => import("@/features/admin/components/AuditPage.vue"),
        },
        {
          path: "ivr/:name?",
          name: "admin-ivr-flow",
          component: () => import("@/features/ivr/components/IvrEditorPage.vue"),
        },
        {
          path: "lookups",
          name: "admin-lookups",
          component: () => import("@/features/lookups/components/LookupsPage.vue"),
        },
        {
          path: "policies",
          name: "admin-policies",
          component: () => import("@/features/admin/components/PoliciesPage.vue"),
        },
        {
          path: "trunks",
          name: "admin-trunks",
          component: () => import("@/features/trunks/components/TrunksPage.vue"),
        },
        {
          path: "routing",
          name: "admin-routing",
          component: () => import("@/features/routing/components/RoutingPage.vue"),
        },
        {
          path: "channels",
          name: "admin-channels",
          component: () => import("@/features/channels/components/ChannelsPage.vue"),
        },
        {
          path: "prompts",
          name: "admin-prompts",
          component: () => import("@/features/admin/components/PromptsPage.vue"),
        },
        {
          path: ":collection",
          name: "admin-section",
          component: () => import("@/features/admin/components/ResourcePage.vue"),
          props: true,
        },
      ],
    },
    { path: "/:rest(.*)*", name: "not-found", component: () => import("@/app/NotFoundView.vue") },
  ],
});

router.beforeEach(async (to): Promise<RouteLocationRaw | true> => {
  const session = useSessionStore();
  let me;
  try {
    me = await session.load();
  } catch (error) {
    // The server cannot tell who is signed in (its database does not answer): the sign-in page says so
    // instead of a blank screen; the next navigation asks again.
    if (!(error instanceof ApiError && error.code === "database_unavailable")) throw error;
    return to.name === "auth" ? true : { name: "auth", query: { notice: "database_unavailable" } };
  }
  if (to.meta.public === true) return me !== null && to.name === "auth" ? { name: "workstation" } : true;
  if (me === null) {
    return { name: "auth", query: to.fullPath === "/" ? {} : { redirect: to.fullPath } };
  }
  if (to.matched.some((r) => r.meta.senior === true) && me.role === "operator") {
    return { name: "workstation" };
  }
  if (to.matched.some((r) => r.meta.admin === true) && me.role !== "admin") {
    return { name: "workstation" };
  }
  return true;
});
