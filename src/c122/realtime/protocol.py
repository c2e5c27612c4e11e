"""Wire messages of `/api/v1/events`: JSON text frames, each with a `kind` discriminator.

Server to client: ready, event, ping, reload, closed, error. Client to server: ack, pong.
The browser audio leg is negotiated on the same socket (docs/telephony/webrtc.md): client to
server rtc.start, rtc.answer, rtc.restart, rtc.dtmf, rtc.stop; server to client rtc.offer,
rtc.state and rtc.video (not events: no ids, never replayed).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, TypeAdapter, ValidationError
from pydantic_core import to_json

from c122.services.events import OutboundEvent

MAX_CLIENT_MESSAGE_CHARS = 1024
"""Client messages are tiny (an ack is ~30 characters); anything larger is refused unread."""
MAX_RTC_ANSWER_CHARS = 16384
"""An `rtc.answer` carries the browser's SDP (2-5 KiB in practice); the only larger message."""

CLOSE_CODE_RELOAD = 4000
"""WebSocket close code after `reload`: connect again without resuming."""
CLOSE_CODE_CLOSED = 4001
"""WebSocket close code after `closed`; its reason says whether reconnecting makes sense."""
CLOSE_CODE_SERVER_ERROR = 1011


class ReloadReason(StrEnum):
    OVERFLOW = "overflow"
    RESYNC = "resync"
    """A node was cut off from the event bus between nodes: events may have been missed."""


class CloseReason(StrEnum):
    SESSION_REPLACED = "session_replaced"
    SESSION_ENDED = "session_ended"
    SERVER_SHUTDOWN = "server_shutdown"
    SUPERSEDED = "superseded"
    HEARTBEAT_TIMEOUT = "heartbeat_timeout"
    PROTOCOL_ERRORS = "protocol_errors"
    DATABASE_UNAVAILABLE = "database_unavailable"


RECONNECT_CLOSE_REASONS = frozenset(
    {
        CloseReason.SERVER_SHUTDOWN,
        CloseReason.HEARTBEAT_TIMEOUT,
        CloseReason.PROTOCOL_ERRORS,
        CloseReason.DATABASE_UNAVAILABLE,
    }
)
"""After these the client reconnects by itself (asking to resume); after the others it must not."""

CLOSE_MESSAGES: dict[CloseReason, str] = {
    CloseReason.SESSION_REPLACED: "This account signed in on another workstation.",
    CloseReason.SESSION_ENDED: "The session has ended; sign in again.",
    CloseReason.SERVER_SHUTDOWN: "The server is restarting.",
    CloseReason.SUPERSEDED: "The stream was resumed by another connection.",
    CloseReason.HEARTBEAT_TIMEOUT: "No answer to heartbeats.",
    CloseReason.PROTOCOL_ERRORS: "Too many malformed messages.",
    CloseReason.DATABASE_UNAVAILABLE: "The database does not answer; the stream is tried again shortly.",
}


class ErrorCode(StrEnum):
    MESSAGE_TOO_LARGE = "message_too_large"
    INVALID_JSON = "invalid_json"
    UNKNOWN_KIND = "unknown_kind"
    INVALID_MESSAGE = "invalid_message"
    ACK_OUT_OF_RANGE = "ack_out_of_range"
    SNAPSHOT_FAILED = "snapshot_failed"
    RTC_UNAVAILABLE = "rtc_unavailable"
    RTC_UNKNOWN_LEG = "rtc_unknown_leg"
    RTC_OUT_OF_ORDER = "rtc_out_of_order"
    RTC_BAD_SDP = "rtc_bad_sdp"
    RTC_NO_CALL = "rtc_no_call"
    RTC_FAILED = "rtc_failed"


