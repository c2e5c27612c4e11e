"""TLS between two stacks, and a SIP-over-WebSocket client (RFC 7118) that registers and calls."""

from __future__ import annotations

import asyncio
import ssl
from pathlib import Path

import pytest
import trustme
from websockets.asyncio.client import connect

from c122.telephony.sip import Answered, DigestServer, IncomingCall, Registrar, SipStack
from c122.telephony.sip.auth import DigestCredentials, authorization_header
from c122.telephony.sip.message import Headers, SipRequest, SipResponse, make_response, parse_message
from c122.telephony.sip.sdp import answer_offer, make_offer
from c122.telephony.sip.transaction import new_branch


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


async def test_call_over_tls_between_two_stacks(make_stack, ca, tmp_path: Path):
    pem = tmp_path / "server.pem"
    ca.issue_cert("127.0.0.1").private_key_and_cert_chain_pem.write_to_path(str(pem))
    callee, log = await make_stack(tls_port=0, tls_cert=pem)
    client_context = ssl.create_default_context()
    ca.configure_trust(client_context)
    caller = SipStack(
        "127.0.0.1", udp_port=None, tcp_port=None, tls_port=0, tls_cert=pem, tls_client=client_context
    )
    await caller.start()
    try:
        call = await caller.invite(
            f"sip:122@127.0.0.1:{callee.bound_ports['tls']};transport=tls",
            from_uri="sip:caller@127.0.0.1",
            sdp=make_offer("127.0.0.1", 42000),
            transport="tls",
        )
        await call.answered(timeout=5)
        await call.hangup()
        [ended] = await log.wait_ended(1)
        assert ended.reason == "remote-bye"
        [incoming] = log.calls
        assert incoming.dialog is not None
        assert incoming.dialog.transport == "tls"
        assert callee.health().transports["tls"] is True
    finally:
        await caller.stop()


def ws_request(
    method: str, uri: str, local: str, cseq: int, call_id: str, to_tag: str = "", **extra: str
) -> SipRequest:
    headers = Headers(
        [
            ("Via", f"SIP/2.0/WS {local};branch={new_branch()}"),
            ("Max-Forwards", "70"),
            ("From", "<sip:alice@c122.local>;tag=ws1"),
            ("To", f"<sip:{'alice' if method == 'REGISTER' else '122'}@c122.local>{to_tag}"),
            ("Call-ID", call_id),
            ("CSeq", f"{cseq} {method}"),
            ("Contact", f"<sip:alice@{local};transport=ws>"),
        ]
    )
    for name, value in extra.items():
        headers.add(name.replace("_", "-"), value)
    return SipRequest(method, uri, headers)


class WsPhone:
    """A browser-like SIP client: one SIP message per WebSocket text frame."""

    def __init__(self, ws) -> None:
        self.ws = ws
        self.local = "df7jal23ls0d.invalid"

    async def send(self, msg: SipRequest | SipResponse) -> None:
        await self.ws.send(msg.serialize().decode())

    async def receive(self) -> SipRequest | SipResponse:
        frame = await asyncio.wait_for(self.ws.recv(), 5)
        msg = parse_message(frame.encode() if isinstance(frame, str) else frame)
        assert isinstance(msg, SipRequest | SipResponse)
        return msg

    async def final(self) -> SipResponse:
        while True:
            msg = await self.receive()
            if isinstance(msg, SipResponse) and msg.status >= 200:
                return msg

    async def authed(self, make, header: str, challenge_header: str) -> SipResponse:
        first = make(1)
        await self.send(first)
        challenge = await self.final()
        assert challenge.status in (401, 407)
        value = challenge.headers.get(challenge_header)
        assert value is not None
        retry = make(2)
        retry.headers.add(
            header, authorization_header(value, DigestCredentials("alice", "s3cret"), first.method, first.uri)
        )
        await self.send(retry)
        return await self.final()


async def test_websocket_client_registers_with_digest_calls_and_gets_our_bye(make_stack):
    async def answer_then_hang_up(call: IncomingCall) -> None:
        assert call.offer is not None
        await call.answer(answer_offer(call.offer, "127.0.0.1", 40000))
        async for event in call.events():
            if isinstance(event, Answered):
                await call.hangup()

    registrar = Registrar()
    digest = DigestServer("c122", {"alice": "s3cret"}.get)
    stack, log = await make_stack(answer_then_hang_up, ws_port=0, registrar=registrar, digest=digest)
    async with connect(f"ws://127.0.0.1:{stack.bound_ports['ws']}", subprotocols=["sip"]) as ws:  # type: ignore[list-item]
        assert ws.subprotocol == "sip"
        phone = WsPhone(ws)
        registered = await phone.authed(
            lambda n: ws_request("REGISTER", "sip:c122.local", phone.local, n, "ws-reg", Expires="300"),
            "Authorization",
            "WWW-Authenticate",
        )
        assert registered.status == 200
        [binding] = registrar.lookup("alice")
        assert binding.source.transport == "ws"

        def invite(n: int) -> SipRequest:
            req = ws_request("INVITE", "sip:122@c122.local", phone.local, n, "ws-call")
            req.headers.add("Content-Type", "application/sdp")
            req.body = make_offer("127.0.0.1", 43000).encode()
            return req

        answered = await phone.authed(invite, "Proxy-Authorization", "Proxy-Authenticate")
        assert answered.status == 200
        ack = ws_request("ACK", "sip:127.0.0.1", phone.local, 2, "ws-call", to_tag=f";tag={answered.to.tag}")
        await phone.send(ack)
        bye = await phone.receive()
        assert isinstance(bye, SipRequest)
        assert bye.method == "BYE"
        await phone.send(make_response(bye, 200))
        [ended] = await log.wait_ended(1)
        assert ended.reason == "local-bye"


async def test_we_call_a_websocket_phone_on_its_registered_connection(make_stack):
    registrar = Registrar()
    stack, _ = await make_stack(ws_port=0, registrar=registrar)
    async with connect(f"ws://127.0.0.1:{stack.bound_ports['ws']}", subprotocols=["sip"]) as ws:  # type: ignore[list-item]
        phone = WsPhone(ws)
        await phone.send(ws_request("REGISTER", "sip:c122.local", phone.local, 1, "ws-reg2", Expires="300"))
        assert (await phone.final()).status == 200
        [binding] = registrar.lookup("alice")
        call = await stack.invite(
            str(binding.contact),
            from_uri="sip:122@c122.local",
            sdp=make_offer("127.0.0.1", 41000),
            transport=binding.source.transport,
            destination=(binding.source.host, binding.source.port),
        )
        invite = await phone.receive()
        assert isinstance(invite, SipRequest)
        assert invite.method == "INVITE"
        assert invite.top_via.transport == "WS"
        ok = make_response(invite, 200, to_tag="phone1")
        ok.headers.add("Contact", f"<sip:alice@{phone.local};transport=ws>")
        ok.headers.add("Content-Type", "application/sdp")
        ok.body = answer_offer(make_offer("127.0.0.1", 41000), "127.0.0.1", 43000).encode()
        await phone.send(ok)
        await call.answered(timeout=5)
        ack = await phone.receive()
        assert isinstance(ack, SipRequest)
        assert ack.method == "ACK"
        hangup = asyncio.ensure_future(call.hangup())  # returns when the BYE is answered
        bye = await phone.receive()
        assert isinstance(bye, SipRequest)
        assert bye.method == "BYE"
        await phone.send(make_response(bye, 200))
        await asyncio.wait_for(hangup, 5)
