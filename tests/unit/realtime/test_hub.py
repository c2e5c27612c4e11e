"""EventHub and Stream: numbering, audience, acknowledgement, resume, overflow, closing, expiry."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from c122.domain.users import Actor, Role
from c122.realtime.hub import EventHub
from c122.realtime.protocol import SERVER_MESSAGE, ClosedMessage, CloseReason, EventMessage, ReloadMessage
from c122.realtime.stream import Delivery, Stream, StreamEnd, StreamState
from c122.services.events import EVERYONE, Audience, OutboundEvent

OPERATOR = Actor(user_id=1, role=Role.OPERATOR, group_ids=frozenset({10}))
OTHER_OPERATOR = Actor(user_id=2, role=Role.OPERATOR, group_ids=frozenset({20}))
SENIOR = Actor(user_id=3, role=Role.SENIOR, group_ids=frozenset({10, 20}))
ADMIN = Actor(user_id=4, role=Role.ADMIN, group_ids=frozenset())


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def event(n: int, audience: Audience = EVERYONE, type_: str = "test.happened") -> OutboundEvent:
    return OutboundEvent(type=type_, data={"n": n}, audience=audience, occurred_at=datetime.now(UTC))


async def drain(stream: Stream, lease: int) -> list[Delivery]:
    """Everything the stream has ready for this lease: with a deadline of now, next() does not wait."""
    out = []
    while (delivery := await stream.next(lease, asyncio.get_running_loop().time())) is not None:
        out.append(delivery)
    return out


async def ending_of(stream: Stream, lease: int) -> StreamEnd | None:
    return await stream.wait_end(lease, asyncio.get_running_loop().time() + 5.0)


def numbers(deliveries: list[Delivery]) -> list[int]:
    messages = [SERVER_MESSAGE.validate_json(d.text) for d in deliveries]
    assert all(isinstance(m, EventMessage) for m in messages)
    return [m.data["n"] for m in messages if isinstance(m, EventMessage)]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def hub(clock: FakeClock) -> EventHub:
    return EventHub(queue_limit=10, resume_grace_s=30.0, clock=clock)


async def test_each_stream_numbers_its_events_1_2_3_from_its_own_start(hub: EventHub) -> None:
    first = hub.open(OPERATOR)
    first_lease = first.attach()
    hub.publish(event(1))
    second = hub.open(OPERATOR)
    second_lease = second.attach()
    hub.publish(event(2))
    hub.publish(event(3))

    first_got = await drain(first, first_lease)
    second_got = await drain(second, second_lease)

    assert [d.id for d in first_got] == [1, 2, 3]
    assert numbers(first_got) == [1, 2, 3]
    assert [d.id for d in second_got] == [1, 2]
    assert numbers(second_got) == [2, 3]


async def test_an_operator_sees_own_and_own_groups_events_only_and_an_admin_sees_all(hub: EventHub) -> None:
    viewers = [OPERATOR, OTHER_OPERATOR, SENIOR, ADMIN]
    streams = {viewer.user_id: hub.open(viewer) for viewer in viewers}
    leases = {user_id: stream.attach() for user_id, stream in streams.items()}

    hub.publish(event(1, Audience(user_ids=frozenset({1}))))
    hub.publish(event(2, Audience(group_ids=frozenset({10}))))
    hub.publish(event(3, Audience(group_ids=frozenset({20}))))
    hub.publish(event(4, Audience(user_ids=frozenset({2}), group_ids=frozenset({30}))))
    hub.publish(event(5, Audience(roles=frozenset({"senior"}))))
    hub.publish(event(6, EVERYONE))

    seen = {user_id: numbers(await drain(stream, leases[user_id])) for user_id, stream in streams.items()}
    assert seen[OPERATOR.user_id] == [1, 2, 6]
    assert seen[OTHER_OPERATOR.user_id] == [3, 4, 6]
    assert seen[SENIOR.user_id] == [2, 3, 5, 6]
    assert seen[ADMIN.user_id] == [1, 2, 3, 4, 5, 6]


async def test_resume_replays_exactly_the_events_after_the_given_id(hub: EventHub, clock: FakeClock) -> None:
    stream = hub.open(OPERATOR)
    lease = stream.attach()
    for n in range(1, 6):
        hub.publish(event(n))
    assert [d.id for d in await drain(stream, lease)] == [1, 2, 3, 4, 5]
    assert stream.ack(2)
    hub.detach(stream, lease)
    clock.now += 10
    hub.publish(event(6))
    hub.publish(event(7))

    resumed = hub.resume(stream.id, 3, OPERATOR)

    assert resumed is stream
    new_lease = stream.attach()
    replay = await drain(stream, new_lease)
    assert [d.id for d in replay] == [4, 5, 6, 7]
    assert numbers(replay) == [4, 5, 6, 7]
    assert stream.unacked == 4


@pytest.mark.parametrize(
    ("user", "after_id", "why"),
    [
        (OTHER_OPERATOR, 2, "another user"),
        (OPERATOR, 1, "below the acknowledged id: those events are gone"),
        (OPERATOR, 9, "beyond the last id ever numbered"),
    ],
)
def test_resume_refuses_what_it_cannot_replay_faithfully(
    hub: EventHub, user: Actor, after_id: int, why: str
) -> None:
    stream = hub.open(OPERATOR)
    lease = stream.attach()
    for n in range(1, 4):
        hub.publish(event(n))
    stream.rewind(2)  # as if ids 1 and 2 had been sent and acknowledged
    hub.detach(stream, lease)

    assert hub.resume(stream.id, after_id, user) is None, why


def test_resume_of_an_unknown_stream_means_reload(hub: EventHub) -> None:
    assert hub.resume("no-such-stream", 0, OPERATOR) is None


async def test_given_a_full_queue_when_one_more_event_comes_then_only_that_stream_is_lost(
    hub: EventHub,
) -> None:
    slow = hub.open(OPERATOR)
    slow_lease = slow.attach()
    fast = hub.open(OTHER_OPERATOR)
    fast_lease = fast.attach()

    for n in range(1, 16):
        hub.publish(event(n))
        for delivery in await drain(fast, fast_lease):
            assert fast.ack(delivery.id)

    ending = slow.end_for(slow_lease)
    assert ending is not None
    assert ending.message == ReloadMessage(reason="overflow")
    assert slow.state is StreamState.LOST
    assert slow.unacked == 0
    assert fast.state is StreamState.ATTACHED
    assert fast.last_id == 15
    assert fast.acked_id == 15


async def test_resume_after_overflow_means_reload(hub: EventHub) -> None:
    stream = hub.open(OPERATOR)
    lease = stream.attach()
    hub.detach(stream, lease)
    for n in range(1, 12):
        hub.publish(event(n))

    assert hub.resume(stream.id, 0, OPERATOR) is None
    assert len(hub) == 0


def test_a_stream_detached_longer_than_the_grace_period_expires(hub: EventHub, clock: FakeClock) -> None:
    abandoned = hub.open(OPERATOR)
    hub.detach(abandoned, abandoned.attach())
    recent = hub.open(OPERATOR)
    connected = hub.open(OTHER_OPERATOR)
    connected.attach()
    clock.now += 20
    hub.detach(recent, recent.attach())
    clock.now += 15

    assert hub.resume(abandoned.id, 0, OPERATOR) is None
    assert hub.expire_abandoned() == 0  # resume already forgot the expired stream
    clock.now += 20
    assert hub.expire_abandoned() == 1
    assert hub.resume(recent.id, 0, OPERATOR) is None
    assert len(hub) == 1
    assert connected.state is StreamState.ATTACHED


async def test_close_user_ends_that_users_streams_with_the_reason_and_spares_others(hub: EventHub) -> None:
    connected = hub.open(OPERATOR)
    lease = connected.attach()
    detached = hub.open(OPERATOR)
    hub.detach(detached, detached.attach())
    other = hub.open(OTHER_OPERATOR)
    other.attach()

    assert hub.close_user(OPERATOR.user_id, CloseReason.SESSION_REPLACED) == 2

    ending = await ending_of(connected, lease)
    assert ending.message == ClosedMessage.of(CloseReason.SESSION_REPLACED)
    assert ending.message.message == "This account signed in on another workstation."
    assert hub.resume(detached.id, 0, OPERATOR) is None
    hub.publish(event(1))
    assert connected.last_id == 0
    assert other.last_id == 1
    hub.detach(connected, lease)
    assert len(hub) == 1


async def test_a_second_attach_supersedes_the_first_lease(hub: EventHub) -> None:
    stream = hub.open(OPERATOR)
    old = stream.attach()
    new = stream.attach()
    hub.publish(event(1))

    ending = await ending_of(stream, old)
    assert ending.message == ClosedMessage.of(CloseReason.SUPERSEDED)
    assert stream.end_for(new) is None
    assert [d.id for d in await drain(stream, new)] == [1]
    hub.detach(stream, old)
    assert stream.state is StreamState.ATTACHED


def test_ack_beyond_what_was_sent_is_refused_and_changes_nothing(hub: EventHub) -> None:
    stream = hub.open(OPERATOR)
    stream.attach()
    hub.publish(event(1))

    assert not stream.ack(1)
    assert stream.acked_id == 0
    assert stream.unacked == 1


async def test_close_all_ends_every_stream_for_a_shutdown(hub: EventHub) -> None:
    connected = hub.open(OPERATOR)
    lease = connected.attach()
    hub.detach(hub.open(OTHER_OPERATOR), 1)

    assert hub.close_all(CloseReason.SERVER_SHUTDOWN) == 2

    ending = await ending_of(connected, lease)
    assert ending is not None
    assert ending.message == ClosedMessage.of(CloseReason.SERVER_SHUTDOWN)
    assert len(hub) == 1  # the connected one goes when its connection detaches
    hub.detach(connected, lease)
    assert len(hub) == 0


async def test_stats_count_streams_connections_and_events_held_for_replay(hub: EventHub) -> None:
    first = hub.open(OPERATOR)
    first_lease = first.attach()
    hub.open(SENIOR)
    for n in range(3):
        hub.publish(event(n, Audience(group_ids=frozenset({10}))))
    await drain(first, first_lease)
    first.ack(2)

    stats = hub.stats()

    assert (stats.streams, stats.attached, stats.unacked) == (2, 1, 1 + 3)
