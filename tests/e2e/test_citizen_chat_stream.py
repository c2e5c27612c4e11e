"""The reference app's chat screen follows the conversation by the event stream in Chromium: the
operator's answer reaches the screen over the stream; the connection is cut (a TCP relay between the
browser and the server drops every connection, as a phone changing networks would) and the screen
connects again from the last message shown, missing nothing and showing nothing twice; a stream that
cannot be opened (a proxy that refuses it) leaves the screen on the long poll, which still delivers."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator

from playwright.async_api import Browser, Page, Request, expect

from tests.e2e.test_citizen_app import PHONE
from tests.e2e.test_messages import shot
from tests.integration.citizen.support import App, registered
from tests.support.server import RunningServer


class Relay:
    """A TCP relay on loopback to the server; `cut()` drops every connection through it."""

    def __init__(self, host: str, port: int) -> None:
        self._target = (host, port)
        self._writers: set[asyncio.StreamWriter] = set()
        self._server: asyncio.Server | None = None
        self.port = 0

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection(*self._target)
        self._writers |= {writer, upstream_writer}
        await asyncio.gather(
            self._pipe(reader, upstream_writer), self._pipe(upstream_reader, writer), return_exceptions=True
        )

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        finally:
            self._writers.discard(writer)
            writer.close()

    def cut(self) -> None:
        for writer in tuple(self._writers):
            writer.transport.abort()
        self._writers.clear()

    async def close(self) -> None:
        self.cut()
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()


@contextlib.asynccontextmanager
async def relay_to(server: RunningServer) -> AsyncIterator[Relay]:
    host, port = server.base_url.removeprefix("http://").rsplit(":", 1)
    relay = Relay(host, int(port))
    await relay.start()
    try:
        yield relay
    finally:
        await relay.close()


async def chat_screen(
    browser: Browser, origin: str, app: App, phone: str, case_id: int
) -> tuple[Page, list[str]]:
    """The app signed in as the device (its token where the app keeps it), on the request's chat, and
    the chat's requests as they are made (listened to from before the screen opens)."""
    context = await browser.new_context(locale="ru-RU", base_url=origin, viewport=PHONE, is_mobile=True)
    page = await context.new_page()
    await page.goto("/app/register")
    session = {"deviceId": app.device_id, "token": app.token, "phone": phone}
    await page.evaluate("s => localStorage.setItem('c122.citizen.device', s)", json.dumps(session))
    requests = chat_requests(page)
    await page.goto(f"/app/cases/{case_id}/chat")
    return page, requests


def chat_requests(page: Page) -> list[str]:
    seen: list[str] = []

    def requested(request: Request) -> None:
        if "/messages" in request.url and request.method == "GET":
            seen.append(request.url.split("/api/citizen/v1", 1)[1])

    page.on("request", requested)
    return seen


async def test_the_chat_screen_follows_by_the_stream_and_resumes_after_a_cut(
    server: RunningServer, browser: Browser
) -> None:
    phone = "+79035550031"
    app = await registered(server, phone)
    case_id = (await app.create_case(description="Не вывезли мусор")).json()["id"]
    assert (await app.post(f"/cases/{case_id}/messages", json={"text": "Третий день"})).status_code == 201
    operator = await server.signed_in("operator1")

    async def answer(text: str) -> int:
        sent = await operator.write("POST", f"/api/v1/cases/{case_id}/chat", json={"text": text})
        assert sent.status_code == 201, sent.text
        return int(sent.json()["id"])

    async with relay_to(server) as relay:
        page, requests = await chat_screen(browser, f"http://127.0.0.1:{relay.port}", app, phone, case_id)
        bubbles = page.get_by_test_id("chat-message")
        await expect(bubbles.filter(has_text="Третий день")).to_have_count(1)
        await expect(page.get_by_test_id("chat")).to_have_attribute("data-feed", "stream")

        first = await answer("Машина будет сегодня")
        await expect(bubbles.filter(has_text="Машина будет сегодня")).to_have_count(1, timeout=5_000)
        assert requests
        assert all(r.startswith(f"/cases/{case_id}/messages/stream?") for r in requests)
        opened = len(requests)

        # The connection is cut; an answer stored before the screen is back comes with the reconnection.
        relay.cut()
        await answer("Водитель уже в пути")
        await expect(bubbles.filter(has_text="Водитель уже в пути")).to_have_count(1, timeout=10_000)
        assert requests[opened:][0] == f"/cases/{case_id}/messages/stream?after={first}"
        await answer("Приехали")
        await expect(bubbles.filter(has_text="Приехали")).to_have_count(1, timeout=5_000)
        await expect(bubbles).to_have_count(4)  # nothing twice
        assert not any("/messages?" in r for r in requests)  # never fell back to the long poll
        await expect(page.get_by_test_id("chat")).to_have_attribute("data-feed", "stream")
        await shot(page, "citizen-chat-stream")


async def test_the_chat_screen_falls_back_to_the_long_poll(server: RunningServer, browser: Browser) -> None:
    phone = "+79035550032"
    app = await registered(server, phone)
    case_id = (await app.create_case(description="Нет воды")).json()["id"]
    operator = await server.signed_in("operator1")
    context = await browser.new_context(locale="ru-RU", base_url=server.base_url, viewport=PHONE)
    # A proxy on the way that refuses event streams.
    await context.route("**/messages/stream**", lambda route: route.fulfill(status=502, body="bad gateway"))
    page = await context.new_page()
    await page.goto("/app/register")
    session = {"deviceId": app.device_id, "token": app.token, "phone": phone}
    await page.evaluate("s => localStorage.setItem('c122.citizen.device', s)", json.dumps(session))
    requests = chat_requests(page)
    await page.goto(f"/app/cases/{case_id}/chat")
    await expect(page.get_by_test_id("chat")).to_have_attribute("data-feed", "poll", timeout=15_000)

    sent = await operator.write("POST", f"/api/v1/cases/{case_id}/chat", json={"text": "Подача с 18:00"})
    assert sent.status_code == 201, sent.text
    bubbles = page.get_by_test_id("chat-message")
    await expect(bubbles.filter(has_text="Подача с 18:00")).to_have_count(1, timeout=10_000)
    assert any(r.startswith(f"/cases/{case_id}/messages?") for r in requests)
