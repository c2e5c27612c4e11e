import { api, type ChatMessage } from "./api";
import { loadSession } from "./session";

/** One server-sent event as the citizen API's message stream sends it. */
export interface StreamEvent {
  id: string;
  event: string;
  data: string;
}

/**
 * Splits what arrived so far into complete events (a blank line ends one) and the unfinished rest.
 * Comment lines (`: keep-alive`) carry nothing; several `data:` lines join with a newline.
 */
export function parseEvents(buffer: string): { events: StreamEvent[]; rest: string } {
  const events: StreamEvent[] = [];
  const blocks = buffer.replace(/\r\n?/g, "\n").split("\n\n");
  const rest = blocks.pop() ?? "";
  for (const block of blocks) {
    const event: StreamEvent = { id: "", event: "message", data: "" };
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line === "" || line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "data") data.push(value);
      else if (field === "id") event.id = value;
      else if (field === "event") event.event = value;
    }
    if (data.length === 0) continue;
    event.data = data.join("\n");
    events.push(event);
  }
  return { events, rest };
}

export interface FeedOptions {
  caseId: number;
  /** The newest message id the screen shows: a reconnection asks for what came after it. */
  lastId: () => number;
  onMessages: (found: ChatMessage[]) => void;
  /** Which way the screen is following the conversation now (for the screen and the tests). */
  onMode?: (mode: FeedMode) => void;
}

export type FeedMode = "stream" | "poll";

/** Consecutive failures to open the stream after which the screen follows by the long poll instead. */
export const STREAM_ATTEMPTS = 3;
const RETRY_MS = 1_000;
const THROTTLED_MS = 10_000;
const POLL_WAIT_S = 25;

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Follows a request's conversation while the chat screen is open: by the event stream, reconnecting
 * from the last message shown whenever the connection ends; when the stream cannot be opened
 * `STREAM_ATTEMPTS` times in a row (a proxy that buffers or cuts it, an old server), by the long poll.
 * `stop()` ends it. Messages may repeat across a reconnection: the screen keeps each id once.
 */
export function followChat(options: FeedOptions): { stop: () => void } {
  const controller = new AbortController();
  void run(options, controller.signal);
  return { stop: () => controller.abort() };
}

async function run(options: FeedOptions, signal: AbortSignal): Promise<void> {
  let failures = 0;
  while (!signal.aborted && failures < STREAM_ATTEMPTS) {
    options.onMode?.("stream");
    const outcome = await streamOnce(options, signal);
    if (outcome === "refused") return; // signed out or not this device's request: nothing to follow
    if (outcome === "throttled") await pause(THROTTLED_MS);
    failures = outcome === "opened" ? 0 : failures + 1;
    if (!signal.aborted) await pause(RETRY_MS); // a server that ends every stream at once is not hammered
  }
  if (signal.aborted) return;
  options.onMode?.("poll");
  await poll(options, signal);
}

type Outcome = "opened" | "failed" | "refused" | "throttled";

/** One connection of the stream, read until it ends: "opened" when it delivered its first bytes. */
async function streamOnce(options: FeedOptions, signal: AbortSignal): Promise<Outcome> {
  const session = loadSession();
  let response: Response;
  try {
    response = await fetch(
      `/api/citizen/v1/cases/${options.caseId}/messages/stream?after=${options.lastId()}`,
      {
        headers: {
          Accept: "text/event-stream",
          ...(session ? { Authorization: `Bearer ${session.token}` } : {}),
        },
        cache: "no-store",
        signal,
      },
    );
  } catch {
    return "failed";
  }
  if (response.status === 401 || response.status === 404) return "refused";
  if (response.status === 429) return "throttled";
  const type = response.headers.get("content-type") ?? "";
  if (!response.ok || !response.body || !type.startsWith("text/event-stream")) return "failed";
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let opened = false;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      opened = true;
      const parsed = parseEvents(buffer + value);
      buffer = parsed.rest;
      const found = parsed.events
        .filter((e) => e.event === "message")
        .map((e) => JSON.parse(e.data) as ChatMessage);
      if (found.length > 0) options.onMessages(found);
    }
  } catch {
    // The connection was cut: the caller connects again from the last message shown.
  } finally {
    reader.releaseLock();
  }
  return opened ? "opened" : "failed";
}

/** The long poll: the server answers as soon as a message arrives, or empty after 25 s. */
async function poll(options: FeedOptions, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    const { data, response } = await api
      .GET("/api/citizen/v1/cases/{case_id}/messages", {
        params: { path: { case_id: options.caseId }, query: { after: options.lastId(), wait: POLL_WAIT_S } },
        signal,
      })
      .catch(() => ({ data: undefined, response: undefined }));
    if (data) options.onMessages(data);
    else if (!signal.aborted) await pause(response?.status === 429 ? THROTTLED_MS : 3_000);
  }
}
