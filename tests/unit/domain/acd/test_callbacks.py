"""Abandoned calls and callbacks (TEL-06, TEL-07)."""

from __future__ import annotations

import pytest

from c122.domain.acd import (
    CallAbandoned,
    CallbackClosed,
    CallbackCreated,
    CallbackTaken,
    CallQueued,
    OfferWithdrawn,
    OperatorStatus,
    QueueConfig,
    UnknownCall,
)

S = OperatorStatus


def q(**kwargs: object) -> QueueConfig:
    defaults: dict[str, object] = {"short_abandon_s": 5, "sla_wait_s": 60, "wrap_up_s": 0}
    defaults.update(kwargs)
    return QueueConfig(queue_id="q1", group_id="g1", **defaults)  # type: ignore[arg-type]


def busy(make_world, **kwargs: object):
    world = make_world([q(**kwargs)], {"q1": ["a"]})
    world.login("a")
    world.call("busy")
    world.accept("a", "busy")
    return world


def of_type(outcome, kind):
    return [e for e in outcome.events if isinstance(e, kind)]


def test_a_short_abandon_makes_no_callback_entry(make_world) -> None:
    world = busy(make_world)
    world.call("c1")
    world.clock.advance(4.9)
    outcome = world.hang_up("c1")
    (abandoned,) = of_type(outcome, CallAbandoned)
    assert (abandoned.short, abandoned.position) == (True, 1)
    assert of_type(outcome, CallbackCreated) == []
    assert world.acd.state.callbacks == {}


def test_a_caller_who_asks_for_a_callback_keeps_a_place_however_short_the_wait(make_world) -> None:
    world = busy(make_world)
    world.call("c1", caller="+79001112233")
    world.clock.advance(1)
    outcome = world.acd.request_callback("c1", world.now)
    (abandoned,) = of_type(outcome, CallAbandoned)
    (entry,) = of_type(outcome, CallbackCreated)
    assert abandoned.short is False
    assert (entry.caller, entry.waited_s) == ("+79001112233", 1.0)
    assert set(world.acd.state.callbacks) == {"c1"}


def test_only_a_caller_waiting_on_the_line_can_ask_for_a_callback(make_world) -> None:
    world = busy(make_world)
    with pytest.raises(UnknownCall):
        world.acd.request_callback("nobody", world.now)
    with pytest.raises(UnknownCall):
        world.acd.request_callback("busy", world.now)  # already talking to an operator


def test_an_abandon_enters_the_callback_list_with_wait_time_and_sla_flag(make_world) -> None:
    world = busy(make_world)
    world.call("c1", caller="+79001112233")
    world.call("c2", caller="+79004445566")
    world.clock.advance(30)
    (ok,) = of_type(world.hang_up("c1"), CallbackCreated)
    world.clock.advance(40)
    (late,) = of_type(world.hang_up("c2"), CallbackCreated)
    assert (ok.caller, ok.waited_s, ok.sla_breached) == ("+79001112233", 30.0, False)
    assert (late.caller, late.waited_s, late.sla_breached) == ("+79004445566", 70.0, True)
    assert set(world.acd.state.callbacks) == {"c1", "c2"}


def test_a_callback_keeps_the_original_enqueue_time_and_comes_before_later_callers(make_world) -> None:
    world = busy(make_world)
    world.call("c1")
    world.clock.advance(10)
    world.call("c2")
    world.clock.advance(20)
    world.hang_up("c1")
    world.call("c3")
    state = world.acd.state
    assert state.waiting["c1"].is_callback
    assert state.waiting["c1"].enqueued_at == 1_001.0
    world.hang_up("busy")
    offer = world.acd.state.operators["a"]
    assert offer.call_id == "c1"
    outcome = world.accept("a", "c1")
    (closed,) = of_type(outcome, CallbackClosed)
    assert closed.reason == "called_back"
    assert state.callbacks == {}


def test_callbacks_are_offered_only_to_free_operators(make_world) -> None:
    world = make_world([q()], {"q1": ["a", "b", "c"]})
    world.login("a", "b", "c")
    for call_id in ("busy-a", "busy-b", "busy-c"):
        world.call(call_id)
    for op, call_id in zip("abc", ("busy-a", "busy-b", "busy-c"), strict=True):
        world.accept(op, call_id)
    for n in range(5):
        world.call(f"c{n}")
    world.clock.advance(20)
    for n in range(5):
        world.hang_up(f"c{n}")
    assert len(world.acd.state.callbacks) == 5
    outcome = world.hang_up("busy-a")
    callback_offers = [o for o in outcome.offers if o.is_callback]
    assert len(callback_offers) == 1, "one operator freed, one callback offered"
    assert sum(1 for op in "abc" if world.status(op) is S.OFFERED) == 1


def test_with_callbacks_off_the_entry_stays_in_the_list_and_is_not_offered(make_world) -> None:
    world = busy(make_world, callbacks_enabled=False)
    world.call("c1")
    world.clock.advance(30)
    world.hang_up("c1")
    outcome = world.hang_up("busy")
    assert outcome.offers == ()
    assert "c1" in world.acd.state.callbacks


