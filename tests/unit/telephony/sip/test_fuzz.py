"""Bounded fuzzing of the message and SDP parsers, seeded with messages captured from real peers.

Every input must either parse into something that serialises and parses again, or raise the
parser's own error type: never any other exception.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from c122.telephony.sip.errors import SipParseError
from c122.telephony.sip.framing import StreamFramer
from c122.telephony.sip.message import SipMessage, parse_message
from c122.telephony.sip.sdp import SdpError, answer_offer, parse_sdp
from c122.telephony.sip.uri import NameAddr, SipUri, Via

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "sip"
SEEDS = [p.read_bytes() for p in sorted(FIXTURES.glob("*.sip"))]
SDP_SEEDS = [m.body for m in map(parse_message, SEEDS) if m.body.startswith(b"v=0")]
# bytes that matter to the grammar: separators, quotes, brackets, line ends, non-UTF-8
TOKENS = [b"\r\n", b":", b";", b",", b'"', b"<", b">", b" ", b"\x00", b"\xff", b"\r", b"\n", b"=", b"@",
          b"[", b"]", b"\\", b"Content-Length: 9\r\n", b"Via: SIP/2.0/UDP [::1]:5060\r\n"]  # fmt: skip
FUZZ = settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def mutated(draw: st.DrawFn, seeds: list[bytes]) -> bytes:
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "splice"]))
        pos = draw(st.integers(0, max(0, len(data) - 1)))
        if kind == "flip" and data:
            data[pos] = draw(st.integers(0, 255))
        elif kind == "insert":
            data[pos:pos] = draw(st.sampled_from(TOKENS))
        elif kind == "delete":
            del data[pos : pos + draw(st.integers(1, 20))]
        elif kind == "truncate":
            del data[pos:]
        else:
            other = draw(st.sampled_from(seeds))
            data[pos:pos] = other[: draw(st.integers(0, len(other)))]
    return bytes(data)


def survives(raw: bytes, *, stream: bool) -> SipMessage | None:
    try:
        msg = parse_message(raw, stream=stream)
    except SipParseError:
        return None
    again = parse_message(msg.serialize(), stream=True)
    assert again.body == msg.body
    return msg


@FUZZ
@given(mutated(SEEDS), st.booleans())
def test_mutated_real_messages_parse_or_fail_cleanly(raw: bytes, stream: bool):
    msg = survives(raw, stream=stream)
    if msg is not None:
        # everything the UA core reads lazily must be safe too
        for getter in (lambda: msg.vias, lambda: msg.from_, lambda: msg.to, lambda: msg.cseq):
            with contextlib.suppress(SipParseError):
                getter()


@FUZZ
@given(st.binary(max_size=2048), st.booleans())
def test_random_bytes_parse_or_fail_cleanly(raw: bytes, stream: bool):
    survives(raw, stream=stream)


@FUZZ
@given(mutated(SDP_SEEDS))
def test_mutated_sdp_parses_and_answers_or_fails_cleanly(raw: bytes):
    try:
        offer = parse_sdp(raw)
    except SdpError:
        return
    try:
        answer = answer_offer(offer, "127.0.0.1", 40000)
    except SdpError:
        return
    assert parse_sdp(str(answer)).audio is not None


@FUZZ
@given(st.text(max_size=200))
def test_uri_and_header_value_parsers_fail_cleanly(text: str):
    for parser in (SipUri.parse, NameAddr.parse, Via.parse):
        try:
            parsed = parser(text)
        except SipParseError:
            continue
        assert parser(str(parsed)) == parsed


@FUZZ
@given(st.lists(st.sampled_from(SEEDS), min_size=1, max_size=4), st.data())
def test_stream_framing_is_independent_of_chunk_boundaries(messages: list[bytes], data: st.DataObject):
    stream = b"".join(messages)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=10)))
    framer = StreamFramer()
    got: list[bytes] = []
    start = 0
    for cut in [*cuts, len(stream)]:
        got += framer.feed(stream[start:cut])
        start = cut
    assert got == messages
