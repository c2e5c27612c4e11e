"""The internal event bus: how one feature reacts to another's committed fact without calling it.

Events for browsers (`services.events.OutboundEvent`) are JSON for the desktops; internal events are
typed dataclasses for the process itself (a feature's `events.py` declares the ones it announces).
A use case publishes an internal event right after its browser twin, once the transaction has
committed; the features that react subscribe by event class in their `reactions.py`, and bootstrap
calls each of those once. Delivery is synchronous, in subscription order; a failing subscriber is
logged and does not stop the others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

E = TypeVar("E")

_log = logging.getLogger(__name__)


class InternalPublisher(Protocol):
    """What a use case sees of the internal bus."""

    def publish(self, event: object) -> None: ...


class InternalEventBus:
    """Typed in-process publish/subscribe, keyed by the event's class."""

    def __init__(self) -> None:
        self._handlers: dict[type, list[Callable[[Any], None]]] = {}

    def subscribe(self, event_type: type[E], handler: Callable[[E], None]) -> None:
        self._handlers.setdefault(event_type, []).append(handler)

    def publish(self, event: object) -> None:
        for handler in tuple(self._handlers.get(type(event), ())):
            try:
                handler(event)
            except Exception:
                _log.exception("internal subscriber failed on %s", type(event).__name__)
