"""Events of the call-control model, past tense, plain values (ids, not objects)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ChannelCreated:
    """A new inbound channel is ringing; `line` is the dialled number (the hotline's DID)."""

    channel_id: str
    direction: str  # "inbound" | "outbound"
    caller: str
    called: str


@dataclass(frozen=True, slots=True)
class ChannelAnswered:
    channel_id: str


@dataclass(frozen=True, slots=True)
class ChannelDtmf:
    channel_id: str
    digit: str
    method: str  # "rfc4733" | "inband" | "sip-info"


@dataclass(frozen=True, slots=True)
class ChannelHeld:
    channel_id: str


@dataclass(frozen=True, slots=True)
class ChannelUnheld:
    channel_id: str


@dataclass(frozen=True, slots=True)
class ChannelHungUp:
    """The channel is gone. cause: "remote-hangup", "local-hangup", "cancelled", "rejected",
    "media-timeout", "timeout"; `status` is the SIP final code when the call failed."""

    channel_id: str
    cause: str
    status: int | None = None


@dataclass(frozen=True, slots=True)
class PlaybackFinished:
    playback_id: str
    channel_id: str
    stopped: bool


@dataclass(frozen=True, slots=True)
class RecordingFinished:
    recording_id: str
    path: str
    duration_seconds: float


ControlEvent = (
    ChannelCreated
    | ChannelAnswered
    | ChannelDtmf
    | ChannelHeld
    | ChannelUnheld
    | ChannelHungUp
    | PlaybackFinished
    | RecordingFinished
)
