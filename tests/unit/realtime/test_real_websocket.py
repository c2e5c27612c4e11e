"""The session behind a real uvicorn WebSocket on 127.0.0.1: Starlette's WebSocket used as the
EventSocket as is, and real TCP back-pressure from a client that stops reading."""

from __future__ import annotations

import asyncio
import json
import socket
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from c122.domain.users import Actor, Role
from c122.realtime.hub import EventHub
from c122.realtime.session import run_event_session
from c122.services.events import EVERYONE, OutboundEvent

QUEUE_LIMIT = 16
EVENTS = 2 * QUEUE_LIMIT
# Large frames and a small receive window, so that a client that stops reading fills the socket
# buffers long before its stream overflows and the server's writer really blocks in send.
PAD = "x" * 1024 * 1024
STUCK_RECEIVE_BUFFER = 16 * 1024
HEARTBEAT_S = 2.0  # the stuck client must overflow well before it misses three heartbeats
WAIT = 20.0


@dataclass
class Server:
    hub: EventHub
    url: str
    port: int
    finished: defaultdict[int, asyncio.Event]


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    hub = EventHub(queue_limit=QUEUE_LIMIT)
    finished: defaultdict[int, asyncio.Event] = defaultdict(asyncio.Event)

    async def snapshot() -> dict[str, Any]:
        return {}

    async def events(websocket: WebSocket) -> None:
        await websocket.accept()
        user_id = int(websocket.query_params["user"])
        viewer = Actor(user_id=user_id, role=Role.OPERATOR, group_ids=frozenset())
        try:
            await run_event_session(websocket, hub, viewer, snapshot, None, heartbeat_s=HEARTBEAT_S)
        finally:
            finished[user_id].set()

    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    config = uvicorn.Config(
        Starlette(routes=[WebSocketRoute("/events", events)]),
        lifespan="off",
        log_level="warning",
        ws="websockets-sansio",
    )
    uvicorn_server = uvicorn.Server(config)
    serving = asyncio.create_task(uvicorn_server.serve(sockets=[listener]))
    yield Server(hub, f"ws://127.0.0.1:{port}/events", port, finished)
    uvicorn_server.should_exit = True
    async with asyncio.timeout(WAIT):
        await serving
    listener.close()


async def test_over_real_tcp_a_client_that_stops_reading_is_dropped_and_the_other_gets_every_event(
    server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    async with (
        connect(f"{server.url}?user=1", max_size=None) as reader,
        connect(
            f"{server.url}?user=2",
            max_size=None,
            max_queue=1,
            compression=None,  # the padding would deflate to nothing
            sock=small_window(server.port),
        ) as stuck,
    ):
        for client in (reader, stuck):
            assert json.loads(await client.recv())["kind"] == "ready"

        for n in range(1, EVENTS + 1):
            data = {"n": n, "pad": PAD}
            server.hub.publish(OutboundEvent("test.big", data, EVERYONE, datetime.now(UTC)))
            message = await next_event(reader)
            assert (message["kind"], message["id"], message["data"]["n"]) == ("event", n, n)
            await reader.send(json.dumps({"kind": "ack", "id": n}))
        async with asyncio.timeout(WAIT):
            await server.finished[2].wait()

        assert server.hub.stats().streams == 1
        assert "overflowed" in caplog.text
        assert not server.finished[1].is_set()

        # What reached the stuck client: events in order, never beyond the queue limit, and
        # at most the reload notice (it is dropped if the client still does not read).
        received = []
        async with asyncio.timeout(WAIT):
            try:
                async for frame in stuck:
                    if (message := json.loads(frame))["kind"] != "ping":
                        received.append(message)
            except ConnectionClosed:
                pass
        event_ids = [m["id"] for m in received if m["kind"] == "event"]
        assert event_ids == list(range(1, len(event_ids) + 1))
        assert len(event_ids) <= QUEUE_LIMIT
        assert [m["kind"] for m in received[len(event_ids) :]] in ([], ["reload"])


async def next_event(client: ClientConnection) -> dict[str, Any]:
    """The next event frame, answering heartbeats on the way."""
    async with asyncio.timeout(WAIT):
        while (message := json.loads(await client.recv()))["kind"] == "ping":
            await client.send('{"kind": "pong"}')
    result: dict[str, Any] = message
    return result


def small_window(port: int) -> socket.socket:
    """A connected client socket with a fixed small receive buffer (no autotuning)."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, STUCK_RECEIVE_BUFFER)
    sock.connect(("127.0.0.1", port))
    sock.setblocking(False)
    return sock
