"""Reliable provisional responses (RFC 3262) between two stacks, and without a PRACK."""

from __future__ import annotations

import asyncio

import pytest

from c122.telephony.sip import CallEnded, CallGone, IncomingCall, Ringing, SipStack, TimerSettings
from c122.telephony.sip.sdp import answer_offer, make_offer


async def test_ringing_to_a_100rel_caller_waits_for_its_prack(make_stack):
    pracked = asyncio.Event()

    async def ring_reliably_then_answer(call: IncomingCall) -> None:
        assert call.offer is not None
        await call.ringing(answer_offer(call.offer, "127.0.0.1", 40000))  # 183, returns after PRACK
        pracked.set()
        await call.answer(answer_offer(call.offer, "127.0.0.1", 40000))

    stack, log = await make_stack(ring_reliably_then_answer)
    caller = SipStack("127.0.0.1", udp_port=0, tcp_port=None)
    await caller.start()
    try:
        call = await caller.invite(
            f"sip:122@127.0.0.1:{stack.bound_ports['udp']}",
            from_uri="sip:a@127.0.0.1",
            sdp=make_offer("127.0.0.1", 1),
        )
        await call.answered(timeout=5)
        assert pracked.is_set()
        ringing = [e async for e in _until_answered(call)]
        assert [r.status for r in ringing] == [183]
        await call.hangup()
        assert (await log.wait_ended(1))[0].reason == "remote-bye"
    finally:
        await caller.stop()


async def _until_answered(call):
    async for event in call.events():
        if isinstance(event, Ringing):
            yield event
        else:
            return


async def test_a_caller_that_requires_100rel_but_never_pracks_gets_a_500(make_stack):
    gave_up = asyncio.Event()

    async def ring(call: IncomingCall) -> None:
        with pytest.raises(CallGone):
            await call.ringing()
        gave_up.set()

    stack, log = await make_stack(ring, timers=TimerSettings(t1=0.02, t2=0.1, t4=0.1))
    loop = asyncio.get_running_loop()
    received: asyncio.Queue[bytes] = asyncio.Queue()

    class Peer(asyncio.DatagramProtocol):
        def datagram_received(self, data: bytes, addr) -> None:
            received.put_nowait(data)

    transport, _ = await loop.create_datagram_endpoint(Peer, local_addr=("127.0.0.1", 0))
    port = transport.get_extra_info("sockname")[1]
    invite = (
        f"INVITE sip:122@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bKnoprack\r\n"
        "From: <sip:a@127.0.0.1>;tag=np\r\nTo: <sip:122@127.0.0.1>\r\nCall-ID: noprack\r\nCSeq: 1 INVITE\r\n"
        f"Contact: <sip:a@127.0.0.1:{port}>\r\nRequire: 100rel\r\nContent-Length: 0\r\n\r\n"
    ).encode()
    transport.sendto(invite, ("127.0.0.1", stack.bound_ports["udp"]))
    statuses = []
    async with asyncio.timeout(10):
        while not statuses or statuses[-1] < 200:
            data = await received.get()
            statuses.append(int(data[8:11]))
            if statuses[-1] == 180:
                assert b"RSeq: " in data
                assert b"Require: 100rel" in data
    transport.close()
    assert statuses[0] == 100
    assert statuses.count(180) >= 3  # retransmitted while unacknowledged
    assert statuses[-1] == 500
    await asyncio.wait_for(gave_up.wait(), 5)
    assert (await log.wait_ended(1))[0] == CallEnded("timeout", 500)
