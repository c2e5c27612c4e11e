import { defineStore } from "pinia";
import { computed, ref } from "vue";
import { api, unwrap } from "@/shared/api/client";
import { ApiError } from "@/shared/api/errors";
import type { Me } from "@/shared/api/types";

/** Why the user was sent back to the login page, shown there as a notice. */
export type SessionNotice = "session_replaced" | "session_expired" | "database_unavailable" | null;
const NOTICES: ReadonlySet<string> = new Set(["session_replaced", "session_expired", "database_unavailable"]);

/** A notice named in the page's address (`?notice=`, after a reload), if it is one we know. */
export function noticeNamed(value: unknown): SessionNotice {
  return typeof value === "string" && NOTICES.has(value) ? (value as SessionNotice) : null;
}

// The server names a takeover by another workplace both ways (HTTP code and stream close reason).
const REPLACED = new Set(["session_replaced"]);

export function noticeFor(reason: string): SessionNotice {
  return REPLACED.has(reason) ? "session_replaced" : "session_expired";
}

export const useSessionStore = defineStore("session", () => {
  const me = ref<Me | null>(null);
  const loaded = ref(false);
  const notice = ref<SessionNotice>(null);

  const isAdmin = computed(() => me.value?.role === "admin");

  /** Loads the signed-in user once per page load; a 401 means "not signed in", not an error. */
  async function load(): Promise<Me | null> {
    if (loaded.value) return me.value;
    try {
      me.value = await unwrap(api.GET("/api/v1/me"));
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 401)) throw error;
      me.value = null;
    }
    loaded.value = true;
    return me.value;
  }

  async function login(loginName: string, password: string): Promise<Me> {
    const result = await unwrap(
      api.POST("/api/v1/auth/login", { body: { login: loginName, password } }),
    );
    me.value = result.user;
    loaded.value = true;
    notice.value = null;
    return result.user;
  }

  async function logout(): Promise<void> {
    try {
      await unwrap(api.POST("/api/v1/auth/logout"));
    } finally {
      forget(null);
    }
  }

  /** Drops the local session, e.g. when the server says it was replaced elsewhere. */
  function forget(reason: SessionNotice): void {
    me.value = null;
    loaded.value = true;
    notice.value = reason;
  }

  return { me, loaded, notice, isAdmin, load, login, logout, forget };
});
