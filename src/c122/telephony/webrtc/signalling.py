"""A browser leg seen by call control: its `Signalling`, and the gateway that places such legs.

A leg is placed like an outbound call (`control.originate("browser:<user>:<n>")`), so it opens
its engine endpoint at once and is never mistaken for a caller; it stays RINGING until the
browser's peer connection first connects (`remote_answered`) and is UP from then on. Later
renegotiations only tell it the (possibly new) codec. Hold and unhold need no signalling toward
the browser: the engine endpoint's direction and the hold music do it all.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Final, Protocol

from c122.telephony.control.signalling import Gateway, MediaParams, Signalling, SignallingSink
from c122.telephony.media.messages import Direction

INTERNAL_DTMF_PAYLOAD_TYPE: Final = 101
"""Declared on the engine endpoint so it never decodes the leg to look for in-band digits."""
BROWSER_TARGET_PREFIX: Final = "browser:"


class BrowserSignalling:
    def __init__(
        self,
        caller: str,
        target: str,
        relay_address: tuple[str, int],
        ended: Callable[[], Awaitable[None]],
    ) -> None:
        self.caller = caller
        self.called = target
        self.sink: SignallingSink | None = None
        self.codec: str | None = None
        self._relay_address = relay_address
        self._ended = ended

    def attach(self, sink: SignallingSink) -> None:
        self.sink = sink

    def params(self, direction: Direction = Direction.SENDRECV) -> MediaParams:
        if self.codec is None:
            raise ValueError("the browser has not connected yet")
        return MediaParams(self.codec, INTERNAL_DTMF_PAYLOAD_TYPE, self._relay_address, direction)

    def offered(self) -> MediaParams:
        raise ValueError("a browser leg is placed by the server, never offered to it")

    async def ring(self) -> None:
        pass

    async def answer(self, host: str, port: int) -> MediaParams:
        raise ValueError("a browser leg is placed by the server, never answered by it")

    async def reject(self, status: int) -> None:
        await self._ended()

    async def refuse_for_capacity(self, resource: str) -> None:
        await self._ended()

    async def hangup(self) -> None:
        await self._ended()

    async def renegotiate(self, host: str, port: int, direction: Direction) -> MediaParams | None:
        return self.params(direction)


class BrowserLegFactory(Protocol):
    def signalling_for(self, target: str, caller_id: str, engine_port: int) -> Signalling: ...


class BrowserGateway:
    """Places `browser:` targets as browser legs and everything else through the SIP gateway."""

    def __init__(self, legs: BrowserLegFactory, other: Gateway | None) -> None:
        self._legs = legs
        self._other = other

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
    ) -> Signalling:
        if target.startswith(BROWSER_TARGET_PREFIX):
            return self._legs.signalling_for(target, caller_id, port)
        if self._other is None:
            raise ValueError(f"no gateway for {target}")
        return await self._other.originate(
            target, caller_id, host, port, headers, destination, codecs, credentials
        )
