import { ApiError } from "@/shared/api/errors";

export interface LoginProblem {
  /** i18n key and parameters of the message to show. */
  key: string;
  params: Record<string, string>;
  /** Epoch ms before which another attempt is pointless, when the server said so. */
  retryAt: number | null;
}

function clock(at: number, locale: string): string {
  return new Date(at).toLocaleTimeString(locale, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

export function loginProblem(error: unknown, locale: string, now: number = Date.now()): LoginProblem {
  if (!(error instanceof ApiError)) {
    return { key: "auth.errors.network", params: {}, retryAt: null };
  }
  switch (error.code) {
    case "invalid_credentials":
      return { key: "auth.errors.invalid_credentials", params: {}, retryAt: null };
    case "account_disabled":
      return { key: "auth.errors.account_disabled", params: {}, retryAt: null };
    case "database_unavailable":
      return { key: "auth.errors.database_unavailable", params: {}, retryAt: null };
    case "too_many_attempts": {
      if (error.retryAfter === null) {
        return { key: "auth.errors.too_many_attempts_plain", params: {}, retryAt: null };
      }
      const retryAt = now + error.retryAfter * 1000;
      return { key: "auth.errors.too_many_attempts", params: { time: clock(retryAt, locale) }, retryAt };
    }
    default:
      return { key: "auth.errors.generic", params: { message: error.message || error.code }, retryAt: null };
  }
}
