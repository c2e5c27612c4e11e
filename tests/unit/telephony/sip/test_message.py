"""SIP message parsing and serialisation, against captured real messages and hand-made edge cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from c122.telephony.sip.errors import SipParseError
from c122.telephony.sip.framing import StreamFramer
from c122.telephony.sip.message import (
    Headers,
    MessageParseError,
    SipRequest,
    SipResponse,
    make_response,
    parse_message,
)
from c122.telephony.sip.uri import NameAddr, SipUri, Via

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "sip"
CAPTURED = [p.read_bytes() for p in sorted(FIXTURES.glob("*.sip"))]


def request(*headers: str, body: str = "", start: str = "INVITE sip:122@10.0.0.1 SIP/2.0") -> bytes:
    base = [
        start,
        "Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK776asdhds",
        "From: <sip:alice@example.ru>;tag=1928301774",
        "To: <sip:122@example.ru>",
        "Call-ID: a84b4c76e66710",
        "CSeq: 314159 INVITE",
        "Max-Forwards: 70",
    ]
    lines = base + list(headers)
    if not any(h.lower().startswith(("content-length", "l:")) for h in headers):
        lines.append(f"Content-Length: {len(body.encode())}")
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


def test_fixtures_were_captured_from_real_peers():
    names = {p.name.split("_")[0] for p in FIXTURES.glob("*.sip")}
    assert {"sipp", "kamailio", "baresip"} <= names


@pytest.mark.parametrize("raw", CAPTURED, ids=lambda b: b.split(b"\r\n")[0][:40].decode())
def test_captured_messages_parse_and_survive_a_round_trip(raw: bytes):
    msg = parse_message(raw)
    again = parse_message(msg.serialize(), stream=True)
    assert list(again.headers) == [(n, v) for n, v in msg.headers if n != "Content-Length"] + [
        ("Content-Length", str(len(msg.body)))
    ]
    assert again.body == msg.body
    assert type(again) is type(msg)


def test_kamailio_invite_has_its_record_route_and_two_vias_in_order(fixture_bytes):
    msg = parse_message(fixture_bytes("kamailio_invite.sip"))
    assert isinstance(msg, SipRequest)
    assert [v.port for v in msg.vias] == [46001, 46003]
    assert msg.headers.get_all("Record-Route") == ["<sip:127.0.0.1:46001;lr;ftag=22372SIPpTag1>"]
    assert msg.headers.get("max-forwards") == "69"


def test_compact_header_forms_map_to_their_full_names():
    raw = (
        b"OPTIONS sip:122@h SIP/2.0\r\nv: SIP/2.0/TCP h:5060;branch=z9hG4bKx\r\nf: <sip:a@h>;tag=1\r\n"
        b"t: <sip:b@h>\r\ni: abc\r\nCSeq: 1 OPTIONS\r\nm: <sip:a@10.0.0.9>\r\nk: timer\r\nc: text/plain\r\n"
        b"l: 2\r\n\r\nhi"
    )
    msg = parse_message(raw, stream=True)
    assert msg.call_id == "abc"
    assert msg.headers.get("Contact") == "<sip:a@10.0.0.9>"
    assert msg.headers.get("Supported") == "timer"
    assert msg.content_type == "text/plain"
    assert msg.body == b"hi"
    assert msg.top_via.transport == "TCP"


def test_repeated_and_comma_separated_vias_keep_their_order():
    raw = request("Via: SIP/2.0/UDP 10.0.0.3;branch=z9hG4bKb, SIP/2.0/TCP 10.0.0.4:5070;branch=z9hG4bKc")
    msg = parse_message(raw)
    assert [v.host for v in msg.vias] == ["10.0.0.2", "10.0.0.3", "10.0.0.4"]
    assert msg.vias[2].port == 5070


def test_quoted_display_names_with_commas_and_escapes_do_not_split_contacts():
    raw = request('Contact: "Doe, John \\"JD\\"" <sip:jd@10.0.0.5>;q=0.5, <sip:x@10.0.0.6>')
    contacts = parse_message(raw).headers.get_all("Contact")
    assert len(contacts) == 2
    first = NameAddr.parse(contacts[0])
    assert first.display == 'Doe, John "JD"'
    assert first.params == {"q": "0.5"}
    assert str(NameAddr.parse(str(first))) == str(first)


def test_utf8_display_name_is_decoded():
    raw = request('Contact: "Иван Петров" <sip:ivan@10.0.0.7>')
    contact = NameAddr.parse(parse_message(raw).headers.get_all("Contact")[0])
    assert contact.display == "Иван Петров"


def test_ipv6_uri_with_parameters_and_headers():
    uri = SipUri.parse("sip:alice:pw@[2001:db8::1]:5070;transport=tcp;lr?subject=call&priority=urgent")
    assert (uri.user, uri.password, uri.host, uri.port) == ("alice", "pw", "[2001:db8::1]", 5070)
    assert uri.params == {"transport": "tcp", "lr": None}
    assert uri.headers == "subject=call&priority=urgent"
    assert uri.transport == "tcp"
    assert SipUri.parse(str(uri)) == uri


def test_ipv6_via_keeps_brackets_in_sent_by():
    via = Via.parse("SIP/2.0/UDP [2001:db8::9]:5060;branch=z9hG4bKq;rport")
    assert via.host == "[2001:db8::9]"
    assert via.params == {"branch": "z9hG4bKq", "rport": None}
    assert str(via) == "SIP/2.0/UDP [2001:db8::9]:5060;branch=z9hG4bKq;rport"


def test_folded_header_lines_are_joined():
    raw = request("Subject: first part\r\n  second part")
    assert parse_message(raw).headers.get("Subject") == "first part second part"


def test_udp_body_is_cut_at_content_length():
    raw = request("Content-Type: text/plain", "Content-Length: 3", body="abcdef")
    assert parse_message(raw).body == b"abc"


def test_content_length_beyond_the_body_is_a_400_with_a_reason():
    raw = request("Content-Length: 50", body="short")
    with pytest.raises(MessageParseError) as err:
        parse_message(raw)
    assert err.value.status == 400
    assert "Content-Length" in err.value.reason
    assert err.value.partial is not None


def test_stream_transport_requires_content_length():
    raw = b"\r\n".join(request().split(b"\r\n")[:-3]) + b"\r\n\r\n"
    assert b"Content-Length" not in raw
    with pytest.raises(MessageParseError, match="Content-Length"):
        parse_message(raw, stream=True)
    assert parse_message(raw).body == b""


def test_oversized_message_is_refused_with_513():
    raw = request("Content-Type: application/octet-stream", body="x" * (10 * 1024 * 1024))
    with pytest.raises(MessageParseError) as err:
        parse_message(raw)
    assert err.value.status == 513


def test_invalid_utf8_in_headers_is_a_400():
    raw = request().replace(b"Call-ID: a84b4c76e66710", b"Call-ID: \xff\xfe")
    with pytest.raises(MessageParseError, match="UTF-8"):
        parse_message(raw)


@pytest.mark.parametrize("missing", ["From", "To", "Call-ID", "CSeq"])
def test_missing_mandatory_header_keeps_the_request_for_a_400(missing: str):
    lines = [line for line in request().split(b"\r\n") if not line.startswith(missing.encode() + b":")]
    with pytest.raises(MessageParseError, match=f"missing {missing}") as err:
        parse_message(b"\r\n".join(lines))
    if missing in ("From", "To", "Call-ID"):
        assert err.value.partial is not None


def test_missing_via_cannot_be_answered():
    lines = [line for line in request().split(b"\r\n") if not line.startswith(b"Via:")]
    with pytest.raises(MessageParseError) as err:
        parse_message(b"\r\n".join(lines))
    assert err.value.partial is None


def test_cseq_method_must_match_the_request_method():
    raw = request(start="BYE sip:122@10.0.0.1 SIP/2.0")
    with pytest.raises(MessageParseError, match="CSeq"):
        parse_message(raw)


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"garbage\r\n\r\n",
        b"INVITE sip:x SIP/3.0\r\n\r\n",
        b"SIP/2.0 99 Odd\r\n\r\n",
        b"INVITE sip:a@b SIP/2.0\r\nNoColonHere\r\n\r\n",
        b"INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKa\r\n",
    ],
)
def test_malformed_input_raises_a_parse_error_not_anything_else(raw: bytes):
    with pytest.raises(SipParseError):
        parse_message(raw)


def test_header_values_with_line_breaks_cannot_be_added():
    headers = Headers()
    with pytest.raises(ValueError, match="control character"):
        headers.add("Subject", "hello\r\nVia: SIP/2.0/UDP evil")
    with pytest.raises(ValueError, match="control character"):
        headers.add("X-Evil\r\nVia", "x")


def test_bare_carriage_return_inside_a_received_header_is_rejected():
    raw = request("Subject: a\rInjected: b")
    with pytest.raises(MessageParseError, match="control character"):
        parse_message(raw)


def test_response_copies_the_transaction_headers_and_adds_a_to_tag():
    req = parse_message(request("Record-Route: <sip:10.0.0.9;lr>"))
    assert isinstance(req, SipRequest)
    resp = make_response(req, 180, to_tag="abc")
    assert isinstance(resp, SipResponse)
    assert resp.headers.get("Via") == req.headers.get("Via")
    assert resp.to.tag == "abc"
    assert resp.headers.get("Record-Route") == "<sip:10.0.0.9;lr>"
    assert make_response(req, 100).to.tag is None
    assert make_response(req, 400, "bad\r\nX: y").reason == "bad  X: y"
    assert parse_message(make_response(req, 486).serialize()).to.tag is not None


def test_stream_framer_splits_joined_and_torn_messages():
    one = request(body="v=0\r\n")
    two = request("Subject: second")
    framer = StreamFramer()
    data = b"\r\n\r\n" + one + two  # keep-alive first
    got = framer.feed(data[:17])
    got += framer.feed(data[17 : len(one) + 9])
    got += framer.feed(data[len(one) + 9 :])
    assert got == [one, two]


def test_stream_framer_refuses_an_endless_header_section():
    framer = StreamFramer(max_size=1024)
    with pytest.raises(SipParseError):
        framer.feed(b"INVITE sip:a@b SIP/2.0\r\nX: " + b"a" * 2000)


def test_stream_framer_refuses_a_huge_declared_body():
    framer = StreamFramer(max_size=64 * 1024)
    with pytest.raises(SipParseError) as err:
        framer.feed(request("Content-Length: 10485760"))
    assert err.value.status == 513


def test_replacing_the_top_via_keeps_the_lower_vias_and_the_parsed_from_and_to():
    msg = parse_message(request("Via: SIP/2.0/UDP 10.0.0.9:5070;branch=z9hG4bKlower"))
    sender, lower = msg.vias
    caller, callee = msg.from_, msg.to
    msg.replace_top_via(sender.with_params(received="192.0.2.7", rport="5099"))
    assert msg.top_via.params["received"] == "192.0.2.7"
    assert msg.vias[1] is lower
    assert msg.from_ is caller
    assert msg.to is callee
    reparsed = parse_message(msg.serialize())  # the header lines say what the cached values say
    assert reparsed.vias == msg.vias
    assert make_response(msg, 200).top_via.params["rport"] == "5099"


@pytest.mark.parametrize("name", ["Call-ID", "CSeq", "Max-Forwards", "From"])
def test_a_single_valued_header_given_twice_is_refused(name: str):
    second = {"Call-ID": "other", "CSeq": "1 INVITE", "Max-Forwards": "69"}
    value = second.get(name, "<sip:bob@example.ru>;tag=2")
    with pytest.raises(MessageParseError, match=f"more than one {name}"):
        parse_message(request(f"{name}: {value}"))
