"""SIPp as caller against our UAS, and our UAC against SIPp as callee."""

from __future__ import annotations

import asyncio

import pytest

from c122.telephony.sip import CallFailed, DigestCredentials, IncomingCall, SipStack, TimerSettings
from c122.telephony.sip.sdp import Direction, make_offer

pytestmark = pytest.mark.peers


@pytest.mark.parametrize("transport", ["u1", "t1"])
async def test_sipp_calls_are_answered_and_hung_up_over_udp_and_tcp(make_stack, sipp, transport):
    stack, log = await make_stack()
    calls = 20
    result = await sipp.run(
        ["-sn", "uac", "-m", str(calls), "-r", "20", "-l", "10", f"127.0.0.1:{stack.bound_ports['udp']}"],
        transport=transport,
    )
    assert result.returncode == 0, result.output + result.errors
    ended = await log.wait_ended(calls)
    assert [e.reason for e in ended] == ["remote-bye"] * calls
    assert all(c.offer is not None and c.offer.audio is not None for c in log.calls)


async def test_sipp_cancel_while_ringing_ends_the_call_with_487(make_stack, sipp):
    rang = asyncio.Event()

    async def ring_forever(call: IncomingCall) -> None:
        await call.ringing()
        rang.set()

    stack, log = await make_stack(ring_forever)
    result = await sipp.run(
        ["-sf", sipp.scenario("uac_cancel.xml"), "-m", "3", f"127.0.0.1:{stack.bound_ports['udp']}"],
    )
    assert result.returncode == 0, result.output + result.errors
    ended = await log.wait_ended(3)
    assert {(e.reason, e.status) for e in ended} == {("cancelled", 487)}
    assert rang.is_set()


async def test_sipp_calls_complete_despite_20_percent_packet_loss(make_stack, sipp):
    # Both sides must keep answering retransmissions for as long as the other retransmits:
    # SIPp spreads its 10 retries over ~10 s (T2 = 1 s), our transactions live 64*T1 = 12.8 s.
    stack, log = await make_stack(timers=TimerSettings(t1=0.2, t2=1.0, t4=1.0))
    calls = 10
    result = await sipp.run(
        ["-sn", "uac", "-m", str(calls), "-r", "10", "-lost", "20", "-T2", "1000",
         "-max_invite_retrans", "10", "-max_non_invite_retrans", "10",
         f"127.0.0.1:{stack.bound_ports['udp']}"],
        timeout=100,
    )  # fmt: skip
    assert result.returncode == 0, result.output + result.errors
    ended = await log.wait_ended(calls, timeout=60)
    # Every call ends. When SIPp "loses" both its ACK and its BYE, it takes our retransmitted
    # 2xx for the BYE's answer (it does not compare CSeq methods) and forgets the call; we
    # then end it ourselves after 64*T1 without ACK, with a BYE.
    reasons = [e.reason for e in ended]
    assert set(reasons) <= {"remote-bye", "timeout"}
    assert reasons.count("remote-bye") >= calls - 2


async def test_our_uac_calls_sipp_uas_and_hangs_up(sipp):
    done, port = sipp.run_in_background(["-sn", "uas", "-m", "1"])
    stack = SipStack("127.0.0.1", udp_port=0, tcp_port=None)
    await stack.start()
    try:
        call = await stack.invite(
            f"sip:service@127.0.0.1:{port}", from_uri="sip:122@127.0.0.1", sdp=make_offer("127.0.0.1", 41000)
        )
        await call.answered(timeout=10)
        assert call.state == "confirmed"
        await call.hangup()
        result = await asyncio.wait_for(done, 40)
        assert result.returncode == 0, result.output + result.errors
    finally:
        await stack.stop()


async def test_our_uac_answers_a_digest_challenge_from_sipp(sipp):
    done, port = sipp.run_in_background(["-sf", sipp.scenario("uas_digest.xml"), "-m", "1"])
    stack = SipStack("127.0.0.1", udp_port=0, tcp_port=None)
    await stack.start()
    try:
        call = await stack.invite(
            f"sip:service@127.0.0.1:{port}",
            from_uri="sip:alice@127.0.0.1",
            sdp=make_offer("127.0.0.1", 41000, direction=Direction.SENDRECV),
            credentials=DigestCredentials("alice", "s3cret"),
        )
        answer = await call.answered(timeout=10)
        assert answer is not None
        assert answer.audio is not None
        assert answer.audio.telephone_event is not None
        assert answer.audio.telephone_event.payload_type == 98
        await call.hangup()
        result = await asyncio.wait_for(done, 40)
        assert result.returncode == 0, result.output + result.errors
    finally:
        await stack.stop()


async def test_our_uac_with_a_wrong_password_fails_with_the_peers_status(sipp):
    done, port = sipp.run_in_background(["-sf", sipp.scenario("uas_digest.xml"), "-m", "1"])
    stack = SipStack("127.0.0.1", udp_port=0, tcp_port=None)
    await stack.start()
    try:
        call = await stack.invite(
            f"sip:service@127.0.0.1:{port}",
            from_uri="sip:alice@127.0.0.1",
            sdp=make_offer("127.0.0.1", 41000),
            credentials=DigestCredentials("alice", "wrong"),
        )
        with pytest.raises(CallFailed) as failure:
            await call.answered(timeout=10)
        assert failure.value.status == 403
        await asyncio.wait_for(done, 40)
    finally:
        await stack.stop()
