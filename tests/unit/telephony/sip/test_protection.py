"""Per-source rate limits, scanner User-Agents and failed-auth throttling."""

from __future__ import annotations

from c122.telephony.sip.dtmf_info import format_dtmf_relay, parse_dtmf_info
from c122.telephony.sip.flows import Source
from c122.telephony.sip.protection import Protection, ProtectionSettings

A = Source("udp", "198.51.100.1", 5060)
B = Source("udp", "198.51.100.2", 5060)
OPTIONS = b"OPTIONS sip:x SIP/2.0\r\nUser-Agent: Grandstream\r\n\r\n"


def test_flooding_source_is_blocked_for_a_while_and_others_are_not():
    now = [0.0]
    p = Protection(
        ProtectionSettings(max_requests_per_source=5, rate_window=1, block_seconds=30), lambda: now[0]
    )
    assert all(p.allow(A, OPTIONS) for _ in range(5))
    assert not p.allow(A, OPTIONS)
    assert p.allow(B, OPTIONS)
    now[0] = 29
    assert not p.allow(A, OPTIONS)
    now[0] = 31
    assert p.allow(A, OPTIONS)


def test_requests_spread_over_the_window_are_not_limited():
    now = [0.0]
    p = Protection(ProtectionSettings(max_requests_per_source=5, rate_window=1), lambda: now[0])
    for i in range(50):
        now[0] = i * 0.25
        assert p.allow(A, OPTIONS)


def test_scanner_user_agents_are_dropped_case_insensitively():
    p = Protection(ProtectionSettings())
    assert not p.allow(A, b"OPTIONS sip:x SIP/2.0\r\nuser-agent: Friendly-Scanner\r\n\r\n")
    assert not p.allow(A, b"REGISTER sip:x SIP/2.0\r\nUser-Agent: sipvicious 0.3\r\n\r\n")
    assert p.allow(A, OPTIONS)


def test_repeated_auth_failures_hold_back_the_source_but_never_the_account():
    now = [0.0]
    p = Protection(ProtectionSettings(max_auth_failures=3, auth_window=60), lambda: now[0])
    for _ in range(3):
        assert p.auth_retry_after(A) == 0
        p.auth_failed(A, "101")
    assert p.auth_retry_after(A) == 60
    assert p.auth_retry_after(B) == 0  # the phone of account 101 elsewhere still gets its challenge
    now[0] = 45
    assert p.auth_retry_after(A) == 15
    now[0] = 61
    assert p.auth_retry_after(A) == 0


def test_success_resets_the_failure_count():
    p = Protection(ProtectionSettings(max_auth_failures=3))
    p.auth_failed(A, "101")
    p.auth_failed(A, "101")
    p.auth_succeeded(A, "101")
    p.auth_failed(A, "101")
    assert p.auth_retry_after(A) == 0


def test_dtmf_relay_and_dtmf_bodies_are_read():
    assert parse_dtmf_info("application/dtmf-relay", b"Signal=5\r\nDuration=250\r\n") == ("5", 250)
    assert parse_dtmf_info("application/dtmf-relay", b"Signal=11\r\n") == ("#", 160)
    assert parse_dtmf_info("application/dtmf", b"*") == ("*", 160)
    assert parse_dtmf_info("application/dtmf", b"10") == ("*", 160)
    assert parse_dtmf_info("application/dtmf-relay", b"Signal=X\r\n") is None
    assert parse_dtmf_info("text/plain", b"5") is None
    assert parse_dtmf_info("application/dtmf-relay", format_dtmf_relay("9", 120)) == ("9", 120)
