"""Missed offers (a reject or a ring timeout): the call goes to another free operator first; the operator
who missed it is kept away from that call for the queue's `retry_s` and stays free for other calls."""

from __future__ import annotations

import pytest

from c122.domain.acd import CompletedBy, OfferRejected, OperatorStatus, QueueConfig, Strategy

S = OperatorStatus
RETRY_S = 5.0
RING_S = 20.0


def q(**kwargs: object) -> QueueConfig:
    settings: dict[str, object] = {"retry_s": RETRY_S, "ring_timeout_s": RING_S, "no_answer_limit": 10}
    settings.update(kwargs)
    return QueueConfig(queue_id="q1", group_id="g1", **settings)  # type: ignore[arg-type]


def miss(world, operator_id: str, call_id: str, cause: str):  # type: ignore[no-untyped-def]
    """The operator misses the offer: rejects it, or lets it ring for the whole ring timeout."""
    if cause == "rejected":
        return world.reject(operator_id, call_id)
    outcome = world.tick(RING_S)
    missed = [(e.operator_id, e.call_id, e.cause) for e in outcome.events if isinstance(e, OfferRejected)]
    assert missed == [(operator_id, call_id, "ring_timeout")]
    return outcome


@pytest.mark.parametrize("cause", ["rejected", "ring_timeout"])
def test_given_longest_idle_and_two_free_operators_when_the_first_misses_a_call_then_the_other_gets_it(
    make_world, cause: str
) -> None:
    world = make_world([q(strategy=Strategy.LONGEST_IDLE)], {"q1": ["a", "b"]})
    world.login("a", "b")
    assert world.offers(world.call("c1")) == [("c1", "a")]
    outcome = miss(world, "a", "c1", cause)
    assert world.offers(outcome) == [("c1", "b")]
    assert world.status("a") is S.READY


@pytest.mark.parametrize("strategy", [s for s in Strategy if s is not Strategy.RING_ALL])
def test_whatever_the_strategy_a_rejected_call_goes_to_the_other_free_operator(
    make_world, strategy: Strategy
) -> None:
    world = make_world([q(strategy=strategy)], {"q1": ["a", "b"]})
    world.login("a", "b")
    ((_, first),) = world.offers(world.call("c1"))
    other = "b" if first == "a" else "a"
    assert world.offers(world.reject(first, "c1")) == [("c1", other)]


@pytest.mark.parametrize("cause", ["rejected", "ring_timeout"])
def test_given_a_single_operator_when_they_miss_the_call_then_it_comes_back_to_them_after_the_retry_interval(
    make_world, cause: str
) -> None:
    world = make_world([q()], {"q1": ["a"]})
    world.login("a")
    world.call("c1")
    assert world.offers(miss(world, "a", "c1", cause)) == []
    assert world.status("a") is S.READY
    assert world.offers(world.tick(RETRY_S - 0.5)) == []
    assert world.offers(world.tick(0.5)) == [("c1", "a")]
    assert world.acd.state.waiting["c1"].excluded == ()


def test_given_retry_zero_when_the_only_operator_rejects_then_they_are_rung_again_at_once(make_world) -> None:
    world = make_world([q(retry_s=0)], {"q1": ["a"]})
    world.login("a")
    world.call("c1")
    assert world.offers(world.reject("a", "c1")) == [("c1", "a")]


def test_the_operator_who_missed_a_call_takes_the_next_caller_at_once_and_the_missed_one_keeps_its_place(
    make_world,
) -> None:
    world = make_world([q(wrap_up_s=0)], {"q1": ["a", "b"]})
    world.login("b", "a")
    world.call("busy")
    world.accept("b", "busy")
    world.call("c1")
    world.clock.advance(1)
    world.call("c2")
    assert world.offered_call("a") == "c1"
    assert world.offers(world.reject("a", "c1")) == [("c2", "a")]
    assert [key[4] for key in world.acd.state.orders["q1"]] == ["c1", "c2"]
    world.hang_up("busy")
    assert world.offered_call("b") == "c1", "the freed operator takes the older caller"


def test_the_operator_who_missed_a_call_keeps_their_place_in_longest_idle_order_for_other_calls(
    make_world,
) -> None:
    world = make_world([q(strategy=Strategy.LONGEST_IDLE)], {"q1": ["a", "b", "c"]})
    world.login("a", "b", "c")
    world.call("c1")
    assert world.offers(world.reject("a", "c1")) == [("c1", "b")]
    assert world.offers(world.call("c2")) == [("c2", "a")]


