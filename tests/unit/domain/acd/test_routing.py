"""Distribution strategies, tiers, skills, priorities and shared operators, driven through the Acd."""

from __future__ import annotations

from c122.domain.acd import (
    CallExited,
    CompletedBy,
    EmptyRule,
    ExitReason,
    OperatorStatus,
    QueueConfig,
    Strategy,
)

S = OperatorStatus


def q(queue_id: str = "q1", **kwargs: object) -> QueueConfig:
    return QueueConfig(queue_id=queue_id, group_id="g1", **kwargs)  # type: ignore[arg-type]


def finish(world, operator_id: str, talk_s: float = 60.0) -> None:
    """Answer the offered call, talk, hang up, and let the wrap-up run out."""
    call_id = world.answer_next(operator_id)
    world.clock.advance(talk_s)
    world.hang_up(call_id, CompletedBy.OPERATOR)
    world.tick(world.acd.state.queues["q1"].wrap_up_s)


def test_longest_idle_offers_to_the_operator_free_the_longest(make_world) -> None:
    world = make_world([q(strategy=Strategy.LONGEST_IDLE)], {"q1": ["a", "b", "c"]})
    world.login("b", "c", "a")
    assert world.offers(world.call("c1")) == [("c1", "b")]
    assert world.offers(world.call("c2")) == [("c2", "c")]


def test_given_longest_idle_when_an_operator_finishes_a_call_then_they_go_to_the_back(make_world) -> None:
    world = make_world([q(strategy=Strategy.LONGEST_IDLE, wrap_up_s=5)], {"q1": ["a", "b"]})
    world.login("a", "b")
    world.call("c1")
    finish(world, "a")
    assert world.offers(world.call("c2")) == [("c2", "b")]


def test_round_robin_continues_after_the_last_operator_and_wraps_around(make_world) -> None:
    world = make_world([q(strategy=Strategy.ROUND_ROBIN, wrap_up_s=0)], {"q1": ["a", "b", "c"]})
    world.login("c", "b", "a")
    chosen = []
    for n in range(4):
        outcome = world.call(f"c{n}")
        ((_, op),) = world.offers(outcome)
        chosen.append(op)
        world.accept(op, f"c{n}")
        world.hang_up(f"c{n}")
    assert chosen == ["a", "b", "c", "a"]


def test_round_robin_memory_survives_a_restart(make_world) -> None:
    world = make_world([q(strategy=Strategy.ROUND_ROBIN, wrap_up_s=0)], {"q1": ["a", "b", "c"]})
    world.login("a", "b", "c")
    world.call("c0")
    world.accept("a", "c0")
    world.hang_up("c0")
    world = world.restarted()
    assert world.offers(world.call("c1")) == [("c1", "b")]


def test_fewest_calls_prefers_the_operator_with_fewer_answered_calls(make_world) -> None:
    world = make_world([q(strategy=Strategy.FEWEST_CALLS, wrap_up_s=0)], {"q1": ["a", "b"]})
    world.login("a", "b")
    world.call("c1")
    world.accept("a", "c1")
    world.call("c2")
    world.accept("b", "c2")
    world.hang_up("c1")
    world.call("c3")
    world.accept("a", "c3")
    world.hang_up("c3")
    world.hang_up("c2")
    # a answered 2 calls, b answered 1; b became free last but has fewer calls.
    assert world.offers(world.call("c4")) == [("c4", "b")]


def test_least_talk_time_prefers_the_operator_who_talked_least(make_world) -> None:
    world = make_world([q(strategy=Strategy.LEAST_TALK_TIME, wrap_up_s=0)], {"q1": ["a", "b"]})
    world.login("a", "b")
    world.call("c1")
    world.accept("a", "c1")
    world.call("c2")
    world.accept("b", "c2")
    world.clock.advance(30)
    world.hang_up("c2")  # b talked 30 s
    world.clock.advance(90)
    world.hang_up("c1")  # a talked 120 s, and is the one idle the shortest
    assert world.offers(world.call("c3")) == [("c3", "b")]
    world.accept("b", "c3")
    world.clock.advance(200)
    world.hang_up("c3")  # now b has 230 s
    assert world.offers(world.call("c4")) == [("c4", "a")]


