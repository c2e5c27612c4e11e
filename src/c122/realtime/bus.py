"""The event bus port and its in-process implementation.

Use cases publish committed events through `EventBus.publish`; each process's `EventHub`
subscribes. In one process the bus simply calls its subscribers. Between several nodes
`redis_bus.RedisEventBus` fits the same port (a Redis stream read by every node), so neither the
use cases nor the hub change.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

from c122.services.events import Audience, OutboundEvent
from c122.services.events import EventPublisher as EventPublisher

__all__ = ["Audience", "EventBus", "EventHandler", "EventPublisher", "InProcessEventBus", "PublishedEvent"]

PublishedEvent = OutboundEvent
"""A committed fact: dotted type, JSON-able data, audience, occurred_at (defined by the services layer)."""

EventHandler = Callable[[PublishedEvent], None]
Unsubscribe = Callable[[], None]

_log = logging.getLogger(__name__)


class EventBus(EventPublisher, Protocol):
    """Carries committed events from the use cases to every subscriber (each process's hub).

    `publish` must not block: it is called right after a commit, on the event loop.
    """

    def subscribe(self, handler: EventHandler) -> Unsubscribe: ...


class InProcessEventBus:
    """Calls every subscriber synchronously; a failing subscriber is logged and does not stop the others."""

    def __init__(self) -> None:
        self._handlers: list[EventHandler] = []

    def publish(self, event: PublishedEvent) -> None:
        for handler in tuple(self._handlers):
            try:
                handler(event)
            except Exception:
                _log.exception("event subscriber failed on %s", event.type)

    def subscribe(self, handler: EventHandler) -> Unsubscribe:
        self._handlers.append(handler)

        def unsubscribe() -> None:
            if handler in self._handlers:
                self._handlers.remove(handler)

        return unsubscribe
