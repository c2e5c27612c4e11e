// A stand-in for fetch in jsdom render tests: the Python server is not part of the web unit run
// (the e2e suite drives the real one), so each route answers what the API contract specifies.
import { vi } from "vitest";

export type Reply = { status: number; body?: unknown };
export interface Recorded {
  method: string;
  path: string;
  query: string;
  body: unknown;
  csrf: string | null;
}

export function standInFetch(routes: Record<string, Reply>): Recorded[] {
  const requests: Recorded[] = [];
  document.cookie = "c122_csrf=csrf-token";
  vi.stubGlobal("fetch", async (request: Request) => {
    const url = new URL(request.url);
    const text = await request.text();
    requests.push({
      method: request.method,
      path: url.pathname,
      query: url.search,
      body: text === "" ? null : JSON.parse(text),
      csrf: request.headers.get("X-CSRF-Token"),
    });
    const reply = routes[`${request.method} ${url.pathname}`] ?? { status: 404, body: { code: "not_found", message: "" } };
    return new Response(reply.body === undefined ? null : JSON.stringify(reply.body), {
      status: reply.status,
      headers: { "Content-Type": "application/json" },
    });
  });
  return requests;
}

/** The requests that change something, without the reads a screen makes on its own. */
export function posts(requests: Recorded[]): Recorded[] {
  return requests.filter((r) => r.method !== "GET");
}
