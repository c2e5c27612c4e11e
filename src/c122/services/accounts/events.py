"""What the accounts feature announces: a session closed (to the user's desktops, and internally as
`SessionClosed`) and an operator's presence changing (to colleagues in zone 4).

Other features that end sessions (an account changed by an administrator, a senior's forced
logout) announce it with these same events.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from c122.domain.users import User
from c122.services.accounts.presence import presence_audience, presence_entry
from c122.services.events import Audience, EventPublisher, OutboundEvent
from c122.services.internal_events import InternalPublisher

# Why a session closed, as `session.closed` and `SessionClosed` carry it.
SESSION_REPLACED = "session_replaced"
SESSION_EXPIRED = "session_expired"
LOGGED_OUT = "logged_out"
ACCOUNT_CHANGED = "account_changed"


@dataclass(frozen=True, slots=True)
class SessionClosed:
    """A user's session ended (signed out, signed in elsewhere, account changed, forced logout).

    Subscribers: the event streams close that user's sockets (realtime/reactions.py); telephony
    drops the user's browser audio leg (telephony/reactions.py).
    """

    user_id: int
    reason: str
    message: str


def session_closed(user_id: int, reason: str, message: str, at: datetime) -> OutboundEvent:
    """Tells the live desktops of a user that their session has ended, and why."""
    return OutboundEvent(
        type="session.closed",
        data={"user_id": user_id, "reason": reason, "message": message},
        audience=Audience(user_ids=frozenset({user_id})),
        occurred_at=at,
    )


def presence_changed(user: User, *, online: bool, since: datetime) -> OutboundEvent:
    # Datetimes stay datetimes: the wire encoder writes them exactly as the REST snapshot does.
    entry = asdict(presence_entry(user, since))
    return OutboundEvent(
        type="operator.presence_changed",
        data={"operator": entry, "online": online},
        audience=presence_audience(user),
        occurred_at=since,
    )


def announce_session_closed(
    publisher: EventPublisher,
    internal: InternalPublisher,
    user_id: int,
    reason: str,
    message: str,
    at: datetime,
) -> None:
    """After the commit: `session.closed` to the user's desktops, then `SessionClosed` to the process
    (in that order, so the desktop learns why before its stream is closed)."""
    publisher.publish(session_closed(user_id, reason, message, at))
    internal.publish(SessionClosed(user_id, reason, message))
