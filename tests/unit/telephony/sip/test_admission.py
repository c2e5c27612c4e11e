"""Admission caps, the trunks' reserve, and the early 503 built from raw bytes under overload."""

from __future__ import annotations

import asyncio
import socket
import time

import pytest

from c122.telephony.runtime import CallLimits
from c122.telephony.sip.admission import Admission, AdmissionSettings
from c122.telephony.sip.flows import Source
from c122.telephony.sip.message import SipResponse, parse_message
from c122.telephony.sip.overload import OVERLOAD_TAG, OverloadGuard, OverloadSettings, Standing, queued_bytes
from c122.telephony.sip.protection import Protection, ProtectionSettings, call_id_of

TRUNK = "203.0.113.5"
CALLER = "198.51.100.7"


def test_the_global_cap_refuses_and_a_release_makes_room():
    admission = Admission(AdmissionSettings(max_calls=2))
    assert admission.admit("a", "122", CALLER) is None
    assert admission.admit("b", "122", CALLER) is None
    assert admission.admit("c", "122", CALLER) == "global"
    admission.release("a")
    assert admission.admit("c", "122", CALLER) is None
    assert admission.active == 2


def test_the_reserve_is_left_to_trunks():
    admission = Admission(AdmissionSettings(max_calls=4, trunk_reserve=2, trunk_hosts=frozenset({TRUNK})))
    assert admission.admit("a", "122", CALLER) is None
    assert admission.admit("b", "122", CALLER) is None
    assert admission.admit("c", "122", CALLER) == "trunk_reserve"
    assert admission.admit("d", "122", TRUNK) is None
    assert admission.admit("e", "122", TRUNK) is None
    assert admission.admit("f", "122", TRUNK) == "global"


def test_a_line_cap_leaves_other_lines_alone():
    admission = Admission(AdmissionSettings(max_calls=10, max_calls_per_line=1))
    assert admission.admit("a", "122", CALLER) is None
    assert admission.admit("b", "122", CALLER) == "line"
    assert admission.admit("c", "123", CALLER) is None
    admission.release("a")
    assert admission.admit("b", "122", CALLER) is None


def test_a_retransmitted_invite_is_not_counted_twice_and_unknown_releases_are_ignored():
    admission = Admission(AdmissionSettings(max_calls=1))
    assert admission.admit("a", "122", CALLER) is None
    assert admission.admit("a", "122", CALLER) is None
    admission.release("nobody")
    assert admission.active == 1


def test_the_default_cap_comes_from_the_rtp_range():
    settings = CallLimits(trunk_reserve_percent=10).admission(20000, 29999, frozenset())
    assert settings.max_calls == 5000 // 3
    assert settings.trunk_reserve == settings.max_calls // 10
    assert CallLimits(max_calls=50).admission(20000, 29999, frozenset()).max_calls == 50


INVITE = (
    b"INVITE sip:122@127.0.0.1 SIP/2.0\r\n"
    b"Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKa;rport\r\n"
    b"Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bKb\r\n"
    b"From: <sip:caller@127.0.0.1>;tag=abc\r\n"
    b"To: <sip:122@127.0.0.1>\r\n"
    b"Call-ID: flood-1\r\n"
    b"CSeq: 1 INVITE\r\n"
    b"Content-Type: application/sdp\r\n"
    b"Content-Length: 4\r\n\r\nv=0\n"
)


@pytest.fixture
def backlogged():
    """A real UDP socket with about 30 KB waiting in its receive queue."""
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        for _ in range(20):
            sender.sendto(INVITE, receiver.getsockname())
    deadline = time.monotonic() + 2
    while (queued_bytes(receiver) or 0) < 10_000 and time.monotonic() < deadline:
        time.sleep(0.01)
    yield receiver
    receiver.close()


def drain(sock: socket.socket) -> None:
    sock.setblocking(False)
    while True:
        try:
            sock.recv(65536)
        except BlockingIOError:
            return


def test_a_new_invite_met_with_a_queue_that_stands_gets_a_stateless_503(backlogged):
    now = [0.0]
    guard = OverloadGuard(backlogged, OverloadSettings(4096, 0, retry_after=9), clock=lambda: now[0])
    assert guard.enabled
    assert guard.refusal(INVITE) is None  # deep, but for no time yet: a burst the stack may catch up on
    now[0] = 0.1  # deep for the whole interval: the queue stands
    raw = guard.refusal(INVITE)
    assert raw is not None
    response = parse_message(raw)
    assert isinstance(response, SipResponse)
    assert response.status == 503
    assert response.headers.get("Retry-After") == "9"
    assert [v.host for v in response.vias] == ["127.0.0.1", "10.0.0.9"]
    assert response.to.tag == OVERLOAD_TAG
    assert response.call_id == "flood-1"
    assert response.cseq == (1, "INVITE")
    ack = INVITE.replace(b"INVITE sip", b"ACK sip").replace(
        b"To: <sip:122@127.0.0.1>", b"To: <sip:122@127.0.0.1>;tag=" + OVERLOAD_TAG.encode()
    )
    assert guard.is_ack_of_refusal(ack)


