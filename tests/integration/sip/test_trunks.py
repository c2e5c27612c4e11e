"""Carrier trunks: outbound registration with digest, OPTIONS keep-alive feeding health, IP auth."""

from __future__ import annotations

import asyncio

import pytest

from c122.telephony.sip import CallFailed, DigestServer, Registrar, SipStack, TimerSettings, TrunkSettings
from c122.telephony.sip.sdp import make_offer

FAST = TimerSettings(t1=0.02, t2=0.08, t4=0.1)


async def test_trunk_registers_with_digest_and_goes_down_when_the_carrier_stops(make_stack):
    bindings: asyncio.Queue[tuple[str, int]] = asyncio.Queue()
    carrier, _ = await make_stack(
        digest=DigestServer("carrier", {"c122trunk": "pa55"}.get),
        registrar=Registrar(on_change=lambda account, b: bindings.put_nowait((account, len(b)))),
    )
    trunk = TrunkSettings(
        "carrier",
        "127.0.0.1",
        carrier.bound_ports["udp"],
        username="c122trunk",
        password="pa55",
        keepalive_interval=0.05,
    )
    states: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
    stack = SipStack("127.0.0.1", udp_port=0, tcp_port=None, timers=FAST, trunks=(trunk,))
    stack.on_trunk_state = lambda name, state: states.put_nowait((name, state))
    await stack.start()
    try:
        assert await asyncio.wait_for(bindings.get(), 5) == ("c122trunk", 1)
        assert await asyncio.wait_for(states.get(), 5) == ("carrier", "up")
        assert stack.trunks["carrier"].registered
        assert stack.health().trunks == {"carrier": "up"}
        assert stack.health().status == "up"

        await carrier.stop()
        assert await asyncio.wait_for(states.get(), 10) == ("carrier", "down")
        assert stack.health().status == "degraded"
        assert stack.health().as_dict()["trunks"] == {"carrier": "down"}
    finally:
        await stack.stop()


async def test_unregistering_trunk_removes_its_binding_on_stop(make_stack):
    bindings: asyncio.Queue[int] = asyncio.Queue()
    carrier, _ = await make_stack(
        digest=DigestServer("carrier", {"c122trunk": "pa55"}.get),
        registrar=Registrar(on_change=lambda account, b: bindings.put_nowait(len(b))),
    )
    trunk = TrunkSettings(
        "carrier", "127.0.0.1", carrier.bound_ports["udp"], username="c122trunk", password="pa55"
    )
    stack = SipStack("127.0.0.1", udp_port=0, tcp_port=None, timers=FAST, trunks=(trunk,))
    await stack.start()
    assert await asyncio.wait_for(bindings.get(), 5) == 1
    await stack.stop()
    assert await asyncio.wait_for(bindings.get(), 5) == 0


async def test_ip_authenticated_trunk_is_not_challenged_but_others_are(make_stack):
    digest = DigestServer("c122", {}.get)
    stack, log = await make_stack(digest=digest, trusted_hosts=frozenset({"127.0.0.1"}))
    caller = SipStack("127.0.0.1", udp_port=0, tcp_port=None)
    await caller.start()
    try:
        call = await caller.invite(
            f"sip:74951112233@127.0.0.1:{stack.bound_ports['udp']}",
            from_uri="sip:79990001122@carrier",
            sdp=make_offer("127.0.0.1", 42000),
        )
        await call.answered(timeout=5)
        await call.hangup()
        assert (await log.wait_ended(1))[0].reason == "remote-bye"
        assert log.calls[0].called == "74951112233"
    finally:
        await caller.stop()

    outsider = SipStack("127.0.0.2", udp_port=0, tcp_port=None)
    await outsider.start()
    try:
        call = await outsider.invite(
            f"sip:74951112233@127.0.0.1:{stack.bound_ports['udp']}", from_uri="sip:x@127.0.0.2"
        )
        with pytest.raises(CallFailed) as failure:
            await call.answered(timeout=5)
        assert failure.value.status == 407
    finally:
        await outsider.stop()
