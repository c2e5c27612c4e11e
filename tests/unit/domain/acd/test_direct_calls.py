"""Calls an operator places themselves (TEL-03, OPS-21): busy for offers while they last, ready after."""

from __future__ import annotations

import pytest

from c122.domain.acd import CompletedBy, IllegalTransition, OperatorStatus, QueueConfig, UnknownCall
from c122.domain.errors import Conflict

S = OperatorStatus


def q() -> QueueConfig:
    return QueueConfig(queue_id="q1", group_id="g1", wrap_up_s=30)


def test_a_ready_operator_who_dials_gets_no_offers_until_the_call_ends(make_world) -> None:
    world = make_world([q()], {"q1": ["a"]})
    world.login("a")
    world.acd.dial("a", "out-1", world.now)
    assert world.status("a") is S.ON_CALL
    assert world.offers(world.call("c1")) == []  # the caller waits for the operator
    world.clock.advance(40)
    ended = world.acd.hang_up("out-1", CompletedBy.OPERATOR, world.now)
    assert world.status("a") is S.WRAP_UP  # no queue's wrap-up: it ends at the next tick
    assert world.offers(ended) == []
    assert world.offers(world.tick()) == [("c1", "a")]


def test_an_operator_may_dial_from_wrap_up_but_not_while_ringing_on_break_or_offline(make_world) -> None:
    world = make_world([q()], {"q1": ["a", "b"]})
    with pytest.raises(IllegalTransition):
        world.acd.dial("a", "out-1", world.now)  # offline
    world.login("a", "b")
    world.call("c1")
    ringing = next(op for op in ("a", "b") if world.status(op) is S.OFFERED)
    with pytest.raises(IllegalTransition):
        world.acd.dial(ringing, "out-2", world.now)
    world.accept(ringing, "c1")
    world.hang_up("c1")
    assert world.status(ringing) is S.WRAP_UP
    world.acd.dial(ringing, "out-3", world.now)
    assert world.status(ringing) is S.ON_CALL


def test_a_call_id_is_dialled_once_and_an_unknown_one_cannot_be_hung_up(make_world) -> None:
    world = make_world([q()], {"q1": ["a", "b"]})
    world.login("a", "b")
    world.acd.dial("a", "out-1", world.now)
    with pytest.raises(Conflict):
        world.acd.dial("b", "out-1", world.now)
    with pytest.raises(UnknownCall):
        world.acd.hang_up("out-9", CompletedBy.OPERATOR, world.now)


def test_a_dialled_call_survives_a_restart(make_world) -> None:
    world = make_world([q()], {"q1": ["a"]})
    world.login("a")
    world.acd.dial("a", "out-1", world.now)
    again = world.restarted()
    assert again.status("a") is S.ON_CALL
    again.acd.hang_up("out-1", CompletedBy.OPERATOR, again.now)
    assert again.status("a") is S.WRAP_UP
