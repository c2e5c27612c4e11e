"""A draining node (`c122 serve` given SIGUSR1): OPTIONS probes and new calls get 503 with
Retry-After over a real socket, so a dispatcher sends new calls elsewhere; health says so."""

from __future__ import annotations

from tests.integration.sip.test_bad_input import exchange, peer_factory, sip

__all__ = ["peer_factory"]  # the fixture, shared with the bad-input tests


async def test_a_draining_stack_answers_probes_and_new_calls_with_503(make_stack, peer_factory) -> None:
    stack, log = await make_stack()
    port = stack.bound_ports["udp"]
    peer = await peer_factory()
    assert (await exchange(peer, port, sip("OPTIONS", port=peer.port))).status == 200
    assert stack.health().status == "up"

    stack.drain()

    probe = await exchange(peer, port, sip("OPTIONS", port=peer.port))
    assert (probe.status, probe.reason) == (503, "Draining")
    assert probe.header("Retry-After") == str(stack.retry_after)
    call = await exchange(peer, port, sip("INVITE", port=peer.port))
    assert call.status == 503
    assert log.calls == []  # refused before any call existed
    assert stack.health().status == "degraded"
