"""A stream rebuilt on another node from the bus's order: checkpoints, numbering, and when it cannot be."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from c122.domain.users import Actor, Role
from c122.realtime.hub import EventHub, StreamCheckpoint
from c122.realtime.protocol import SERVER_MESSAGE, EventMessage
from c122.realtime.stream import Stream
from c122.services.events import EVERYONE, Audience, OutboundEvent

OPERATOR = Actor(user_id=1, role=Role.OPERATOR, group_ids=frozenset({10}))
ELSEWHERE = Audience(group_ids=frozenset({20}))


def event(n: int, audience: Audience = EVERYONE) -> OutboundEvent:
    return OutboundEvent(
        type="test.happened", data={"n": n}, audience=audience, occurred_at=datetime.now(UTC)
    )


def two_nodes() -> tuple[EventHub, EventHub]:
    a, b = EventHub(queue_limit=50), EventHub(queue_limit=50)
    for hub in (a, b):
        hub.follow_from("0-0")
    return a, b


def both(hubs: tuple[EventHub, EventHub], n: int, audience: Audience = EVERYONE) -> None:
    """What the bus does: every node gets the event at the same position."""
    for hub in hubs:
        hub.publish(event(n, audience), f"{n}-0")


async def ids_and_numbers(stream: Stream) -> list[tuple[int, int]]:
    lease = stream.attach()
    out = []
    while (delivery := await stream.next(lease, asyncio.get_running_loop().time())) is not None:
        message = SERVER_MESSAGE.validate_json(delivery.text)
        assert isinstance(message, EventMessage)
        out.append((message.id, message.data["n"]))
    return out


async def test_a_fresh_stream_can_be_taken_over_from_where_it_opened() -> None:
    hubs = a, b = two_nodes()
    both(hubs, 1)
    stream = a.open(OPERATOR)
    (point,) = a.checkpoints()
    assert point == StreamCheckpoint(stream.id, 1, 0, "1-0")
    assert a.checkpoints() == []  # nothing moved since
    both(hubs, 2)
    both(hubs, 3, ELSEWHERE)
    both(hubs, 4)

    taken = b.adopt(point, 0, OPERATOR)

    assert taken is not None
    assert await ids_and_numbers(taken) == [(1, 2), (2, 4)]


async def test_numbering_continues_after_the_acknowledged_id() -> None:
    hubs = a, b = two_nodes()
    stream = a.open(OPERATOR)
    for n in range(1, 5):
        both(hubs, n)
    assert await ids_and_numbers(stream) == [(1, 1), (2, 2), (3, 3), (4, 4)]
    stream.ack(2)
    (point,) = a.checkpoints()
    assert (point.acked_id, point.position) == (2, "2-0")

    taken = b.adopt(point, 3, OPERATOR)  # the client had acknowledged 3 by the time a died

    assert taken is not None
    assert await ids_and_numbers(taken) == [(4, 4)]


async def test_an_event_that_did_not_travel_through_the_bus_makes_the_stream_local() -> None:
    hubs = a, _b = two_nodes()
    stream = a.open(OPERATOR)
    a.checkpoints()
    both(hubs, 1)
    await ids_and_numbers(stream)
    stream.ack(1)
    assert stream.acked_position == "1-0"
    a.publish(event(2))  # delivered on this node only: the bus was down
    await ids_and_numbers(stream)
    stream.ack(2)

    assert stream.acked_position is None
    assert a.checkpoints() == []


def test_a_position_older_than_what_this_node_read_cannot_be_taken_over() -> None:
    hubs = a, b = two_nodes()
    both(hubs, 1)
    stream = a.open(OPERATOR)
    (point,) = a.checkpoints()
    b.follow_from("9-0")  # b reconnected after a gap: what it kept no longer joins up

    assert b.adopt(point, 0, OPERATOR) is None
    assert b.adopt(StreamCheckpoint(stream.id, 2, 0, "1-0"), 0, OPERATOR) is None
