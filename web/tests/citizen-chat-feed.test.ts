// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ChatMessage } from "@/citizen/api";
import { STREAM_ATTEMPTS, followChat, parseEvents, type FeedMode } from "@/citizen/chatFeed";

function message(id: number, text: string): ChatMessage {
  return {
    id,
    case_id: 7,
    channel: "app",
    author: "operator",
    text,
    created_at: "2026-12-06T10:00:00Z",
    author_name: "Оператор",
    media_id: null,
    delivery: null,
    problem: "",
  };
}

function frame(m: ChatMessage): string {
  return `id: ${m.id}\nevent: message\ndata: ${JSON.stringify(m)}\n\n`;
}

/** A response whose body is the given chunks, then its end (the connection closed). */
function streamed(chunks: string[]): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
      controller.close();
    },
  });
  return new Response(body, { status: 200, headers: { "Content-Type": "text/event-stream" } });
}

describe("parseEvents", () => {
  it("reads complete events and keeps the unfinished rest", () => {
    const m = message(3, "первое");
    const { events, rest } = parseEvents(`: keep-alive\n\n${frame(m)}id: 4\nevent: mes`);
    expect(events).toEqual([{ id: "3", event: "message", data: JSON.stringify(m) }]);
    expect(rest).toBe("id: 4\nevent: mes");
  });

  it("joins data lines and takes CRLF line ends", () => {
    const { events } = parseEvents("data: a\r\ndata: b\r\n\r\n");
    expect(events).toEqual([{ id: "", event: "message", data: "a\nb" }]);
  });
});

describe("followChat", () => {
  const urls: string[] = [];
  let answers: (() => Response | Promise<Response>)[] = [];

  beforeEach(() => {
    vi.useFakeTimers();
    urls.length = 0;
    vi.stubGlobal("fetch", async (input: RequestInfo | URL) => {
      urls.push(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
      const next = answers.shift();
      if (!next) return new Promise<Response>(() => {}); // the last connection stays open
      return next();
    });
  });

  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it("connects again from the last message shown when the stream ends", async () => {
    const shown: ChatMessage[] = [];
    answers = [() => streamed([frame(message(5, "раз")), frame(message(6, "два"))]), () => streamed([": keep-alive\n\n"])];
    const feed = followChat({
      caseId: 7,
      lastId: () => shown.at(-1)?.id ?? 0,
      onMessages: (found) => shown.push(...found),
    });
    await vi.advanceTimersByTimeAsync(2_500);
    feed.stop();
    expect(shown.map((m) => m.text)).toEqual(["раз", "два"]);
    expect(urls).toEqual([
      "/api/citizen/v1/cases/7/messages/stream?after=0",
      "/api/citizen/v1/cases/7/messages/stream?after=6",
      "/api/citizen/v1/cases/7/messages/stream?after=6",
    ]);
  });

  it("falls back to the long poll when the stream cannot be opened", async () => {
    const shown: ChatMessage[] = [];
    const modes: FeedMode[] = [];
    const broken = (): Response => new Response("bad gateway", { status: 502 });
    answers = [
      ...Array.from({ length: STREAM_ATTEMPTS }, () => broken),
      () => new Response(JSON.stringify([message(9, "по опросу")]), { status: 200, headers: { "Content-Type": "application/json" } }),
    ];
    const feed = followChat({
      caseId: 7,
      lastId: () => shown.at(-1)?.id ?? 0,
      onMessages: (found) => shown.push(...found),
      onMode: (mode) => modes.push(mode),
    });
    await vi.advanceTimersByTimeAsync(STREAM_ATTEMPTS * 1_000 + 500);
    feed.stop();
    expect(shown.map((m) => m.text)).toEqual(["по опросу"]);
    expect(modes.at(-1)).toBe("poll");
    expect(urls.filter((u) => u.includes("/stream"))).toHaveLength(STREAM_ATTEMPTS);
    expect(urls.at(-2)).toContain("/api/citizen/v1/cases/7/messages?after=0&wait=25");
  });

  it("stops on a refusal: another device's request is not followed", async () => {
    answers = [() => new Response("{}", { status: 404 })];
    const modes: FeedMode[] = [];
    followChat({ caseId: 7, lastId: () => 0, onMessages: () => {}, onMode: (m) => modes.push(m) });
    await vi.advanceTimersByTimeAsync(5_000);
    expect(urls).toHaveLength(1);
    expect(modes).toEqual(["stream"]);
  });
});
