"""run_event_session over fake sockets.

FakeSocket stands for the web framework's WebSocket, which the realtime layer never imports: it is
built on asyncio queues and exposes exactly the EventSocket protocol. The same session runs over a
real uvicorn WebSocket in bench/event_fanout.py.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from c122.domain.users import Actor, Role
from c122.realtime.hub import EventHub
from c122.realtime.protocol import (
    CLOSE_CODE_CLOSED,
    CLOSE_CODE_RELOAD,
    CLOSE_CODE_SERVER_ERROR,
    SERVER_MESSAGE,
    ClosedMessage,
    CloseReason,
    ErrorMessage,
    EventMessage,
    PingMessage,
    ReadyMessage,
    ReloadMessage,
)
from c122.realtime.session import MAX_CLIENT_ERRORS, ResumeRequest, run_event_session
from c122.services.events import EVERYONE, Audience, OutboundEvent

OPERATOR = Actor(user_id=1, role=Role.OPERATOR, group_ids=frozenset({10}))
OTHER = Actor(user_id=2, role=Role.OPERATOR, group_ids=frozenset({20}))
WAIT = 5.0  # generous bound for awaiting an event that must happen; never reached on success
QUIET = 30.0  # heartbeat period for tests where pings would only be noise


class FakeSocket:
    def __init__(self) -> None:
        self.outbox: asyncio.Queue[str] = asyncio.Queue()
        self.inbox: asyncio.Queue[str | None] = asyncio.Queue()
        self.closed = asyncio.Event()
        self.close_code: int | None = None
        self.close_reason = ""
        self.session: asyncio.Task[None] | None = None

    async def send_text(self, data: str) -> None:
        if self.closed.is_set():
            raise ConnectionError("closed")
        await self.outbox.put(data)

    async def receive_text(self) -> str:
        item = await self.inbox.get()
        if item is None:
            raise ConnectionError("peer gone")
        return item

    async def close(self, code: int = 1000, reason: str = "") -> None:
        self.close_code, self.close_reason = code, reason
        self.closed.set()
        self.inbox.put_nowait(None)

    # The client's side.
    def say(self, message: Any) -> None:
        self.inbox.put_nowait(message if isinstance(message, str) else json.dumps(message))

    def hang_up(self) -> None:
        self.inbox.put_nowait(None)

    async def session_ended(self) -> None:
        assert self.session is not None
        async with asyncio.timeout(WAIT):
            await self.session

    async def receive(self, skip_pings: bool = True) -> Any:
        while True:
            async with asyncio.timeout(WAIT):
                message = SERVER_MESSAGE.validate_json(await self.outbox.get())
            if not (skip_pings and isinstance(message, PingMessage)):
                return message


class StuckSocket(FakeSocket):
    """A client that never reads: after the first frame every send waits for ever (a full TCP window)."""

    def __init__(self) -> None:
        super().__init__()
        self.attempts: list[str] = []

    async def send_text(self, data: str) -> None:
        self.attempts.append(json.loads(data)["kind"])
        if len(self.attempts) > 1:
            await asyncio.Event().wait()
        await super().send_text(data)


def event(n: int, audience: Audience = EVERYONE) -> OutboundEvent:
    return OutboundEvent(
        type="test.happened", data={"n": n}, audience=audience, occurred_at=datetime.now(UTC)
    )


async def snapshot() -> dict[str, Any]:
    return {"queues": []}


Start = Callable[..., Awaitable[FakeSocket]]


@pytest.fixture
def hub() -> EventHub:
    return EventHub(queue_limit=10)


@pytest.fixture
async def start(hub: EventHub) -> AsyncIterator[Start]:
    """Starts sessions; at the end every client hangs up and every session must finish."""
    sessions: list[FakeSocket] = []

    async def _start(
        viewer: Actor = OPERATOR,
        socket: FakeSocket | None = None,
        resume: ResumeRequest | None = None,
        heartbeat_s: float = QUIET,
        snapshot_provider: Callable[[], Awaitable[dict[str, Any]]] = snapshot,
    ) -> FakeSocket:
        socket = socket or FakeSocket()
        socket.session = asyncio.create_task(
            run_event_session(socket, hub, viewer, snapshot_provider, resume, heartbeat_s)
        )
        sessions.append(socket)
        return socket

    yield _start
    for socket in sessions:
        socket.hang_up()
    for socket in sessions:
        await socket.session_ended()


async def test_a_new_connection_gets_ready_with_the_snapshot_then_events_from_id_1(
    hub: EventHub, start: Start
) -> None:
    client = await start()

    ready = await client.receive()
    hub.publish(event(7))
    first = await client.receive()

    assert ready == ReadyMessage(stream=ready.stream, resumed=False, last_id=0, snapshot={"queues": []})
    assert isinstance(first, EventMessage)
    assert (first.id, first.type, first.data) == (1, "test.happened", {"n": 7})


async def test_events_committed_while_the_snapshot_is_built_follow_the_ready_message(
    hub: EventHub, start: Start
) -> None:
    building = asyncio.Event()
    release = asyncio.Event()

    async def slow_snapshot() -> dict[str, Any]:
        building.set()
        await release.wait()
        return {"version": 1}

    client = await start(snapshot_provider=slow_snapshot)
    async with asyncio.timeout(WAIT):
        await building.wait()
    hub.publish(event(1))
    release.set()

    ready = await client.receive()
    first = await client.receive()
    assert isinstance(ready, ReadyMessage)
    assert ready.last_id == 0
    assert isinstance(first, EventMessage)
    assert first.id == 1


async def test_given_acked_events_when_the_client_reconnects_with_resume_then_only_missing_events_replay(
    hub: EventHub, start: Start
) -> None:
    client = await start()
    ready = await client.receive()
    for n in range(1, 4):
        hub.publish(event(n))
    received = [await client.receive() for _ in range(3)]
    client.say({"kind": "ack", "id": 2})
    client.hang_up()
    await client.session_ended()
    hub.publish(event(4))

    again = await start(resume=ResumeRequest(ready.stream, 2))
    resumed = await again.receive()
    replay = [await again.receive() for _ in range(2)]

    assert [m.id for m in received] == [1, 2, 3]
    assert resumed == ReadyMessage(stream=ready.stream, resumed=True, last_id=2, snapshot=None)
    assert [(m.id, m.data["n"]) for m in replay] == [(3, 3), (4, 4)]


async def test_given_an_unknown_stream_when_resuming_then_the_client_gets_a_fresh_stream_and_snapshot(
    start: Start,
) -> None:
    client = await start(resume=ResumeRequest("forgotten", 5))

    ready = await client.receive()

    assert isinstance(ready, ReadyMessage)
    assert ready.stream != "forgotten"
    assert (ready.resumed, ready.last_id, ready.snapshot) == (False, 0, {"queues": []})


async def test_given_a_stream_that_overflowed_then_the_client_is_told_to_reload_and_cannot_resume(
    hub: EventHub, start: Start
) -> None:
    client = await start()
    ready = await client.receive()
    messages = []
    for n in range(1, 12):  # the client reads but never acknowledges: 11 > queue limit 10
        hub.publish(event(n))
        messages.append(await client.receive())
    await client.session_ended()

    assert [m.id for m in messages[:10]] == list(range(1, 11))
    assert messages[10] == ReloadMessage(reason="overflow")
    assert (client.close_code, client.close_reason) == (CLOSE_CODE_RELOAD, "overflow")
    assert hub.resume(ready.stream, 10, OPERATOR) is None


async def test_a_client_that_never_reads_does_not_hold_back_the_others(hub: EventHub, start: Start) -> None:
    stuck = await start(socket=StuckSocket(), heartbeat_s=0.5)
    reader = await start(viewer=OTHER, heartbeat_s=0.5)
    await reader.receive()
    total = 25  # 2.5 times the queue limit

    for n in range(1, total + 1):
        hub.publish(event(n))
        message = await reader.receive()
        reader.say({"kind": "ack", "id": message.id})
        assert message.data == {"n": n}
    await stuck.session_ended()

    assert stuck.attempts == ["ready", "event", "reload"]  # the first event and the reload never left
    assert stuck.close_code == CLOSE_CODE_RELOAD
    assert len(hub) == 1
    assert not reader.session.done()


async def test_malformed_client_messages_get_an_error_each_and_the_connection_keeps_working(
    hub: EventHub, start: Start
) -> None:
    client = await start()
    await client.receive()
    hub.publish(event(1))
    await client.receive()
    bad = [
        ("not json", "invalid_json"),
        ("[1, 2]", "invalid_message"),
        ('{"kind": "subscribe"}', "unknown_kind"),
        ('{"kind": "ack", "id": "1"}', "invalid_message"),
        ('{"kind": "ack", "id": 5}', "ack_out_of_range"),
        ("x" * 2000, "message_too_large"),
    ]

    replies = []
    for text, _ in bad:
        client.say(text)
        replies.append(await client.receive())
    client.say({"kind": "ack", "id": 1})
    hub.publish(event(2))
    after = await client.receive()

    assert [(r.kind, r.code) for r in replies] == [("error", code) for _, code in bad]
    assert all(r.message for r in replies)
    assert isinstance(after, EventMessage)
    assert after.id == 2


async def test_a_client_that_keeps_sending_garbage_is_closed_with_the_reason(start: Start) -> None:
    client = await start()
    await client.receive()

    for _ in range(MAX_CLIENT_ERRORS + 1):
        client.say("garbage")
    errors = [await client.receive() for _ in range(MAX_CLIENT_ERRORS)]
    closing = await client.receive()
    await client.session_ended()

    assert all(isinstance(e, ErrorMessage) for e in errors)
    assert closing == ClosedMessage.of(CloseReason.PROTOCOL_ERRORS)
    assert client.close_code == CLOSE_CODE_CLOSED


async def test_given_a_second_login_when_the_hub_closes_the_user_then_older_connections_learn_why(
    hub: EventHub, start: Start
) -> None:
    desk = await start()
    other_tab = await start()
    colleague = await start(viewer=OTHER)
    for client in (desk, other_tab, colleague):
        await client.receive()

    hub.close_user(OPERATOR.user_id, CloseReason.SESSION_REPLACED)
    hub.publish(event(1))

    for client in (desk, other_tab):
        assert await client.receive() == ClosedMessage.of(CloseReason.SESSION_REPLACED)
        await client.session_ended()
        assert (client.close_code, client.close_reason) == (CLOSE_CODE_CLOSED, "session_replaced")
    delivered = await colleague.receive()
    assert isinstance(delivered, EventMessage)
    assert len(hub) == 1


async def test_resuming_a_stream_still_held_by_a_half_open_connection_closes_the_old_one(
    hub: EventHub, start: Start
) -> None:
    old = await start()
    ready = await old.receive()
    hub.publish(event(1))
    await old.receive()

    new = await start(resume=ResumeRequest(ready.stream, 0))

    assert await old.receive() == ClosedMessage.of(CloseReason.SUPERSEDED)
    await old.session_ended()
    assert (await new.receive()).resumed
    replayed = await new.receive()
    assert (replayed.id, replayed.data) == (1, {"n": 1})
    assert len(hub) == 1


async def test_pings_carry_the_last_sent_id_and_a_client_answering_them_stays_connected(
    hub: EventHub, start: Start
) -> None:
    client = await start(heartbeat_s=0.1)
    await client.receive()
    hub.publish(event(1))
    await client.receive(skip_pings=True)

    pings = []
    while len(pings) < 6:  # well past MISSED_HEARTBEATS periods
        message = await client.receive(skip_pings=False)
        assert isinstance(message, PingMessage)
        pings.append(message)
        client.say({"kind": "pong"})

    assert {p.last_id for p in pings} == {1}
    assert not client.session.done()


async def test_a_client_silent_for_three_heartbeats_is_closed_and_its_stream_stays_resumable(
    hub: EventHub, start: Start
) -> None:
    client = await start(heartbeat_s=0.05)
    ready = await client.receive()

    while isinstance(message := await client.receive(skip_pings=False), PingMessage):
        pass
    await client.session_ended()

    assert message == ClosedMessage.of(CloseReason.HEARTBEAT_TIMEOUT)
    assert client.close_code == CLOSE_CODE_CLOSED
    assert hub.resume(ready.stream, 0, OPERATOR) is not None


async def test_when_the_snapshot_fails_the_client_gets_an_error_and_no_stream_is_left(
    hub: EventHub, start: Start
) -> None:
    async def broken() -> dict[str, Any]:
        raise RuntimeError("database is down")

    client = await start(snapshot_provider=broken)

    error = await client.receive()
    await client.session_ended()

    assert isinstance(error, ErrorMessage)
    assert error.code == "snapshot_failed"
    assert client.close_code == CLOSE_CODE_SERVER_ERROR
    assert len(hub) == 0


async def test_when_the_client_hangs_up_the_session_ends_and_the_stream_waits_for_a_resume(
    hub: EventHub, start: Start
) -> None:
    client = await start()
    ready = await client.receive()

    client.hang_up()
    await client.session_ended()
    hub.publish(event(1))

    assert client.close_code is None
    stream = hub.resume(ready.stream, 0, OPERATOR)
    assert stream is not None
    assert stream.last_id == 1


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"stream": "abc", "after": "12"}, ResumeRequest("abc", 12)),
        ({"stream": "abc"}, None),
        ({"stream": "", "after": "1"}, None),
        ({"stream": "abc", "after": "-1"}, None),
        ({"stream": "abc", "after": "١٢"}, None),
        ({}, None),
    ],
)
def test_resume_request_is_read_from_the_query_string(query: dict[str, str], expected: object) -> None:
    assert ResumeRequest.from_query(query) == expected