def test_a_repeat_caller_within_the_window_resumes_their_place_and_the_entry_closes(make_world) -> None:
    world = busy(make_world, repeat_call_window_s=600)
    world.call("c1", caller="+79001112233")
    world.clock.advance(5)
    world.call("c2", caller="+79002223344")
    world.clock.advance(25)
    world.hang_up("c1")
    world.clock.advance(120)
    outcome = world.call("again", caller="+79001112233")
    (closed,) = of_type(outcome, CallbackClosed)
    (queued,) = of_type(outcome, CallQueued)
    assert (closed.entry_id, closed.reason, closed.resumed_by) == ("c1", "called_again", "again")
    assert (queued.resumed, queued.position, queued.enqueued_at) == (True, 1, 1_001.0)
    assert world.acd.state.callbacks == {}
    assert "c1" not in world.acd.state.waiting


def test_a_repeat_caller_after_the_window_queues_as_new_and_the_entry_stays(make_world) -> None:
    world = busy(make_world, repeat_call_window_s=60)
    world.call("c1", caller="+79001112233")
    world.call("c2", caller="+79002223344")
    world.clock.advance(30)
    world.hang_up("c1")
    world.clock.advance(61)
    (queued,) = of_type(world.call("again", caller="+79001112233"), CallQueued)
    assert (queued.resumed, queued.position) == (False, 3)
    assert "c1" in world.acd.state.callbacks


def test_a_repeat_caller_while_their_callback_rings_takes_the_operator_instead(make_world) -> None:
    world = make_world([q()], {"q1": ["a"]})
    world.login("a")
    world.acd.take_break("a", "break", world.now)
    world.call("c1", caller="+79001112233")
    world.clock.advance(30)
    world.hang_up("c1")
    world.acd.ready("a", world.now)
    assert world.offered_call("a") == "c1"
    world.call("again", caller="+79001112233")
    assert world.offered_call("a") == "again"
    assert world.acd.state.callbacks == {}


def test_an_operator_takes_an_abandoned_caller_and_nobody_else_is_offered_it(make_world) -> None:
    world = make_world([q()], {"q1": ["a", "b"]})
    world.login("a", "b")
    for op in ("a", "b"):
        world.acd.take_break(op, "break", world.now)
    world.call("c1", caller="+79001112233")
    world.clock.advance(30)
    world.hang_up("c1")
    world.acd.ready("a", world.now)
    assert world.offered_call("a") == "c1"  # the queue offers callbacks by itself...
    outcome = world.acd.take_callback("b", "c1", world.now)  # ...but b takes it while on a break
    assert world.offered_call("a") is None
    assert [w.call_id for w in outcome.events if isinstance(w, OfferWithdrawn)] == ["c1"]
    assert world.acd.state.callbacks["c1"].claimed_by == "b"
    with pytest.raises(CallbackTaken) as taken:
        world.acd.take_callback("a", "c1", world.now)
    assert taken.value.operator_id == "b"
    world.tick(10)
    assert world.offered_call("a") is None  # still b's
    world.acd.ready("b", world.now)
    assert world.offered_call("b") == "c1"
    (closed,) = of_type(world.accept("b", "c1"), CallbackClosed)
    assert closed.reason == "called_back"


def test_with_callbacks_off_a_taken_entry_is_offered_to_the_operator_who_took_it(make_world) -> None:
    world = make_world([q(callbacks_enabled=False)], {"q1": ["a", "b"]})
    world.login("a", "b")
    world.acd.take_break("a", "break", world.now)
    world.call("busy")
    world.accept("b", "busy")
    world.call("c1", caller="+79001112233")
    world.clock.advance(30)
    world.hang_up("c1")
    world.hang_up("busy")
    assert world.offered_call("b") is None  # not offered by itself
    world.acd.ready("a", world.now)
    outcome = world.acd.take_callback("a", "c1", world.now)
    assert [o.operator_id for o in outcome.offers] == ["a"]
    with pytest.raises(UnknownCall):
        world.acd.take_callback("a", "nobody", world.now)


def test_an_entry_closes_when_the_applicant_calls_again_and_is_answered(make_world) -> None:
    world = busy(make_world, repeat_call_window_s=60, callbacks_enabled=False)
    world.call("c1", caller="+79001112233")
    world.clock.advance(30)
    world.hang_up("c1")
    world.clock.advance(61)  # after the window: a new call, the entry stays while it waits
    world.call("again", caller="+79001112233")
    assert "c1" in world.acd.state.callbacks
    world.hang_up("busy")
    (closed,) = of_type(world.accept("a", "again"), CallbackClosed)
    assert (closed.entry_id, closed.reason, closed.resumed_by) == ("c1", "answered_again", "again")
    assert world.acd.state.callbacks == {}


def test_a_caller_who_accepts_the_menus_offer_gets_an_entry_without_having_waited(make_world) -> None:
    world = busy(make_world)
    outcome = world.acd.request_callback_from_menu("m1", "q1", "+79001112233", world.now, priority=3)
    (entry,) = of_type(outcome, CallbackCreated)
    assert (entry.entry_id, entry.caller, entry.waited_s, entry.sla_breached) == (
        "m1",
        "+79001112233",
        0.0,
        False,
    )
    assert world.acd.state.callbacks["m1"].priority == 3
    assert world.acd.state.waiting["m1"].is_callback  # the queue calls back: it waits for an operator


def test_a_caller_already_on_the_queues_list_keeps_one_entry(make_world) -> None:
    world = busy(make_world)
    world.acd.request_callback_from_menu("m1", "q1", "+79001112233", world.now)
    again = world.acd.request_callback_from_menu("m2", "q1", "+79001112233", world.now)
    assert of_type(again, CallbackCreated) == []
    assert set(world.acd.state.callbacks) == {"m1"}
