"""What a call reports to its owner (see `Call.events()`)."""

from __future__ import annotations

from dataclasses import dataclass

from c122.telephony.sip.refer import Replaces
from c122.telephony.sip.sdp import SessionDescription


@dataclass(frozen=True, slots=True)
class Ringing:
    """Outgoing call: 180 (no SDP) or 183 (early media SDP) received."""

    status: int
    sdp: SessionDescription | None


@dataclass(frozen=True, slots=True)
class Answered:
    """The call is up: 2xx received and ACKed (outgoing) or our 2xx was ACKed (incoming)."""

    sdp: SessionDescription | None


@dataclass(frozen=True, slots=True)
class ReInvited:
    """The peer changed the session (re-INVITE or UPDATE); the stack has already answered."""

    offer: SessionDescription | None
    answer: SessionDescription | None


@dataclass(frozen=True, slots=True)
class Dtmf:
    """A digit sent as SIP INFO (application/dtmf-relay or application/dtmf)."""

    digit: str
    duration_ms: int


@dataclass(frozen=True, slots=True)
class TransferRequested:
    """The peer sent REFER (it was answered 202): call `target`, replacing a dialog if given.

    Report the outcome with `call.notify_transfer(status)`.
    """

    target: str
    replaces: Replaces | None
    referred_by: str | None


@dataclass(frozen=True, slots=True)
class TransferProgress:
    """NOTIFY for a REFER we sent: the status the transfer target answered."""

    status: int


@dataclass(frozen=True, slots=True)
class CallEnded:
    """Last event of every call. `reason`: remote-bye, local-bye, cancelled, rejected, timeout."""

    reason: str
    status: int | None = None


CallEvent = Ringing | Answered | ReInvited | Dtmf | TransferRequested | TransferProgress | CallEnded
