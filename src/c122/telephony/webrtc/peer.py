"""One negotiation of a browser leg: an aiortc RTCPeerConnection wired to the leg's relay.

ICE and DTLS-SRTP end here; RTP goes on to the media engine through `EngineRelay`. A renegotiation
(network blip, reconnect) replaces the peer connection; the relay, the engine endpoint and the
Channel stay.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Sequence
from typing import Final

from aiortc import (
    RTCConfiguration,
    RTCIceServer,
    RTCPeerConnection,
    RTCRtpCodecCapability,
    RTCRtpSender,
    RTCRtpTransceiver,
    RTCSessionDescription,
)
from aiortc.rtp import RtpPacket as AiortcRtpPacket

from c122.telephony.webrtc.peer_video import PeerVideo, keep_rejected_video
from c122.telephony.webrtc.relay import EngineRelay, PayloadTrack

log = logging.getLogger(__name__)

SUPPORTED_CODECS: Final = ("PCMU", "PCMA")
PAYLOAD_TYPES: Final = {"PCMU": 0, "PCMA": 8}


class AnswerRefused(ValueError):
    """The browser's answer cannot be used (not SDP, no audio, no G.711, no ICE or DTLS data)."""


class BrowserPeer:
    def __init__(
        self,
        relay: EngineRelay,
        ice_servers: list[RTCIceServer],
        codecs: Sequence[str],
        on_state: Callable[[BrowserPeer, str], None],
        *,
        video: bool = False,
        camera: bool = True,
    ) -> None:
        """`video`: a video m-line too; `camera`: the browser may send its camera on it (else the
        server only sends)."""
        self._relay = relay
        self._codecs = tuple(codecs)
        self._on_state = on_state
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=ice_servers))
        self.track = PayloadTrack()
        self._transceiver: RTCRtpTransceiver = self.pc.addTransceiver(self.track, direction="sendrecv")
        self._transceiver.setCodecPreferences(_capabilities(self._codecs))
        self.video = PeerVideo(self.pc, receive=camera) if video else None
        receiver = self._transceiver.receiver
        if not hasattr(receiver, "_handle_rtp_packet"):
            raise RuntimeError("this aiortc has no RTP tap point (RTCRtpReceiver._handle_rtp_packet)")
        self._receiver = receiver
        self._decoder_stopped = False
        # The tap: packets reach the engine before aiortc's ~80 ms jitter buffer and its decoder.
        setattr(receiver, "_handle_rtp_packet", self._tapped)  # noqa: B010
        self.codec: str | None = None
        self.pc.on("connectionstatechange", self._state_changed)

    async def offer(self) -> str:
        await self.pc.setLocalDescription(await self.pc.createOffer())
        return self.pc.localDescription.sdp

    async def accept(self, sdp: str) -> str:
        """Applies the browser's answer; returns the negotiated codec name."""
        _check_answer(sdp)
        given = sdp
        if self.video is not None and self.pc.localDescription is not None:
            given = keep_rejected_video(sdp, self.pc.localDescription.sdp)  # the audio must go on
        try:
            await self.pc.setRemoteDescription(RTCSessionDescription(sdp=given, type="answer"))
        except Exception as exc:  # aiortc raises ValueError, OperationError, AssertionError...
            raise AnswerRefused(f"the answer was refused: {exc}") from None
        codecs = self._transceiver._codecs
        if not codecs:
            raise AnswerRefused("the answer accepts neither PCMU nor PCMA")
        self.codec = codecs[0].mimeType.split("/", 1)[1].upper()
        if self.codec not in PAYLOAD_TYPES:
            raise AnswerRefused(f"the answer chose {self.codec}; only PCMU and PCMA are carried")
        if self.video is not None:
            # No video is no reason to refuse: the audio goes on. The offer (still the local
            # description) says what the server may receive.
            self.video.accepted(sdp, self.pc.localDescription.sdp)
        return self.codec

    def activate(self) -> None:
        """Makes this peer the one the relay talks through."""
        assert self.codec is not None
        self._relay.payload_type = PAYLOAD_TYPES[self.codec]
        self._relay.track = self.track

    async def close(self) -> None:
        if self._relay.track is self.track:
            self._relay.track = None
        if self.video is not None:
            self.video.close()
        with contextlib.suppress(Exception):
            await self.pc.close()

    async def _tapped(self, packet: AiortcRtpPacket, arrival_time_ms: int) -> None:
        if not self._decoder_stopped:
            # aiortc started a decoder thread for this receiver; nothing is decoded here, so end it.
            self._decoder_stopped = True
            stop: Callable[[], None] | None = getattr(self._receiver, "_RTCRtpReceiver__stop_decoder", None)
            if stop is not None:
                stop()
        if self._relay.track is self.track and packet.payload_type == self._relay.payload_type:
            self._relay.to_engine(packet)

    def _state_changed(self) -> None:
        self._on_state(self, self.pc.connectionState)


def _capabilities(codecs: Sequence[str]) -> list[RTCRtpCodecCapability]:
    available = RTCRtpSender.getCapabilities("audio").codecs
    wanted = [c.upper() for c in codecs if c.upper() in SUPPORTED_CODECS] or list(SUPPORTED_CODECS)
    return [cap for name in wanted for cap in available if cap.mimeType.upper() == f"AUDIO/{name}"]


def _check_answer(sdp: str) -> None:
    """The checks aiortc leaves to assertions, made first so the desktop gets a clear reason."""
    if "m=audio " not in sdp:
        raise AnswerRefused("the answer has no audio stream (m=audio)")
    if "a=ice-ufrag:" not in sdp or "a=ice-pwd:" not in sdp:
        raise AnswerRefused("the answer has no ICE credentials (a=ice-ufrag, a=ice-pwd)")
    if "a=fingerprint:" not in sdp:
        raise AnswerRefused("the answer has no DTLS fingerprint (a=fingerprint)")
