"""Hostile and broken input over real sockets: each answered correctly or dropped, service goes on."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass

import pytest
from prometheus_client import REGISTRY

from c122.telephony.sip import IncomingCall, ProtectionSettings
from c122.telephony.sip.message import parse_message

_ids = itertools.count()


@dataclass
class Answer:
    """A response read loosely: answers to broken requests may lack headers a parser insists on."""

    status: int
    reason: str
    raw: bytes

    def header(self, name: str) -> str | None:
        for line in self.raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")[1:]:
            key, _, value = line.decode().partition(":")
            if key.strip().lower() == name.lower():
                return value.strip()
        return None


class UdpPeer(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.inbox: asyncio.Queue[bytes] = asyncio.Queue()
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr) -> None:
        self.inbox.put_nowait(data)

    @property
    def port(self) -> int:
        assert self.transport is not None
        return self.transport.get_extra_info("sockname")[1]

    async def response(self, timeout: float = 3.0) -> Answer:
        while True:
            raw = await asyncio.wait_for(self.inbox.get(), timeout)
            if not raw.startswith(b"SIP/2.0 "):
                continue  # stray traffic from other suites sharing the loopback
            status_line = raw.split(b"\r\n", 1)[0].decode()
            status, _, reason = status_line[8:].partition(" ")
            if status != "100":
                return Answer(int(status), reason, raw)


@pytest.fixture
async def peer_factory():
    transports = []

    async def make(host: str = "127.0.0.1") -> UdpPeer:
        loop = asyncio.get_running_loop()
        transport, proto = await loop.create_datagram_endpoint(UdpPeer, local_addr=(host, 0))
        transports.append(transport)
        return proto

    yield make
    for t in transports:
        t.close()


def sip(
    method: str = "OPTIONS",
    *extra: str,
    port: int,
    body: bytes = b"",
    length: int | None = None,
    uri: str = "sip:122@127.0.0.1",
    to_tag: str = "",
    cseq_method: str | None = None,
) -> bytes:
    n = next(_ids)
    lines = [
        f"{method} {uri} SIP/2.0",
        f"Via: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bKbad{n};rport",
        f"From: <sip:tester@127.0.0.1>;tag=t{n}",
        f"To: <sip:122@127.0.0.1>{to_tag}",
        f"Call-ID: bad-{n}",
        f"CSeq: 1 {cseq_method or method}",
        "Max-Forwards: 70",
        *extra,
        f"Content-Length: {len(body) if length is None else length}",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def exchange(peer: UdpPeer, stack_port: int, data: bytes) -> Answer:
    assert peer.transport is not None
    peer.transport.sendto(data, ("127.0.0.1", stack_port))
    return await peer.response()


@pytest.fixture
async def target(make_stack):
    async def hang_up_with_injected_reason(call: IncomingCall) -> None:
        await call.reject(486, "Busy\r\nX-Injected: yes")

    stack, _ = await make_stack(hang_up_with_injected_reason, max_message_size=16 * 1024)
    return stack


@pytest.mark.parametrize(
    ("make", "status", "reason_part"),
    [
        (lambda p: sip("OPTIONS", port=p, body=b"abc", length=50), 400, "Content-Length"),
        (lambda p: b"\r\n".join(x for x in sip(port=p).split(b"\r\n") if not x.startswith(b"From")),
         400, "From"),
        (lambda p: sip("OPTIONS", port=p, cseq_method="INVITE"), 400, "CSeq"),
        (lambda p: sip("FROBNICATE", port=p), 501, ""),
        (lambda p: sip("INVITE", "Require: 100rel, foo", port=p), 420, ""),
        (lambda p: sip("INVITE", port=p).replace(b"Max-Forwards: 70", b"Max-Forwards: 0"), 483, ""),
        (lambda p: sip("BYE", port=p, to_tag=";tag=nosuchdialog"), 481, ""),
        (lambda p: sip("CANCEL", port=p), 481, ""),
        (lambda p: sip("INVITE", port=p, uri="sip:122@127.0.0.1").replace(
            b";rport\r\n", b";rport\r\nVia: SIP/2.0/UDP 127.0.0.1:{own};branch=z9hG4bKloop\r\n"), 482, ""),
    ],
    ids=["wrong-length", "no-from", "cseq-mismatch", "unknown-method", "require",
         "max-forwards-0", "unknown-dialog", "cancel-unknown", "via-loop"],
)  # fmt: skip
async def test_bad_request_gets_the_right_error_answer(target, peer_factory, make, status, reason_part):
    malformed_before = REGISTRY.get_sample_value("c122_sip_messages_total", {"event": "malformed"}) or 0
    peer = await peer_factory()
    port = target.bound_ports["udp"]
    data = make(peer.port).replace(b"{own}", str(port).encode())
    response = await exchange(peer, port, data)
    assert response.status == status
    assert reason_part in response.reason
    if status == 420:
        assert response.header("Unsupported") == "foo"  # 100rel is supported
    malformed_after = REGISTRY.get_sample_value("c122_sip_messages_total", {"event": "malformed"}) or 0
    assert (malformed_after > malformed_before) == (status == 400)
    # the stack keeps serving
    assert (await exchange(peer, port, sip("OPTIONS", port=peer.port))).status == 200


async def test_invalid_utf8_is_dropped_and_the_next_request_served(target, peer_factory):
    peer = await peer_factory()
    port = target.bound_ports["udp"]
    broken = sip("OPTIONS", port=peer.port).replace(b"From: <sip:tester", b"From: <sip:\xff\xfe")
    peer.transport.sendto(broken, ("127.0.0.1", port))
    with pytest.raises(TimeoutError):
        await peer.response(timeout=0.5)
    assert (await exchange(peer, port, sip(port=peer.port))).status == 200


async def test_reason_text_cannot_inject_header_lines(target, peer_factory):
    peer = await peer_factory()
    port = target.bound_ports["udp"]
    peer.transport.sendto(sip("INVITE", port=peer.port), ("127.0.0.1", port))
    while True:
        raw = await asyncio.wait_for(peer.inbox.get(), 3)
        if raw.startswith(b"SIP/2.0 486"):
            break
    assert b"\r\nX-Injected" not in raw
    assert parse_message(raw).headers.get("X-Injected") is None


async def test_oversized_datagram_is_refused_and_a_torn_tcp_message_is_reassembled(target, peer_factory):
    peer = await peer_factory()
    port = target.bound_ports["udp"]
    big = sip("OPTIONS", "Content-Type: text/plain", port=peer.port, body=b"x" * 20_000)
    assert (await exchange(peer, port, big)).status == 513

    reader, writer = await asyncio.open_connection("127.0.0.1", target.bound_ports["tcp"])
    local = writer.get_extra_info("sockname")[1]
    message = sip("OPTIONS", port=local).replace(b"SIP/2.0/UDP", b"SIP/2.0/TCP")
    writer.write(message[:40])
    await writer.drain()
    writer.write(message[40:])
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 3)
    assert head.startswith(b"SIP/2.0 200")
    writer.close()


async def test_a_10_mb_body_on_tcp_closes_that_connection_only(target, peer_factory):
    reader, writer = await asyncio.open_connection("127.0.0.1", target.bound_ports["tcp"])
    local = writer.get_extra_info("sockname")[1]
    writer.write(sip("OPTIONS", port=local, length=10 * 1024 * 1024).replace(b"SIP/2.0/UDP", b"SIP/2.0/TCP"))
    await writer.drain()
    assert await asyncio.wait_for(reader.read(), 3) == b""  # closed by the stack
    peer = await peer_factory()
    assert (await exchange(peer, target.bound_ports["udp"], sip(port=peer.port))).status == 200


async def test_flood_from_one_address_is_cut_off_while_others_are_served(make_stack, peer_factory):
    stack, _ = await make_stack(protection=ProtectionSettings(max_requests_per_source=50, rate_window=30))
    port = stack.bound_ports["udp"]
    flooder = await peer_factory("127.0.0.1")
    for _ in range(300):
        flooder.transport.sendto(sip("OPTIONS", port=flooder.port), ("127.0.0.1", port))
    answered = 0
    try:
        while True:
            await flooder.response(timeout=1.0)
            answered += 1
    except TimeoutError:
        pass
    assert 40 <= answered <= 50
    other = await peer_factory("127.0.0.2")
    assert (await exchange(other, port, sip(port=other.port))).status == 200
    assert stack.health().status == "up"


async def test_scanner_user_agent_gets_no_answer(target, peer_factory):
    peer = await peer_factory()
    port = target.bound_ports["udp"]
    peer.transport.sendto(sip("OPTIONS", "User-Agent: friendly-scanner", port=peer.port), ("127.0.0.1", port))
    with pytest.raises(TimeoutError):
        await peer.response(timeout=0.5)
    assert (await exchange(peer, port, sip(port=peer.port))).status == 200


async def test_crlf_keepalive_ping_on_tcp_gets_a_pong_and_the_connection_stays(target, peer_factory):
    reader, writer = await asyncio.open_connection("127.0.0.1", target.bound_ports["tcp"])
    writer.write(b"\r\n\r\n")
    await writer.drain()
    assert await asyncio.wait_for(reader.readexactly(2), 3) == b"\r\n"
    local = writer.get_extra_info("sockname")[1]
    writer.write(sip("OPTIONS", port=local).replace(b"SIP/2.0/UDP", b"SIP/2.0/TCP"))
    await writer.drain()
    assert (await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 3)).startswith(b"SIP/2.0 200")
    writer.close()


@pytest.mark.parametrize(
    ("make", "status", "header"),
    [
        # LWS around the slashes of the Via protocol is grammatical (RFC 3261 §25.1 SLASH)
        (lambda p: sip(port=p).replace(b"Via: SIP/2.0/UDP", b"Via: SIP / 2.0 / UDP"), 200, None),
        # a quoted-pair may escape a control character in a display name
        (lambda p: sip(port=p).replace(b"From: <sip:tester", b'From: "BEL:\\\x07 NUL:\\\x00" <sip:tester'),
         200, None),
        (lambda p: sip(port=p, uri="nobodyKnowsThisScheme:totallyopaquecontent"), 416, None),
        (lambda p: sip("INVITE", "Content-Type: application/unknownformat", port=p, body=b"<audio/>"),
         415, ("Accept", "application/sdp")),
        (lambda p: sip("OPTIONS", "Content-Length: 13", "Content-Type: text/plain", port=p,
                       body=b"abcdefghijklmnopqrstuvwxyz", length=5), 400, None),
        # a broken request line is answered, not dropped
        (lambda p: sip(port=p).replace(b"OPTIONS sip:", b"OPTIONS  sip:"), 400, None),
    ],
    ids=["via-lws", "escaped-controls-in-display", "unknown-scheme", "unknown-content-type",
         "two-content-lengths", "double-space-request-line"],
)  # fmt: skip
async def test_grammar_edge_gets_the_rfc_answer_over_the_wire(target, peer_factory, make, status, header):
    peer = await peer_factory()
    port = target.bound_ports["udp"]
    response = await exchange(peer, port, make(peer.port))
    assert response.status == status
    if header is not None:
        assert response.header(header[0]) == header[1]
