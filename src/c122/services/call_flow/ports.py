"""What the call flow needs from telephony and from the rest of the system, as protocols.

Telephony adapts its call-control model to `CallSwitch` (legs, bridges, playbacks and recordings by
id, so the seam stays message-shaped) and reports what happens on the wire through `LegEvents`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from c122.domain.acd import CompletedBy, Outcome
from c122.domain.calls.origin import CallOrigin
from c122.domain.cases import CallFacts, HandoverKind
from c122.domain.organisation import Queue
from c122.domain.routing import Rule, Stage
from c122.services.contact_center.ports import OfferContext

PhoneMode = Literal["browser", "sip"]


class CallRouting(Protocol):
    """The line's routing rules (services/routing): the one deciding a call at a stage, or None."""

    async def rule_for_call(
        self, line_id: int, caller: str, stage: Stage, started_at: datetime, ivr_choice: str | None = None
    ) -> Rule | None: ...


class LegUnavailable(Exception):
    """The leg has hung up (or never existed): its call learns why from the leg's own end event."""

    def __init__(self, leg: str) -> None:
        super().__init__(f"leg {leg} is gone")
        self.leg = leg


class TrunkAtLimit(Exception):
    """A call out refused because its trunk already carries its `max_calls`; the call ends with the
    cause TRUNK_LIMIT and the refusal is counted in the trunk's live state."""

    def __init__(self, trunk: str, limit: int) -> None:
        super().__init__(f"trunk {trunk} carries its limit of {limit} calls")
        self.trunk = trunk
        self.limit = limit


TRUNK_LIMIT = "trunk_limit"
TRUNK_AUTH_FAILED = "trunk_auth_failed"
# How a far leg ends when its carrier challenged again after our credentials, or we had none to give.
CARRIER_REFUSED_CREDENTIALS = frozenset({"auth_rejected", "auth_required"})


class NoCapacity(Exception):
    """A leg could not be answered for want of media: the caller was told to try again later."""

    def __init__(self, leg: str) -> None:
        super().__init__(f"no media for leg {leg}")
        self.leg = leg


@dataclass(frozen=True, slots=True)
class LegQuality:
    """Receive quality of a leg when it ended (RTCP/jitter figures of the media engine)."""

    jitter_ms: float | None
    loss_percent: float | None


