"""Failed digest checks are throttled per source address: a guesser elsewhere cannot keep the
operator's phone from registering (issue: ten bad REGISTERs a minute locked the account)."""

from __future__ import annotations

import asyncio
import itertools

from c122.telephony.sip import DigestServer, ProtectionSettings, Registrar
from c122.telephony.sip.auth import DigestCredentials, authorization_header
from c122.telephony.sip.message import SipResponse, parse_message

_ids = itertools.count()


class Phone(asyncio.DatagramProtocol):
    """A REGISTERing client on its own loopback address that answers digest challenges."""

    def __init__(self) -> None:
        self.inbox: asyncio.Queue[bytes] = asyncio.Queue()
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr) -> None:
        self.inbox.put_nowait(data)

    def register(self, target: int, cseq: int, authorization: str | None = None) -> None:
        assert self.transport is not None
        host, port = self.transport.get_extra_info("sockname")[:2]
        lines = [
            "REGISTER sip:127.0.0.1 SIP/2.0",
            f"Via: SIP/2.0/UDP {host}:{port};branch=z9hG4bKreg{next(_ids)};rport",
            "From: <sip:alice@127.0.0.1>;tag=reg",
            "To: <sip:alice@127.0.0.1>",
            f"Call-ID: reg-{host}",
            f"CSeq: {cseq} REGISTER",
            "Max-Forwards: 70",
            f"Contact: <sip:alice@{host}:{port}>",
            "Expires: 300",
            *([f"Authorization: {authorization}"] if authorization else []),
            "Content-Length: 0",
        ]
        self.transport.sendto(("\r\n".join(lines) + "\r\n\r\n").encode(), ("127.0.0.1", target))

    async def response(self) -> SipResponse:
        msg = parse_message(await asyncio.wait_for(self.inbox.get(), 3))
        assert isinstance(msg, SipResponse)
        return msg

    async def try_password(self, target: int, cseq: int, password: str) -> SipResponse:
        """REGISTER, and answer a challenge with the password; the final response."""
        self.register(target, cseq)
        first = await self.response()
        if first.status != 401:
            return first
        challenge = first.headers.get("WWW-Authenticate")
        assert challenge is not None
        value = authorization_header(
            challenge, DigestCredentials("alice", password), "REGISTER", "sip:127.0.0.1"
        )
        self.register(target, cseq + 1, value)
        return await self.response()


async def phone_at(host: str) -> Phone:
    _, phone = await asyncio.get_running_loop().create_datagram_endpoint(Phone, local_addr=(host, 0))
    return phone


async def test_a_guessing_source_is_refused_with_retry_after_and_the_real_phone_still_registers(make_stack):
    registrar = Registrar()
    stack, _ = await make_stack(
        registrar=registrar,
        registrar_digest=DigestServer("c122", {"alice": "s3cret"}.get),
        protection=ProtectionSettings(max_auth_failures=3, auth_window=60),
    )
    port = stack.bound_ports["udp"]
    guesser, phone = await phone_at("127.0.0.2"), await phone_at("127.0.0.1")
    try:
        for attempt in range(3):
            assert (await guesser.try_password(port, 10 + 2 * attempt, f"guess{attempt}")).status == 401
        refused = await guesser.try_password(port, 20, "s3cret")
        assert refused.status == 403
        assert int(refused.headers.get("Retry-After") or 0) > 0

        registered = await phone.try_password(port, 1, "s3cret")
        assert registered.status == 200
        [binding] = registrar.lookup("alice")
        assert binding.source.host == "127.0.0.1"
    finally:
        for peer in (guesser, phone):
            assert peer.transport is not None
            peer.transport.close()
