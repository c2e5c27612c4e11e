"""Senior's queue and operator actions (SUP-01..04), each scoped to the senior's groups."""

from __future__ import annotations

import pytest

from c122.domain.acd import (
    CallExited,
    CallMoved,
    CompletedBy,
    ExitReason,
    IllegalTransition,
    OperatorStatus,
    OutOfScope,
    QueueConfig,
    SeniorScope,
)

S = OperatorStatus
SENIOR = SeniorScope("senior-1", frozenset({"g1"}))
OTHER = SeniorScope("senior-2", frozenset({"g2"}))


def q(queue_id: str = "q1", **kwargs: object) -> QueueConfig:
    return QueueConfig(queue_id=queue_id, group_id="g1", **kwargs)  # type: ignore[arg-type]


def busy_world(make_world):
    world = make_world([q(wrap_up_s=0, removal_message="msg:removed")], {"q1": ["a"]})
    world.login("a")
    world.call("busy")
    world.accept("a", "busy")
    for n in range(1, 5):
        world.call(f"c{n}")
        world.clock.advance(1)
    return world


def serve_all(world) -> list[str]:
    world.hang_up("busy")
    served = []
    while world.offered_call("a") is not None:
        served.append(world.answer_next("a"))
        world.hang_up(served[-1])
    return served


def test_move_to_head_puts_the_call_first(make_world) -> None:
    world = busy_world(make_world)
    (moved,) = world.acd.senior.move_to_head(SENIOR, "c3", world.now).events
    assert isinstance(moved, CallMoved)
    assert (moved.to, moved.senior_id) == ("head", "senior-1")
    assert serve_all(world) == ["c3", "c1", "c2", "c4"]


def test_move_to_head_beats_higher_priority_and_the_latest_move_goes_first(make_world) -> None:
    world = busy_world(make_world)
    world.call("vip", priority=9)
    world.acd.senior.move_to_head(SENIOR, "c4", world.now)
    world.acd.senior.move_to_head(SENIOR, "c2", world.now)
    assert serve_all(world) == ["c2", "c4", "vip", "c1", "c3"]


def test_move_to_tail_puts_the_call_after_everyone(make_world) -> None:
    world = busy_world(make_world)
    world.acd.senior.move_to_tail(SENIOR, "c1", world.now)
    world.call("late")
    assert serve_all(world) == ["c2", "c3", "c4", "late", "c1"]


def test_remove_sends_the_call_to_a_destination(make_world) -> None:
    world = busy_world(make_world)
    world.clock.advance(10)
    (exited,) = world.acd.senior.remove(SENIOR, "c2", world.now, destination="queue:reserve").events
    assert isinstance(exited, CallExited)
    assert (exited.reason, exited.destination, exited.message) == (ExitReason.REMOVED, "queue:reserve", None)
    assert exited.waited_s == 13.0
    assert serve_all(world) == ["c1", "c3", "c4"]


def test_remove_without_destination_hangs_up_after_the_queue_message(make_world) -> None:
    world = busy_world(make_world)
    (exited,) = world.acd.senior.remove(SENIOR, "c1", world.now).events
    assert (exited.destination, exited.message) == (None, "msg:removed")


def test_removing_a_ringing_call_withdraws_the_offer(make_world) -> None:
    world = make_world([q()], {"q1": ["a"]})
    world.login("a")
    world.call("c1")
    outcome = world.acd.senior.remove(SENIOR, "c1", world.now)
    assert [type(e).__name__ for e in outcome.events][:2] == ["OfferWithdrawn", "OperatorStateChanged"]
    assert world.status("a") is S.READY


def test_queue_actions_outside_the_seniors_groups_are_refused(make_world) -> None:
    world = busy_world(make_world)
    for action in (world.acd.senior.move_to_head, world.acd.senior.move_to_tail, world.acd.senior.remove):
        with pytest.raises(OutOfScope):
            action(OTHER, "c1", world.now)
    assert serve_all(world) == ["c1", "c2", "c3", "c4"]


def test_blocking_an_operator_takes_them_out_of_distribution_until_unblocked(make_world) -> None:
    world = make_world([q()], {"q1": ["a", "b"]})
    world.login("a", "b")
    world.acd.senior.block_operator(SENIOR, "a", "разбор обращения", world.now)
    assert world.status("a") is S.BLOCKED
    assert world.acd.state.operators["a"].note == "разбор обращения"
    world.call("c1")
    world.accept("b", "c1")
    assert world.offers(world.call("c2")) == []
    assert world.offers(world.acd.senior.unblock_operator(SENIOR, "a", world.now)) == [("c2", "a")]


