"""What a Channel needs from its signalling (SIP today, WebRTC in its own adapter).

The channel owns the media endpoint; the signalling negotiates where it talks to and tells
the channel what happened on the wire through a `SignallingSink`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from c122.telephony.media.messages import Direction


@dataclass(frozen=True, slots=True)
class MediaParams:
    """The negotiated media of a leg, from our side: what to send where, and how."""

    codec: str
    dtmf_payload_type: int | None
    remote: tuple[str, int] | None
    direction: Direction


class SignallingSink(Protocol):
    """Callbacks from the signalling into its channel."""

    async def remote_answered(self, params: MediaParams) -> None: ...

    async def remote_changed(self, params: MediaParams) -> None: ...

    def remote_dtmf(self, digit: str) -> None: ...

    async def remote_ended(self, cause: str, status: int | None) -> None: ...


class Signalling(Protocol):
    caller: str
    called: str

    def attach(self, sink: SignallingSink) -> None: ...

    def offered(self) -> MediaParams:
        """Inbound: the media we will answer with (raises ValueError if nothing is acceptable)."""
        ...

    async def ring(self) -> None: ...

    async def answer(self, host: str, port: int) -> MediaParams: ...

    async def reject(self, status: int) -> None: ...

    async def refuse_for_capacity(self, resource: str) -> None:
        """Inbound: `resource` ran out after the call was admitted; the caller is told to try again
        later (SIP 503 with Retry-After), counted with the admission refusals."""
        ...

    async def hangup(self) -> None: ...

    async def renegotiate(self, host: str, port: int, direction: Direction) -> MediaParams | None:
        """A re-INVITE with our new direction (hold: sendonly, unhold: sendrecv)."""
        ...


class Gateway(Protocol):
    """Places outbound legs (SIP now)."""

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
        """`destination`: the next hop when it is not the target's host (a phone behind NAT); `codecs`:
        the offer's audio codecs in order (empty: the default ones); `credentials`: (username,
        password) answering the far end's digest challenge, once."""
        ...
