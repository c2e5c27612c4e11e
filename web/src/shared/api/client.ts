import createClient, { type Client, type Middleware } from "openapi-fetch";
import { csrfMiddleware } from "./csrf";
import { ApiError, toApiError } from "./errors";
import type { paths } from "./schema";

type Listener = (error: ApiError) => void;
const authListeners = new Set<Listener>();

/** Called when any request answers 401, so the app can return to /auth. */
export function onAuthLost(listener: Listener): () => void {
  authListeners.add(listener);
  return () => authListeners.delete(listener);
}

const authWatch: Middleware = {
  async onResponse({ request, response }) {
    if (response.status !== 401 || new URL(request.url).pathname.endsWith("/auth/login")) {
      return undefined;
    }
    const body: unknown = await response
      .clone()
      .json()
      .catch(() => null);
    const error = toApiError(response, body);
    authListeners.forEach((listener) => listener(error));
    return undefined;
  },
};

/**
 * A client with the app's middleware (CSRF echo, 401 watch) over a paths description: the
 * generated one, or a hand-written one for endpoints the generated document does not list yet.
 */
export function createApiClient<P extends {}>(): Client<P> {
  const client = createClient<P>({
    baseUrl: typeof window === "undefined" ? "http://localhost" : window.location.origin,
    credentials: "same-origin",
    // Looked up per request rather than captured once, so a replaced global fetch is honoured.
    fetch: (request: Request) => globalThis.fetch(request),
  });
  client.use(csrfMiddleware(() => (typeof document === "undefined" ? "" : document.cookie)));
  client.use(authWatch);
  return client;
}

export const api = createApiClient<paths>();

interface FetchResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** Turns an openapi-fetch result into its data, or throws the parsed ApiError. */
export async function unwrap<T>(call: Promise<FetchResult<T>>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) throw toApiError(response, error);
  return data as T;
}