def test_blocking_a_ringing_operator_moves_the_call_to_someone_else(make_world) -> None:
    world = make_world([q()], {"q1": ["a", "b"]})
    world.login("a", "b")
    world.call("c1")
    assert world.offered_call("a") == "c1"
    world.acd.senior.block_operator(SENIOR, "a", "проверка", world.now)
    assert world.offered_call("b") == "c1"


def test_an_operators_block_survives_logout_and_login(make_world) -> None:
    world = make_world([q()], {"q1": ["a"]})
    world.login("a")
    world.acd.senior.block_operator(SENIOR, "a", "проверка", world.now)
    world.acd.logout("a", world.now)
    world.login("a")
    assert world.status("a") is S.BLOCKED


def test_blocking_a_group_blocks_its_operators_and_those_who_log_in_later(make_world) -> None:
    world = make_world([q()], {"q1": ["a", "b", "c"]}, groups={"a": "g1", "b": "g1", "c": "g3"})
    scope = SeniorScope("s", frozenset({"g1", "g3"}))
    world.login("a", "c")
    world.acd.senior.block_group(scope, "g1", "учения", world.now)
    world.login("b")
    assert [world.status(op) for op in "abc"] == [S.BLOCKED, S.BLOCKED, S.READY]
    world.acd.senior.unblock_group(scope, "g1", world.now)
    assert [world.status(op) for op in "abc"] == [S.READY, S.READY, S.READY]


def test_unblocking_the_group_keeps_a_personal_block(make_world) -> None:
    world = make_world([q()], {"q1": ["a", "b"]})
    world.login("a", "b")
    world.acd.senior.block_operator(SENIOR, "a", "личная причина", world.now)
    world.acd.senior.block_group(SENIOR, "g1", "учения", world.now)
    world.acd.senior.unblock_group(SENIOR, "g1", world.now)
    assert (world.status("a"), world.status("b")) == (S.BLOCKED, S.READY)


def test_operator_and_group_actions_outside_scope_are_refused(make_world) -> None:
    world = make_world([q()], {"q1": ["a"]})
    world.login("a")
    with pytest.raises(OutOfScope):
        world.acd.senior.block_operator(OTHER, "a", "x", world.now)
    with pytest.raises(OutOfScope):
        world.acd.senior.block_group(OTHER, "g1", "x", world.now)
    with pytest.raises(OutOfScope):
        world.acd.senior.force_logout(OTHER, "a", "x", world.now)
    assert world.status("a") is S.READY


def test_forced_logout_during_a_call_completes_it_and_takes_the_operator_out(make_world) -> None:
    world = make_world([q()], {"q1": ["a"]})
    world.login("a")
    world.call("c1")
    world.accept("a", "c1")
    world.clock.advance(42)
    outcome = world.acd.senior.force_logout(SENIOR, "a", "конец смены", world.now)
    completed = [e for e in outcome.events if type(e).__name__ == "CallCompleted"]
    assert [(e.call_id, e.by, e.talk_s) for e in completed] == [("c1", CompletedBy.OPERATOR, 42.0)]
    assert world.status("a") is S.OFFLINE
    assert world.acd.state.connected == {}


def test_forced_logout_of_a_ringing_operator_returns_the_call_to_the_queue(make_world) -> None:
    world = make_world([q()], {"q1": ["a", "b"]})
    world.login("a", "b")
    world.call("c0")
    world.accept("a", "c0")
    world.call("c1")
    world.acd.senior.force_logout(SENIOR, "b", "x", world.now)
    assert world.acd.state.waiting["c1"].offered_to == frozenset()
    world.hang_up("c0")
    world.tick(30)
    assert world.offered_call("a") == "c1"


def test_a_block_without_a_reason_is_refused_and_changes_nothing(make_world) -> None:
    world = make_world([q()], {"q1": ["a", "b"]})
    world.login("a", "b")
    world.call("c1")
    before = world.acd.snapshot()
    with pytest.raises(IllegalTransition):
        world.acd.senior.block_operator(SENIOR, "a", "  ", world.now)
    with pytest.raises(IllegalTransition):
        world.acd.senior.block_group(SENIOR, "g1", "", world.now)
    assert world.acd.snapshot() == before
