"""What reaches a call on its way: from the wire, from the ACD, from the operator's desktop, from timers.

Each inbound call is an actor reading these from its own queue, so one call's steps never interleave.
"""

from __future__ import annotations

from dataclasses import dataclass

from c122.domain.acd import CompletedBy
from c122.domain.ivr import Executor


@dataclass(frozen=True, slots=True)
class Digit:
    digit: str


@dataclass(frozen=True, slots=True)
class PlaybackDone:
    playback: str
    stopped: bool


@dataclass(frozen=True, slots=True)
class InputTimeout:
    generation: int


@dataclass(frozen=True, slots=True)
class AnnounceDue:
    generation: int


@dataclass(frozen=True, slots=True)
class LegAnswered:
    leg: str


@dataclass(frozen=True, slots=True)
class LegGone:
    leg: str
    cause: str


@dataclass(frozen=True, slots=True)
class Offered:
    user_id: int


@dataclass(frozen=True, slots=True)
class OfferEnded:
    """The ACD took the offer back: rejected, ring timeout, answered elsewhere, withdrawn."""

    user_id: int
    cause: str


@dataclass(frozen=True, slots=True)
class Connected:
    user_id: int
    waited_s: float


@dataclass(frozen=True, slots=True)
class Completed:
    """The ACD ended the operator's call by itself (a senior's forced logout)."""

    by: CompletedBy


@dataclass(frozen=True, slots=True)
class Exited:
    destination: str | None
    message: str | None
    reason: str


@dataclass(frozen=True, slots=True)
class OperatorHangUp:
    pass


@dataclass(frozen=True, slots=True)
class OperatorHold:
    held: bool


@dataclass(frozen=True, slots=True)
class TransferRequested:
    """The operator sends the caller on: to a queue (the ACD's transfer), into a service's entry flow
    (`entry`, callers on a line only) or to an outside number."""

    queue_id: int | None = None
    number: str | None = None
    entry: Executor | None = None


@dataclass(frozen=True, slots=True)
class ConsultRequested:
    """The operator asks a colleague (by user id) or an outside number while the caller waits."""

    user_id: int | None = None
    number: str | None = None
    engaged: str | None = None  # the ACD's hold on the colleague (`ContactCenter.engage_for`), if any
    blind: bool = False  # a transfer straight to the colleague: joined to the caller once reached


@dataclass(frozen=True, slots=True)
class ColleagueAnswer:
    """The colleague a call is put through to (at their browser desk) answered it, or declined it."""

    user_id: int
    answered: bool


@dataclass(frozen=True, slots=True)
class ColleagueRingTimeout:
    """Nobody answered at the colleague's desk in time."""

    leg: str


@dataclass(frozen=True, slots=True)
class ColleagueHangUp:
    """The colleague who took part in the call hung up at their desk (a consultation, a conference)."""

    user_id: int


@dataclass(frozen=True, slots=True)
class ConsultSwap:
    pass


@dataclass(frozen=True, slots=True)
class ConsultComplete:
    conference: bool  # False: the caller goes to the consultant; True: all three talk


@dataclass(frozen=True, slots=True)
class ConsultCancel:
    pass


@dataclass(frozen=True, slots=True)
class ConferenceStart:
    """The operator makes the call a conference (TEL-21): the caller and they are its first parties."""


@dataclass(frozen=True, slots=True)
class ConferenceInvite:
    """A colleague (by user id) or a number is called into the conference as party `party_id`."""

    party_id: str
    user_id: int | None = None
    number: str | None = None
    engaged: str | None = None  # the ACD's hold on the colleague, if any


@dataclass(frozen=True, slots=True)
class ConferenceQueue:
    """A group's invitation with nobody free: party `party_id` waits in the group's queue as the ACD
    entry `ticket`, offered like any queued call."""

    party_id: str
    queue_id: int
    queue_name: str
    ticket: str


@dataclass(frozen=True, slots=True)
class ConferenceQueueOffer:
    """The ACD offers the waiting invitation `ticket` to an operator of the group."""

    ticket: str
    user_id: int


@dataclass(frozen=True, slots=True)
class ConferenceMute:
    party_id: str
    muted: bool


@dataclass(frozen=True, slots=True)
class ConferenceRemove:
    party_id: str


@dataclass(frozen=True, slots=True)
class ConferenceLeave:
    """The organiser leaves; the conference goes on with another operator as its organiser."""


@dataclass(frozen=True, slots=True)
class ConferenceEnd:
    """The organiser ends the conference for everyone."""


@dataclass(frozen=True, slots=True)
class ConferenceTick:
    """Time to tell the desks who is talking."""


CallMessage = (
    Digit
    | PlaybackDone
    | InputTimeout
    | AnnounceDue
    | LegAnswered
    | LegGone
    | Offered
    | OfferEnded
    | Connected
    | Completed
    | Exited
    | OperatorHangUp
    | OperatorHold
    | TransferRequested
    | ConsultRequested
    | ColleagueAnswer
    | ColleagueRingTimeout
    | ColleagueHangUp
    | ConsultSwap
    | ConsultComplete
    | ConsultCancel
    | ConferenceStart
    | ConferenceInvite
    | ConferenceQueue
    | ConferenceQueueOffer
    | ConferenceMute
    | ConferenceRemove
    | ConferenceLeave
    | ConferenceEnd
    | ConferenceTick
)
