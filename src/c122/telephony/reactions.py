"""How telephony reacts to the features' internal events."""

from __future__ import annotations

from c122.services.accounts.events import SessionClosed
from c122.services.internal_events import InternalEventBus
from c122.telephony.webrtc.legs import OperatorLegs


def subscribe(bus: InternalEventBus, legs: OperatorLegs) -> None:
    """Signed out, or signed in elsewhere: the user's browser audio leg goes with the session."""

    def drop_browser_leg(event: SessionClosed) -> None:
        legs.close_user(event.user_id)

    bus.subscribe(SessionClosed, drop_browser_leg)
