import type { Middleware } from "openapi-fetch";

export const CSRF_COOKIE = "c122_csrf";
export const CSRF_HEADER = "X-CSRF-Token";
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
const LOGIN_PATH = "/api/v1/auth/login";

export function readCookie(cookies: string, name: string): string | null {
  for (const part of cookies.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return null;
}

/** Double-submit CSRF: echo the readable cookie in a header on every unsafe request but login. */
export function csrfMiddleware(cookies: () => string): Middleware {
  return {
    onRequest({ request }) {
      if (SAFE_METHODS.has(request.method.toUpperCase())) return undefined;
      if (new URL(request.url).pathname === LOGIN_PATH) return undefined;
      const token = readCookie(cookies(), CSRF_COOKIE);
      if (token !== null) request.headers.set(CSRF_HEADER, token);
      return request;
    },
  };
}
