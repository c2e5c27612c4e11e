"""A restart in mid-shift forgets nothing: states, timers, queue order, callbacks and round-robin memory."""

from __future__ import annotations

import dataclasses
import json

from c122.domain.acd import CompletedBy, GroupPolicy, QueueConfig, SeniorScope, Strategy

SENIOR = SeniorScope("s", frozenset({"g1"}))


def mid_shift(make_world):
    queues = [
        QueueConfig(queue_id="q1", group_id="g1", wrap_up_s=30, ring_timeout_s=20),
        QueueConfig(queue_id="q2", group_id="g1", strategy=Strategy.ROUND_ROBIN, wrap_up_s=30),
    ]
    members = {"q1": ["a", "b", "c", "d", "e"], "q2": ["a", "e"]}
    world = make_world(queues, members, policies=[GroupPolicy(group_id="g1", idle_to_away_s=None)])
    world.login("a", "b", "c", "d", "e")
    world.call("x1")  # a
    world.call("x2")  # b
    world.accept("a", "x1")
    world.accept("b", "x2")
    world.clock.advance(50)
    world.hang_up("x2", CompletedBy.OPERATOR)  # b in wrap-up until now + 30
    world.acd.take_break("c", "lunch", world.now)
    world.acd.senior.block_operator(SENIOR, "d", "проверка", world.now)
    world.call("w1", "q1")  # rings e
    world.call("w2", "q1")
    world.call("w3", "q1", priority=3)
    world.call("w4", "q2")
    world.acd.senior.move_to_head(SENIOR, "w2", world.now)
    world.clock.advance(3)
    world.call("gone", "q1", caller="+79005550000")
    world.clock.advance(20)
    world.hang_up("gone")  # callback entry
    return world


def queue_order(world, queue_id: str) -> list[str]:
    return [key[4] for key in world.acd.state.orders[queue_id]]


def test_states_timers_and_queue_order_are_recovered(make_world) -> None:
    world = mid_shift(make_world)
    restarted = world.restarted()
    assert restarted.acd.state.operators == world.acd.state.operators
    assert restarted.acd.state.waiting == world.acd.state.waiting
    assert restarted.acd.state.connected == world.acd.state.connected
    assert restarted.acd.state.callbacks == world.acd.state.callbacks
    for queue_id in ("q1", "q2"):
        assert queue_order(restarted, queue_id) == queue_order(world, queue_id)
    assert queue_order(world, "q1") == ["w2", "w3", "w1", "gone"]
    assert restarted.acd.state.free_by_queue == world.acd.state.free_by_queue


def test_after_a_restart_the_shift_continues_exactly_as_it_would_have(make_world) -> None:
    world = mid_shift(make_world)
    restarted = world.restarted()
    script = [
        lambda w: w.tick(10),  # e's ring timeout is due
        lambda w: w.tick(20),  # b's wrap-up ends
        lambda w: w.hang_up("x1"),
        lambda w: w.tick(40),
        lambda w: w.acd.ready("c", w.now),
        lambda w: w.call("late", "q2"),
        lambda w: w.acd.senior.unblock_operator(SENIOR, "d", w.now),
        lambda w: w.tick(60),
    ]
    for step in script:
        assert step(restarted) == step(world)
        assert restarted.now == world.now
    assert restarted.acd.state.operators == world.acd.state.operators


def test_the_snapshot_is_plain_values_that_fit_in_rows(make_world) -> None:
    snapshot = mid_shift(make_world).acd.snapshot()
    text = json.dumps(dataclasses.asdict(snapshot), default=sorted)
    assert '"status": "blocked"' in text
    assert '"wrap_up_until": 1085.0' in text


def test_a_missed_offer_keeps_the_operator_away_from_that_call_across_a_restart(make_world) -> None:
    world = make_world([QueueConfig(queue_id="q1", group_id="g1", retry_s=5)], {"q1": ["a", "b"]})
    world.login("a", "b")
    world.call("busy")
    world.accept("a", "busy")
    world.call("c1")
    world.reject("b", "c1")
    assert world.acd.snapshot().waiting[0].excluded == (("b", world.now + 5),)
    restarted = world.restarted()
    for w in (world, restarted):
        assert w.offers(w.tick(4.5)) == []
        assert w.offers(w.tick(0.5)) == [("c1", "b")]
    assert restarted.acd.state.waiting == world.acd.state.waiting
