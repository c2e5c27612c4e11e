"""Wrap-up across queues, manual ready, idle -> away -> logout, and the break policy (OPS-02, OPS-04)."""

from __future__ import annotations

from c122.domain.acd import (
    BreakPolicy,
    BreakSuggested,
    BreakTimeElapsed,
    CompletedBy,
    GroupPolicy,
    OperatorStatus,
    QueueConfig,
)

S = OperatorStatus


def q(queue_id: str = "q1", **kwargs: object) -> QueueConfig:
    return QueueConfig(queue_id=queue_id, group_id="g1", **kwargs)  # type: ignore[arg-type]


def test_given_wrap_up_after_a_call_in_one_queue_then_no_queue_offers_until_it_ends(make_world) -> None:
    world = make_world([q("q1", wrap_up_s=30), q("q2", wrap_up_s=5)], {"q1": ["a"], "q2": ["a"]})
    world.login("a")
    world.call("c1", "q1")
    world.accept("a", "c1")
    world.clock.advance(60)
    world.hang_up("c1", CompletedBy.OPERATOR)
    assert world.status("a") is S.WRAP_UP
    assert world.offers(world.call("c2", "q2")) == []
    assert world.offers(world.tick(29)) == []
    assert world.offers(world.tick(1)) == [("c2", "a")]


def test_zero_wrap_up_returns_the_operator_to_work_at_once(make_world) -> None:
    world = make_world([q(wrap_up_s=0)], {"q1": ["a"]})
    world.login("a")
    world.call("c1")
    world.accept("a", "c1")
    world.call("c2")
    outcome = world.hang_up("c1")
    assert world.offers(outcome) == [("c2", "a")]


def test_given_manual_ready_when_wrap_up_time_passes_then_the_operator_stays_until_ready_by_hand(
    make_world,
) -> None:
    world = make_world([q(wrap_up_s=10, manual_ready=True)], {"q1": ["a"]})
    world.login("a")
    world.call("c1")
    world.accept("a", "c1")
    world.hang_up("c1")
    world.call("c2")
    world.tick(600)
    assert world.status("a") is S.WRAP_UP
    outcome = world.acd.ready("a", world.now)
    assert world.offers(outcome) == [("c2", "a")]


def test_wrap_up_can_be_ended_early_by_hand(make_world) -> None:
    world = make_world([q(wrap_up_s=60)], {"q1": ["a"]})
    world.login("a")
    world.call("c1")
    world.accept("a", "c1")
    world.hang_up("c1")
    world.clock.advance(5)
    world.acd.ready("a", world.now)
    assert world.status("a") is S.READY


def test_given_no_activity_then_ready_becomes_away_and_later_logged_out(make_world) -> None:
    policy = GroupPolicy(group_id="g1", idle_to_away_s=300, away_to_logout_s=600)
    world = make_world([q()], {"q1": ["a", "b"]}, policies=[policy])
    world.login("a", "b")
    world.tick(200)
    world.acd.touch("b", world.now)
    world.tick(110)
    assert world.status("a") is S.AWAY
    assert world.status("b") is S.READY
    world.tick(599)
    assert world.status("a") is S.AWAY
    outcome = world.tick(1)
    assert world.status("a") is S.OFFLINE
    (row,) = [e for e in outcome.events if getattr(e, "operator_id", "") == "a"]
    assert row.trigger == "idle_logout"


def test_an_away_operator_is_not_offered_calls_until_back(make_world) -> None:
    policy = GroupPolicy(group_id="g1", idle_to_away_s=60, away_to_logout_s=None)
    world = make_world([q()], {"q1": ["a"]}, policies=[policy])
    world.login("a")
    world.tick(61)
    assert world.offers(world.call("c1")) == []
    assert world.offers(world.acd.ready("a", world.now)) == [("c1", "a")]


def test_given_continuous_work_over_the_limit_then_a_break_is_suggested_once(make_world) -> None:
    policy = GroupPolicy(group_id="g1", idle_to_away_s=None, breaks=BreakPolicy(continuous_work_s=3600))
    world = make_world([q()], {"q1": ["a"]}, policies=[policy])
    world.login("a")
    assert [e for e in world.tick(3598).events if isinstance(e, BreakSuggested)] == []
    (suggested,) = [e for e in world.tick(1).events if isinstance(e, BreakSuggested)]
    assert (suggested.operator_id, suggested.worked_s) == ("a", 3600.0)
    assert [e for e in world.tick(600).events if isinstance(e, BreakSuggested)] == []


