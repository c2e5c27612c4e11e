"""REFER/NOTIFY (RFC 3515) and INVITE with Replaces (RFC 3891) between two stacks."""

from __future__ import annotations

import asyncio

import pytest

from c122.telephony.sip import (
    Answered,
    CallFailed,
    IncomingCall,
    Replaces,
    SipStack,
    TransferProgress,
    TransferRequested,
)
from c122.telephony.sip.sdp import answer_offer, make_offer


@pytest.fixture
async def caller():
    stack = SipStack("127.0.0.1", udp_port=0, tcp_port=None)
    await stack.start()
    yield stack
    await stack.stop()


async def test_blind_transfer_request_is_reported_and_its_outcome_notified(make_stack, caller):
    requests: asyncio.Queue[TransferRequested] = asyncio.Queue()

    async def answer_and_follow_transfers(call: IncomingCall) -> None:
        assert call.offer is not None
        await call.answer(answer_offer(call.offer, "127.0.0.1", 40000))
        async for event in call.events():
            if isinstance(event, TransferRequested):
                requests.put_nowait(event)
                await call.notify_transfer(180)
                await call.notify_transfer(200)

    stack, _ = await make_stack(answer_and_follow_transfers)
    call = await caller.invite(
        f"sip:122@127.0.0.1:{stack.bound_ports['udp']}",
        from_uri="sip:op@127.0.0.1",
        sdp=make_offer("127.0.0.1", 1),
    )
    await call.answered(timeout=5)
    assert await call.refer("sip:201@10.0.0.7") == 202
    request = await asyncio.wait_for(requests.get(), 5)
    assert request.target == "sip:201@10.0.0.7"
    assert request.referred_by is not None
    progress = []
    async with asyncio.timeout(5):
        async for event in call.events():
            if isinstance(event, TransferProgress):
                progress.append(event.status)
                if event.status >= 200:
                    break
    assert progress == [100, 180, 200]
    await call.hangup()


async def test_invite_with_replaces_names_the_dialog_it_takes_over(make_stack, caller):
    stack, log = await make_stack()
    first = await caller.invite(
        f"sip:122@127.0.0.1:{stack.bound_ports['udp']}",
        from_uri="sip:a@127.0.0.1",
        sdp=make_offer("127.0.0.1", 1),
    )
    await first.answered(timeout=5)
    [old] = log.calls
    assert old.dialog is not None
    replaces = Replaces(old.call_id, to_tag=old.dialog.local_tag, from_tag=old.dialog.remote_tag)
    second = await caller.invite(
        f"sip:122@127.0.0.1:{stack.bound_ports['udp']}",
        from_uri="sip:b@127.0.0.1",
        sdp=make_offer("127.0.0.1", 2),
        headers={"Replaces": str(replaces)},
    )
    await second.answered(timeout=5)
    new = log.calls[1]
    assert new.replaces is old

    wrong = Replaces(old.call_id, to_tag="nope", from_tag=old.dialog.remote_tag)
    third = await caller.invite(
        f"sip:122@127.0.0.1:{stack.bound_ports['udp']}",
        from_uri="sip:c@127.0.0.1",
        headers={"Replaces": str(wrong)},
    )
    with pytest.raises(CallFailed) as failure:
        await third.answered(timeout=5)
    assert failure.value.status == 481
    for call in (first, second):
        await call.hangup()


async def test_refer_outside_an_established_call_is_refused(make_stack, caller):
    ringing = asyncio.Event()

    async def ring(call: IncomingCall) -> None:
        await call.ringing()
        ringing.set()

    stack, _ = await make_stack(ring)
    call = await caller.invite(f"sip:122@127.0.0.1:{stack.bound_ports['udp']}", from_uri="sip:a@127.0.0.1")
    async for event in call.events():
        assert not isinstance(event, Answered)
        break
    with pytest.raises(Exception, match="not established"):
        await call.refer("sip:201@10.0.0.7")
    await call.hangup()
