"""The typed payload of each live event type, and the wire messages, published in the OpenAPI document.

The web client's types are generated from these; tests check every published event against them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import FastAPI
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from c122.api.schemas.accounts import PresenceEntryOut, PresenceOut
from c122.api.schemas.board import NoticeOut, NoticePinnedData, NoticeRemovedData
from c122.api.schemas.cases import CaseEventData, CaseHandedOverData
from c122.api.schemas.citizen import ChatMessageData
from c122.api.schemas.conference import ConferenceOut
from c122.api.schemas.contact_center import (
    ChatDeskData,
    OfferOut,
    OperatorStateOut,
    OperatorStatusName,
    QueueLiveOut,
)
from c122.api.schemas.health import HealthOut
from c122.api.schemas.help_requests import HelpRequestOut
from c122.api.schemas.messages import BroadcastReadData, BroadcastSentData, MessageReadData, MessageSentData
from c122.api.schemas.sms import SmsChangedData
from c122.api.schemas.supervision import CaseInWorkOut, LiveCallOut
from c122.realtime import protocol


class PresenceChangedData(BaseModel):
    operator: PresenceEntryOut
    online: bool


class OrgChangedData(BaseModel):
    entity: Literal["service", "group", "queue", "line", "case_type", "user", "shift"]
    id: int
    action: Literal["created", "updated", "deleted"]


class SessionClosedData(BaseModel):
    user_id: int
    reason: str
    message: str


class OperatorStateChangedData(BaseModel):
    """One row of the operator state log; `duration_s` is the time spent in `old_status`."""

    user_id: int
    old_status: OperatorStatusName
    status: OperatorStatusName
    trigger: str
    reason: str
    note: str
    since: datetime
    duration_s: float
    call_id: str | None
    queue_id: int | None
    calls_answered: int = 0  # this shift, after the change (the senior's board)
    calls_missed: int = 0
    call: LiveCallOut | None = None  # the call the operator is on after the change
    break_limit_s: float | None = None  # on a break: the group's allowance for its reason
    case: CaseInWorkOut | None = None  # on a call or in wrap-up: the call's card


class CallOfferedData(BaseModel):
    user_id: int
    offer: OfferOut


class CallConnectedData(BaseModel):
    """The operator's conversation began: the caller and the operator hear each other."""

    user_id: int
    call_id: str
    caller: str
    queue_id: int | None
    connected_at: datetime


class CallEndedData(BaseModel):
    """The conversation ended; `cause` is caller_hang_up, operator_hang_up or a failure."""

    user_id: int
    call_id: str
    cause: str


class CallHoldChangedData(BaseModel):
    user_id: int
    call_id: str
    held: bool


class QueueUpdatedData(BaseModel):
    """The whole live picture of one queue (the first 50 callers)."""

    queue: QueueLiveOut


class BreakSuggestedData(BaseModel):
    user_id: int
    worked_s: float


class BreakTimeElapsedData(BaseModel):
    user_id: int
    reason: str
    allowed_s: float


class EventSnapshot(BaseModel):
    """The `snapshot` of the `ready` message: what the desktop shows live, as of the stream's start."""

    presence: PresenceOut
    health: HealthOut
    operator_state: OperatorStateOut | None = None  # None for accounts that take no calls
    queues: list[QueueLiveOut] = []
    board: list[NoticeOut] = []  # the notices of the viewer's groups (docs/events/messages.md)


class CallConsultationChangedData(BaseModel):
    """A consultation's progress: ringing, talking (to `talking_to`), failed, conference, transferred,
    ended; `consultant` is the colleague's user id or the number dialled."""

    user_id: int
    call_id: str
    state: Literal["ringing", "talking", "failed", "conference", "transferred", "ended"]
    consultant: str
    talking_to: Literal["caller", "consultant"] | None


class ConferenceChangedData(ConferenceOut):
    """A conference's parties as they are now (TEL-21); `state` «ended» to a desk that left it."""

    user_id: int


class ConferenceLevelsData(BaseModel):
    """Who is talking in the conference: each joined party's level in 0..10 steps of 6 dB from
    -60 dBFS, and the parties above the talking threshold; sent only when a step changed."""

    user_id: int
    call_id: str
    levels: dict[str, int]
    talking: list[str]