class CallSwitch(Protocol):
    """Call legs as the call flow drives them; every id is the telephony's own."""

    async def answer(self, leg: str) -> None: ...

    async def reject(self, leg: str, status: int) -> None: ...

    async def hang_up(self, leg: str) -> None: ...

    async def play(self, leg: str, media: Sequence[str], *, loop: bool = False) -> str:
        """Plays the media specs one after another (all of them again and again with `loop`);
        returns a playback id reported to `LegEvents.playback_finished` once, at the end."""
        ...

    async def stop_playback(self, playback: str) -> None: ...

    async def connect(self, first: str, second: str) -> str:
        """Bridges two legs that hear each other; returns the bridge id."""
        ...

    async def disconnect(self, bridge: str) -> None: ...

    async def conference(self, legs: Sequence[str]) -> str:
        """A mixing bridge where every leg hears all the others; returns the bridge id."""
        ...

    async def join(self, bridge: str, leg: str) -> None:
        """The leg joins a mixing bridge; everyone there hears it and it hears them."""
        ...

    async def leave(self, bridge: str, leg: str) -> None:
        """The leg leaves the bridge (it stays up); the others go on hearing each other."""
        ...

    async def mute(self, leg: str, muted: bool) -> None:
        """Nobody in the leg's bridge hears it while muted; it still hears them."""
        ...

    async def levels(self, bridge: str) -> dict[str, float]:
        """How loud each leg of a mixing bridge speaks now (RMS of 16-bit samples; leg -> level)."""
        ...

    async def hold(self, leg: str) -> None:
        """Music on hold to the leg; the other side of its bridge stops hearing it."""
        ...

    async def unhold(self, leg: str) -> None: ...

    async def start_recording(
        self, path: str, caller: str, operator: str | None, *, append: bool = False, mixed: bool = False
    ) -> str:
        """`caller` on the left, `operator` on the right. `append`: carry on at the end of the file (the
        call's next segment, a conversation taken over after a restart); `mixed`: the right channel is
        what `caller` hears from its conference's mix (every other voice), `operator` unused."""
        ...

    async def stop_recording(self, recording: str) -> float | None:
        """The file complete; its length in seconds now (None: the recording was not running)."""
        ...

    async def send_dtmf(self, leg: str, digits: str) -> None: ...

    def browser_leg(self, user_id: int) -> str | None:
        """The operator's persistent browser leg when it is connected (on this node, or the media hop
        to the node that holds it, while one is up)."""
        ...

    async def reach_browser(self, user_id: int) -> str | None:
        """A media hop to the operator's browser leg on another node, answered; None when no node
        holds one (or hops between nodes are off)."""
        ...

    async def release_browser(self, user_id: int) -> None:
        """The media hop to the operator ends (nothing when there is none)."""
        ...

    async def ring_phone(
        self, account: str, caller: str, called: str, *, auto_answer: bool = False
    ) -> str | None:
        """Rings the SIP phone registered for `account`; None when no phone is registered there.
        `auto_answer` asks the phone to answer by itself (Call-Info answer-after=0)."""
        ...

    def phone_registered(self, account: str) -> bool: ...

    async def snoop(self, bridge: str, supervisor: str, target: str, mode: str) -> str:
        """Puts the supervisor's leg on the bridge to listen to, whisper to (`target` hears them) or
        barge into its call; returns the snoop id."""
        ...

    async def snoop_mode(self, snoop: str, mode: str) -> None: ...

    async def unsnoop(self, snoop: str) -> None:
        """The supervisor's leg leaves the bridge (it stays up)."""
        ...

    def can_dial(self, number: str) -> bool:
        """A trunk serves this E.164 number."""
        ...

    async def dial(self, number: str, caller_id: str) -> str:
        """An outbound leg to a public number through the trunks; answered or gone is reported."""
        ...

    def quality(self, leg: str) -> LegQuality | None: ...


@dataclass(frozen=True, slots=True)
class KeptCall:
    """A conversation the telephony took over from a stopped process: both legs are up again, under
    their old ids; `flow` is what the call flow gave `ConversationKeeper.keep` for it."""

    call_id: str
    caller_leg: str
    operator_leg: str
    flow: Mapping[str, Any]


class ConversationKeeper(Protocol):
    """Keeps a caller's conversation with an operator so that a restart of the process can take it
    over (docs/operations.md, "What survives a restart")."""

    async def keep(self, call_id: str, caller_leg: str, operator_leg: str, flow: Mapping[str, Any]) -> bool:
        """Stores the legs' media and dialogs with `flow` (JSON values); False, and nothing kept, when a
        leg cannot be taken over (a browser leg, a connection-bound transport)."""
        ...

    def forget(self, call_id: str) -> None:
        """The conversation ended or changed shape (hold, consultation): a restart ends it."""
        ...


class OperatorPhones(Protocol):
    """How each operator takes calls: in the browser or on a registered SIP phone."""

    def mode(self, user_id: int) -> PhoneMode: ...

    def account(self, user_id: int) -> str | None:
        """The SIP account (the operator's login) a phone registers with."""
        ...


class CallCases(Protocol):
    """The case card of a call (TEL-14, OPS-20): created when the call reaches its queue (so the desk
    shows it while the phone rings), handed to whoever takes the call, marked missed if nobody did."""

    async def create_case_for_call(
        self,
        *,
        caller: str,
        type_id: int,
        call_id: str,
        group_id: int | None,
        description: str = "",
        origin: CallOrigin | None = None,
    ) -> object:
        """`description`: what the card says of the call (a call that ended in the menu: its path);
        `origin`: a call from the app (its source and the device's location)."""
        ...

    async def call_taken(
        self,
        call_id: str,
        user_id: int,
        *,
        kind: HandoverKind,
        from_user_id: int | None = None,
        call: CallFacts | None = None,
    ) -> int | None:
        """The card (its id; None without one) is now `user_id`'s, with a history row; `call` is what a
        colleague's desk shows of a call transferred to them."""
        ...

    async def call_missed(self, call_id: str) -> None: ...


