"""What every call of the call flow shares: the ports it drives and the announcements it makes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Final, Protocol

from c122.domain.calls import CallRecord
from c122.domain.clock import Clock
from c122.services.call_flow.ports import (
    CallCases,
    CallDistribution,
    CallRouting,
    CallSwitch,
    ConversationKeeper,
    OperatorPhones,
    Prompts,
)
from c122.services.call_flow.record import CallRecordDraft
from c122.services.call_flow.video import CallVideo
from c122.services.events import Audience, EventPublisher, OutboundEvent

if TYPE_CHECKING:
    from c122.services.call_flow.actor import CallActor

DEFAULT_MUSIC: Final = "tone:425+600:400"


@dataclass(frozen=True)
class CallFlowSettings:
    recordings_dir: Path
    music_on_hold: str = DEFAULT_MUSIC  # a media spec: "file:/path.wav" or a tone
    announce_every_s: float = 45.0  # position and wait announcements while waiting (TEL-09)
    callback_key: str = "*"
    callback_hint: str = "чтобы вам перезвонили, нажмите звёздочку"
    callback_confirmation: str = "ваш номер сохранён, оператор вам перезвонит"
    headset_tone: str = "tone:425:200"  # what a browser operator hears in the headset while offered
    colleague_ring_s: float = 30.0  # how long a colleague's desk rings with a call put through to them
    # While the database is down (docs/operations.md, "Database outage"): the notice, then the fallback
    # number through a trunk when one is set, else hang-up.
    outage_fallback: str = ""
    outage_notice: str = (
        "Извините, у нас технические неполадки. Пожалуйста, перезвоните через несколько минут."
    )
    routing_refusal: str = "Извините, ваш звонок не может быть принят. До свидания."
    outage_notice_fallback: str = (
        "Извините, у нас технические неполадки. Соединяем вас с дежурным оператором."
    )

    @property
    def outage_text(self) -> str:
        return self.outage_notice_fallback if self.outage_fallback else self.outage_notice


class PutThroughCall(Protocol):
    """What a colleague's desk is told of a call put through to it."""

    @property
    def id(self) -> str: ...

    @property
    def queue_id(self) -> int | None: ...

    @property
    def record(self) -> CallRecordDraft: ...

    def service_name(self) -> str: ...


class RecordSink(Protocol):
    """Stores call records (the call journal)."""

    async def save(self, record: CallRecord) -> None: ...


@dataclass
class CallFlowContext:
    switch: CallSwitch
    center: CallDistribution
    prompts: Prompts
    phones: OperatorPhones
    publisher: EventPublisher
    clock: Clock
    settings: CallFlowSettings
    records: RecordSink
    cases: CallCases
    leg_owners: dict[str, CallActor] = field(default_factory=dict)  # which call each leg reports to
    # Keeps conversations for a restart to take over (None: a restart ends them all).
    conversations: ConversationKeeper | None = None
    # The lines' routing rules (TEL-04); None: every call follows its line's flow.
    routing: CallRouting | None = None
    # Records the cameras of video calls where the group says so (None: video is never recorded).
    video: CallVideo | None = None

    @property
    def music(self) -> str:
        return self.settings.music_on_hold

    def recording_path(self, call_id: str, at: datetime) -> Path:
        return self.settings.recordings_dir / at.strftime("%Y-%m-%d") / f"{call_id}.wav"

    async def save_record(self, draft: CallRecordDraft) -> None:
        await self.records.save(draft.to_record())

    def announce_connected(self, call: CallActor, at: datetime) -> None:
        if call.operator_id is None:
            return
        self.tell(
            call.operator_id,
            "call.connected",
            {
                "call_id": call.id,
                # the party on the line: the caller, or whom the operator called
                "caller": call.record.caller if call.record.direction == "inbound" else call.record.called,
                "queue_id": call.queue_id,
                "connected_at": at,
            },
            at,
        )

    def offer_to_colleague(self, call: PutThroughCall, user_id: int, from_user_id: int | None) -> None:
        """A colleague's desk rings with a call put through to it (a transfer or a consultation), like
        an offer from a queue: `call.offered` with who puts it through; answered or declined through
        `/operators/me/transfers/{call_id}/...`."""
        now = self.clock.now()
        queue = self.center.queue_settings(call.queue_id) if call.queue_id is not None else None
        record = call.record
        inbound = record.direction == "inbound"
        offer: dict[str, object] = {
            "call_id": call.id,
            "queue_id": call.queue_id,
            "queue_name": queue.name if queue is not None else "",
            "caller": record.caller if inbound else record.called,
            "expires_at": now + timedelta(seconds=self.settings.colleague_ring_s),
            "is_callback": False,
            "service_number": (record.line_number or record.called) if inbound else None,
            "service_name": call.service_name() or None,
            "group_name": None,
            "auto_answer": False,
            "from_user_id": from_user_id,
        }
        self.tell(user_id, "call.offered", {"offer": offer}, now)

    def announce_colleague_connected(self, call: PutThroughCall, user_id: int) -> None:
        """The colleague answered at their desk: their call panel opens (`call.connected`)."""
        record = call.record
        now = self.clock.now()
        caller = record.caller if record.direction == "inbound" else record.called
        self.tell(
            user_id,
            "call.connected",
            {"call_id": call.id, "caller": caller, "queue_id": call.queue_id, "connected_at": now},
            now,
        )

    def announce_hold(self, call: CallActor, held: bool) -> None:
        self.center.call_held(call.id, held)
        if call.operator_id is not None:
            self.tell(call.operator_id, "call.hold_changed", {"call_id": call.id, "held": held})

    def announce_ended(self, call: CallActor, cause: str) -> None:
        if call.operator_id is not None:
            self.tell(call.operator_id, "call.ended", {"call_id": call.id, "cause": cause})

    def tell(self, user_id: int, kind: str, data: dict[str, object], at: datetime | None = None) -> None:
        self.publisher.publish(
            OutboundEvent(
                type=kind,
                data={"user_id": user_id, **data},
                audience=Audience(user_ids=frozenset({user_id})),
                occurred_at=at or self.clock.now(),
            )
        )
