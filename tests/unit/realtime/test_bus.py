"""The in-process bus, the bytes codec a cross-process bus would use, and the hub as a subscriber."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from c122.domain.users import Actor, Role
from c122.realtime.bus import EventBus, InProcessEventBus, PublishedEvent
from c122.realtime.codec import decode_event, encode_event
from c122.realtime.hub import EventHub
from c122.services.events import EVERYONE, Audience


def event(n: int, audience: Audience = EVERYONE) -> PublishedEvent:
    return PublishedEvent(
        type="test.happened", data={"n": n}, audience=audience, occurred_at=datetime.now(UTC)
    )


def test_every_subscriber_gets_every_event_in_publish_order() -> None:
    bus: EventBus = InProcessEventBus()
    first: list[PublishedEvent] = []
    second: list[PublishedEvent] = []
    bus.subscribe(first.append)
    bus.subscribe(second.append)

    published = [event(n) for n in range(3)]
    for item in published:
        bus.publish(item)

    assert first == published
    assert second == published


def test_an_unsubscribed_handler_gets_nothing_more() -> None:
    bus = InProcessEventBus()
    got: list[PublishedEvent] = []
    unsubscribe = bus.subscribe(got.append)
    bus.publish(event(1))

    unsubscribe()
    unsubscribe()  # twice is harmless
    bus.publish(event(2))

    assert [e.data["n"] for e in got] == [1]


def test_a_failing_subscriber_does_not_keep_the_event_from_the_others(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bus = InProcessEventBus()
    got: list[PublishedEvent] = []

    def broken(_: PublishedEvent) -> None:
        raise RuntimeError("boom")

    bus.subscribe(broken)
    bus.subscribe(got.append)
    bus.publish(event(1))

    assert len(got) == 1
    assert "event subscriber failed on test.happened" in caplog.text


def test_the_hub_subscribed_to_the_bus_receives_what_use_cases_publish() -> None:
    bus = InProcessEventBus()
    hub = EventHub(queue_limit=10)
    bus.subscribe(hub.publish)
    stream = hub.open(Actor(user_id=1, role=Role.OPERATOR, group_ids=frozenset({5})))

    bus.publish(event(1, Audience(group_ids=frozenset({5}))))
    bus.publish(event(2, Audience(group_ids=frozenset({6}))))

    assert stream.last_id == 1


def test_an_event_survives_the_round_trip_through_bytes_unchanged() -> None:
    original = PublishedEvent(
        type="case.updated",
        data={"case": {"id": 12, "status": "в работе", "tags": ["a", None, 1.5, True]}},
        audience=Audience(user_ids=frozenset({1, 2}), group_ids=frozenset({7}), roles=frozenset({"senior"})),
        occurred_at=datetime(2026, 3, 1, 12, 30, tzinfo=timezone(timedelta(hours=3))),
    )

    decoded = decode_event(encode_event(original))

    assert decoded == original
    assert decoded.occurred_at == original.occurred_at
    assert decoded.audience.admits(Actor(user_id=3, role=Role.SENIOR, group_ids=frozenset()))


@pytest.mark.parametrize("raw", [b"", b"{}", b'{"type": "a.b"}', b"\xff\xfe"])
def test_bytes_that_are_not_an_encoded_event_are_refused(raw: bytes) -> None:
    with pytest.raises(ValidationError):
        decode_event(raw)