def test_requests_of_calls_in_progress_and_a_shallow_queue_are_never_refused(backlogged):
    guard = OverloadGuard(backlogged, OverloadSettings(4096, 0, retry_after=9, standing=0))
    reinvite = INVITE.replace(b"To: <sip:122@127.0.0.1>", b"To: <sip:122@127.0.0.1>;tag=x1")
    assert guard.refusal(reinvite) is None
    assert guard.refusal(INVITE.replace(b"INVITE sip", b"OPTIONS sip")) is None
    relaxed = OverloadGuard(backlogged, OverloadSettings(10_000_000, 0, retry_after=9))
    assert relaxed.refusal(INVITE) is None


def test_a_blocked_source_still_reaches_its_own_call_but_nothing_else():
    known = {"flood-1"}
    now = [0.0]
    p = Protection(
        ProtectionSettings(max_requests_per_source=2), lambda: now[0], known_call=known.__contains__
    )
    source = Source("udp", CALLER, 5060)
    bye = INVITE.replace(b"INVITE sip", b"BYE sip")
    assert p.allow(source, bye)
    assert p.allow(source, bye)
    assert p.allow(source, bye)  # over the limit: blocked now, but this is a call in progress
    assert p.blocked.blocked(CALLER)
    assert p.allow(source, bye)
    assert not p.allow(source, bye.replace(b"flood-1", b"someone-else"))
    assert call_id_of(b"BYE sip:x SIP/2.0\r\ni:  abc@host \r\n\r\nCall-ID: body") == "abc@host"


async def test_a_late_event_loop_refuses_new_invites_but_not_a_call_being_set_up():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        settings = OverloadSettings(0, 0.05, known_call={"flood-1"}.__contains__, standing=0)
        guard = OverloadGuard(sock, settings)
        guard.start(asyncio.get_running_loop())
        try:
            await asyncio.sleep(0.05)
            assert guard.refusal(INVITE.replace(b"flood-1", b"flood-2")) is None  # on time
            time.sleep(0.2)  # noqa: ASYNC251 - the loop blocked on purpose: work waits
            assert guard.refusal(INVITE) is None  # its own call goes on
            assert guard.refusal(INVITE.replace(b"flood-1", b"flood-2")) is not None
        finally:
            guard.stop()


def test_a_resent_copy_of_a_refused_invite_is_refused_again_once_the_queue_has_drained(backlogged):
    guard = OverloadGuard(backlogged, OverloadSettings(4096, 0, retry_after=9, standing=0))
    assert guard.refusal(INVITE) is not None
    drain(backlogged)
    assert guard.refusal(INVITE.replace(b"flood-1", b"flood-2")) is None  # the load has eased
    assert guard.refusal(INVITE) is not None  # but the caller took the 503 and left


# --- what decides overload: a queue that stands, not a burst -------------------------------------------


def test_a_burst_that_drains_within_the_interval_refuses_nobody(backlogged):
    """At the capacity, a pause (garbage collection, another process on the CPU) fills the queue
    for a moment and the stack catches up: every call is served. Before, one deep look refused."""
    now = [0.0]
    guard = OverloadGuard(backlogged, OverloadSettings(4096, 0, standing=0.1), clock=lambda: now[0])
    assert guard.refusal(INVITE) is None
    now[0] = 0.06
    drain(backlogged)  # caught up
    assert guard.refusal(INVITE) is None
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:  # the next burst
        for _ in range(20):
            sender.sendto(INVITE, backlogged.getsockname())
    deadline = time.monotonic() + 2
    while (queued_bytes(backlogged) or 0) < 10_000 and time.monotonic() < deadline:
        time.sleep(0.01)
    now[0] = 0.12  # deep again, 0.12 s after the first burst began, but only just now
    assert guard.refusal(INVITE) is None
    assert not guard.overloaded
    now[0] = 0.22  # and now it has stood for the interval
    assert guard.refusal(INVITE) is not None


def test_a_standing_signal_turns_on_after_the_interval_and_off_below_half():
    signal = Standing(100, 0.1)
    assert not signal.look(0.0, 150)
    assert not signal.look(0.05, 500)
    assert signal.look(0.1, 101)  # above for the whole interval
    assert signal.look(0.2, 99)  # under the threshold, not yet under half: the backlog still drains
    assert signal.look(0.3, 50)
    assert not signal.look(0.4, 49)
    assert not signal.look(0.45, 150)  # a new count begins
    assert not signal.look(0.5, 100)  # at the threshold is not above it: the count starts again
    assert not signal.look(0.58, 150)
    assert signal.look(0.68, 150)


def test_with_no_interval_one_look_above_the_threshold_decides():
    signal = Standing(100, 0)
    assert not signal.look(0.0, 100)
    assert signal.look(0.0, 101)
