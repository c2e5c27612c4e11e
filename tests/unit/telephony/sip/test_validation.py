"""Request checks that answer before any processing: 501, 483, 482, 420, 416."""

from __future__ import annotations

import pytest

from c122.telephony.sip.message import SipRequest, parse_message
from c122.telephony.sip.validation import Rejection, check_request

OWN = {"own_host": "10.0.0.1", "own_ports": {5060}, "allow": "INVITE, BYE", "supported": {"100rel", "timer"}}


def req(method: str = "INVITE", *extra: str, uri: str = "sip:122@10.0.0.1") -> SipRequest:
    lines = [
        f"{method} {uri} SIP/2.0",
        "Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bKv",
        "From: <sip:a@h>;tag=1",
        "To: <sip:122@h>",
        "Call-ID: v",
        f"CSeq: 1 {method}",
        "Max-Forwards: 70",
        *extra,
        "Content-Length: 0",
    ]
    msg = parse_message(("\r\n".join(lines) + "\r\n\r\n").encode())
    assert isinstance(msg, SipRequest)
    return msg


def test_a_plain_invite_passes():
    assert check_request(req(), **OWN) is None


def test_unknown_method_is_501_with_allow():
    assert check_request(req("FROB"), **OWN) == Rejection(501, None, [("Allow", "INVITE, BYE")])


def test_max_forwards_zero_is_483_except_for_options():
    zero = req("INVITE")
    zero.headers.set("Max-Forwards", "0")
    assert check_request(zero, **OWN) == Rejection(483)
    options = req("OPTIONS")
    options.headers.set("Max-Forwards", "0")
    assert check_request(options, **OWN) is None


def test_our_via_below_the_top_is_a_loop_but_our_via_on_top_is_not():
    looped = req("INVITE", "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKours")
    assert check_request(looped, **OWN) == Rejection(482, "Loop Detected")
    other_port = req("INVITE", "Via: SIP/2.0/UDP 10.0.0.1:5070;branch=z9hG4bKours")
    assert check_request(other_port, **OWN) is None


@pytest.mark.parametrize(
    ("require", "expected"),
    [
        ("100rel", None),
        ("timer, 100rel", None),
        ("foo, 100rel, bar", Rejection(420, None, [("Unsupported", "bar, foo")])),
    ],
)
def test_require_lists_only_what_we_lack(require: str, expected: Rejection | None):
    assert check_request(req("INVITE", f"Require: {require}"), **OWN) == expected


def test_cancel_is_never_refused_for_require():
    assert check_request(req("CANCEL", "Require: foo"), **OWN) is None
