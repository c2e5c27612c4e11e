"""The port between the event stream and an operator's browser audio (its WebRTC media leg).

The event WebSocket carries the `rtc.*` signalling messages (docs/telephony/webrtc.md); the
stream hands each one to a `SoftphoneMedia` and sends back what the media side replies through
the `RtcReply` callable of that connection. The telephony's browser legs implement the port; a
process that runs no telephony uses `NoSoftphoneMedia`, which refuses every request.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class RtcErrorCode(StrEnum):
    """Why an `rtc.*` request was refused; sent as the `error` message's code."""

    UNAVAILABLE = "rtc_unavailable"
    UNKNOWN_LEG = "rtc_unknown_leg"
    OUT_OF_ORDER = "rtc_out_of_order"
    BAD_SDP = "rtc_bad_sdp"
    NO_CALL = "rtc_no_call"
    FAILED = "rtc_failed"


class RtcLegState(StrEnum):
    CONNECTING = "connecting"
    CONNECTED = "connected"
    FAILED = "failed"
    CLOSED = "closed"


class SoftphoneError(Exception):
    """A refused request; the leg it names (if any) is left in a usable state."""

    def __init__(self, code: RtcErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class IceServer:
    """A STUN or TURN server the browser should use, as in RTCIceServer."""

    urls: tuple[str, ...]
    username: str | None = None
    credential: str | None = None


@dataclass(frozen=True, slots=True)
class RtcOffer:
    """`camera`: the operator's group lets them send their camera (the offer's video is sendrecv);
    otherwise the offer only sends video to the browser."""

    leg: str
    sdp: str
    ice_servers: tuple[IceServer, ...] = ()
    camera: bool = False


@dataclass(frozen=True, slots=True)
class RtcStateChange:
    leg: str
    state: RtcLegState


@dataclass(frozen=True, slots=True)
class RtcFailure:
    """An asynchronous refusal (a late failure of a request already accepted)."""

    code: RtcErrorCode
    message: str


@dataclass(frozen=True, slots=True)
class RtcVideo:
    """What the leg shows now: `showing` the party's camera, or not, and then perhaps why
    (`no_common_codec`: the two browsers share no video codec; `no_video`: that party sends none)."""

    leg: str
    showing: bool
    reason: str | None = None
    stalled: bool = False  # shown, but nothing has arrived from that camera for a while
    codec: str | None = None  # what the shown picture is carried in ("VP8", "H264 42e01f")


RtcNotice = RtcOffer | RtcStateChange | RtcFailure | RtcVideo
RtcReply = Callable[[RtcNotice], Awaitable[bool]]
"""Sends a notice to one desktop connection; False once that connection has gone."""


class SoftphoneMedia(Protocol):
    """One persistent media leg per user, negotiated over that user's event stream."""

    async def start(self, user_id: int, codecs: Sequence[str] | None, reply: RtcReply) -> None:
        """A leg for the user (or a fresh offer for the leg they already have)."""
        ...

    async def answer(self, user_id: int, leg: str, sdp: str, reply: RtcReply) -> None: ...

    async def restart(self, user_id: int, leg: str, reply: RtcReply) -> None: ...

    async def dtmf(self, user_id: int, leg: str, digit: str) -> None: ...

    async def stop(self, user_id: int, leg: str) -> None: ...

    def detach(self, user_id: int, reply: RtcReply) -> None:
        """The connection behind `reply` has gone; the leg waits a while for the desktop to return."""
        ...


class NoSoftphoneMedia:
    """Browser audio where this process runs no telephony: every request is refused, clearly."""

    def _refuse(self) -> SoftphoneError:
        return SoftphoneError(RtcErrorCode.UNAVAILABLE, "browser audio is not running on this server")

    async def start(self, user_id: int, codecs: Sequence[str] | None, reply: RtcReply) -> None:
        raise self._refuse()

    async def answer(self, user_id: int, leg: str, sdp: str, reply: RtcReply) -> None:
        raise self._refuse()

    async def restart(self, user_id: int, leg: str, reply: RtcReply) -> None:
        raise self._refuse()

    async def dtmf(self, user_id: int, leg: str, digit: str) -> None:
        raise self._refuse()

    async def stop(self, user_id: int, leg: str) -> None:
        raise self._refuse()

    def detach(self, user_id: int, reply: RtcReply) -> None:
        pass
