"""B2BUA glue: SIP dialogs of `c122.telephony.sip` become Channels, and back.

An incoming INVITE becomes an inbound Channel (the core hears ChannelCreated); `originate`
sends an INVITE offering our RTP port; hold and unhold are re-INVITEs with a=sendonly and
a=sendrecv; SIP INFO digits, remote re-INVITEs and BYE/CANCEL reach the channel as callbacks.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Final

from c122.telephony.control.call_control import CallControl
from c122.telephony.control.signalling import MediaParams, SignallingSink
from c122.telephony.media.messages import Direction
from c122.telephony.sip import Answered, Call, CallEnded, Dtmf, IncomingCall, OutgoingCall, SipStack
from c122.telephony.sip import sdp as sip_sdp
from c122.telephony.sip.auth import DigestCredentials

_OFFERABLE: Final = {"PCMU": sip_sdp.PCMU, "PCMA": sip_sdp.PCMA}
"""The codecs an outbound offer may name (those the media engine speaks)."""

log = logging.getLogger(__name__)

_CAUSES: Final = {"remote-bye": "remote-hangup", "local-bye": "local-hangup"}
_SUPPORTED: Final = ("PCMU", "PCMA")


def media_params(session: sip_sdp.SessionDescription | None, *, ours_from_theirs: bool) -> MediaParams | None:
    """Our media for a peer's SDP: first G.711 codec, their telephone-event type, their address.

    `ours_from_theirs`: the SDP is the peer's offer or answer, so our direction is its reverse.
    """
    if session is None or session.audio is None:
        return None
    audio = session.audio
    codec = next((c for c in audio.audio_codecs if c.name.upper() in _SUPPORTED), None)
    if codec is None or audio.port == 0:
        return None
    address = session.media_address(audio)
    theirs = session.media_direction(audio)
    direction = theirs.reverse() if ours_from_theirs else theirs
    event = audio.telephone_event
    return MediaParams(
        codec=codec.name.upper(),
        dtmf_payload_type=event.payload_type if event is not None else None,
        remote=(address, audio.port) if address else None,
        direction=Direction(direction.value),
    )


class SipSignalling:
    """One SIP dialog seen as a channel's signalling."""

    def __init__(self, call: Call, caller: str, called: str, local: tuple[str, int] | None = None) -> None:
        """`local`: our media address when we made the offer (an outbound call)."""
        self.call = call
        self.caller = caller
        self.called = called
        self._sink: SignallingSink | None = None
        self._local = local
        self._wanted = sip_sdp.Direction.SENDRECV
        self._watcher: asyncio.Task[None] | None = None
        call.on_reinvite = self._on_reinvite

    def attach(self, sink: SignallingSink) -> None:
        self._sink = sink
        self._watcher = asyncio.create_task(self._watch())

    def offered(self) -> MediaParams:
        assert isinstance(self.call, IncomingCall)
        params = media_params(self.call.offer, ours_from_theirs=True)
        if params is None:
            raise ValueError("the offer has no G.711 audio stream")
        return params

    async def ring(self) -> None:
        assert isinstance(self.call, IncomingCall)
        await self.call.ringing()

    async def answer(self, host: str, port: int) -> MediaParams:
        assert isinstance(self.call, IncomingCall)
        offer = self.call.offer
        if offer is None:
            raise ValueError("INVITE without SDP (late offer) is not supported")
        self._local = (host, port)
        answer = sip_sdp.answer_offer(offer, host, port, codecs=_SUPPORTED)
        await self.call.answer(answer)
        params = media_params(answer, ours_from_theirs=False)
        theirs = media_params(offer, ours_from_theirs=True)
        assert params is not None
        assert theirs is not None
        return replace(theirs, direction=params.direction)

    async def reject(self, status: int) -> None:
        assert isinstance(self.call, IncomingCall)
        await self.call.reject(status)

    async def refuse_for_capacity(self, resource: str) -> None:
        assert isinstance(self.call, IncomingCall)
        await self.call.refuse_for_capacity(resource)

    async def hangup(self) -> None:
        await self.call.hangup()

    async def renegotiate(self, host: str, port: int, direction: Direction) -> MediaParams | None:
        self._wanted = sip_sdp.Direction(direction.value)
        local = self.call.local_sdp
        if local is None or local.audio is None:
            return None
        audio = replace(local.audio, port=port, connection=None, direction=self._wanted)
        offer = replace(
            local, session_version=local.session_version + 1, connection=host, media=[audio], direction=None
        )
        answer = await self.call.reinvite(offer)
        params = media_params(answer, ours_from_theirs=False)
        return None if params is None else replace(params, direction=direction)

    async def _on_reinvite(self, offer: sip_sdp.SessionDescription | None) -> sip_sdp.SessionDescription:
        current = self.call.local_sdp
        if offer is None or self._local is None:
            assert current is not None
            return current
        answer = sip_sdp.answer_offer(
            offer, *self._local, codecs=_SUPPORTED, direction=self._wanted, session=current
        )
        params = media_params(offer, ours_from_theirs=True)
        ours = media_params(answer, ours_from_theirs=False)
        if params is not None and ours is not None and self._sink is not None:
            await self._sink.remote_changed(replace(params, direction=ours.direction))
        return answer

    async def _watch(self) -> None:
        try:
            await self._follow()
        finally:
            self._sink = None  # the channel holds this signalling: an ended call leaves no cycle

    async def _follow(self) -> None:
        async for event in self.call.events():
            sink = self._sink
            if sink is None:
                continue
            try:
                match event:
                    case Answered(sdp=answer) if isinstance(self.call, OutgoingCall):
                        params = media_params(answer, ours_from_theirs=True)
                        if params is not None:
                            await sink.remote_answered(params)
                    case Dtmf(digit=digit):
                        sink.remote_dtmf(digit)
                    case CallEnded(reason=reason, status=status):
                        await sink.remote_ended(_CAUSES.get(reason, reason), status)
            except Exception:
                log.exception("handling %r on call %s", event, self.call.call_id)


