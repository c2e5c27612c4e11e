"""Refer-To with an embedded Replaces, Replaces itself, and sipfrag bodies."""

from __future__ import annotations

import pytest

from c122.telephony.sip.errors import SipParseError
from c122.telephony.sip.refer import ReferTo, Replaces, parse_sipfrag, sipfrag
from c122.telephony.sip.uri import SipUri


def test_attended_transfer_refer_to_carries_an_escaped_replaces():
    value = "<sip:201@10.0.0.7?Replaces=abc%40h%3Bto-tag%3D111%3Bfrom-tag%3D222>"
    refer_to = ReferTo.parse(value)
    assert str(refer_to.target) == "sip:201@10.0.0.7"
    assert refer_to.replaces == Replaces("abc@h", "111", "222")
    assert ReferTo.parse(str(refer_to)) == refer_to


def test_blind_transfer_has_no_replaces():
    refer_to = ReferTo.parse("<sip:201@10.0.0.7;user=phone>")
    assert refer_to.replaces is None
    assert refer_to.target == SipUri.parse("sip:201@10.0.0.7;user=phone")


def test_replaces_header_with_early_only():
    r = Replaces.parse("98732@sip.example.com;from-tag=r33th4x0r;to-tag=ff87ff;early-only")
    assert (r.call_id, r.to_tag, r.from_tag, r.early_only) == (
        "98732@sip.example.com",
        "ff87ff",
        "r33th4x0r",
        True,
    )


@pytest.mark.parametrize("value", ["", "abc", "abc;to-tag=1", "abc;from-tag=2"])
def test_incomplete_replaces_is_a_parse_error(value: str):
    with pytest.raises(SipParseError):
        Replaces.parse(value)


def test_sipfrag_round_trip_and_garbage():
    assert parse_sipfrag(sipfrag(486, "Busy Here")) == 486
    assert parse_sipfrag(b"SIP/2.0 100 Trying") == 100
    assert parse_sipfrag(b"hello") is None
