"""The RFC 4475 torture messages: each parsed as the RFC says, and answered as RFC 3261 wants.

An answer here is what the stack sends before any call logic: the parser's refusal (with a
request to answer, or dropped), then the UA's request checks; `None` means the request goes on.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from c122.telephony.sip.flows import Source
from c122.telephony.sip.message import MessageParseError, SipRequest, SipResponse, parse_message
from c122.telephony.sip.registrar import Registrar
from c122.telephony.sip.validation import check_request

TORTURE = Path(__file__).resolve().parents[3] / "fixtures" / "sip" / "rfc4475"
OWN = {"own_host": "10.0.0.1", "own_ports": {5060}, "allow": "INVITE, BYE", "supported": {"100rel"}}
DROPPED = "dropped"


def load(name: str) -> bytes:
    return (TORTURE / f"{name}.sip").read_bytes()


def answer(name: str) -> int | str | None:
    try:
        msg = parse_message(load(name))
    except MessageParseError as exc:
        return exc.status if exc.partial is not None else DROPPED
    if isinstance(msg, SipResponse):
        return None
    rejection = check_request(msg, **OWN)
    return rejection.status if rejection else None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # §3.1.1 valid messages
        ("wsinv", None), ("intmeth", 501), ("esc01", None), ("escnull", None), ("esc02", 501),
        ("lwsdisp", None), ("dblreq", None), ("semiuri", None), ("transports", None),
        ("unreason", None), ("noreason", None),
        # §3.1.2 invalid messages: answered 400 (505 for the version), responses dropped
        ("badinv01", 400), ("clerr", 400), ("ncl", 400), ("scalar02", 400), ("scalarlg", DROPPED),
        ("quotbal", 400), ("ltgtruri", 400), ("lwsruri", 400), ("lwsstart", 400), ("trws", 400),
        ("escruri", 400), ("badaspec", 400), ("baddn", 400), ("badvers", 505),
        ("mismatch01", 400), ("mismatch02", 400), ("bigcode", DROPPED),
        # §3.2, §3.3 transaction and application layer
        ("badbranch", None), ("insuf", 400), ("unkscm", 416), ("novelsc", 416), ("unksm2", 400),
        ("bext01", 420), ("invut", 415), ("regaut01", None), ("multi01", 400), ("mcl01", 400),
        ("zeromf", None), ("cparam01", None), ("cparam02", None), ("regescrt", None),
        ("sdp01", 406),
        # §3.4 RFC 2543 syntax
        ("inv2543", None),
    ],
)  # fmt: skip
def test_each_torture_message_gets_the_answer_the_rfc_asks_for(name: str, expected: int | str | None):
    assert answer(name) == expected


def test_every_fixture_is_covered():
    covered = {p.stem for p in TORTURE.glob("*.sip")}
    assert len(covered) == 45


def test_short_tortuous_invite_reads_every_field():
    msg = parse_message(load("wsinv"))
    assert isinstance(msg, SipRequest)
    assert msg.request_uri.params == {"unknownparam": None}
    assert msg.to.tag == "1918181833n"
    assert msg.from_.display == 'J Rosenberg \\"'
    assert msg.from_.tag == "98asjd8"
    assert int(msg.headers.get("Max-Forwards") or "") == 68
    assert msg.cseq == (9, "INVITE")
    assert [(v.transport, v.host) for v in msg.vias] == [
        ("UDP", "192.0.2.2"),
        ("TCP", "spindle.example.com"),
        ("UDP", "192.168.255.111"),
    ]
    assert msg.vias[1].branch == "z9hG4bK9ikj8"
    assert msg.vias[2].branch == "z9hG4bK30239"
    assert msg.headers.get("Subject") == ""
    assert msg.headers.get("NewFangledHeader") == "newfangled value continued newfangled value"
    assert msg.headers.get("UnknownHeaderWithUnusualValue") == ";;,,;;,;"
    (contact,) = msg.headers.get_all("Contact")
    from c122.telephony.sip.uri import NameAddr

    addr = NameAddr.parse(contact)
    assert addr.display == 'Quoted string ""'
    assert addr.params == {"newparam": "newvalue", "secondparam": None, "q": "0.33"}
    assert len(msg.body) == 150


def test_escaped_control_characters_in_a_quoted_display_name_are_read_and_made_printable():
    msg = parse_message(load("intmeth"))
    assert isinstance(msg, SipRequest)
    assert msg.method == "!interesting-Method0123456789_*+`.%indeed'~"
    assert msg.to.display == "BEL:\ufffd NUL:\ufffd DEL:\ufffd"
    assert msg.from_.display == "token1~` token2'+_ token3*%!.-"
    assert msg.from_.tag == "_token~1'+`*%!-."
    assert msg.request_uri.user == "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*"


def test_a_control_character_outside_a_quoted_pair_is_still_refused():
    raw = load("lwsdisp").replace(b"From: caller<", b"From: call\x07er<")
    with pytest.raises(MessageParseError) as err:
        parse_message(raw)
    assert err.value.status == 400
    assert err.value.partial is not None


def test_only_the_first_message_of_a_datagram_counts():
    msg = parse_message(load("dblreq"))
    assert isinstance(msg, SipRequest)
    assert msg.method == "REGISTER"
    assert msg.body == b""


def test_unknown_content_type_names_what_is_accepted():
    msg = parse_message(load("invut"))
    assert isinstance(msg, SipRequest)
    rejection = check_request(msg, **OWN)
    assert rejection is not None
    assert rejection.status == 415
    assert ("Accept", "application/sdp") in rejection.headers


def test_registrar_refuses_a_contact_with_a_question_mark_outside_brackets_and_keeps_an_escaped_header():
    registrar = Registrar()
    source = Source("udp", "192.0.2.1", 5060)
    bad = parse_message(load("regbadct"))
    assert isinstance(bad, SipRequest)
    assert registrar.handle(bad, source, "user").status == 400
    good = parse_message(load("regescrt"))
    assert isinstance(good, SipRequest)
    assert registrar.handle(good, source, "user").status == 200
    (binding,) = registrar.lookup("user")
    assert binding.contact.headers == "Route=%3Csip:sip.example.com%3E"


def test_a_bare_ipv6_received_and_an_unquoted_cyrillic_display_name_are_read():
    from c122.telephony.sip.uri import NameAddr, Via

    via = Via.parse("SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bKx;received=2001:db8::2;rport=5062")
    assert via.params["received"] == "2001:db8::2"
    assert NameAddr.parse("Иван Петров <sip:ivan@example.ru>;tag=1").display == "Иван Петров"
