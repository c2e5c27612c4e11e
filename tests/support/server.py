"""A real С-122 HTTP server on an ephemeral loopback port, and clients that talk to it."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn
from websockets.asyncio.client import ClientConnection, connect

from c122.api.serving import listening_socket, server_config
from c122.bootstrap import Application, build_application
from c122.config import Settings, load_settings
from c122.demo import seed_demo
from tests.support.clock import FakeClock

TEST_ARGON2 = {"argon2_time_cost": 1, "argon2_memory_kib": 1024}


def settings_for(database_url: str, **overrides: object) -> Settings:
    return load_settings(environ={}, overrides={"database_url": database_url, **TEST_ARGON2, **overrides})


@dataclass
class RunningServer:
    application: Application
    base_url: str
    clock: FakeClock
    passwords: dict[str, str]

    @property
    def ws_url(self) -> str:
        return self.base_url.replace("http://", "ws://") + "/api/v1/events"

    def client(self) -> httpx.AsyncClient:
        # A pooled connection is dropped well before the server closes it (uvicorn: idle 5 s): with both
        # at 5 s a request could be sent on a connection the server was closing at that moment.
        limits = httpx.Limits(keepalive_expiry=2.0)
        return httpx.AsyncClient(base_url=self.base_url, timeout=10, limits=limits)

    async def signed_in(self, login: str, password: str | None = None) -> Desk:
        client = self.client()
        response = await client.post(
            "/api/v1/auth/login", json={"login": login, "password": password or self.passwords[login]}
        )
        assert response.status_code == 200, response.text
        return Desk(self, client, response.json()["csrf_token"])


@dataclass
class Desk:
    """One signed-in browser: its cookies, its CSRF token, and its event streams."""

    server: RunningServer
    http: httpx.AsyncClient
    csrf: str

    async def write(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"X-CSRF-Token": self.csrf, **kwargs.pop("headers", {})}
        return await self.http.request(method, path, headers=headers, **kwargs)

    @contextlib.asynccontextmanager
    async def events(self, query: str = "") -> AsyncIterator[EventClient]:
        cookie = "; ".join(f"{name}={value}" for name, value in self.http.cookies.items())
        async with connect(self.server.ws_url + query, additional_headers={"Cookie": cookie}) as socket:
            yield EventClient(socket)


@dataclass
class EventClient:
    socket: ClientConnection

    async def receive(self, timeout: float = 5.0) -> dict[str, Any]:
        message: dict[str, Any] = json.loads(await asyncio.wait_for(self.socket.recv(), timeout))
        return message

    async def next_event(self, event_type: str, timeout: float = 5.0) -> dict[str, Any]:
        """Skips pings and other event types until one of `event_type` arrives."""
        async with asyncio.timeout(timeout):
            while True:
                message = await self.receive(timeout)
                if message["kind"] == "event" and message["type"] == event_type:
                    return message

    async def ack(self, event_id: int) -> None:
        await self.socket.send(json.dumps({"kind": "ack", "id": event_id}))


@contextlib.asynccontextmanager
async def running_server(
    database_url: str,
    *,
    with_telephony: bool = False,
    addressed: Callable[[str], dict[str, object]] | None = None,
    seed: bool = True,
    **overrides: object,
) -> AsyncIterator[RunningServer]:
    """`addressed` gives settings that name the server's own address (a gateway's callback URL): the
    port is bound before the application is built. `seed=False`: a second node on a database
    another server has seeded (its `passwords` are empty)."""
    listener = listening_socket("127.0.0.1", 0)
    base_url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    clock = FakeClock()
    own = addressed(base_url) if addressed is not None else {}
    settings = settings_for(database_url, http_port=0, **own, **overrides)
    application = build_application(settings, clock=clock, with_telephony=with_telephony)
    accounts = await seed_demo(application.context.organisation, application.uow_factory) if seed else []
    server = uvicorn.Server(server_config(application.app, "127.0.0.1", 0))
    async with application.running():
        task = asyncio.create_task(server.serve(sockets=[listener]))
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        try:
            yield RunningServer(application, base_url, clock, {a.login: a.password for a in accounts})
        finally:
            server.should_exit = True
            await task
            listener.close()