class ScriptedRandom:
    """Stands in for random.Random: returns the given draws in turn."""

    def __init__(self, *draws: float) -> None:
        self.draws = list(draws)

    def random(self) -> float:
        return self.draws.pop(0)


def test_random_picks_the_operator_with_the_smallest_draw_of_the_injected_source(make_world) -> None:
    world = make_world([q(strategy=Strategy.RANDOM)], {"q1": ["a", "b", "c"]}, rng=ScriptedRandom())
    world.login("c", "a", "b")
    world.rng.draws = [0.9, 0.1, 0.5]  # drawn for a, b, c in id order
    assert world.offers(world.call("c1")) == [("c1", "b")]
    world.rng.draws = [0.8, 0.2]  # a, c
    assert world.offers(world.call("c2")) == [("c2", "c")]
    assert world.rng.draws == []


def test_random_with_a_seeded_source_spreads_calls_over_operators(make_world) -> None:
    world = make_world([q(strategy=Strategy.RANDOM, wrap_up_s=0)], {"q1": ["a", "b", "c"]}, seed=3)
    world.login("a", "b", "c")
    counts = {"a": 0, "b": 0, "c": 0}
    for n in range(60):
        ((_, op),) = world.offers(world.call(f"c{n}"))
        counts[op] += 1
        world.accept(op, f"c{n}")
        world.hang_up(f"c{n}")
    assert all(count >= 8 for count in counts.values()), counts


def test_ring_all_rings_every_free_operator_and_the_first_answer_withdraws_the_rest(make_world) -> None:
    world = make_world([q(strategy=Strategy.RING_ALL)], {"q1": ["a", "b", "c"]})
    world.login("a", "b", "c")
    assert sorted(op for _, op in world.offers(world.call("c1"))) == ["a", "b", "c"]
    outcome = world.accept("b", "c1")
    withdrawn = sorted(e.operator_id for e in outcome.events if type(e).__name__ == "OfferWithdrawn")
    assert withdrawn == ["a", "c"]
    assert [world.status(op) for op in "abc"] == [S.READY, S.ON_CALL, S.READY]


def test_given_ring_all_when_one_operator_rejects_then_the_others_keep_ringing_and_he_is_not_rung_again(
    make_world,
) -> None:
    world = make_world([q(strategy=Strategy.RING_ALL, no_answer_limit=5, retry_s=5)], {"q1": ["a", "b"]})
    world.login("a", "b")
    world.call("c1")
    outcome = world.reject("a", "c1")
    assert world.offers(outcome) == []
    assert world.offered_call("b") == "c1"
    assert world.status("a") is S.READY
    assert world.offers(world.reject("b", "c1")) == [], "both missed it: neither is rung again at once"
    # The ringing round is over and the retry interval has passed: both are rung again.
    assert sorted(world.offers(world.tick(5))) == [("c1", "a"), ("c1", "b")]


def test_linear_offers_by_tier_position(make_world) -> None:
    world = make_world([q(strategy=Strategy.LINEAR)], {"q1": [("a", 1, 2), ("b", 1, 0), ("c", 1, 1)]})
    world.login("a", "b", "c")
    assert world.offers(world.call("c1")) == [("c1", "b")]
    assert world.offers(world.call("c2")) == [("c2", "c")]
    assert world.offers(world.call("c3")) == [("c3", "a")]


def test_lower_tier_level_is_preferred_whatever_the_strategy(make_world) -> None:
    world = make_world([q(strategy=Strategy.LONGEST_IDLE)], {"q1": [("a", 2, 0), ("b", 1, 0)]})
    world.login("a", "b")
    assert world.offers(world.call("c1")) == [("c1", "b")]
    assert world.offers(world.call("c2")) == [("c2", "a")], "without escalation a free tier 2 still helps"


