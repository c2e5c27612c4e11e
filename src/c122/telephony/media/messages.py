"""The media engine's message-shaped boundary: commands in, replies and events out.

Every message is a frozen dataclass of plain values (strings, numbers, tuples), so the same
conversation can later run over a pipe to a media worker process instead of a function call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class Direction(StrEnum):
    """What this side does with media (SDP a=sendrecv/sendonly/recvonly/inactive, our view)."""

    SENDRECV = "sendrecv"
    SENDONLY = "sendonly"
    RECVONLY = "recvonly"
    INACTIVE = "inactive"

    @property
    def sends(self) -> bool:
        return self in (Direction.SENDRECV, Direction.SENDONLY)

    @property
    def receives(self) -> bool:
        return self in (Direction.SENDRECV, Direction.RECVONLY)


# --- commands ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OpenEndpoint:
    """An RTP/RTCP port pair for one leg. `remote` is the SDP address; latching may replace it."""

    endpoint_id: str
    codec: str = "PCMU"
    dtmf_payload_type: int | None = 101
    remote: tuple[str, int] | None = None
    inband_dtmf: bool = False
    media_timeout: float | None = 30.0
    rtcp_mux: bool = False  # RFC 5761: RTCP on the RTP port (WebRTC, a=rtcp-mux)
    # The RTP port to bind (its RTCP on the next one) instead of the next free pair: a leg a restarted
    # process takes over keeps the address its peer sends to (docs/operations.md, "What survives a
    # restart"). A port that cannot be bound is a `MediaError`.
    port: int | None = None


@dataclass(frozen=True, slots=True)
class UpdateEndpoint:
    """A re-INVITE: new remote address, codec or direction. Our SSRC and sequence carry on."""

    endpoint_id: str
    remote: tuple[str, int] | None = None
    codec: str | None = None
    dtmf_payload_type: int | None = None
    direction: Direction | None = None


@dataclass(frozen=True, slots=True)
class CloseEndpoint:
    endpoint_id: str


@dataclass(frozen=True, slots=True)
class SetBridge:
    """Who hears whom among endpoints. Two members hearing each other forward payloads untouched;
    anything else is decoded and mixed."""

    bridge_id: str
    members: tuple[str, ...]
    hears: tuple[tuple[str, str], ...]
    mixed: bool = False  # a conference: mixed even while two talk, so each speaker's level is known


@dataclass(frozen=True, slots=True)
class RemoveBridge:
    bridge_id: str


@dataclass(frozen=True, slots=True)
class StartPlayback:
    """Plays `media` to one endpoint, in place of what the bridge would send it.

    media: "tone:ringback", "tone:busy", "tone:beep", "tone:<hz>[+<hz>]:<ms>", "file:<path.wav>".
    """

    playback_id: str
    endpoint_id: str
    media: str
    loop: bool = False


@dataclass(frozen=True, slots=True)
class StopPlayback:
    playback_id: str


@dataclass(frozen=True, slots=True)
class StartRecording:
    """Stereo WAV: what `left` sends us (the caller) left, what `right` sends us right; with
    `right_mixed`, the right channel is instead the mix the engine sends `left` (in a conference, the
    other voices, mixed by the mixer) and `right` is not read."""

    recording_id: str
    path: str
    left: str
    right: str | None = None
    append: bool = False  # carry on at the end of the file (a conversation taken over after a restart)
    right_mixed: bool = False


@dataclass(frozen=True, slots=True)
class StopRecording:
    recording_id: str


@dataclass(frozen=True, slots=True)
class DescribeEndpoint:
    """Where a leg's media goes now, to be kept for a restart."""

    endpoint_id: str


@dataclass(frozen=True, slots=True)
class DescribeMix:
    """How loud each member of a mixed bridge speaks now (a conference's "who is talking")."""

    bridge_id: str


@dataclass(frozen=True, slots=True)
class SendDtmf:
    endpoint_id: str
    digits: str
    duration_ms: int = 100


Command = (
    OpenEndpoint
    | UpdateEndpoint
    | CloseEndpoint
    | SetBridge
    | RemoveBridge
    | StartPlayback
    | StopPlayback
    | StartRecording
    | StopRecording
    | SendDtmf
    | DescribeEndpoint
    | DescribeMix
)

# --- replies ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EndpointOpened:
    endpoint_id: str
    host: str
    port: int


@dataclass(frozen=True, slots=True)
class LegStats:
    """Per-leg RTP/RTCP figures kept in the call record."""

    endpoint_id: str
    packets_received: int
    packets_sent: int
    packets_lost: int
    jitter_ms: float
    remote_fraction_lost: float | None
    remote_jitter_ms: float | None


@dataclass(frozen=True, slots=True)
class EndpointClosed:
    stats: LegStats


@dataclass(frozen=True, slots=True)
class Done:
    pass


@dataclass(frozen=True, slots=True)
class EndpointDescribed:
    """Our RTP port, the peer's address (latched from its packets, else the SDP's), codec and DTMF type."""

    endpoint_id: str
    port: int
    remote: tuple[str, int] | None
    latched: bool
    codec: str
    dtmf_payload_type: int | None


@dataclass(frozen=True, slots=True)
class MixDescribed:
    """Each member's level: RMS of its 16-bit samples, rising at once and decaying over ~0.3 s."""

    bridge_id: str
    levels: tuple[tuple[str, float], ...]


Reply = EndpointOpened | EndpointClosed | EndpointDescribed | MixDescribed | Done

# --- events -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DtmfReceived:
    endpoint_id: str
    digit: str
    method: str  # "rfc4733" or "inband"


@dataclass(frozen=True, slots=True)
class PlaybackFinished:
    playback_id: str
    endpoint_id: str
    stopped: bool  # True when stopped early, False when it played to the end


@dataclass(frozen=True, slots=True)
class RecordingFinished:
    recording_id: str
    path: str
    duration_seconds: float


@dataclass(frozen=True, slots=True)
class MediaTimeout:
    endpoint_id: str
    silent_seconds: float


@dataclass(frozen=True, slots=True)
class MediaLost:
    """The leg's media is gone (its media worker died): the call cannot go on."""

    endpoint_id: str
    reason: str


MediaEvent = DtmfReceived | PlaybackFinished | RecordingFinished | MediaTimeout | MediaLost
EventHandler = Callable[[MediaEvent], None]


class MediaError(Exception):
    """A command could not be carried out (unknown id, no free port, bad media spec)."""


class NoMediaPorts(MediaError):
    """Every RTP port pair of the range is in use: a new leg cannot be given media now."""


class MediaControl(Protocol):
    """What the call-control layer needs from a media engine, in process or in a worker."""

    async def execute(self, command: Command) -> Reply: ...

    def subscribe(self, handler: EventHandler) -> None: ...
