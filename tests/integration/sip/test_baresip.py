"""baresip as an operator's SIP phone: digest registration, calling in, being called."""

from __future__ import annotations

import asyncio

import pytest

from c122.telephony.sip import CallEnded, DigestServer, Registrar, TransferRequested
from c122.telephony.sip.sdp import make_offer

pytestmark = pytest.mark.peers

PASSWORDS = {"alice": "s3cret"}


async def _registered_phone(make_stack, baresip):
    registered = asyncio.Event()
    registrar = Registrar(on_change=lambda account, bindings: registered.set() if bindings else None)
    # baresip 1.0 (libre) aborts on any challenge algorithm it does not know, so MD5 only here
    digest = DigestServer("c122", PASSWORDS.get, algorithms=("MD5",))
    stack, log = await make_stack(digest=digest, registrar=registrar)
    port = stack.bound_ports["udp"]
    await baresip.start(f"<sip:alice@127.0.0.1:{port}>;auth_pass=s3cret;regint=60;answermode=auto")
    await asyncio.wait_for(registered.wait(), 15)
    return stack, log, registrar, port


async def test_baresip_registers_with_digest_and_its_call_is_answered(make_stack, baresip):
    _stack, log, registrar, port = await _registered_phone(make_stack, baresip)
    [binding] = registrar.lookup("alice")
    assert binding.source.port == baresip.sip_port

    await baresip.command("dial", f"sip:122@127.0.0.1:{port}")
    await baresip.wait_event("CALL_ESTABLISHED")
    await baresip.command("hangup")
    [ended] = await log.wait_ended(1)
    assert ended.reason == "remote-bye"
    [call] = log.calls
    assert call.caller == "alice"
    assert call.called == "122"
    assert call.offer is not None
    assert call.offer.audio is not None
    assert call.offer.audio.telephone_event is not None


async def test_baresip_with_a_wrong_password_is_not_registered(make_stack, baresip):
    digest = DigestServer("c122", PASSWORDS.get, algorithms=("MD5",))
    registrar = Registrar()
    stack, _ = await make_stack(digest=digest, registrar=registrar)
    failures: asyncio.Queue[str | None] = asyncio.Queue()
    stack.on_auth_failure = lambda source, account: failures.put_nowait(account)
    port = stack.bound_ports["udp"]
    await baresip.start(f"<sip:alice@127.0.0.1:{port}>;auth_pass=wrong;regint=60")
    assert await asyncio.wait_for(failures.get(), 15) == "alice"
    assert registrar.lookup("alice") == []


async def test_we_call_the_registered_baresip_and_hang_up(make_stack, baresip):
    stack, _, registrar, _ = await _registered_phone(make_stack, baresip)
    [binding] = registrar.lookup("alice")
    call = await stack.invite(
        str(binding.contact),
        from_uri="sip:122@127.0.0.1",
        sdp=make_offer("127.0.0.1", 41000),
        destination=(binding.source.host, binding.source.port),
    )
    answer = await call.answered(timeout=10)
    assert answer is not None
    assert answer.audio is not None
    assert next(c.name for c in answer.audio.audio_codecs) in ("PCMU", "PCMA")
    await baresip.wait_event("CALL_ESTABLISHED")
    await call.hangup()
    closed = await baresip.wait_event("CALL_CLOSED")
    assert closed["direction"] == "incoming"


async def test_baresip_transfers_our_call_with_refer(make_stack, baresip):
    _stack, log, _, port = await _registered_phone(make_stack, baresip)
    await baresip.command("dial", f"sip:122@127.0.0.1:{port}")
    await baresip.wait_event("CALL_ESTABLISHED")
    [call] = log.calls
    await baresip.command("transfer", f"sip:201@127.0.0.1:{port}")
    transfer = None
    async with asyncio.timeout(15):
        async for event in call.events():
            if isinstance(event, TransferRequested):
                transfer = event
                await call.notify_transfer(200)
            if isinstance(event, CallEnded):
                break
    assert transfer is not None
    assert transfer.target == f"sip:201@127.0.0.1:{port}"
    assert transfer.replaces is None
    assert call.end_event == CallEnded("remote-bye")