class _Message(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ReadyMessage(_Message):
    """First message. `last_id`: the next event carries a higher id. `snapshot` is null when resumed."""

    kind: Literal["ready"] = "ready"
    stream: str
    resumed: bool
    last_id: int
    snapshot: dict[str, JsonValue] | None


class EventMessage(_Message):
    kind: Literal["event"] = "event"
    id: int
    type: str
    at: datetime
    data: dict[str, JsonValue]


class PingMessage(_Message):
    """Heartbeat; `last_id` is the last event id sent on this connection before the ping."""

    kind: Literal["ping"] = "ping"
    last_id: int


class ReloadMessage(_Message):
    kind: Literal["reload"] = "reload"
    reason: ReloadReason


class ClosedMessage(_Message):
    kind: Literal["closed"] = "closed"
    reason: CloseReason
    message: str

    @classmethod
    def of(cls, reason: CloseReason, message: str | None = None) -> ClosedMessage:
        return cls(reason=reason, message=message or CLOSE_MESSAGES[reason])


class ErrorMessage(_Message):
    kind: Literal["error"] = "error"
    code: ErrorCode
    message: str


class RtcIceServer(_Message):
    urls: list[str]
    username: str | None = None
    credential: str | None = None


class RtcOfferMessage(_Message):
    """The server's offer for the user's audio leg; answer with `rtc.answer` on the same leg.

    `ice_servers`: the STUN/TURN servers for the browser's RTCPeerConnection configuration.
    `camera`: the operator's group lets them send their camera (the offer's video is sendrecv)."""

    kind: Literal["rtc.offer"] = "rtc.offer"
    leg: str
    sdp: str
    ice_servers: list[RtcIceServer] = []
    camera: bool = False


class RtcStateMessage(_Message):
    kind: Literal["rtc.state"] = "rtc.state"
    leg: str
    state: Literal["connecting", "connected", "failed", "closed"]


class RtcVideoMessage(_Message):
    """The caller's video on the leg: `showing` it, or not and `reason` why (`no_common_codec`,
    `no_video`); `stalled` while the shown camera sends nothing (the browser notices it too)."""

    kind: Literal["rtc.video"] = "rtc.video"
    leg: str
    showing: bool
    reason: Literal["no_common_codec", "no_video"] | None = None
    stalled: bool = False  # shown, but the server has had no packet from that camera for 2 s
    codec: str | None = None  # what the shown picture is carried in ("VP8", "H264 42e01f")


LegId = Annotated[str, Field(min_length=1, max_length=64)]


class RtcStartMessage(_Message):
    """Asks for the user's audio leg (or a fresh offer for the one they have). `codecs`: priority
    (absent or empty: PCMU, then PCMA)."""

    kind: Literal["rtc.start"] = "rtc.start"
    codecs: list[Literal["PCMU", "PCMA"]] | None = Field(None, max_length=2)


class RtcAnswerMessage(_Message):
    kind: Literal["rtc.answer"] = "rtc.answer"
    leg: LegId
    sdp: str = Field(min_length=1, max_length=MAX_RTC_ANSWER_CHARS)


class RtcRestartMessage(_Message):
    kind: Literal["rtc.restart"] = "rtc.restart"
    leg: LegId


class RtcDtmfMessage(_Message):
    kind: Literal["rtc.dtmf"] = "rtc.dtmf"
    leg: LegId
    digit: str = Field(pattern=r"^[0-9*#]$")


class RtcStopMessage(_Message):
    kind: Literal["rtc.stop"] = "rtc.stop"
    leg: LegId


RtcClientMessage = RtcStartMessage | RtcAnswerMessage | RtcRestartMessage | RtcDtmfMessage | RtcStopMessage


class AckMessage(_Message):
    """Every event up to and including `id` has been processed and need not be replayed."""

    kind: Literal["ack"] = "ack"
    id: int = Field(ge=0, strict=True)


class PongMessage(_Message):
    kind: Literal["pong"] = "pong"


ServerMessage = Annotated[
    ReadyMessage
    | EventMessage
    | PingMessage
    | ReloadMessage
    | ClosedMessage
    | ErrorMessage
    | RtcOfferMessage
    | RtcStateMessage
    | RtcVideoMessage,
    Field(discriminator="kind"),
]
ClientMessage = Annotated[
    AckMessage
    | PongMessage
    | RtcStartMessage
    | RtcAnswerMessage
    | RtcRestartMessage
    | RtcDtmfMessage
    | RtcStopMessage,
    Field(discriminator="kind"),
]

SERVER_MESSAGE: TypeAdapter[ServerMessage] = TypeAdapter(ServerMessage)
CLIENT_MESSAGE: TypeAdapter[ClientMessage] = TypeAdapter(ClientMessage)
_CLIENT_KINDS = ("ack", "pong", "rtc.start", "rtc.answer", "rtc.restart", "rtc.dtmf", "rtc.stop")


class ClientMessageError(Exception):
    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def to_message(self) -> ErrorMessage:
        return ErrorMessage(code=self.code, message=self.message)


def parse_client_message(text: str) -> AckMessage | PongMessage | RtcClientMessage:
    """Raises ClientMessageError with a reason a client developer can act on."""
    limit = MAX_CLIENT_MESSAGE_CHARS
    if len(text) > limit and '"rtc.answer"' in text:
        limit = 2 * MAX_RTC_ANSWER_CHARS  # the SDP, JSON-escaped (CRLF takes 4 characters), and the rest
    if len(text) > limit:
        raise ClientMessageError(ErrorCode.MESSAGE_TOO_LARGE, f"message is longer than {limit} characters")
    try:
        raw: Any = json.loads(text)
    except ValueError as exc:
        raise ClientMessageError(ErrorCode.INVALID_JSON, f"not JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise ClientMessageError(ErrorCode.INVALID_MESSAGE, "a message must be a JSON object")
    kind = raw.get("kind")
    if len(text) > MAX_CLIENT_MESSAGE_CHARS and kind != "rtc.answer":
        raise ClientMessageError(
            ErrorCode.MESSAGE_TOO_LARGE, f"message is longer than {MAX_CLIENT_MESSAGE_CHARS} characters"
        )
    if kind not in _CLIENT_KINDS:
        raise ClientMessageError(
            ErrorCode.UNKNOWN_KIND, f"unknown kind {kind!r}; expected one of {', '.join(_CLIENT_KINDS)}"
        )
    try:
        return CLIENT_MESSAGE.validate_python(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"][1:]) or kind
        raise ClientMessageError(ErrorCode.INVALID_MESSAGE, f"{kind}: {where}: {error['msg']}") from None


def encode(message: _Message) -> str:
    return message.model_dump_json()


@dataclass(frozen=True, slots=True)
class PreparedEvent:
    """An event serialised once per publish; only the per-stream id is spliced in per client."""

    tail: str
    position: str | None = None
    """Where the event stands on the bus between nodes (its Redis entry id); None in one process."""

    @classmethod
    def of(cls, event: OutboundEvent, position: str | None = None) -> PreparedEvent:
        body = to_json({"type": event.type, "at": event.occurred_at, "data": dict(event.data)})
        return cls(tail=body.decode()[1:], position=position)

    def encode(self, event_id: int) -> str:
        """The same text as `EventMessage(...).model_dump_json()`, field for field."""
        return f'{{"kind":"event","id":{event_id},{self.tail}'


def json_schemas() -> dict[str, dict[str, Any]]:
    """JSON Schemas of both directions, for the documentation and the web client's validators."""
    return {"server": SERVER_MESSAGE.json_schema(), "client": CLIENT_MESSAGE.json_schema()}