class SipGateway:
    """Connects a SipStack to CallControl in both directions."""

    def __init__(self, stack: SipStack, control: CallControl, from_domain: str) -> None:
        self._stack = stack
        self._control = control
        self._from_domain = from_domain
        self._screen: Callable[[IncomingCall], Awaitable[bool]] | None = None
        stack.on_incoming_call = self._on_incoming
        control.use_gateway(self)

    def screen_incoming_with(self, screen: Callable[[IncomingCall], Awaitable[bool]]) -> None:
        """`screen` sees every INVITE first; True: it handled the call (the media hop between nodes)."""
        self._screen = screen

    async def _on_incoming(self, call: IncomingCall) -> None:
        if self._screen is not None and await self._screen(call):
            return
        if media_params(call.offer, ours_from_theirs=True) is None:
            await call.reject(488, "Not Acceptable Here")
            return
        signalling = SipSignalling(call, call.caller, call.called)
        self._control.incoming(signalling)

    async def originate(
        self,
        target: str,
        caller_id: str,
        host: str,
        port: int,
        headers: dict[str, str] | None,
        destination: tuple[str, int] | None = None,
        codecs: tuple[str, ...] = (),
        credentials: tuple[str, str] | None = None,
    ) -> SipSignalling:
        offered = tuple(_OFFERABLE[name] for name in codecs if name in _OFFERABLE)
        offer = sip_sdp.make_offer(host, port, codecs=offered) if offered else sip_sdp.make_offer(host, port)
        call = await self._stack.invite(
            target,
            from_uri=f"sip:{caller_id}@{self._from_domain}",
            sdp=offer,
            headers=headers,
            destination=destination,
            credentials=DigestCredentials(*credentials) if credentials is not None else None,
        )
        return SipSignalling(call, caller_id, target, local=(host, port))

    async def close(self) -> None:
        for channel in self._control.channels:
            with contextlib.suppress(Exception):
                await channel.hangup()
