"""How the event streams react to the features' internal events."""

from __future__ import annotations

from c122.realtime.hub import EventHub
from c122.realtime.protocol import CloseReason
from c122.services.accounts.events import SESSION_REPLACED, SessionClosed
from c122.services.internal_events import InternalEventBus


def subscribe(bus: InternalEventBus, hub: EventHub) -> None:
    """A closed session ends that user's live streams, telling the desktop why (the `session.closed`
    event has already been sent to them)."""

    def close_streams(event: SessionClosed) -> None:
        reason = (
            CloseReason.SESSION_REPLACED if event.reason == SESSION_REPLACED else CloseReason.SESSION_ENDED
        )
        hub.close_user(event.user_id, reason, event.message)

    bus.subscribe(SessionClosed, close_streams)
