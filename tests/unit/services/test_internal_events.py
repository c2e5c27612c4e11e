"""The internal event bus delivers by event class, in subscription order, past a failing subscriber."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from c122.services.internal_events import InternalEventBus


@dataclass(frozen=True)
class Opened:
    name: str


@dataclass(frozen=True)
class Closed:
    name: str


def test_a_subscriber_hears_only_the_class_it_subscribed_to_in_subscription_order() -> None:
    bus = InternalEventBus()
    heard: list[str] = []
    bus.subscribe(Opened, lambda event: heard.append(f"first {event.name}"))
    bus.subscribe(Closed, lambda event: heard.append(f"closed {event.name}"))
    bus.subscribe(Opened, lambda event: heard.append(f"second {event.name}"))

    bus.publish(Opened("a"))
    bus.publish(Closed("b"))

    assert heard == ["first a", "second a", "closed b"]


def test_an_event_nobody_follows_is_dropped() -> None:
    InternalEventBus().publish(Opened("unheard"))


def test_a_failing_subscriber_is_logged_and_the_others_still_hear(caplog: pytest.LogCaptureFixture) -> None:
    bus = InternalEventBus()
    heard: list[str] = []

    def fail(event: Opened) -> None:
        raise RuntimeError("broken subscriber")

    bus.subscribe(Opened, fail)
    bus.subscribe(Opened, lambda event: heard.append(event.name))

    bus.publish(Opened("a"))

    assert heard == ["a"]
    assert "internal subscriber failed on Opened" in caplog.text