class MonitoringEventData(BaseModel):
    """A senior on an operator's call (docs/events/monitoring.md): sent to the senior, and to the
    operator when their group shows monitoring. `reason` is set on `monitoring.ended` only."""

    session_id: str
    call_id: str
    supervisor_id: int
    operator_id: int
    mode: Literal["listen", "whisper", "barge"]
    audio: Literal["browser", "sip"]
    started_at: datetime
    mode_since: datetime
    ended_at: datetime | None
    reason: Literal["stopped", "call_ended", "audio_lost"] | None


class ExportProgressData(BaseModel):
    """A background export's progress, to its owner only (docs/events/exports.md)."""

    job_id: str
    status: Literal["in_progress", "finished", "failed"]
    format: Literal["csv", "xlsx", "pdf"]
    rows: int
    expected_rows: int
    download_url: str | None
    error: str | None = None
    """Why it failed: the error's name, or `interrupted_by_restart` (a restart stopped it and its rows
    could not be read again)."""
    resumed: int = 0
    """How many restarts started it again from its first row."""


class OperatorCallHeldData(BaseModel):
    """An operator's call put on hold (`held` true) or taken off it, for the senior's board."""

    user_id: int
    call_id: str
    held: bool


class OperatorCaseChangedData(BaseModel):
    """The card of an operator's call (on it or in wrap-up) changed hands or type: the senior's board."""

    user_id: int
    call_id: str
    case: CaseInWorkOut


EVENT_PAYLOADS: dict[str, type[BaseModel]] = {
    "operator.presence_changed": PresenceChangedData,
    "health.changed": HealthOut,
    "org.changed": OrgChangedData,
    "session.closed": SessionClosedData,
    "operator.state_changed": OperatorStateChangedData,
    "operator.call_held": OperatorCallHeldData,
    "operator.case_changed": OperatorCaseChangedData,
    "operator.break_suggested": BreakSuggestedData,
    "operator.break_time_elapsed": BreakTimeElapsedData,
    "call.offered": CallOfferedData,
    "call.connected": CallConnectedData,
    "call.ended": CallEndedData,
    "call.hold_changed": CallHoldChangedData,
    "call.consultation_changed": CallConsultationChangedData,
    # the softphone's conference (docs/contact-center/call-flow.md, "Conferences")
    "conference.changed": ConferenceChangedData,
    "conference.levels": ConferenceLevelsData,
    # listen / whisper / barge (docs/events/monitoring.md)
    "monitoring.started": MonitoringEventData,
    "monitoring.mode_changed": MonitoringEventData,
    "monitoring.ended": MonitoringEventData,
    "queue.updated": QueueUpdatedData,
    # case cards (docs/events/cases.md)
    "case.created": CaseEventData,
    "case.updated": CaseEventData,
    "case.handed_over": CaseHandedOverData,
    # messages and broadcasts (docs/events/messages.md)
    "message.sent": MessageSentData,
    "message.read": MessageReadData,
    "broadcast.sent": BroadcastSentData,
    "broadcast.read": BroadcastReadData,
    # the message board (docs/events/messages.md)
    "board.notice_pinned": NoticePinnedData,
    "board.notice_removed": NoticeRemovedData,
    # exports (docs/events/exports.md)
    "export.progress": ExportProgressData,
    # «Помощь старшего» (docs/events/help-requests.md)
    "help_request.changed": HelpRequestOut,
    # SMS to and from applicants (docs/channels/sms.md)
    "sms.changed": SmsChangedData,
    # the conversation of a case with the applicant (docs/events/cases.md)
    "chat.message": ChatMessageData,
    # text work items offered and held (docs/contact-center/acd.md#text-work-items)
    "chat.desk": ChatDeskData,
}

WIRE_MESSAGES: list[type[BaseModel]] = [
    protocol.ReadyMessage,
    protocol.EventMessage,
    protocol.PingMessage,
    protocol.ReloadMessage,
    protocol.ClosedMessage,
    protocol.ErrorMessage,
    protocol.AckMessage,
    protocol.PongMessage,
]


def add_event_schemas(app: FastAPI) -> None:
    """Extends the generated OpenAPI document with the event payloads and the wire messages."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = FastAPI.openapi(app)
            models: list[type[BaseModel]] = [*EVENT_PAYLOADS.values(), EventSnapshot, *WIRE_MESSAGES]
            _keys, extra = models_json_schema(
                [(model, "serialization") for model in models], ref_template="#/components/schemas/{model}"
            )
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            for name, schema in extra.get("$defs", {}).items():
                schemas.setdefault(name, schema)
            document["x-event-types"] = {
                event_type: f"#/components/schemas/{model.__name__}"
                for event_type, model in EVENT_PAYLOADS.items()
            }
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