def test_given_both_operators_missed_the_call_then_it_returns_to_the_one_whose_interval_ends_first(
    make_world,
) -> None:
    world = make_world([q()], {"q1": ["a", "b"]})
    world.login("a", "b")
    world.call("c1")
    world.reject("a", "c1")  # b is rung
    world.clock.advance(2)
    assert world.offers(world.reject("b", "c1")) == [], "both are still kept away from c1"
    assert (world.status("a"), world.status("b")) == (S.READY, S.READY)
    assert world.offers(world.tick(RETRY_S - 2)) == [("c1", "a")]


def test_given_the_call_was_answered_elsewhere_when_the_interval_ends_then_nothing_is_offered(
    make_world,
) -> None:
    world = make_world([q()], {"q1": ["a", "b"]})
    world.login("a", "b")
    world.call("c1")
    world.reject("a", "c1")
    world.accept("b", "c1")
    assert world.tick(RETRY_S).events == ()
    assert world.status("a") is S.READY


def test_given_ring_all_when_the_interval_of_who_rejected_ends_during_the_round_then_he_is_not_rung_again(
    make_world,
) -> None:
    world = make_world([q(strategy=Strategy.RING_ALL)], {"q1": ["a", "b", "c"]})
    world.login("a", "b", "c")
    world.call("c1")
    assert world.offers(world.reject("a", "c1")) == []
    assert world.offers(world.tick(RETRY_S)) == [], "the round still rings b and c"
    assert world.acd.state.waiting["c1"].offered_to == {"b", "c"}


def test_given_ring_all_when_a_round_ends_then_only_operators_whose_retry_interval_is_over_are_rung(
    make_world,
) -> None:
    world = make_world([q(strategy=Strategy.RING_ALL)], {"q1": ["a", "b", "c"]})
    world.login("a", "b", "c")
    world.call("c1")
    world.reject("a", "c1")
    outcome = world.tick(RING_S)  # b and c ring out: the round is over, a's interval long since
    assert sorted(e.operator_id for e in outcome.events if isinstance(e, OfferRejected)) == ["b", "c"]
    assert world.offers(outcome) == [("c1", "a")]
    assert world.offers(world.reject("a", "c1")) == [], "now everyone is kept away from c1"
    assert world.offers(world.tick(RETRY_S - 1)) == []
    assert sorted(world.offers(world.tick(1))) == [("c1", "a"), ("c1", "b"), ("c1", "c")]


def test_given_ring_all_when_a_new_operator_becomes_free_then_he_joins_the_ringing_but_who_missed_does_not(
    make_world,
) -> None:
    world = make_world([q(strategy=Strategy.RING_ALL, wrap_up_s=0)], {"q1": ["a", "b", "d"]})
    world.login("a", "b", "d")
    world.call("busy")
    world.accept("d", "busy")
    world.call("c1")  # rings a and b
    world.reject("a", "c1")
    outcome = world.hang_up("busy")
    assert world.offers(outcome) == [("c1", "d")]
    assert world.acd.state.waiting["c1"].offered_to == {"b", "d"}


def test_given_the_no_answer_limit_when_the_operator_misses_again_then_he_goes_on_break_and_the_other_is_rung(
    make_world,
) -> None:
    world = make_world([q(no_answer_limit=2)], {"q1": ["a", "b"]})
    world.login("a", "b")
    world.call("busy")
    world.accept("a", "busy")
    world.call("c1")
    world.reject("b", "c1")
    assert world.offers(world.tick(RETRY_S)) == [("c1", "b")]
    world.reject("b", "c1")
    assert world.status("b") is S.ON_BREAK
    assert world.acd.state.operators["b"].reason == "no_answer"
    assert world.offers(world.hang_up("busy", CompletedBy.OPERATOR)) == [], "a is in wrap-up"
    assert world.offers(world.tick(world.acd.state.queues["q1"].wrap_up_s)) == [("c1", "a")]


def test_given_a_call_comes_back_as_an_older_callers_interval_ends_in_the_same_tick_then_the_older_goes_first(
    make_world,
) -> None:
    world = make_world([q(ring_timeout_s=10)], {"q1": ["a", "b"]}, skills={"a": ["x"]})
    world.login("a", "b")
    start = world.now
    assert world.offers(world.call("c1", skills=frozenset({"x"}))) == [("c1", "a")]  # only a can take c1
    assert world.offers(world.call("c2")) == [("c2", "b")]
    world.clock.advance(5)
    assert world.offers(world.reject("a", "c1")) == []  # a is kept away from c1 until start + 10
    outcome = world.tick(start + 10 - world.now)  # b's ring of c2 runs out at the same moment
    assert [e.call_id for e in outcome.events if isinstance(e, OfferRejected)] == ["c2"]
    assert world.offers(outcome) == [("c1", "a")], "c2 came back, but c1 is the older caller"
