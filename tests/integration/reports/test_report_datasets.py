"""The report builder's datasets beyond calls and cases, on SQLite and PostgreSQL: operator state
intervals (time in each state, breaks by reason, occupancy), the queue log (events per queue) and call
segments (legs, consultations), each against figures computed by hand from seeded history in the
hotline's zone Europe/Moscow (UTC+3), each scoped to a senior's groups, exported, and refused with a
reason when the definition does not fit."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from c122.domain.acd.events import OperatorStateChanged
from c122.domain.acd.queue_log import QueueLogKind as K
from c122.domain.acd.queue_log import QueueLogRecord as R
from tests.integration.api.test_calls import _ids, _leg
from tests.integration.reports.test_reports import _call, by_label, definition
from tests.support.server import Desk, RunningServer

MSK = timedelta(hours=3)
DAY = datetime(2026, 9, 10)  # local, a Thursday


def _utc(local: datetime) -> datetime:
    return (local - MSK).replace(tzinfo=UTC)


def _moment(hour: int, minute: int = 0, second: int = 0, day: datetime = DAY) -> float:
    return _utc(day.replace(hour=hour, minute=minute, second=second)).timestamp()


def _change(
    operator: int, at: float, old: str, new: str, duration: float, reason: str = ""
) -> OperatorStateChanged:
    return OperatorStateChanged(
        operator_id=str(operator),
        old_status=old,
        new_status=new,
        trigger="test",
        reason=reason,
        note="",
        at=at,
        duration_s=duration,
    )


async def _seed_states(server: RunningServer, ids: dict[str, int]) -> None:
    op1, op5 = ids["operator1"], ids["operator5"]  # Справочная группа; Группа вакцинации
    changes = [
        # began on the 9th at 23:50 and ended on the 10th: its 600 s after midnight count on the 10th
        _change(op1, _moment(0, 10), "ready", "offline", 1200),
        _change(op1, _moment(9), "offline", "ready", 3600),
        _change(op1, _moment(9, 10), "ready", "on_call", 600),
        _change(op1, _moment(9, 15), "on_call", "wrap_up", 300),
        _change(op1, _moment(9, 16), "wrap_up", "ready", 60),
        _change(op1, _moment(9, 30), "ready", "on_break", 840, reason="lunch"),
        _change(op1, _moment(10), "on_break", "ready", 1800),
        _change(op1, _moment(10, 20), "ready", "offline", 1200),
        _change(op5, _moment(9), "ready", "on_call", 100),
        _change(op5, _moment(9, 5), "on_call", "ready", 300),
    ]
    async with server.application.uow_factory() as uow:
        await uow.acd.append_state_log(changes)
        await uow.commit()


async def _seed_queue_log(server: RunningServer, ids: dict[str, int]) -> None:
    iq, vq = str(ids["info_queue"]), str(ids["vaccination_queue"])
    op1, op2 = str(ids["operator1"]), str(ids["operator2"])
    records = [
        R(at=_moment(9), kind=K.ENTER, queue_id=iq, call_id="q1"),
        R(at=_moment(9, 0, 5), kind=K.OFFER, queue_id=iq, call_id="q1", operator_id=op1),
        R(at=_moment(9, 0, 25), kind=K.RING_NO_ANSWER, queue_id=iq, call_id="q1", operator_id=op1),
        R(at=_moment(9, 0, 30), kind=K.OFFER, queue_id=iq, call_id="q1", operator_id=op2),
        R(at=_moment(9, 0, 35), kind=K.CONNECT, queue_id=iq, call_id="q1", operator_id=op2, waited_s=35),
        R(at=_moment(9, 5), kind=K.TRANSFER, queue_id=iq, call_id="q1", operator_id=op2, talk_s=265),
        R(at=_moment(9, 10), kind=K.ENTER, queue_id=iq, call_id="q2"),
        R(at=_moment(9, 10, 12), kind=K.ABANDON, queue_id=iq, call_id="q2", waited_s=12),
        R(at=_moment(11), kind=K.ENTER, queue_id=iq, call_id="q3"),
        R(at=_moment(11, 1), kind=K.EXIT_TIMEOUT, queue_id=iq, call_id="q3", waited_s=60),
        R(at=_moment(11, 2), kind=K.STATE_CHANGE, queue_id=iq, operator_id=op1, old_status="ready"),
        R(at=_moment(12), kind=K.ENTER, queue_id=vq, call_id="q9"),
        R(at=_moment(12, 0, 4), kind=K.CONNECT, queue_id=vq, call_id="q9", waited_s=4),
        # the day before, outside the report
        R(at=_moment(12, day=DAY - timedelta(days=1)), kind=K.ENTER, queue_id=iq, call_id="q0"),
    ]
    async with server.application.uow_factory() as uow:
        await uow.acd.append_queue_log(records)
        await uow.commit()


async def _seed_segments(server: RunningServer, ids: dict[str, int]) -> None:
    info, vaccination = ids["info"], ids["vaccination"]
    op1, op2, op5 = (str(ids[k]) for k in ("operator1", "operator2", "operator5"))
    start = _utc(DAY.replace(hour=9))

    def at(seconds: int) -> datetime:
        return start + timedelta(seconds=seconds)

    consulted = replace(
        _call(
            "s1",
            DAY.replace(hour=9),
            group=info,
            queue=ids["info_queue"],
            operator=ids["operator1"],
            talk=565,
        ),
        legs=(
            _leg("s1-a", "caller", "+79161234567", at(0), answered_at=at(0), ended_at=at(600)),
            _leg("s1-b", "operator", op1, at(30), answered_at=at(35), ended_at=at(335)),
            _leg("s1-c", "consultant", op2, at(170), answered_at=at(180), ended_at=at(240)),
            _leg("s1-d", "operator", op2, at(335), answered_at=at(335), ended_at=at(600)),
        ),
    )
    plain = replace(
        _call(
            "s2", DAY.replace(hour=12), group=vaccination, queue=ids["vaccination_queue"], operator=int(op5)
        ),
        legs=(
            _leg("s2-a", "caller", "+79161234568", at(10800), answered_at=at(10800), ended_at=at(10900)),
            _leg("s2-b", "operator", op5, at(10805), answered_at=at(10810), ended_at=at(10900)),
            _leg("s2-c", "consultant", op1, at(10820)),  # rang, never answered
        ),
    )
    for record in (consulted, plain):
        await server.application.context.calls.save(record)


async def run(desk: Desk, **changes: Any) -> Any:
    response = await desk.write("POST", "/api/v1/reports/run", json=definition(**changes))
    assert response.status_code == 200, response.text
    return response.json()


STATES = [
    "state_time",
    "state_intervals",
    "logged_in_time",
    "staffed_time",
    "talk_time",
    "wrap_up_time",
    "ready_time",
    "break_time",
    "breaks",
    "away_time",
    "occupancy",
    "break_share",
]


async def test_time_in_each_state_breaks_and_occupancy_per_operator(server: RunningServer) -> None:
    ids = await _ids(server)
    await _seed_states(server, ids)
    admin = await server.signed_in("admin")
    rows = by_label(await run(admin, dataset="states", dimensions=["operator"], measures=STATES))
    ivanova = dict(zip(STATES, rows["Иванова Мария Сергеевна"], strict=True))
    # offline 3600 (from 08:00), ready 600 + 840 + 1200 and 600 after midnight, on_call 300, wrap-up 60,
    # lunch 1800; the interval begun on the 9th counts on the 9th, its time after midnight on the 10th
    assert ivanova["state_time"] == 3600 + 3240 + 300 + 60 + 1800
    assert ivanova["state_intervals"] == 7
    assert ivanova["logged_in_time"] == 3240 + 300 + 60 + 1800
    assert ivanova["staffed_time"] == 3240 + 300 + 60
    assert (ivanova["talk_time"], ivanova["wrap_up_time"], ivanova["ready_time"]) == (300, 60, 3240)
    assert (ivanova["break_time"], ivanova["breaks"], ivanova["away_time"]) == (1800, 1, 0)
    assert ivanova["occupancy"] == pytest.approx(360 / 3600)
    assert ivanova["break_share"] == pytest.approx(1800 / 5400)
    smirnova = dict(zip(STATES, rows["Смирнова Ольга Павловна"], strict=True))
    assert smirnova["occupancy"] == pytest.approx(300 / 400)

    by_state = by_label(
        await run(
            admin,
            dataset="states",
            dimensions=["state", "break_reason"],
            measures=["state_time"],
            selections={"operator": [ids["operator1"]]},
        )
    )
    assert by_state == {
        "не в системе / —": [3600],
        "на дежурстве / —": [3240],
        "разговор / —": [300],
        "поствызывная обработка / —": [60],
        "перерыв / обед": [1800],
    }
    by_hour = by_label(
        await run(admin, dataset="states", dimensions=["hour"], measures=["state_time"], weekdays=[3])
    )
    assert by_hour["09:00"] == [600 + 300 + 60 + 840 + 1800 + 300]
    assert by_hour["08:00"] == [3600 + 100]  # op1 offline from 08:00; op5 ready from 08:58:20
    assert by_hour["00:00"] == [600]  # op1 ready from 23:50 on the 9th, its piece after midnight


async def test_intervals_split_at_hours_days_and_shifts(server: RunningServer) -> None:
    """Hand-computed: the shifts are 08:00–20:00 and 20:00–08:00 (the night one over midnight)."""
    ids = await _ids(server)
    op2 = ids["operator2"]
    next_day = DAY + timedelta(days=1)
    changes = [
        _change(op2, _moment(10, 10), "on_call", "wrap_up", 1200),  # 09:50–10:10
        _change(op2, _moment(20, 5), "wrap_up", "ready", 600),  # 19:55–20:05
        _change(op2, _moment(0, 30, day=next_day), "ready", "on_break", 3600),  # 23:30–00:30
        _change(
            op2, _moment(7, 50, day=next_day), "on_break", "ready", 26_400, reason="lunch"
        ),  # 00:30–07:50
        _change(op2, _moment(8, 20, day=next_day), "ready", "on_break", 1800),  # 07:50–08:20
    ]
    async with server.application.uow_factory() as uow:
        await uow.acd.append_state_log(changes)
        await uow.commit()
    admin = await server.signed_in("admin")
    mine = {"selections": {"operator": [op2]}, "dataset": "states"}
    by_hour = by_label(await run(admin, dimensions=["hour"], measures=["state_time"], **mine))
    assert by_hour["09:00"] == [600]  # on_call 09:50–10:00
    assert by_hour["10:00"] == [600]  # on_call 10:00–10:10
    assert by_hour["19:00"] == [300]  # wrap-up 19:55–20:00
    assert by_hour["20:00"] == [300]  # wrap-up 20:00–20:05
    assert by_hour["23:00"] == [1800]  # ready 23:30–00:00
    assert by_hour["00:00"] == [1800 + 1800]  # ready 00:00–00:30, break 00:30–01:00
    assert by_hour["07:00"] == [3000 + 600]  # break 07:00–07:50, ready 07:50–08:00
    assert by_hour["08:00"] == [1200]  # ready 08:00–08:20
    by_day = by_label(
        await run(admin, dimensions=["day"], measures=["state_time", "state_intervals"], **mine)
    )
    assert by_day == {
        "10.09.2026": [1200 + 600 + 1800, 3],  # 09:50–10:10, 19:55–20:05, 23:30–00:00
        "11.09.2026": [1800 + 26_400 + 1800, 2],  # 00:00–00:30, the break, 07:50–08:20
    }
    by_shift = by_label(
        await run(admin, dimensions=["shift"], measures=["staffed_time", "break_time", "breaks"], **mine)
    )
    assert by_shift == {
        "Дневная смена": [1200 + 300 + 1200, 0, 0],  # on_call, wrap-up to 20:00, ready from 08:00
        "Ночная смена": [300 + 3600 + 600, 26_400, 1],  # wrap-up from 20:00, ready over midnight, 07:50–08:00
    }
    hours_total = sum(f[0] for f in by_hour.values())
    assert hours_total == 1200 + 600 + 3600 + 26_400 + 1800  # pieces add up to the intervals


async def test_states_by_group_and_a_senior_sees_their_groups_operators_only(server: RunningServer) -> None:
    ids = await _ids(server)
    await _seed_states(server, ids)
    admin = await server.signed_in("admin")
    senior = await server.signed_in("senior1")  # Справочная and Медицинская группы
    by_group = by_label(await run(admin, dataset="states", dimensions=["group"], measures=["staffed_time"]))
    assert by_group == {"Справочная группа": [3600], "Группа вакцинации": [400]}
    mine = by_label(await run(senior, dataset="states", dimensions=["operator"], measures=["staffed_time"]))
    assert mine == {"Иванова Мария Сергеевна": [3600]}
    mine_by_group = by_label(
        await run(senior, dataset="states", dimensions=["group"], measures=["staffed_time"])
    )
    assert mine_by_group == {"Справочная группа": [3600]}
    drill = await admin.write(
        "POST",
        "/api/v1/reports/drill",
        json={
            "definition": definition(dataset="states", dimensions=["operator"], measures=["breaks"]),
            "keys": [1],
        },
    )
    assert drill.status_code == 422
    assert drill.json()["fields"][0]["code"] == "no_drill_down"


QUEUE_LOG = [
    "events",
    "entered",
    "offers",
    "offers_missed",
    "connects",
    "abandons",
    "timeouts",
    "transfers",
    "connect_wait_avg",
    "abandon_wait_avg",
]


async def test_queue_log_events_per_queue_scoped_and_drilled_to_calls(server: RunningServer) -> None:
    ids = await _ids(server)
    await _seed_queue_log(server, ids)
    admin = await server.signed_in("admin")
    rows = by_label(await run(admin, dataset="queue_log", dimensions=["queue"], measures=QUEUE_LOG))
    info = dict(zip(QUEUE_LOG, rows[_queue_name(rows, "Справоч")], strict=True))
    assert info["events"] == 10  # the state change is not a queue event; the day before is outside
    assert (info["entered"], info["offers"], info["offers_missed"], info["connects"]) == (3, 2, 1, 1)
    assert (info["abandons"], info["timeouts"], info["transfers"]) == (1, 1, 1)
    assert info["connect_wait_avg"] == 35
    assert info["abandon_wait_avg"] == (12 + 60) / 2
    assert len(rows) == 2

    by_event = by_label(
        await run(
            admin,
            dataset="queue_log",
            dimensions=["event"],
            measures=["events"],
            selections={"queue": [ids["info_queue"]]},
            time_from="09:00",
            time_to="10:00",
        )
    )
    assert by_event == {
        "постановка в очередь": [2],
        "предложение оператору": [2],
        "оператор не ответил": [1],
        "соединение": [1],
        "перевод": [1],
        "заявитель положил трубку": [1],
    }
    senior = await server.signed_in("senior1")
    mine = by_label(await run(senior, dataset="queue_log", dimensions=["group"], measures=["entered"]))
    assert mine == {"Справочная группа": [3]}

    drill = await admin.write(
        "POST",
        "/api/v1/reports/drill",
        json={
            "definition": definition(dataset="queue_log", dimensions=["event"], measures=["events"]),
            "keys": ["abandon"],
        },
    )
    assert drill.status_code == 200, drill.text
    assert drill.json()["total"] == 1  # the queue event behind it; its call record was never stored
    assert drill.json()["rows"] == []


def _queue_name(rows: dict[str, Any], start: str) -> str:
    return next(name for name in rows if name.startswith(start))


SEGMENTS = [
    "segments",
    "segment_calls",
    "answered_segments",
    "operator_segments",
    "consultations",
    "segment_talk_avg",
]


async def test_call_segments_consultations_and_transfers_per_group(server: RunningServer) -> None:
    ids = await _ids(server)
    await _seed_segments(server, ids)
    admin = await server.signed_in("admin")
    rows = by_label(await run(admin, dataset="segments", dimensions=["group"], measures=SEGMENTS))
    info = dict(zip(SEGMENTS, rows["Справочная группа"], strict=True))
    assert (info["segments"], info["segment_calls"], info["answered_segments"]) == (4, 1, 4)
    assert (info["operator_segments"], info["consultations"]) == (2, 1)  # two operators: transferred
    assert info["segment_talk_avg"] == pytest.approx((600 + 300 + 60 + 265) / 4)
    vaccination = dict(zip(SEGMENTS, rows["Группа вакцинации"], strict=True))
    assert (vaccination["segments"], vaccination["answered_segments"], vaccination["consultations"]) == (
        3,
        2,
        1,
    )
    assert vaccination["segment_talk_avg"] == pytest.approx((100 + 90) / 2)

    by_role = by_label(
        await run(
            admin,
            dataset="segments",
            dimensions=["leg_role"],
            measures=["segments"],
            selections={"queue": [ids["info_queue"]]},
        )
    )
    assert by_role == {"заявитель": [1], "консультант": [1], "оператор": [2]}
    senior = await server.signed_in("senior1")
    mine = by_label(await run(senior, dataset="segments", dimensions=["group"], measures=["segments"]))
    assert mine == {"Справочная группа": [4]}

    drill = await admin.write(
        "POST",
        "/api/v1/reports/drill",
        json={
            "definition": definition(dataset="segments", dimensions=["leg_role"], measures=["segments"]),
            "keys": ["consultant"],
        },
    )
    assert drill.status_code == 200, drill.text
    assert sorted(row["id"] for row in drill.json()["rows"]) == ["s1", "s2"]

    exported = await admin.write(
        "POST",
        "/api/v1/reports/export",
        json={
            "definition": definition(dataset="segments", dimensions=["group"], measures=SEGMENTS),
            "format": "csv",
        },
    )
    assert exported.status_code == 200, exported.text
    lines = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
    assert lines[-2:] == [
        ["Справочная группа", "4", "1", "4", "2", "1", "5:06"],  # durations read h:mm:ss
        ["Группа вакцинации", "3", "1", "2", "1", "1", "1:35"],
    ]


async def test_measures_and_dimensions_that_do_not_fit_a_dataset_are_named(server: RunningServer) -> None:
    admin = await server.signed_in("admin")
    cases = [
        (dict(dataset="states", measures=["offered"]), "measures[0]", "measure_not_in_dataset"),
        (
            dict(dataset="queue_log", dimensions=["state"], measures=["events"]),
            "dimensions[0]",
            "dimension_not_in_dataset",
        ),
        (dict(dataset="segments", measures=["occupancy"]), "measures[0]", "measure_not_in_dataset"),
        (dict(dataset="states", measures=["no_such"]), "measures[0]", "unknown_measure"),
        (
            dict(dataset="states", dimensions=["no_such"], measures=["breaks"]),
            "dimensions[0]",
            "unknown_dimension",
        ),
        (
            dict(dataset="queue_log", measures=["events"], time_from="25:00", time_to="08:00"),
            "time_from",
            "invalid_time",
        ),
        (dict(dataset="segments", measures=["segments"], date_to="2026-09-01"), "date_to", "before_start"),
        (dict(dataset="operators", measures=["segments"]), "dataset", "invalid_choice"),
        (
            dict(dataset="states", measures=["breaks"], selections={"state": [1]}),
            "selections.state",
            "invalid_value",
        ),
    ]
    for changes, field, code in cases:
        response = await admin.write("POST", "/api/v1/reports/run", json=definition(**changes))
        assert response.status_code == 422, (changes, response.text)
        problem = response.json()["fields"][0]
        assert (problem["path"], problem["code"]) == (field, code), changes
