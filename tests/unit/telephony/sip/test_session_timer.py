"""Session timer negotiation (RFC 4028) and its clock on the answering side."""

from __future__ import annotations

import pytest

from c122.telephony.sip.message import SipRequest, parse_message
from c122.telephony.sip.session_timer import (
    Negotiated,
    SessionTimer,
    SessionTimerSettings,
    TooSmall,
    negotiate,
)


def invite(*headers: str) -> SipRequest:
    lines = [
        "INVITE sip:122@h SIP/2.0",
        "Via: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bKst",
        "From: <sip:a@h>;tag=1",
        "To: <sip:122@h>",
        "Call-ID: st",
        "CSeq: 1 INVITE",
        *headers,
        "Content-Length: 0",
    ]
    msg = parse_message(("\r\n".join(lines) + "\r\n\r\n").encode())
    assert isinstance(msg, SipRequest)
    return msg


SETTINGS = SessionTimerSettings(min_se=90)


def test_no_session_expires_means_no_timer():
    assert negotiate(invite("Supported: timer"), SETTINGS) is None


def test_interval_below_min_se_is_refused():
    with pytest.raises(TooSmall):
        negotiate(invite("Session-Expires: 30"), SETTINGS)


def test_the_callers_refresher_choice_is_kept():
    assert negotiate(invite("Session-Expires: 1800;refresher=uas"), SETTINGS) == Negotiated(1800, "uas")


def test_without_a_choice_a_timer_capable_caller_refreshes_else_we_do():
    assert negotiate(invite("Session-Expires: 600", "Supported: timer"), SETTINGS) == Negotiated(600, "uac")
    assert negotiate(invite("Session-Expires: 600"), SETTINGS) == Negotiated(600, "uas")
    assert Negotiated(600, "uac").header() == "600;refresher=uac"


def test_refresher_side_refreshes_at_half_the_interval(clock):
    fired = []
    timer = SessionTimer(
        clock,
        Negotiated(600, "uas"),
        we_refresh=True,
        refresh=lambda: fired.append(clock.now),
        expire=lambda: None,
    )
    timer.start()
    clock.advance(299)
    assert fired == []
    clock.advance(2)
    assert fired == [300]


def test_other_side_expires_the_session_unless_refreshed(clock):
    expired = []
    timer = SessionTimer(
        clock,
        Negotiated(90, "uac"),
        we_refresh=False,
        refresh=lambda: None,
        expire=lambda: expired.append(clock.now),
    )
    timer.start()
    clock.advance(50)
    timer.refreshed()  # a re-INVITE arrived
    clock.advance(59)
    assert expired == []
    clock.advance(1.1)
    assert expired == [pytest.approx(110)]  # 50 + (90 - 30)
    timer.cancel()