class Prompts(Protocol):
    async def media_spec(self, name: str) -> str | None: ...

    async def announcement_specs(self, words: Sequence[str]) -> list[str]: ...


class CallDistribution(Protocol):
    """The call distribution (the ACD), as the calls drive it and learn its outcomes."""

    def add_listener(self, listener: Callable[[Outcome], None]) -> None:
        """Told of every committed outcome: the call flow rings operators and moves callers."""
        ...

    def add_remote_listener(self, listener: Callable[[Outcome], None]) -> None:
        """Told of the outcomes the ACD's leader on another node decided (several nodes)."""
        ...

    def carried_elsewhere(self, call_id: str) -> bool:
        """Whether another node carries this call (several nodes): it is not gone, only not here."""
        ...

    def talking_on(self, user_id: int) -> str | None:
        """The call the ACD has the operator talking on, whichever node carries it."""
        ...

    def call_elsewhere(self, user_id: int) -> str | None:
        """The call the operator talks on when another node carries it (through the media hop)."""
        ...

    def to_call_node(self, call_id: str, user_id: int, action: str, queue_id: int | None = None) -> None:
        """The operator's desk action (hang_up, hold, unhold, transfer to `queue_id`) goes to the node
        that carries their call."""
        ...

    async def enqueue(
        self,
        call_id: str,
        queue_id: int,
        caller: str,
        *,
        priority: int = 0,
        skills: frozenset[str] = frozenset(),
        context: OfferContext | None = None,
    ) -> Outcome: ...

    async def accept_for(self, user_id: int, call_id: str) -> None: ...

    async def reject_for(self, user_id: int, call_id: str) -> None: ...

    async def dial_for(self, user_id: int, call_id: str) -> None: ...

    async def engage_for(self, user_id: int, call_id: str, *, must_be_available: bool = False) -> bool: ...

    async def hang_up(self, call_id: str, by: CompletedBy) -> Outcome: ...

    def call_held(self, call_id: str, held: bool) -> None:
        """The senior's board shows the hold (the distribution decides nothing by it)."""
        ...

    async def request_callback(self, call_id: str) -> Outcome: ...

    async def request_callback_from_menu(
        self, call_id: str, queue_id: int, caller: str, priority: int
    ) -> Outcome: ...

    async def transfer(self, call_id: str, to_queue_id: int) -> Outcome: ...

    def queue_settings(self, queue_id: int) -> Queue | None: ...

    def group_queue(self, group_id: int) -> int | None:
        """The queue a call sent to the group joins (NotFound for no such group)."""
        ...

    def service_groups(self, service_id: int) -> list[int]: ...

    def free_operator(self, group_ids: Collection[int], excluding: int) -> int | None:
        """The longest-idle free operator of the groups, other than `excluding`."""
        ...

    def takes_calls(self, user_id: int) -> bool: ...

    def staff_name(self, user_id: int) -> str | None:
        """The user's full name from the directory (None: no such account)."""
        ...

    def waiting_caller(self, call_id: str) -> str | None: ...

    def waiting_position(self, call_id: str) -> tuple[int, float | None] | None: ...

    # Calls that ended without the ACD being told (docs/contact-center/call-flow.md, "Where a call ends").
    @property
    def started(self) -> bool: ...

    def holds_call(self, call_id: str) -> bool: ...

    async def drop_gone_calls(self, call_ids: Collection[str], *, reason: str) -> list[str]: ...

    async def drop_calls_not_in(
        self,
        live: Callable[[], Collection[str]],
        *,
        reason: str,
        owns: Callable[[str], bool] = ...,
        older_than_s: float = 0.0,
    ) -> list[str]: ...


class VideoRecorder(Protocol):
    """Records the cameras of a call's browser legs (telephony's `CallVideoRecorders`)."""

    def record(self, call_id: str, legs: Sequence[str], stem: str) -> list[str]:
        """Each of these legs that sends a camera (and may be shown) is recorded into
        `{stem}.{leg}.webm` until `finish`; a leg already recorded for this call carries on in its
        file. Returns the legs begun now."""
        ...

    async def finish(self, call_id: str) -> Sequence[object]:
        """Ends the call's files (written out by their own threads)."""
        ...
