"""Audio conference of up to five (TEL-21, seed 4.3.8 «Конференция»): the operator makes the call in
progress a conference — the caller and they are its first parties — or starts one with no call (the
`ConferenceCall`: no caller, the first invitee the second party), and calls others in: colleagues
(their SIP phone rings, or their desk like a consultation), a group's free operator, phone-book and
public numbers through the trunks. Everyone hears everyone but themselves in one mixing bridge; the
organiser mutes, unmutes and removes parties (each colleague mutes their own microphone too), leaves
(another operator in the conference becomes the organiser; with none left it ends) or ends it for all.
The desks see who is talking from the mixer's levels (`conference.levels`), every change as
`conference.changed`.

Owned by the `CallActor` like the consultation: it reads the call's own messages while the conference
lasts. Each change of who is in it is the recording's next segment (the mix as the first party hears
it), with its parties on the call record (role `consultant`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from c122.domain.acd.events import CallExited
from c122.domain.calls.record import LegKind
from c122.services.call_flow import messages as m
from c122.services.call_flow.context import CallFlowContext
from c122.services.call_flow.record import CallRecordDraft

log = logging.getLogger(__name__)

MAX_PARTIES = 5  # TEL-21: the organiser and the caller included
LEVELS_EVERY_S = 0.25  # how often the desks hear who is talking (only when it changed)
TALKING_RMS = 300.0  # a voice above this (about -40 dBFS) counts as talking
_FLOOR_DB = -60.0

Role = Literal["caller", "organiser", "guest"]


class CallEndedInConference(Exception):
    """The caller's leg went while the conference lasted (raised by the call's inbox)."""


@dataclass
class Party:
    id: str
    role: Role
    kind: LegKind
    user_id: int | None = None
    number: str | None = None
    leg: str | None = None
    joined: bool = False
    muted: bool = False
    engaged: str | None = None  # the ACD's hold on a colleague
    desk_rings: bool = False  # a colleague at their browser desk, rung like a consultation
    tone: str | None = None  # the headset tone while their desk rings
    timer: asyncio.TimerHandle | None = None
    level: int = 0  # 0..10, as the desks were last told
    queue_id: int | None = None  # a group's invitation waiting in its queue, until an operator is offered it
    queue_name: str | None = None
    ticket: str | None = None  # the waiting invitation's entry in the ACD

    @property
    def state(self) -> str:
        if self.joined:
            return "joined"
        return "queued" if self.queue_id is not None else "calling"

    def as_event(self) -> dict[str, object]:
        return {
            "id": self.id,
            "role": self.role,
            "kind": self.kind,
            "user_id": self.user_id,
            "number": self.number,
            "state": self.state,
            "muted": self.muted,
            "queue_name": self.queue_name,
        }


class ConferencingCall(Protocol):
    """What a conference reads of its call and how it changes the call's bridge."""

    @property
    def id(self) -> str: ...

    @property
    def leg(self) -> str: ...

    @property
    def operator_leg(self) -> str | None: ...

    @property
    def operator_id(self) -> int | None: ...

    @property
    def record(self) -> CallRecordDraft: ...

    @property
    def bridge(self) -> str | None: ...

    @property
    def queue_id(self) -> int | None: ...

    def service_name(self) -> str: ...

    async def conference(self, legs: Sequence[str]) -> None:
        """A mixing bridge of `legs` in place of the call's bridge; recorded as the next segment."""

    async def record_conference(self, legs: Sequence[str]) -> None:
        """Who is in the bridge changed: the next segment of the recording, mixed, with `legs`."""

    async def organiser_left(self, successor: Party | None) -> None:
        """The organiser's part ends (wrap-up, `call.ended`); `successor` becomes the call's operator."""

    async def let_colleague_go(self, engaged: str | None) -> None: ...

    async def withdraw_invitation(self, ticket: str) -> None:
        """A group's invitation still waiting leaves its queue (cancelled, or the conference ended)."""

    def post(self, message: m.CallMessage) -> None: ...

    async def next_in_conference(self) -> m.CallMessage:
        """The next message of the call's inbox; the caller leaving raises `CallEndedInConference`."""

    def claim(self, leg: str) -> None:
        """A leg placed for a party reports to the call."""