def test_given_escalation_when_the_caller_waits_long_enough_then_the_next_tier_is_rung(make_world) -> None:
    world = make_world([q(escalation_step_s=30)], {"q1": [("a", 1, 0), ("b", 2, 0), ("c", 3, 0)]})
    world.login("a", "b", "c")
    world.call("c0")
    world.accept("a", "c0")
    assert world.offers(world.call("c1")) == []
    assert world.offers(world.tick(29)) == []
    assert world.offers(world.tick(1)) == [("c1", "b")]
    world.accept("b", "c1")
    assert world.offers(world.call("c2")) == []
    assert world.offers(world.tick(60)) == [("c2", "c")]


def test_skills_restrict_who_may_take_a_call(make_world) -> None:
    world = make_world([q()], {"q1": ["a", "b"]}, skills={"b": ["lgota"]})
    world.login("a", "b")
    assert world.offers(world.call("c1", skills=frozenset({"lgota"}))) == [("c1", "b")]
    assert world.offers(world.call("c2", skills=frozenset({"lgota"}))) == []
    world.accept("b", "c1")
    world.hang_up("c1")
    world.tick(30)
    assert world.offered_call("b") == "c2"
    assert world.status("a") is S.READY


def test_queue_required_skills_apply_to_every_call(make_world) -> None:
    world = make_world([q(required_skills=frozenset({"en"}))], {"q1": ["a", "b"]}, skills={"b": ["en"]})
    world.login("a", "b")
    assert world.offers(world.call("c1")) == [("c1", "b")]


def test_higher_priority_is_served_first_and_equal_priority_in_arrival_order(make_world) -> None:
    world = make_world([q(wrap_up_s=0)], {"q1": ["a"]})
    world.login("a")
    world.call("busy")
    world.accept("a", "busy")
    for call_id, priority in [("low1", 0), ("low2", 0), ("high", 5), ("low3", 0)]:
        world.call(call_id, priority=priority)
        world.clock.advance(1)
    served = []
    world.hang_up("busy")
    for _ in range(4):
        served.append(world.answer_next("a"))
        world.hang_up(served[-1])
    assert served == ["high", "low1", "low2", "low3"]


def test_a_shared_operator_takes_the_longest_waiting_caller_across_queues(make_world) -> None:
    world = make_world([q("q1", wrap_up_s=0), q("q2", wrap_up_s=0)], {"q1": ["a"], "q2": ["a"]})
    world.login("a")
    world.call("busy", "q1")
    world.accept("a", "busy")
    world.call("young", "q1")
    world.clock.advance(-5)  # the q2 caller arrived earlier (enqueue times are explicit arguments)
    world.acd.enqueue("old", "q2", "+79001", world.now - 10)
    world.clock.advance(5)
    world.hang_up("busy")
    assert world.offered_call("a") == "old"


def test_equally_old_callers_in_two_queues_go_by_queue_weight(make_world) -> None:
    world = make_world(
        [q("q1", wrap_up_s=0, weight=1), q("q2", wrap_up_s=0, weight=5)], {"q1": ["a"], "q2": ["a"]}
    )
    world.login("a")
    world.call("busy", "q1")
    world.accept("a", "busy")
    world.call("light", "q1")
    world.call("heavy", "q2")  # same second as "light"
    world.hang_up("busy")
    assert world.offered_call("a") == "heavy"


def test_given_ring_timeout_when_it_passes_then_the_call_goes_to_another_operator(make_world) -> None:
    world = make_world([q(ring_timeout_s=15)], {"q1": ["a", "b"]})
    world.login("a", "b")
    world.call("c1")
    assert world.offered_call("a") == "c1"
    assert world.offers(world.tick(14)) == []
    outcome = world.tick(1)
    rejected = [e for e in outcome.events if type(e).__name__ == "OfferRejected"]
    assert [(e.operator_id, e.cause, e.ring_s) for e in rejected] == [("a", "ring_timeout", 15.0)]
    assert world.offers(outcome) == [("c1", "b")]
    assert world.status("a") is S.READY


