"""KPI formulas against the hand-computed example in docs/contact-center/acd.md, and real-time figures."""

from __future__ import annotations

import pytest

from c122.domain.acd import (
    CompletedBy,
    KpiDefinitions,
    QueueConfig,
    QueueLogKind,
    QueueLogRecord,
    ServiceLevelFormula,
    compute_kpis,
    queue_figures,
    to_records,
)

K = QueueLogKind


def rec(at: float, kind: QueueLogKind, **kwargs: object) -> QueueLogRecord:
    kwargs.setdefault("queue_id", "q1")
    return QueueLogRecord(at=at, kind=kind, **kwargs)  # type: ignore[arg-type]


def state(
    at: float, op: str, old: str, new: str, duration: float, queue_id: str | None = None
) -> QueueLogRecord:
    return QueueLogRecord(
        at=at,
        kind=K.STATE_CHANGE,
        operator_id=op,
        old_status=old,
        new_status=new,
        duration_s=duration,
        queue_id=queue_id,
    )


EXAMPLE = [
    rec(100, K.CONNECT, call_id="c1", waited_s=10),
    rec(110, K.CONNECT, call_id="c2", waited_s=30),
    rec(120, K.ABANDON, call_id="c3", waited_s=3),
    rec(130, K.ABANDON, call_id="c4", waited_s=15),
    rec(140, K.ABANDON, call_id="c5", waited_s=40),
    rec(150, K.EXIT_TIMEOUT, call_id="c6", waited_s=120),
    rec(160, K.EXIT_FULL, call_id="c7", waited_s=0),
    rec(200, K.COMPLETE_CALLER, call_id="c1", talk_s=100),
    rec(310, K.COMPLETE_OPERATOR, call_id="c2", talk_s=200),
    rec(170, K.CONNECT, call_id="cb1", waited_s=500, is_callback=True),
    state(100, "op1", "ready", "offered", 100),
    state(200, "op1", "on_call", "wrap_up", 100, "q1"),
    state(220, "op1", "wrap_up", "ready", 20, "q1"),
    state(50, "op2", "ready", "offered", 60),
    state(60, "op2", "offered", "on_call", 10),
    state(310, "op2", "on_call", "wrap_up", 200, "q1"),
    state(350, "op2", "wrap_up", "ready", 40, "q1"),
]


def test_counts_of_the_worked_example() -> None:
    k = compute_kpis(EXAMPLE, KpiDefinitions(service_level_s=20, short_abandon_s=5))
    assert (k.answered, k.answered_within_t) == (2, 1)
    assert (k.abandoned, k.short_abandoned, k.abandoned_within_t) == (3, 1, 2)
    assert (k.timed_out, k.refused_on_entry, k.offered, k.completed) == (1, 1, 6, 2)
    assert k.asa_s == 20.0
    assert k.aht_s == 180.0
    assert k.longest_wait_s == 120.0
    assert k.occupancy == pytest.approx(360 / 530)


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        (ServiceLevelFormula.ANSWERED_OF_OFFERED, 1 / 6),
        (ServiceLevelFormula.SHORT_ABANDONS_IGNORED, 1 / 5),
        (ServiceLevelFormula.ABANDONS_WITHIN_T_MET, 3 / 6),
        (ServiceLevelFormula.ANSWERED_ONLY, 1 / 2),
    ],
)
def test_service_level_formulas(formula: ServiceLevelFormula, expected: float) -> None:
    k = compute_kpis(EXAMPLE, KpiDefinitions(service_level_s=20, short_abandon_s=5, formula=formula))
    assert k.service_level == pytest.approx(expected)


def test_abandon_rate_with_and_without_short_abandons() -> None:
    ignoring = compute_kpis(EXAMPLE, KpiDefinitions(abandon_rate_ignores_short=True))
    counting = compute_kpis(EXAMPLE, KpiDefinitions(abandon_rate_ignores_short=False))
    assert ignoring.abandon_rate == pytest.approx(2 / 5)
    assert counting.abandon_rate == pytest.approx(3 / 6)


def test_thresholds_are_definitions_not_constants() -> None:
    k = compute_kpis(EXAMPLE, KpiDefinitions(service_level_s=30, short_abandon_s=16))
    assert (k.answered_within_t, k.short_abandoned) == (2, 2)


def test_window_and_queue_filters() -> None:
    other = [*EXAMPLE, rec(105, K.CONNECT, queue_id="q2", call_id="x", waited_s=900)]
    only_q1 = compute_kpis(other, queue_ids={"q1"})
    assert (only_q1.answered, only_q1.longest_wait_s) == (2, 120.0)
    early = compute_kpis(EXAMPLE, start=0, end=125)
    assert (early.answered, early.abandoned) == (2, 1)


def test_state_time_is_clipped_to_the_window_for_occupancy() -> None:
    records = [state(1000, "op1", "on_call", "wrap_up", 100), state(1100, "op1", "ready", "offered", 100)]
    k = compute_kpis(records, start=950, end=1050)
    assert k.occupancy == pytest.approx(50 / 100)
    k = compute_kpis(records, start=950, end=1150)
    assert k.occupancy == pytest.approx(50 / 150)


def test_empty_log_gives_no_ratios() -> None:
    k = compute_kpis([])
    assert (k.service_level, k.asa_s, k.aht_s, k.abandon_rate, k.occupancy) == (None, None, None, None, None)


def test_kpis_recomputed_from_the_events_of_a_simulated_shift(make_world) -> None:
    world = make_world([QueueConfig(queue_id="q1", group_id="g1", wrap_up_s=10)], {"q1": ["a"]})
    events = list(world.login("a").events)
    for call_id, talk in (("c1", 60), ("c2", 120)):
        events += world.call(call_id).events
        world.clock.advance(4)
        events += world.accept("a", call_id).events
        world.clock.advance(talk)
        events += world.hang_up(call_id, CompletedBy.OPERATOR).events
        events += world.tick(10).events
    events += world.call("c3").events
    world.clock.advance(30)
    events += world.call("c4").events
    world.clock.advance(2)
    events += world.hang_up("c4").events
    events += world.hang_up("c3").events
    records = list(to_records(events))
    kinds = [r.kind for r in records]
    assert kinds.count(K.ENTER) == 4
    assert kinds.count(K.OFFER) >= 3  # the abandoned c3 may be rung again as a callback
    k = compute_kpis(records, KpiDefinitions(service_level_s=20, short_abandon_s=5))
    assert (k.answered, k.abandoned, k.short_abandoned) == (2, 2, 1)
    assert k.asa_s == 4.0
    assert k.aht_s == (60 + 120 + 10 + 10) / 2
    assert k.longest_wait_s == 32.0
    assert k.service_level == pytest.approx(2 / 3)


def test_real_time_figures_of_a_queue(make_world) -> None:
    world = make_world([QueueConfig(queue_id="q1", group_id="g1")], {"q1": ["a", "b", "c", "d"]})
    world.login("a", "b", "c")
    world.acd.take_break("c", "lunch", world.now)
    world.call("c1")
    world.accept("a", "c1")
    world.call("c2")  # rings b
    world.call("c3", priority=2)
    world.clock.advance(10)
    world.call("c4")
    world.clock.advance(5)
    figures = queue_figures(world.acd.state, "q1", world.now)
    assert figures.waiting == 3
    assert dict(figures.waiting_by_priority) == {2: 1, 0: 2}
    assert figures.longest_wait_s == 15.0
    assert (figures.available_operators, figures.eligible_operators) == (0, 2)
    assert (figures.logged_in_operators, figures.on_break_operators) == (3, 1)
