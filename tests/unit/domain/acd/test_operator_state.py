"""The operator state machine on its own: the transition table, timers' effects and the state log."""

from __future__ import annotations

import pytest

from c122.domain.acd import (
    TRANSITIONS,
    BreakReason,
    IllegalTransition,
    OperatorState,
    OperatorStatus,
    Trigger,
)
from c122.domain.acd import operator_state as m

S = OperatorStatus


def logged_in(at: float = 100.0) -> OperatorState:
    state, _ = m.login(OperatorState(operator_id="a"), at)
    return state


def on_call(at: float = 100.0) -> OperatorState:
    state, _ = m.offer(logged_in(at), "c1", "q1", at + 20, at)
    state, _ = m.answer(state, at + 1)
    return state


def test_every_transition_not_in_the_table_is_refused() -> None:
    # Drive each status through a trigger the table does not list: the machine must refuse it.
    samples = {
        S.OFFLINE: OperatorState(operator_id="a"),
        S.READY: logged_in(),
        S.ON_CALL: on_call(),
    }
    refused = 0
    for status, state in samples.items():
        for trigger in (Trigger.ANSWER, Trigger.WRAP_UP_ELAPSED, Trigger.UNBLOCK, Trigger.IDLE_LOGOUT):
            if (status, trigger) in TRANSITIONS:
                continue
            with pytest.raises(IllegalTransition):
                m._move(state, trigger, 200.0)
            refused += 1
    assert refused >= 9


def test_wrap_up_cannot_be_chosen_by_hand_and_offline_cannot_take_calls() -> None:
    assert not any(
        target is S.WRAP_UP and trig is not Trigger.CALL_ENDED for (_, trig), target in TRANSITIONS.items()
    )
    with pytest.raises(IllegalTransition):
        m.offer(OperatorState(operator_id="a"), "c1", "q1", 30.0, 10.0)


def test_a_full_cycle_writes_one_state_log_row_per_change_with_time_spent() -> None:
    state, (login_row,) = m.login(OperatorState(operator_id="a"), 100.0)
    state, (offer_row,) = m.offer(state, "c1", "q1", 140.0, 130.0)
    state, (answer_row,) = m.answer(state, 135.0)
    state, (end_row,) = m.end_call(state, 235.0, wrap_up_until=265.0)
    state, (ready_row,) = m.end_wrap_up(state, 265.0)
    rows = [login_row, offer_row, answer_row, end_row, ready_row]
    assert [(r.old_status, r.new_status) for r in rows] == [
        ("offline", "ready"),
        ("ready", "offered"),
        ("offered", "on_call"),
        ("on_call", "wrap_up"),
        ("wrap_up", "ready"),
    ]
    assert [r.duration_s for r in rows[1:]] == [30.0, 5.0, 100.0, 30.0]
    assert end_row.call_id == "c1"
    assert state.calls_answered == 1
    assert state.talk_seconds == 100.0
    assert state.idle_since == 265.0


def test_given_missed_offers_when_the_limit_is_reached_then_the_operator_goes_on_break_no_answer() -> None:
    state = logged_in()
    state, _ = m.offer(state, "c1", "q1", 120.0, 100.0)
    state, (row,) = m.miss_offer(state, 120.0, "ring_timeout", no_answer_limit=2)
    assert state.status is S.READY
    assert state.no_answer_count == 1
    assert state.idle_since == 100.0, "a missed offer keeps the operator's place in longest-idle order"
    state, _ = m.offer(state, "c2", "q1", 150.0, 130.0)
    state, (row,) = m.miss_offer(state, 150.0, "ring_timeout", no_answer_limit=2)
    assert state.status is S.ON_BREAK
    assert state.reason == BreakReason.NO_ANSWER
    assert row.trigger == "no_answer_limit"
    assert state.no_answer_count == 0


def test_an_answered_offer_resets_the_no_answer_count() -> None:
    state = logged_in()
    state, _ = m.offer(state, "c1", "q1", 120.0, 100.0)
    state, _ = m.miss_offer(state, 120.0, "rejected", no_answer_limit=3)
    state, _ = m.offer(state, "c2", "q1", 150.0, 130.0)
    state, _ = m.answer(state, 131.0)
    assert state.no_answer_count == 0


def test_not_ready_needs_a_stated_reason_and_a_break_needs_a_code() -> None:
    with pytest.raises(IllegalTransition):
        m.take_break(logged_in(), 200.0, BreakReason.NOT_READY, note="  ")
    with pytest.raises(IllegalTransition):
        m.take_break(logged_in(), 200.0, "")
    state, (row,) = m.take_break(logged_in(), 200.0, BreakReason.NOT_READY, note="проверка гарнитуры")
    assert (state.status, state.reason, state.note) == (S.ON_BREAK, "not_ready", "проверка гарнитуры")
    assert row.note == "проверка гарнитуры"


def test_given_a_call_in_progress_when_a_break_is_asked_then_it_starts_after_the_wrap_up() -> None:
    state, rows = m.take_break(on_call(), 150.0, BreakReason.LUNCH)
    assert rows == ()
    assert state.status is S.ON_CALL
    state, _ = m.end_call(state, 200.0, wrap_up_until=230.0)
    assert state.status is S.WRAP_UP
    state, (row,) = m.end_wrap_up(state, 230.0)
    assert (state.status, state.reason) == (S.ON_BREAK, "lunch")
    assert row.old_status == "wrap_up"


def test_given_a_block_during_a_call_then_it_applies_when_the_wrap_up_ends() -> None:
    state, rows = m.block(on_call(), 150.0, "нарушение регламента")
    assert rows == ()
    state, _ = m.end_call(state, 200.0, wrap_up_until=210.0)
    state, _ = m.end_wrap_up(state, 210.0)
    assert state.status is S.BLOCKED
    assert state.block_note == "нарушение регламента"


def test_a_block_needs_a_reason_and_unblock_returns_to_ready() -> None:
    with pytest.raises(IllegalTransition):
        m.block(logged_in(), 150.0, "")
    state, _ = m.block(logged_in(), 150.0, "обучение новичка")
    state, (row,) = m.unblock(state, 300.0)
    assert state.status is S.READY
    assert state.block_note is None
    assert row.duration_s == 150.0


def test_forced_logout_works_from_any_logged_in_state() -> None:
    for state in (logged_in(), on_call(), m.take_break(logged_in(), 120.0, "break")[0]):
        new, (row,) = m.force_logout(state, 500.0, "конец смены")
        assert new.status is S.OFFLINE
        assert row.trigger == "force_logout"
        assert row.note == "конец смены"


def test_away_returns_by_hand_and_keeps_the_continuous_work_streak() -> None:
    state, _ = m.go_idle(logged_in(100.0), 700.0)
    assert state.status is S.AWAY
    state, _ = m.ready(state, 750.0)
    assert state.status is S.READY
    assert state.work_since == 100.0
    state, _ = m.take_break(state, 800.0, "break")
    state, _ = m.ready(state, 900.0)
    assert state.work_since == 900.0, "a break ends the continuous work streak"
