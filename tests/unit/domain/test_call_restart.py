"""A call the process lost in a restart: its record is closed as `system_restart`, never left active."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from c122.domain.calls import SYSTEM_RESTART, CallLegRecord, CallRecord, check_record, closed_by_restart

T0 = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)


def leg(leg_id: str, role: str, at: datetime, ended: datetime | None = None) -> CallLegRecord:
    return CallLegRecord(
        leg_id=leg_id, kind="sip", role=role, party="x", started_at=at, ended_at=ended,  # type: ignore[arg-type]
        cause="operator_hang_up" if ended else None,
    )  # fmt: skip


def test_a_call_with_an_operator_is_answered_and_its_talk_runs_to_the_restart() -> None:
    record = CallRecord(
        id="call-1", direction="inbound", status="active", caller="+79161234567", called="88001220122",
        started_at=T0, queued_at=T0 + timedelta(seconds=5), connected_at=T0 + timedelta(seconds=20),
        wait_s=15.0, hold_s=10.0,
        legs=(leg("a", "caller", T0), leg("b", "operator", T0 + timedelta(seconds=20))),
    )  # fmt: skip
    closed = closed_by_restart(record, T0 + timedelta(seconds=80))
    check_record(closed)
    assert (closed.status, closed.end_cause) == ("answered", SYSTEM_RESTART)
    assert closed.ended_at == T0 + timedelta(seconds=80)
    assert (closed.wait_s, closed.talk_s, closed.hold_s) == (15.0, 50.0, 10.0)
    assert [(item.ended_at, item.cause) for item in closed.legs] == [(closed.ended_at, SYSTEM_RESTART)] * 2


def test_a_waiting_caller_is_failed_not_missed_and_ended_legs_keep_their_cause() -> None:
    record = CallRecord(
        id="call-2", direction="inbound", status="active", caller="+79161234567", called="88001220122",
        started_at=T0, queued_at=T0 + timedelta(seconds=5),
        legs=(leg("a", "caller", T0), leg("c", "operator", T0, ended=T0 + timedelta(seconds=9))),
    )  # fmt: skip
    closed = closed_by_restart(record, T0 + timedelta(seconds=65))
    check_record(closed)
    assert (closed.status, closed.wait_s, closed.talk_s) == ("failed", 60.0, 0.0)
    assert [item.cause for item in closed.legs] == [SYSTEM_RESTART, "operator_hang_up"]


def test_a_clock_behind_the_stored_times_never_ends_a_call_before_it_started() -> None:
    record = CallRecord(
        id="call-3", direction="outbound", status="active", caller="operator1", called="+74951234567",
        started_at=T0, legs=(replace(leg("a", "caller", T0), answered_at=T0 + timedelta(seconds=10)),),
    )  # fmt: skip
    closed = closed_by_restart(record, T0 - timedelta(minutes=5))
    check_record(closed)
    assert closed.ended_at == T0
    assert closed.legs[0].ended_at == T0 + timedelta(seconds=10)  # never before the leg was answered
