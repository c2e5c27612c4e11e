"""Shift figures folded record by record, against a hand-computed night shift.

The night shift of 12 September 2026 in Moscow runs 20:00–08:00 local, 17:00 UTC to 05:00 UTC on the
13th; `S` is its start, midnight local is S + 4 h. Every figure below is worked out in the comments.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from c122.domain.acd.kpi import KpiDefinitions, ServiceLevelFormula
from c122.domain.acd.queue_log import QueueLogKind as K
from c122.domain.acd.queue_log import QueueLogRecord as R
from c122.domain.shift_tally import ShiftTally, wait_state, worst

S = datetime(2026, 9, 12, 17, tzinfo=UTC).timestamp()
E = S + 12 * 3600
MIDNIGHT = S + 4 * 3600


def _state(
    at: float, op: str, old: str, new: str, duration: float, detail: str = "", queue: str | None = None
) -> R:
    return R(
        at=at, kind=K.STATE_CHANGE, operator_id=op, old_status=old, new_status=new, duration_s=duration,
        detail=detail, queue_id=queue,
    )  # fmt: skip


NIGHT_LOG = [
    R(at=S - 60, kind=K.CONNECT, queue_id="1", call_id="c0", operator_id="7", waited_s=10),  # the day shift's
    _state(S + 50, "8", "ready", "offered", 3600),  # ready since 19:10: 50 s of it in this shift
    R(at=S + 100, kind=K.OFFER, queue_id="1", call_id="c1", operator_id="7"),
    _state(S + 100, "7", "ready", "offered", 100),
    R(at=S + 110, kind=K.CONNECT, queue_id="1", call_id="c1", operator_id="7", waited_s=15),
    _state(S + 110, "7", "offered", "on_call", 10, queue="1"),
    R(at=S + 400, kind=K.COMPLETE_CALLER, queue_id="1", call_id="c1", operator_id="7", talk_s=290),
    _state(S + 400, "7", "on_call", "wrap_up", 290, queue="1"),
    _state(S + 460, "7", "wrap_up", "ready", 60, queue="1"),
    R(at=MIDNIGHT + 30, kind=K.ABANDON, queue_id="1", call_id="c2", waited_s=3, detail="short"),
    R(at=MIDNIGHT + 100, kind=K.ABANDON, queue_id="1", call_id="c3", waited_s=40),
    R(at=S + 20000, kind=K.OFFER, queue_id="1", call_id="c4", operator_id="7"),
    _state(S + 20000, "7", "ready", "offered", 19540),
    R(at=S + 20020, kind=K.RING_NO_ANSWER, queue_id="1", call_id="c4", operator_id="7", duration_s=20),
    _state(S + 20020, "7", "offered", "on_break", 20, detail="no_answer"),
    R(at=S + 20100, kind=K.CONNECT, queue_id="1", call_id="c4", operator_id="8", waited_s=60),
    _state(S + 20620, "7", "on_break", "ready", 600),
    R(at=S + 21000, kind=K.EXIT_TIMEOUT, queue_id="1", call_id="c5", waited_s=120),
    _state(S + 21000, "7", "ready", "on_call", 380),  # a call of the operator's own
    _state(S + 21100, "7", "on_call", "wrap_up", 100),
    _state(S + 21130, "7", "wrap_up", "ready", 30),
    R(at=S + 30000, kind=K.CONNECT, queue_id="2", call_id="c6", operator_id="8", waited_s=5),
    R(at=S + 30100, kind=K.COMPLETE_OPERATOR, queue_id="2", call_id="c6", operator_id="8", talk_s=100),
    R(at=E + 5, kind=K.CONNECT, queue_id="1", call_id="c7", operator_id="7", waited_s=1),  # the day shift's
]


def _tally() -> ShiftTally:
    tally = ShiftTally(S, E, KpiDefinitions(service_level_s=20, short_abandon_s=5))
    for record in NIGHT_LOG:  # one at a time, as the ACD stores them
        tally.add(record)
    return tally


def test_queue_figures_of_a_night_shift_over_midnight() -> None:
    queue = _tally().queues["1"]
    # c1 answered after 15 s (within 20), c4 after 60; c2 abandoned after 3 s (short), c3 after 40; c5
    # timed out. c0 and c7 belong to the neighbouring day shifts.
    assert (queue.received, queue.answered, queue.answered_within_t) == (5, 2, 1)
    assert (queue.abandoned, queue.short_abandoned, queue.timed_out) == (2, 1, 1)
    assert queue.average_wait_s == pytest.approx((15 + 60) / 2)
    # one completed call: 290 s of talk and 60 s of wrap-up
    assert queue.average_handle_s == pytest.approx(350)
    # short abandons ignored: 1 / (5 - 1); of offered: 1/5; abandons within T met: (1 + 1) / 5;
    # of answered: 1/2
    assert queue.service_level(ServiceLevelFormula.SHORT_ABANDONS_IGNORED) == pytest.approx(0.25)
    assert queue.service_level(ServiceLevelFormula.ANSWERED_OF_OFFERED) == pytest.approx(0.2)
    assert queue.service_level(ServiceLevelFormula.ABANDONS_WITHIN_T_MET) == pytest.approx(0.4)
    assert queue.service_level(ServiceLevelFormula.ANSWERED_ONLY) == pytest.approx(0.5)


def test_the_total_adds_only_the_queues_asked_for() -> None:
    tally = _tally()
    total = tally.total(["1", "2"])
    # queue 2 adds c6: answered after 5 s, 100 s of talk
    assert (total.received, total.answered, total.answered_within_t) == (6, 3, 2)
    assert total.service_level(ServiceLevelFormula.SHORT_ABANDONS_IGNORED) == pytest.approx(2 / 5)
    assert total.average_wait_s == pytest.approx((15 + 60 + 5) / 3)
    assert total.average_handle_s == pytest.approx((290 + 60 + 100) / 2)
    assert tally.total(["2", "9"]).received == 1


def test_operator_figures_of_a_night_shift() -> None:
    tally = _tally()
    op = tally.operator("7")
    assert (op.offers, op.answered, op.answered_within_t, op.missed, op.placed) == (2, 1, 1, 1, 1)
    assert op.offers_taken == pytest.approx(0.5)
    assert op.average_talk_s == pytest.approx(290)
    assert op.average_wrap_s == pytest.approx((60 + 30) / 2)
    assert {reason: (b.count, b.seconds) for reason, b in op.breaks.items()} == {"no_answer": (1, 600)}
    # read 1000 s after the last change: ready since S + 21130 counts up to now
    states = op.states_at(S + 22130, E)
    assert states == pytest.approx(
        {
            "ready": 100 + 19540 + 380 + 1000,
            "offered": 10 + 20,
            "on_call": 290 + 100,
            "wrap_up": 60 + 30,
            "on_break": 600,
        }
    )
    # read after the shift: the running state stops at its end
    assert op.states_at(E + 3600, E)["ready"] == pytest.approx(100 + 19540 + 380 + (E - (S + 21130)))


def test_state_time_begun_before_the_shift_is_clipped_to_it() -> None:
    op = _tally().operator("8")
    assert op.state_s == {"ready": pytest.approx(50)}
    assert (op.answered, op.completed, op.talk_s) == (2, 1, 100)


def test_an_unknown_operator_reads_as_zero() -> None:
    op = _tally().operator("99")
    assert (op.offers, op.answered, op.offers_taken, op.average_talk_s) == (0, 0, None, None)


def test_each_queue_is_judged_by_its_own_thresholds_and_formula() -> None:
    """Queue 1 answers within T = 10 s by «answered of offered»; queue 2 keeps the defaults (T = 20 s,
    S = 5 s, short abandons ignored). The same 15 s wait is late in queue 1 and in time in queue 2."""
    own = {
        "1": KpiDefinitions(
            service_level_s=10, short_abandon_s=2, formula=ServiceLevelFormula.ANSWERED_OF_OFFERED
        )
    }
    tally = ShiftTally(S, E, KpiDefinitions(), own.get)
    tally.add_all(
        [
            R(at=S + 10, kind=K.CONNECT, queue_id="1", call_id="a", operator_id="7", waited_s=15),
            R(at=S + 20, kind=K.CONNECT, queue_id="1", call_id="b", operator_id="7", waited_s=8),
            R(at=S + 30, kind=K.ABANDON, queue_id="1", call_id="c", waited_s=3),  # not short under S = 2
            R(at=S + 40, kind=K.CONNECT, queue_id="2", call_id="d", operator_id="8", waited_s=15),
            R(at=S + 50, kind=K.ABANDON, queue_id="2", call_id="e", waited_s=3),  # short under S = 5
        ]
    )
    first, second = tally.queues["1"], tally.queues["2"]
    assert (first.answered_within_t, first.short_abandoned) == (1, 0)
    assert (second.answered_within_t, second.short_abandoned) == (1, 1)
    assert tally.operator("7").answered_within_t == 1
    assert first.service_level(ServiceLevelFormula.ANSWERED_OF_OFFERED) == pytest.approx(1 / 3)
    # the total: 1 of 3 received in queue 1 plus 1 of (2 − 1 short) in queue 2
    assert tally.service_level(["1", "2"]) == pytest.approx((1 + 1) / (3 + 1))
    assert tally.service_level([]) is None


def test_the_live_panel_colours_waits_by_the_queues_own_threshold_and_norm() -> None:
    assert wait_state(0, 500, 20, 60) == "calm"  # nobody waits now
    assert wait_state(2, 20, 20, 60) == "calm"
    assert wait_state(2, 21, 20, 60) == "over_t"
    assert wait_state(1, 61, 20, 60) == "over_norm"
    assert wait_state(1, 61, 20, 120) == "over_t"  # another queue's norm: the same wait is within it
    assert worst(["calm", "over_norm", "over_t"]) == "over_norm"
    assert worst([]) == "calm"