def test_given_no_answer_limit_when_reached_then_the_operator_goes_on_break_and_the_next_one_is_rung(
    make_world,
) -> None:
    world = make_world([q(ring_timeout_s=10, no_answer_limit=2, retry_s=5)], {"q1": ["a", "b"]})
    world.login("a", "b")
    world.call("c0")
    world.accept("a", "c0")
    world.call("c1")
    assert world.offered_call("b") == "c1"
    world.tick(10)
    assert world.offered_call("b") is None, "not rung again before the retry interval"
    world.tick(5)
    assert world.offered_call("b") == "c1", "nobody else is free: the same operator after the retry"
    world.tick(10)
    assert world.status("b") is S.ON_BREAK
    assert world.acd.state.operators["b"].reason == "no_answer"
    world.hang_up("c0")
    world.tick(30)
    assert world.offered_call("a") == "c1"


def test_max_wait_sends_the_caller_to_the_overflow_destination(make_world) -> None:
    world = make_world([q(max_wait_s=120, overflow_destination="ivr:voicemail")], {"q1": ["a"]})
    world.call("c1")
    assert world.tick(119).events == ()
    (exited,) = world.tick(1).events
    assert isinstance(exited, CallExited)
    assert (exited.reason, exited.destination, exited.waited_s) == (
        ExitReason.TIMEOUT,
        "ivr:voicemail",
        120.0,
    )
    assert "c1" not in world.acd.state.waiting


def test_max_length_refuses_a_caller_when_the_queue_is_full(make_world) -> None:
    world = make_world([q(max_length=2, overflow_destination="queue:reserve")], {"q1": ["a"]})
    world.call("c1")
    world.call("c2")
    (exited,) = world.call("c3").events
    assert isinstance(exited, CallExited)
    assert (exited.reason, exited.destination) == (ExitReason.FULL, "queue:reserve")
    assert len(world.acd.state.waiting) == 2


def test_join_when_empty_refuses_callers_while_nobody_is_logged_in(make_world) -> None:
    world = make_world(
        [q(join_when_empty=EmptyRule.NO_LOGGED_IN, removal_message="msg:closed")], {"q1": ["a"]}
    )
    (exited,) = world.call("c1").events
    assert isinstance(exited, CallExited)
    assert (exited.reason, exited.message) == (ExitReason.EMPTY, "msg:closed")
    world.login("a")
    world.acd.take_break("a", "lunch", world.now)
    assert type(world.call("c2").events[0]).__name__ == "CallQueued", "logged in on break counts as present"


def test_join_when_no_staffed_refuses_callers_while_everyone_is_on_break(make_world) -> None:
    world = make_world([q(join_when_empty=EmptyRule.NO_STAFFED)], {"q1": ["a"]})
    world.login("a")
    world.acd.take_break("a", "lunch", world.now)
    (exited,) = world.call("c1").events
    assert exited.reason is ExitReason.EMPTY


def test_leave_when_empty_sends_waiting_callers_away_once_the_last_operator_leaves(make_world) -> None:
    world = make_world(
        [q(leave_when_empty=EmptyRule.NO_STAFFED, overflow_destination="queue:reserve")], {"q1": ["a"]}
    )
    world.login("a")
    world.call("c0")
    world.accept("a", "c0")
    world.call("c1")
    assert world.tick(5).events == ()
    world.hang_up("c0")
    world.acd.take_break("a", "break", world.now)
    exits = [e for e in world.tick(1).events if isinstance(e, CallExited)]
    assert [(e.call_id, e.reason, e.destination) for e in exits] == [
        ("c1", ExitReason.EMPTY, "queue:reserve")
    ]


def test_a_transfer_ends_the_operators_call_and_queues_the_caller_in_the_target_queue(make_world) -> None:
    world = make_world([q("q1", wrap_up_s=15), q("q2")], {"q1": ["a"], "q2": ["b"]})
    world.login("a", "b")
    world.call("c1", "q1")
    world.accept("a", "c1")
    world.clock.advance(40)
    outcome = world.acd.transfer("c1", "q2", world.now)
    kinds = [type(e).__name__ for e in outcome.events]
    assert kinds.index("CallTransferred") < kinds.index("CallQueued") < kinds.index("CallOffered")
    (transferred,) = [e for e in outcome.events if type(e).__name__ == "CallTransferred"]
    assert (transferred.from_queue_id, transferred.to_queue_id, transferred.talk_s) == ("q1", "q2", 40.0)
    assert world.status("a") is S.WRAP_UP
    assert world.offered_call("b") == "c1"
