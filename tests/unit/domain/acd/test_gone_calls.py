"""Calls that ended without the ACD being told: the call source names the calls it still carries and the
ACD drops the rest. A queue never keeps a caller whose call is gone, and nobody pays for an offer that
could never have been answered (no missed offer, no "no answer" break, no wrap-up)."""

from __future__ import annotations

from c122.domain.acd import (
    CallbackCreated,
    CallCompleted,
    CallExited,
    CompletedBy,
    ExitReason,
    OfferRejected,
    OfferWithdrawn,
    OperatorStatus,
    QueueConfig,
    QueueLogKind,
    to_records,
)

S = OperatorStatus


def q(**kwargs: object) -> QueueConfig:
    settings: dict[str, object] = {"no_answer_limit": 1, "wrap_up_s": 30, "short_abandon_s": 0}
    settings.update(kwargs)
    return QueueConfig(queue_id="q1", group_id="g1", **settings)  # type: ignore[arg-type]


def test_a_waiting_caller_whose_call_is_gone_is_named_once_it_has_been_held_for_the_grace_time(
    make_world,
) -> None:
    world = make_world([q()], {"q1": ["a"]})
    world.call("live")
    world.call("gone")
    assert world.acd.calls_not_in({"live"}, world.now, older_than_s=5) == []
    world.clock.advance(5)
    assert world.acd.calls_not_in({"live"}, world.now, older_than_s=5) == ["gone"]


def test_a_gone_caller_ringing_an_operator_leaves_the_queue_and_the_operator_is_free_without_a_miss(
    make_world,
) -> None:
    world = make_world([q()], {"q1": ["a"]})
    world.login("a")
    assert world.offers(world.call("gone")) == [("gone", "a")]
    outcome = world.acd.drop_gone(["gone"], world.now)
    assert "gone" not in world.acd.state.waiting
    assert world.status("a") is S.READY
    assert world.acd.state.operators["a"].no_answer_count == 0
    assert not any(isinstance(e, OfferRejected | CallbackCreated) for e in outcome.events)
    withdrawn = [e for e in outcome.events if isinstance(e, OfferWithdrawn)]
    assert [(e.operator_id, e.cause) for e in withdrawn] == [("a", "call_gone")]
    (exited,) = [e for e in outcome.events if isinstance(e, CallExited)]
    assert (exited.reason, exited.destination, exited.message) == (ExitReason.GONE, None, None)
    kinds = [r.kind for r in to_records(outcome.events)]
    assert QueueLogKind.EXIT_GONE in kinds


def test_the_operator_freed_from_a_gone_call_is_offered_the_next_live_caller(make_world) -> None:
    world = make_world([q()], {"q1": ["a"]})
    world.login("a")
    world.call("gone")
    world.call("live")
    outcome = world.acd.drop_gone(["gone"], world.now)
    assert world.offers(outcome) == [("live", "a")]


def test_a_gone_conversation_ends_as_the_callers_hang_up_without_a_wrap_up(make_world) -> None:
    world = make_world([q()], {"q1": ["a"]})
    world.login("a")
    world.call("c1")
    world.accept("a", "c1")
    world.clock.advance(10)
    assert world.acd.calls_not_in(set(), world.now) == ["c1"]
    outcome = world.acd.drop_gone(["c1"], world.now)
    (completed,) = [e for e in outcome.events if isinstance(e, CallCompleted)]
    assert completed.by is CompletedBy.CALLER
    assert world.acd.state.connected == {}
    world.tick(0)
    assert world.status("a") is S.READY  # the queue's 30 s wrap-up does not apply


def test_an_operators_own_call_that_is_gone_frees_them_at_once(make_world) -> None:
    world = make_world([q()], {"q1": ["a"]})
    world.login("a")
    world.acd.dial("a", "out-1", world.now)
    assert world.acd.calls_not_in({"other"}, world.now) == ["out-1"]
    world.acd.drop_gone(["out-1"], world.now)
    world.tick(0)
    assert world.status("a") is S.READY


def test_callback_entries_are_not_calls_and_are_left_alone(make_world) -> None:
    world = make_world([q(callbacks_enabled=True)], {"q1": ["a"]})
    world.call("c1")
    world.clock.advance(10)
    world.hang_up("c1")
    assert world.acd.state.waiting["c1"].is_callback
    assert world.acd.calls_not_in(set(), world.now) == []
    world.acd.drop_gone(["c1"], world.now)
    assert "c1" in world.acd.state.waiting


def test_dropped_calls_are_not_in_the_snapshot_a_restart_loads(make_world) -> None:
    world = make_world([q()], {"q1": ["a"]})
    world.login("a")
    world.call("gone")
    world.acd.drop_gone(world.acd.calls_not_in(set(), world.now), world.now)
    restarted = world.restarted()
    assert restarted.acd.state.waiting == {}
    assert restarted.status("a") is S.READY


def test_holds_names_callers_conversations_and_own_calls_but_not_callback_entries(make_world) -> None:
    world = make_world([q(callbacks_enabled=True)], {"q1": ["a", "b"]})
    world.login("a", "b")
    world.acd.dial("b", "out-1", world.now)
    world.call("talking")
    world.accept("a", "talking")
    world.call("waiting")
    world.clock.advance(10)
    world.hang_up("waiting")  # now a callback entry waiting for a free operator
    assert [c for c in ("waiting", "out-1", "talking", "nobody") if world.acd.holds(c)] == [
        "out-1",
        "talking",
    ]