def test_a_break_restarts_the_continuous_work_count(make_world) -> None:
    policy = GroupPolicy(group_id="g1", idle_to_away_s=None, breaks=BreakPolicy(continuous_work_s=3600))
    world = make_world([q()], {"q1": ["a"]}, policies=[policy])
    world.login("a")
    world.tick(3000)
    world.acd.take_break("a", "break", world.now)
    world.tick(600)
    world.acd.ready("a", world.now)
    assert [e for e in world.tick(3599).events if isinstance(e, BreakSuggested)] == []
    assert [e for e in world.tick(1).events if isinstance(e, BreakSuggested)] != []


def test_given_a_break_longer_than_allowed_for_its_reason_then_an_end_of_break_notice_is_given(
    make_world,
) -> None:
    breaks = BreakPolicy(continuous_work_s=None, allowed_s={"lunch": 1800})
    policy = GroupPolicy(group_id="g1", idle_to_away_s=None, breaks=breaks)
    world = make_world([q()], {"q1": ["a"]}, policies=[policy])
    world.login("a")
    world.acd.take_break("a", "lunch", world.now)
    assert world.tick(1799).events == ()
    (notice,) = world.tick(1).events
    assert isinstance(notice, BreakTimeElapsed)
    assert (notice.reason, notice.allowed_s) == ("lunch", 1800)
    assert world.tick(600).events == (), "the notice is given once per break"
    assert world.status("a") is S.ON_BREAK, "the operator returns by hand"


def test_break_policy_is_per_group(make_world) -> None:
    strict = GroupPolicy(group_id="g1", idle_to_away_s=None, breaks=BreakPolicy(continuous_work_s=60))
    relaxed = GroupPolicy(group_id="g2", idle_to_away_s=None, breaks=BreakPolicy(continuous_work_s=None))
    world = make_world([q()], {"q1": ["a", "b"]}, groups={"b": "g2"}, policies=[strict, relaxed])
    world.login("a", "b")
    suggested = [e.operator_id for e in world.tick(120).events if isinstance(e, BreakSuggested)]
    assert suggested == ["a"]


def test_a_long_call_counts_as_activity_so_the_operator_is_not_away_after_it(make_world) -> None:
    policy = GroupPolicy(group_id="g1", idle_to_away_s=300, away_to_logout_s=None)
    world = make_world([q(wrap_up_s=30)], {"q1": ["a"]}, policies=[policy])
    world.login("a")
    world.call("c1")
    world.accept("a", "c1")
    world.clock.advance(900)
    world.hang_up("c1")
    world.tick(30)
    assert world.status("a") is S.READY
    world.tick(299)
    assert world.status("a") is S.READY
    world.tick(1)
    assert world.status("a") is S.AWAY


def _shift_with_every_timer(make_world, monkeypatch, skip: bool) -> list[object]:  # type: ignore[no-untyped-def]
    """Ring timeouts, wrap-ups, idle -> away -> logout, a break suggestion and a break overrun, ticking
    every second; every event the ticks produce, in order."""
    from c122.domain.acd import timers

    monkeypatch.setattr(timers, "SKIP_NOT_DUE", skip)
    policy = GroupPolicy(
        group_id="g1",
        idle_to_away_s=40,
        away_to_logout_s=30,
        breaks=BreakPolicy(continuous_work_s=50, allowed_s={"break": 25}),
    )
    world = make_world([q(wrap_up_s=7, ring_timeout_s=5)], {"q1": ["a", "b", "c", "d"]}, policies=[policy])
    world.login("a", "b", "c", "d")
    seen: list[object] = []
    for second in range(240):
        if second == 3:
            world.call("c1")
        if second == 12:
            holder = next(op for op in "abcd" if world.offered_call(op) == "c1")
            world.accept(holder, "c1")
        if second == 20:
            world.call("c2")
        if second == 30:
            world.acd.take_break("d", "break", world.now)
        if second == 45 and world.acd.state.connected:
            world.hang_up(next(iter(world.acd.state.connected)))
        if second % 17 == 0:
            world.acd.touch("c", world.now)
        seen.extend(world.tick(1.0).events)
    return seen


def test_the_tick_that_skips_operators_not_due_fires_every_timer_as_checking_all_does(
    make_world, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    checking_all = _shift_with_every_timer(make_world, monkeypatch, skip=False)
    skipping = _shift_with_every_timer(make_world, monkeypatch, skip=True)
    kinds = {type(e).__name__ for e in checking_all}
    # the scenario reaches every kind of operator timer, so the comparison means something
    assert {"BreakSuggested", "BreakTimeElapsed", "OperatorStateChanged", "OfferRejected"} <= kinds
    triggers = {getattr(e, "trigger", None) for e in checking_all}
    assert {"idle", "idle_logout", "wrap_up_elapsed"} <= triggers
    assert skipping == checking_all