class Conference:
    """The conference of one call; `reserve` is called by the service before an invitation is posted,
    so the limit holds however fast invitations come."""

    def __init__(self, call: ConferencingCall, ctx: CallFlowContext) -> None:
        self._owner = weakref.ref(call)  # weak, as a consultation's (the call owns its conference)
        self._ctx = ctx
        self.parties: dict[str, Party] = {}
        self._reserved: set[str] = set()
        self.active = False
        self._caller_gone = False
        self._ticker: asyncio.TimerHandle | None = None

    @property
    def _call(self) -> ConferencingCall:
        call = self._owner()
        assert call is not None, "a conference ends with its call"
        return call

    # -- what the service asks, synchronously -----------------------------------------------------------

    @property
    def size(self) -> int:
        return len(self.parties) + len(self._reserved)

    def reserve(self, party_id: str) -> None:
        self._reserved.add(party_id)

    def release(self, party_id: str) -> None:
        self._reserved.discard(party_id)

    def has_user(self, user_id: int) -> bool:
        return any(p.user_id == user_id for p in self.parties.values())

    def ringing_desk(self, user_id: int) -> bool:
        return any(p.user_id == user_id and p.desk_rings and not p.joined for p in self.parties.values())

    def joined_guest(self, user_id: int) -> bool:
        return any(p.user_id == user_id and p.joined and p.role == "guest" for p in self.parties.values())

    def party(self, party_id: str) -> Party | None:
        return self.parties.get(party_id)

    def organiser_id(self) -> int | None:
        organiser = self.parties.get("organiser")
        return organiser.user_id if organiser is not None else None

    def party_of(self, user_id: int) -> Party | None:
        """The user's own party, once they are in (not while their phone or desk rings)."""
        return next((p for p in self.parties.values() if p.user_id == user_id and p.joined), None)

    def view(self, *, ended: bool = False) -> dict[str, object]:
        """The conference as the desks show it (`conference.changed`, `GET`): colleagues named from the
        directory, so a party not on line now is named too."""
        names = self._ctx.center.staff_name
        return {
            "call_id": self._call.id,
            "state": "ended" if ended or not self.active else "active",
            "organiser_id": self.organiser_id(),
            "max_parties": MAX_PARTIES,
            "parties": []
            if ended
            else [
                {**p.as_event(), "name": names(p.user_id) if p.user_id is not None else None}
                for p in self.parties.values()
            ],
        }

    # -- the conference ---------------------------------------------------------------------------------

    def open(self) -> None:
        """The conference exists from the request on (the caller, when the call has one, and the
        organiser its first parties), so invitations that follow at once are counted against the limit."""
        call = self._call
        assert call.operator_leg is not None
        assert call.operator_id is not None
        self.active = True
        kinds = {leg.leg_id: leg.kind for leg in call.record.legs}
        kind = kinds.get(call.leg, "sip")
        caller = Party("caller", "caller", kind, number=call.record.caller, leg=call.leg, joined=True)
        self.parties = {
            **({"caller": caller} if call.leg else {}),
            "organiser": Party(
                "organiser",
                "organiser",
                kinds.get(call.operator_leg, "webrtc"),
                user_id=call.operator_id,
                leg=call.operator_leg,
                joined=True,
            ),
        }

    async def run(self) -> bool:
        """From the start until it ends; True when the caller left meanwhile."""
        call = self._call
        assert call.operator_leg is not None
        if not self.active:
            self.open()
        await call.conference([p.leg for p in self.parties.values() if p.leg is not None])
        self._tell_all()
        self._schedule_levels()
        try:
            await self._until_over()
        finally:
            self.active = False
            if self._ticker is not None:
                self._ticker.cancel()
            await self._end_for_all()
        return self._caller_gone

    async def _until_over(self) -> None:
        # Invitations reserved but not yet read count: a conference started without a call has only
        # its organiser until the first invitation is read.
        while self._joined_count() > 1 or self._reserved or any(not p.joined for p in self.parties.values()):
            try:
                message = await self._call.next_in_conference()
            except CallEndedInConference:
                self._caller_gone = True
                self.parties.pop("caller", None)
                await self._changed()
                continue
            if not await self._handle(message):
                return

    async def _handle(self, message: m.CallMessage) -> bool:
        """False when the conference ends."""
        match message:
            case m.ConferenceInvite() as invite:
                await self._invite(invite)
            case m.ConferenceQueue() as queued:
                await self._queue(queued)
            case m.ConferenceQueueOffer(ticket=ticket, user_id=user_id):
                await self._queue_offered(ticket, user_id)
            case m.LegAnswered(leg=leg):
                found = self._by_leg(leg)
                if found is not None and not found.joined and not found.desk_rings:
                    await self._join(found)
            case m.ColleagueAnswer(user_id=user_id, answered=answered):
                found = self._ringing_desk_of(user_id)
                if found is not None:
                    await (self._join(found) if answered else self._drop(found, cause="declined"))
            case m.ColleagueRingTimeout(leg=leg):
                found = self._by_leg(leg)
                if found is not None and not found.joined:
                    await self._drop(found, cause="no_answer")
            case m.LegGone(leg=leg):
                found = self._by_leg(leg)
                if found is not None and found.role == "organiser":
                    return await self._organiser_leaves(hung_up=True)
                if found is not None:
                    await self._drop(found, hang_up=False, cause="colleague_unreachable")
            case m.ColleagueHangUp(user_id=user_id):
                found = next((p for p in self.parties.values() if p.user_id == user_id and p.joined), None)
                if found is not None and found.role == "guest":
                    await self._drop(found, hang_up=False)
            case m.ConferenceMute(party_id=party_id, muted=muted):
                found = self.parties.get(party_id)
                if found is not None and found.leg is not None and found.joined and found.muted != muted:
                    with contextlib.suppress(Exception):
                        await self._ctx.switch.mute(found.leg, muted)
                    found.muted = muted
                    self._tell_all()
            case m.ConferenceRemove(party_id=party_id):
                found = self.parties.get(party_id)
                if found is not None and found.role != "organiser":
                    await self._drop(found, cause="removed")
            case m.ConferenceLeave() | m.OperatorHangUp():
                return await self._organiser_leaves(hung_up=False)
            case m.ConferenceEnd():
                return False
            case m.ConferenceTick():
                await self._tell_levels()
                self._schedule_levels()
            case _:
                pass
        return True

    # -- invitations ------------------------------------------------------------------------------------

    async def _invite(self, invite: m.ConferenceInvite) -> None:
        self.release(invite.party_id)
        party = Party(invite.party_id, "guest", "trunk", user_id=invite.user_id, number=invite.number)
        party.engaged = invite.engaged
        self.parties[party.id] = party
        await self._call_in(party)

    async def _call_in(self, party: Party) -> None:
        """The party's phone, desk or number is called."""
        switch = self._ctx.switch
        leg: str | None = None
        try:
            if party.user_id is not None:
                if self._ctx.phones.mode(party.user_id) == "browser":
                    party.kind, leg = "webrtc", switch.browser_leg(party.user_id)
                else:
                    account = self._ctx.phones.account(party.user_id)
                    record = self._call.record
                    party.kind = "sip"
                    leg = await switch.ring_phone(account, record.caller, record.called) if account else None
            else:
                assert party.number is not None
                leg = await switch.dial(party.number, self._call.record.called)
        except Exception as exc:
            log.warning("call %s: inviting %s failed: %s", self._call.id, party.number or party.user_id, exc)
        if leg is None or any(p.leg == leg for p in self.parties.values()):
            await self._drop(party, hang_up=False, cause="unreachable")
            return
        party.leg = leg
        self._call.claim(leg)
        party_name = str(party.user_id) if party.user_id is not None else party.number or ""
        self._call.record.consultant_leg(leg, party.kind, party_name, self._ctx.clock.now())
        if party.kind == "webrtc":
            await self._ring_desk(party)
        self._tell_all()

    async def _queue(self, queued: m.ConferenceQueue) -> None:
        """Nobody of the group is free: the invitation waits in the group's queue like any call (its
        order, required skills and ring rules apply) and the desks show it waiting."""
        self.release(queued.party_id)
        party = Party(queued.party_id, "guest", "webrtc", queue_id=queued.queue_id)
        party.queue_name, party.ticket = queued.queue_name, queued.ticket
        self.parties[party.id] = party
        try:
            outcome = await self._ctx.center.enqueue(queued.ticket, queued.queue_id, self._call.record.caller)
        except Exception as exc:
            log.warning("call %s: the invitation cannot wait in its queue: %s", self._call.id, exc)
            await self._drop(party, hang_up=False, cause="unreachable")
            return
        if any(isinstance(e, CallExited) and e.call_id == queued.ticket for e in outcome.events):
            party.queue_id = None  # refused on entry (full, nobody serves it): nothing waits
            await self._drop(party, hang_up=False, cause="queue_closed")
            return
        self._tell_all()

    async def _queue_offered(self, ticket: str, user_id: int) -> None:
        """The ACD offers the waiting invitation to an operator of the group: the conference takes the
        offer for them and calls them in as an invited colleague (their desk or phone rings)."""
        waiting = (p for p in self.parties.values() if p.ticket == ticket and p.queue_id is not None)
        party = next(waiting, None)
        if party is None:
            return
        try:
            await self._ctx.center.accept_for(user_id, ticket)
        except Exception as exc:  # the offer went meanwhile: the ACD offers it again
            log.info("call %s: invitation %s not taken for %s: %s", self._call.id, ticket, user_id, exc)
            return
        party.queue_id, party.user_id, party.engaged = None, user_id, ticket
        await self._call_in(party)

    async def _ring_desk(self, party: Party) -> None:
        """A colleague at their browser desk: it rings (`call.offered`, the headset tone) until they
        answer or decline there (`/operators/me/transfers/{call_id}/...`), or the ring time passes."""
        assert party.leg is not None
        assert party.user_id is not None
        party.desk_rings = True
        with contextlib.suppress(Exception):
            party.tone = await self._ctx.switch.play(party.leg, [self._ctx.settings.headset_tone], loop=True)
        self._ctx.offer_to_colleague(self._call, party.user_id, self._call.operator_id)
        party.timer = asyncio.get_running_loop().call_later(
            self._ctx.settings.colleague_ring_s, self._call.post, m.ColleagueRingTimeout(party.leg)
        )

    async def _join(self, party: Party) -> None:
        assert party.leg is not None
        await self._stop_ringing(party)
        bridge = self._call.bridge
        try:
            if bridge is None:
                raise RuntimeError("the conference's bridge is gone")
            await self._ctx.switch.join(bridge, party.leg)
        except Exception as exc:
            log.warning("call %s: %s cannot join the conference: %s", self._call.id, party.leg, exc)
            await self._drop(party, cause="unreachable")
            return
        party.joined = True
        self._call.record.answered_leg(party.leg, self._ctx.clock.now())
        if party.user_id is not None and party.kind == "webrtc":
            self._ctx.announce_colleague_connected(self._call, party.user_id)
        await self._changed()

    async def _stop_ringing(self, party: Party) -> None:
        if party.timer is not None:
            party.timer.cancel()
            party.timer = None
        if party.tone is not None:
            tone, party.tone = party.tone, None
            with contextlib.suppress(Exception):
                await self._ctx.switch.stop_playback(tone)
        party.desk_rings = False

    # -- leaving --------------------------------------------------------------------------------------

    async def _drop(self, party: Party, *, hang_up: bool = True, cause: str = "conference_ended") -> None:
        """The party leaves: a phone or an outside number is hung up, a colleague's browser leg stays up
        for their own calls (their desk hears `call.ended`), the caller's leg is hung up."""
        self.parties.pop(party.id, None)
        if party.queue_id is not None and party.ticket is not None:
            await self._call.withdraw_invitation(party.ticket)
        was_ringing = party.desk_rings
        await self._stop_ringing(party)
        bridge = self._call.bridge
        if party.leg is not None and party.joined and bridge is not None:
            with contextlib.suppress(Exception):
                await self._ctx.switch.leave(bridge, party.leg)
        if party.leg is not None and hang_up and (party.role == "caller" or party.kind != "webrtc"):
            with contextlib.suppress(Exception):
                await self._ctx.switch.hang_up(party.leg)
        desk = party.role == "guest" and party.user_id is not None and party.kind == "webrtc"
        if desk and party.user_id is not None and (party.joined or was_ringing):
            self._ctx.tell(party.user_id, "call.ended", {"call_id": self._call.id, "cause": cause})
        await self._call.let_colleague_go(party.engaged)
        if party.role == "guest" and party.user_id is not None:
            self._tell(party.user_id, ended=True)
        if not self.active:  # it ends for all: nothing more to record, each desk is told once
            return
        if party.joined:
            await self._changed()
        else:
            self._tell_all()

    async def _organiser_leaves(self, *, hung_up: bool) -> bool:
        """Another operator in the conference takes it over (the longest there); with none, it ends:
        a caller is never left with outside parties and nobody of the hotline."""
        organiser = self.parties["organiser"]
        successor = next(
            (p for p in self.parties.values() if p.role == "guest" and p.joined and p.user_id), None
        )
        if successor is None:
            return False
        del self.parties["organiser"]
        bridge = self._call.bridge
        if bridge is not None and organiser.leg is not None and not hung_up:
            with contextlib.suppress(Exception):
                await self._ctx.switch.leave(bridge, organiser.leg)
        if organiser.user_id is not None:
            self._tell(organiser.user_id, ended=True)
        await self._call.organiser_left(successor)
        successor.role = "organiser"
        del self.parties[successor.id]
        successor.id = "organiser"
        self.parties = {"organiser": successor, **self.parties}
        await self._changed()
        return True

    async def _end_for_all(self) -> None:
        """Everyone else leaves; the organiser's own part is closed by the call."""
        for party in [p for p in self.parties.values() if p.role != "organiser"]:
            hang_up = party.role != "caller" or not self._caller_gone
            await self._drop(party, hang_up=hang_up)
        organiser = self.parties.pop("organiser", None)
        if organiser is not None and organiser.user_id is not None:
            self._tell(organiser.user_id, ended=True)

    # -- the desks --------------------------------------------------------------------------------------

    async def _changed(self) -> None:
        """Who is in the bridge changed: the recording's next segment, and every desk told."""
        legs = [p.leg for p in self.parties.values() if p.joined and p.leg is not None]
        if len(legs) > 1:
            await self._call.record_conference(legs)
        self._tell_all()

    def _tell_all(self) -> None:
        for user_id in dict.fromkeys(p.user_id for p in self.parties.values() if p.user_id is not None):
            self._tell(user_id)

    def _tell(self, user_id: int, *, ended: bool = False) -> None:
        self._ctx.tell(user_id, "conference.changed", self.view(ended=ended))

    def _schedule_levels(self) -> None:
        self._ticker = asyncio.get_running_loop().call_later(
            LEVELS_EVERY_S, self._call.post, m.ConferenceTick()
        )

    async def _tell_levels(self) -> None:
        """Who is talking, from the mixer's levels: told only when a party's level step changed."""
        bridge = self._call.bridge
        if bridge is None:
            return
        try:
            levels = await self._ctx.switch.levels(bridge)
        except Exception:
            return
        changed = False
        for party in self.parties.values():
            step = level_step(levels.get(party.leg or "", 0.0)) if party.joined else 0
            changed = changed or step != party.level
            party.level = step
        if not changed:
            return
        data: dict[str, object] = {
            "call_id": self._call.id,
            "levels": {p.id: p.level for p in self.parties.values() if p.joined},
            "talking": [p.id for p in self.parties.values() if p.joined and p.level >= TALKING_STEP],
        }
        for user_id in dict.fromkeys(p.user_id for p in self.parties.values() if p.user_id and p.joined):
            self._ctx.tell(user_id, "conference.levels", data)

    # -- helpers ----------------------------------------------------------------------------------------

    def _joined_count(self) -> int:
        return sum(1 for p in self.parties.values() if p.joined)

    def _by_leg(self, leg: str) -> Party | None:
        return next((p for p in self.parties.values() if p.leg == leg), None)

    def _ringing_desk_of(self, user_id: int) -> Party | None:
        return next((p for p in self.parties.values() if p.user_id == user_id and p.desk_rings), None)


def level_step(rms: float) -> int:
    """A voice's level as 0..10 steps of 6 dB from -60 dBFS (what a desk's meter shows)."""
    if rms <= 0:
        return 0
    db = 20 * math.log10(rms / 32768)
    return max(0, min(10, round((db - _FLOOR_DB) / 6)))


TALKING_STEP = level_step(TALKING_RMS)
