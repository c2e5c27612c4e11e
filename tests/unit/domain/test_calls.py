"""Call records: durations from phase times, the SLA flag, status rules, record checks, the journal's
filters and who sees which calls and recordings."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from c122.domain.calls import (
    CallFilter,
    CallLegRecord,
    CallRecord,
    HoldSpan,
    JournalScope,
    check_filter_scope,
    check_record,
    durations,
    final_status,
    held_seconds,
    journal_scope,
    may_hear_recording,
    read_call_filter,
    sees_call,
    sla_breached,
    timed,
)
from c122.domain.errors import Forbidden, InvalidFields
from c122.domain.users import Actor, Role

MOSCOW = ZoneInfo("Europe/Moscow")
T0 = datetime(2026, 9, 12, 9, 0, tzinfo=UTC)
OPERATOR = Actor(user_id=7, role=Role.OPERATOR, group_ids=frozenset({10}))
SENIOR = Actor(user_id=2, role=Role.SENIOR, group_ids=frozenset({10, 11}))
OTHER_SENIOR = Actor(user_id=3, role=Role.SENIOR, group_ids=frozenset({12}))
ADMIN = Actor(user_id=1, role=Role.ADMIN, group_ids=frozenset())


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def answered_call(**changes: object) -> CallRecord:
    record = CallRecord(
        id="c-1",
        direction="inbound",
        status="answered",
        caller="+79161234567",
        called="+78001220122",
        line_number="+78001220122",
        queue_id=5,
        group_id=10,
        operator_id=7,
        started_at=at(0),
        queued_at=at(10),
        offered_at=at(40),
        connected_at=at(45),
        ended_at=at(345),
        legs=(
            CallLegRecord(leg_id="L1", kind="sip", role="caller", party="+79161234567", started_at=at(0)),
            CallLegRecord(
                leg_id="L2", kind="webrtc", role="operator", party="7", started_at=at(45), answered_at=at(45)
            ),
        ),
    )
    return replace(record, **changes)  # type: ignore[arg-type]


def problems(record: CallRecord) -> dict[str, str]:
    with pytest.raises(InvalidFields) as refused:
        check_record(record)
    return {p.path: p.code for p in refused.value.problems}


# --- durations, SLA and status -----------------------------------------------------------------


def test_an_answered_call_waits_from_queueing_to_answer_and_talks_to_the_end_less_hold() -> None:
    holds = [HoldSpan(at(100), at(130)), HoldSpan(at(200), at(210))]
    figures = durations(answered_call(), holds, wrap_up_ended_at=at(375))
    assert figures.wait_s == 35.0
    assert figures.hold_s == 40.0
    assert figures.talk_s == 300.0 - 40.0
    assert figures.wrap_up_s == 30.0


def test_an_abandoned_call_waits_until_it_ends_and_talks_nothing() -> None:
    missed = answered_call(
        status="missed", connected_at=None, offered_at=None, operator_id=None, ended_at=at(100)
    )
    figures = durations(missed, [HoldSpan(at(20), at(30))])
    assert figures.wait_s == 90.0
    assert (figures.talk_s, figures.hold_s, figures.wrap_up_s) == (0.0, 0.0, 0.0)


def test_a_running_call_is_measured_up_to_now_and_an_open_hold_counts_until_then() -> None:
    running = answered_call(status="active", ended_at=None)
    figures = durations(running, [HoldSpan(at(100))], now=at(160))
    assert figures.hold_s == 60.0
    assert figures.talk_s == 115.0 - 60.0
    assert durations(running).talk_s == 0.0  # without `now` nothing after the answer is known yet


def test_overlapping_hold_spans_count_once_and_are_clipped_to_the_end() -> None:
    spans = [HoldSpan(at(0), at(50)), HoldSpan(at(20), at(60)), HoldSpan(at(90), at(200))]
    assert held_seconds(spans, until=at(100)) == 70.0
    assert held_seconds([HoldSpan(at(10))], until=None) == 0.0


def test_the_sla_is_breached_only_by_a_wait_longer_than_the_queues_norm() -> None:
    assert not sla_breached(60.0, 60.0)
    assert sla_breached(60.5, 60.0)
    assert not sla_breached(1000.0, None)
    late = timed(answered_call(connected_at=at(75), offered_at=at(70)), sla_wait_s=60.0)
    assert (late.wait_s, late.sla_breached) == (65.0, True)
    in_time = timed(answered_call(), sla_wait_s=60.0)
    assert (in_time.wait_s, in_time.sla_breached) == (35.0, False)
    never_queued = timed(answered_call(queued_at=None, offered_at=None), sla_wait_s=1.0)
    assert never_queued.sla_breached is False


def test_an_ended_call_counts_as_answered_when_connected_else_failed_on_error_else_missed() -> None:
    assert final_status(connected=True, failed=True) == "answered"
    assert final_status(connected=False, failed=True) == "failed"
    assert final_status(connected=False, failed=False) == "missed"


# --- record checks -----------------------------------------------------------------------------


def test_a_consistent_record_passes_at_every_phase() -> None:
    check_record(answered_call())
    check_record(answered_call(status="active", connected_at=None, offered_at=None, ended_at=None))
    check_record(answered_call(status="missed", connected_at=None, ended_at=at(60)))
    # A caller the menu transferred onwards was served without an operator's connection.
    check_record(answered_call(connected_at=None, offered_at=None, end_cause="transferred"))


def test_the_status_must_agree_with_the_phases() -> None:
    assert problems(answered_call(status="active")) == {"ended_at": "ended_while_active"}
    assert problems(answered_call(ended_at=None)) == {"ended_at": "required"}
    assert problems(answered_call(status="missed")) == {"status": "connected_not_answered"}
    assert problems(answered_call(status="lost")) == {"status": "invalid_choice"}


def test_phases_out_of_order_naive_times_negative_durations_and_bad_legs_are_named() -> None:
    record = answered_call(
        connected_at=at(5),
        queued_at=datetime(2026, 9, 12, 9, 0),
        wait_s=-1.0,
        talk_s=float("nan"),
        caller="x" * 65,
        legs=(
            CallLegRecord(leg_id="L1", kind="pstn", role="caller", party="1", started_at=at(9)),  # type: ignore[arg-type]
            CallLegRecord(
                leg_id="L1",
                kind="sip",
                role="operator",
                party="7",
                started_at=at(9),
                ended_at=at(1),
                loss_percent=101,
            ),
        ),
    )
    assert problems(record) == {
        "caller": "too_long",
        "queued_at": "zone_required",
        "connected_at": "out_of_order",
        "wait_s": "negative",
        "talk_s": "negative",
        "legs.0.kind": "invalid_choice",
        "legs.1.ended_at": "out_of_order",
        "legs.1.loss_percent": "out_of_range",
        "legs": "duplicate_leg",
    }


# --- journal filters ---------------------------------------------------------------------------


def test_a_date_alone_is_the_whole_hotline_day_and_a_time_keeps_its_zone() -> None:
    day = read_call_filter(MOSCOW, date_from="12.09.2026", date_to="2026-09-12")
    assert day.since == datetime(2026, 9, 11, 21, 0, tzinfo=UTC)
    assert day.until == datetime(2026, 9, 12, 21, 0, tzinfo=UTC)
    # The second "+" came unencoded in a query string and arrived as a space.
    exact = read_call_filter(MOSCOW, date_from="2026-09-12T10:00:00Z", date_to="2026-09-12T16:00 03:00")
    assert exact.since == datetime(2026, 9, 12, 10, 0, tzinfo=UTC)
    assert exact.until == datetime(2026, 9, 12, 13, 0, tzinfo=UTC)


def test_filters_are_normalised_and_empty_values_mean_no_filter() -> None:
    wanted = read_call_filter(
        MOSCOW, line="8 (800) 122-01-22", direction="inbound", status="missed", operator_id=7, group_id=10
    )
    assert wanted == CallFilter(
        line_number="+78001220122", direction="inbound", status="missed", operator_id=7, group_id=10
    )
    assert read_call_filter(MOSCOW, date_from=" ", line="", direction="", status="") == CallFilter()


def test_bad_filters_are_refused_together_with_a_reason_each() -> None:
    with pytest.raises(InvalidFields) as refused:
        read_call_filter(
            MOSCOW,
            date_from="2026-09-12T10:00:00",
            date_to="вчера",
            line="позвоните",
            operator_id=0,
            direction="sideways",
            status="lost",
            limit=500,
            offset=-1,
        )
    codes = {p.path: p.code for p in refused.value.problems}
    assert codes == {
        "from": "zone_required",
        "to": "invalid_datetime",
        "line": "invalid_phone",
        "operator": "invalid_id",
        "direction": "invalid_choice",
        "status": "invalid_choice",
        "limit": "out_of_range",
        "offset": "out_of_range",
    }
    assert all(p.message for p in refused.value.problems)


def test_a_period_must_end_after_it_starts() -> None:
    with pytest.raises(InvalidFields) as refused:
        read_call_filter(MOSCOW, date_from="13.09.2026", date_to="12.09.2026")
    assert [(p.path, p.code) for p in refused.value.problems] == [("to", "range_order")]
    with pytest.raises(InvalidFields):
        read_call_filter(MOSCOW, date_from="2026-09-12T10:00Z", date_to="2026-09-12T13:00+03:00")
    with pytest.raises(InvalidFields):
        read_call_filter(MOSCOW, limit=0)


# --- scope and recordings ----------------------------------------------------------------------


def test_each_role_lists_within_its_scope() -> None:
    assert journal_scope(ADMIN) == JournalScope()
    assert journal_scope(SENIOR) == JournalScope(group_ids=frozenset({10, 11}), user_id=2)
    assert journal_scope(OPERATOR) == JournalScope(group_ids=frozenset(), user_id=7)


def test_filters_outside_ones_scope_are_refused() -> None:
    check_filter_scope(ADMIN, CallFilter(group_id=99, operator_id=99))
    check_filter_scope(SENIOR, CallFilter(group_id=11, operator_id=7))
    check_filter_scope(OPERATOR, CallFilter(operator_id=7, group_id=10))
    with pytest.raises(Forbidden):
        check_filter_scope(SENIOR, CallFilter(group_id=12))
    with pytest.raises(Forbidden):
        check_filter_scope(OPERATOR, CallFilter(operator_id=8))
    with pytest.raises(Forbidden):
        check_filter_scope(OPERATOR, CallFilter(group_id=11))


def test_operators_see_calls_they_answered_or_joined_and_seniors_those_of_their_groups() -> None:
    call = answered_call()
    assert sees_call(OPERATOR, call)
    assert sees_call(SENIOR, call)
    assert sees_call(ADMIN, call)
    assert not sees_call(OTHER_SENIOR, call)
    colleague = Actor(user_id=8, role=Role.OPERATOR, group_ids=frozenset({10}))
    assert not sees_call(colleague, call)
    consulted = replace(
        call,
        legs=(
            *call.legs,
            CallLegRecord(leg_id="L3", kind="sip", role="consultant", party="8", started_at=at(60)),
        ),
    )
    assert sees_call(colleague, consulted)
    listened = replace(
        call,
        legs=(
            *call.legs,
            CallLegRecord(leg_id="L3", kind="sip", role="supervisor", party="8", started_at=at(60)),
        ),
    )
    assert not sees_call(colleague, listened)


def test_recordings_are_heard_by_administrators_and_seniors_of_the_calls_group_only() -> None:
    call = answered_call(recording_path="c-1.wav")
    assert may_hear_recording(ADMIN, call)
    assert may_hear_recording(SENIOR, call)
    assert not may_hear_recording(OPERATOR, call)  # even their own call
    assert not may_hear_recording(OTHER_SENIOR, call)
    assert not may_hear_recording(SENIOR, replace(call, group_id=None))
