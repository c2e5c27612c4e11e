"""User-defined reports over a real server on SQLite and PostgreSQL: every measure of the calls dataset
against figures computed by hand from eight seeded calls (a night-shift pair over midnight, in the
hotline's zone Europe/Moscow, UTC+3), the cases dataset, drill-down, exports opened back, saved reports
shared and scoped, and the refusals of bad definitions."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import openpyxl
import pytest

from c122.domain.audit import AuditFilter
from c122.domain.calls import CallRecord
from tests.integration.api.test_calls import _ids
from tests.support.server import Desk, RunningServer

MSK = timedelta(hours=3)


def _call(
    call_id: str,
    local: datetime,
    *,
    group: int,
    queue: int | None,
    operator: int | None,
    status: str = "answered",
    wait: float = 0,
    talk: float = 0,
    hold: float = 0,
    wrap: float = 0,
    direction: str = "inbound",
    caller: str = "+79161234567",
) -> CallRecord:
    start = (local - MSK).replace(tzinfo=UTC)
    queued = start + timedelta(seconds=5) if queue is not None else None
    answered = status == "answered"
    connected = start + timedelta(seconds=5 + wait) if answered else None
    return CallRecord(
        id=call_id,
        direction=direction,  # type: ignore[arg-type]
        status=status,  # type: ignore[arg-type]
        line_number="122",
        caller=caller,
        called="122",
        queue_id=queue,
        group_id=group,
        operator_id=operator if answered else None,
        started_at=start,
        queued_at=queued,
        offered_at=connected,
        connected_at=connected,
        ended_at=start + timedelta(seconds=5 + wait + talk + hold + 1),
        wait_s=wait,
        talk_s=talk,
        hold_s=hold,
        wrap_up_s=wrap,
    )


async def _seed(server: RunningServer) -> dict[str, int]:
    ids = await _ids(server)
    info, medical, vaccination = ids["info"], ids["medical"], ids["vaccination"]
    iq, mq, vq = ids["info_queue"], ids["medical_queue"], ids["vaccination_queue"]
    op1, op2 = ids["operator1"], ids["operator2"]
    day = datetime(2026, 9, 10)  # a Thursday
    calls = [
        _call("c1", day.replace(hour=9), group=info, queue=iq, operator=op1, wait=10, talk=100, wrap=20),
        _call(
            "c2",
            day.replace(hour=9, minute=30),
            group=info,
            queue=iq,
            operator=op1,
            wait=30,
            talk=200,
            hold=10,
            wrap=10,
            caller="+79030000002",
        ),
        _call(
            "c3",
            day.replace(hour=10, minute=15),
            group=info,
            queue=iq,
            operator=None,
            status="missed",
            wait=3,
            caller="+79030000003",
        ),
        _call(
            "c4",
            day.replace(hour=10, minute=45),
            group=info,
            queue=iq,
            operator=None,
            status="missed",
            wait=40,
            caller="+79030000004",
        ),
        # The night shift: 23:30 on the 10th and 00:30 on the 11th, local time.
        _call("c5", day.replace(hour=23, minute=30), group=medical, queue=mq, operator=op2, wait=5, talk=60),
        _call(
            "c6",
            day + timedelta(days=1, minutes=30),
            group=medical,
            queue=mq,
            operator=op2,
            wait=25,
            talk=300,
            caller="+79030000006",
        ),
        _call("c7", day.replace(hour=12), group=vaccination, queue=vq, operator=op2, wait=8, talk=50),
        _call(
            "c8",
            day.replace(hour=14),
            group=info,
            queue=None,
            operator=op1,
            direction="outbound",
            talk=30,
            caller="122",
        ),
    ]
    for record in calls:
        await server.application.context.calls.save(record)
    return ids


def definition(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "dataset": "calls",
        "dimensions": ["group"],
        "measures": ["offered"],
        "date_from": "2026-09-10",
        "date_to": "2026-09-11",
    }
    body.update(changes)
    return body


async def run(desk: Desk, **changes: Any) -> Any:
    response = await desk.write("POST", "/api/v1/reports/run", json=definition(**changes))
    assert response.status_code == 200, response.text
    return response.json()


def by_label(result: dict[str, Any]) -> dict[str, list[float | None]]:
    return {" / ".join(row["labels"]): row["figures"] for row in result["rows"]}


ALL = [
    "calls",
    "offered",
    "answered",
    "abandoned",
    "short_abandons",
    "answered_within_t",
    "service_level",
    "abandon_rate",
    "outbound",
    "wait_avg",
    "wait_median",
    "wait_p90",
    "talk_avg",
    "talk_median",
    "talk_p90",
    "hold_avg",
    "wrap_up_avg",
    "handle_avg",
    "handle_median",
    "handle_p90",
    "unique_applicants",
]


async def test_each_measure_matches_the_hand_computed_figures(server: RunningServer) -> None:
    await _seed(server)
    admin = await server.signed_in("admin")
    rows = by_label(await run(admin, measures=ALL))
    info = dict(zip(ALL, rows["Справочная группа"], strict=True))
    # Offered c1..c4 (c8 is outbound); answered c1, c2; abandoned c3 (3 s: short), c4.
    assert info["calls"] == 5
    assert (info["offered"], info["answered"], info["abandoned"], info["short_abandons"]) == (4, 2, 2, 1)
    assert info["answered_within_t"] == 1  # c1 waited 10 s <= 20 s
    assert info["service_level"] == pytest.approx(1 / 3)  # 1 / (4 - 1)
    assert info["abandon_rate"] == pytest.approx(1 / 3)  # (2 - 1) / (4 - 1)
    assert info["outbound"] == 1
    assert info["wait_avg"] == pytest.approx((10 + 30 + 3 + 40) / 4)
    assert (info["wait_median"], info["wait_p90"]) == (10, 40)  # ranks ⌈4/2⌉ = 2 and ⌈3.6⌉ = 4 of 3,10,30,40
    assert info["talk_avg"] == 150
    assert (info["talk_median"], info["talk_p90"]) == (100, 200)
    assert info["hold_avg"] == 5
    assert info["wrap_up_avg"] == 15
    assert info["handle_avg"] == 170  # (100 + 20) and (200 + 10 + 10)
    assert (info["handle_median"], info["handle_p90"]) == (120, 220)
    assert info["unique_applicants"] == 4  # four numbers called in; the outbound call is not counted
    medical = dict(zip(ALL, rows["Медицинская группа"], strict=True))
    assert (medical["offered"], medical["answered"], medical["service_level"]) == (2, 2, 0.5)
    vaccination = dict(zip(ALL, rows["Группа вакцинации"], strict=True))
    assert (vaccination["offered"], vaccination["service_level"]) == (1, 1)

    # T and S are parameters of the report.
    wider = by_label(
        await run(admin, measures=["service_level", "short_abandons"], service_level_s=30, short_abandon_s=1)
    )
    assert wider["Справочная группа"] == [pytest.approx(2 / 4), 0]


async def test_time_dimensions_read_the_hotline_zone_and_its_shifts(server: RunningServer) -> None:
    await _seed(server)
    admin = await server.signed_in("admin")
    days = await run(admin, dimensions=["day"], measures=["calls"])
    assert [(r["keys"], r["labels"], r["figures"]) for r in days["rows"]] == [
        (["2026-09-10"], ["10.09.2026"], [7]),
        (["2026-09-11"], ["11.09.2026"], [1]),  # 00:30 Moscow is still the 10th in UTC
    ]
    shifts = by_label(await run(admin, dimensions=["shift"], measures=["calls", "answered"]))
    assert shifts == {"Дневная смена": [6, 3], "Ночная смена": [2, 2]}
    hours = {
        r["keys"][0]: r["figures"][0]
        for r in (await run(admin, dimensions=["hour"], measures=["calls"]))["rows"]
    }
    assert hours == {0: 1, 9: 2, 10: 2, 12: 1, 14: 1, 23: 1}
    weekdays = by_label(await run(admin, dimensions=["weekday"], measures=["calls"]))
    assert weekdays == {"чт": [7], "пт": [1]}
    week = await run(admin, dimensions=["week", "month"], measures=["calls"])
    assert [(r["keys"], r["figures"]) for r in week["rows"]] == [(["2026-09-07", "2026-09"], [8])]
    # A time-of-day window over midnight, weekdays, multi-selects and a filter after aggregation.
    night = await run(admin, dimensions=["group"], measures=["calls"], time_from="20:00", time_to="08:00")
    assert by_label(night) == {"Медицинская группа": [2]}
    friday = await run(admin, dimensions=[], measures=["calls"], weekdays=[4])
    assert [r["figures"] for r in friday["rows"]] == [[1]]
    ids = await _ids(server)
    chosen = await run(
        admin,
        measures=["calls"],
        selections={"group": [ids["medical"], ids["vaccination"]], "call_status": ["answered"]},
    )
    assert by_label(chosen) == {"Медицинская группа": [2], "Группа вакцинации": [1]}
    busy = await run(
        admin, measures=["calls", "offered"], having=[{"measure": "offered", "op": "ge", "value": 2}]
    )
    assert set(by_label(busy)) == {"Справочная группа", "Медицинская группа"}
    operators = by_label(await run(admin, dimensions=["operator", "call_status"], measures=["calls"]))
    assert operators["— / пропущенный"] == [2]


async def test_a_senior_sees_their_groups_only_and_refusals_are_audited(server: RunningServer) -> None:
    ids = await _seed(server)
    senior = await server.signed_in("senior1")  # Справочная and Медицинская группы
    assert set(by_label(await run(senior, measures=["calls"]))) == {"Справочная группа", "Медицинская группа"}
    refused = await senior.write(
        "POST", "/api/v1/reports/run", json=definition(selections={"group": [ids["vaccination"]]})
    )
    assert refused.status_code == 403, refused.text
    operator = await server.signed_in("operator1")
    assert (await operator.write("POST", "/api/v1/reports/run", json=definition())).status_code == 403
    async with server.application.uow_factory() as uow:
        page = await uow.audit_trail.search(AuditFilter(action="access_refused", entity="report"))
    wanted = [e.detail.get("wanted") for e in page.items if e.entity == "report"]
    assert wanted.count("run_report") == 2


async def test_bad_definitions_are_refused_naming_the_field(server: RunningServer) -> None:
    admin = await server.signed_in("admin")

    async def problems(**changes: Any) -> set[tuple[str, str]]:
        response = await admin.write("POST", "/api/v1/reports/run", json=definition(**changes))
        assert response.status_code == 422, response.text
        return {(f["path"], f["code"]) for f in response.json()["fields"]}

    assert await problems(dataset="cases", dimensions=["queue"], measures=["cases", "talk_avg"]) == {
        ("dimensions[0]", "dimension_not_in_dataset"),
        ("measures[1]", "measure_not_in_dataset"),
    }
    assert await problems(date_from="2016-01-01", date_to="2026-01-01") == {("date_to", "range_too_long")}
    assert await problems(measures=[]) == {("measures", "required")}
    assert await problems(measures=["nonsense"]) == {("measures[0]", "unknown_measure")}
    assert await problems(time_from="25:00", time_to="08:00") == {("time_from", "invalid_time")}
    assert await problems(selections={"hour": ["x"]}) == {("selections.hour", "invalid_value")}
    assert await problems(having=[{"measure": "answered", "op": "gt", "value": 1}]) == {
        ("having[0].measure", "measure_not_chosen")
    }


async def test_drill_down_and_exports(server: RunningServer) -> None:
    await _seed(server)
    admin = await server.signed_in("admin")
    body = definition(dimensions=["day", "call_status"], measures=["calls"])
    drilled = await admin.write(
        "POST", "/api/v1/reports/drill", json={"definition": body, "keys": ["2026-09-10", "missed"]}
    )
    assert drilled.status_code == 200, drilled.text
    assert drilled.json()["total"] == 2
    assert [r["id"] for r in drilled.json()["rows"]] == ["c4", "c3"]  # newest first
    # The journal's filters nearest to the cell: its Moscow day as UTC instants, and its status.
    assert drilled.json()["journal"] == {
        "status": "missed",
        "from": "2026-09-09T21:00:00+00:00",
        "to": "2026-09-10T21:00:00+00:00",
    }
    wrong = await admin.write(
        "POST", "/api/v1/reports/drill", json={"definition": body, "keys": ["2026-09-10"]}
    )
    assert wrong.status_code == 422

    xlsx = await admin.write(
        "POST", "/api/v1/reports/export", json={"definition": body, "format": "xlsx", "title": "По дням"}
    )
    assert xlsx.status_code == 200, xlsx.text
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0][0] == "По дням"
    header = next(i for i, r in enumerate(values) if r[:3] == ["День", "Статус звонка", "Звонков всего"])
    assert values[header + 1 :] == [
        ["10.09.2026", "принятый", 5],
        ["10.09.2026", "пропущенный", 2],
        ["11.09.2026", "принятый", 1],
    ]
    text = await admin.write("POST", "/api/v1/reports/export", json={"definition": body, "format": "csv"})
    assert text.status_code == 200
    lines = list(csv.reader(io.StringIO(text.content.decode("utf-8-sig")), delimiter=";"))
    assert lines[-1] == ["11.09.2026", "принятый", "1"]
    pdf = await admin.write("POST", "/api/v1/reports/export", json={"definition": body, "format": "pdf"})
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")


async def test_cases_dataset(server: RunningServer) -> None:
    ids = await _ids(server)
    cards = server.application.context.cases.cards
    async with server.application.uow_factory() as uow:
        info_type = await uow.case_types.find({"code": "info"})
    assert info_type is not None
    for caller in ("+79161234567", "+79161234567", "+79160000000"):
        await cards.create_case_for_call(
            caller=caller, type_id=info_type.id, call_id=None, group_id=ids["info"]
        )
    admin = await server.signed_in("admin")
    today = server.clock.now().date().isoformat()
    result = await run(
        admin,
        dataset="cases",
        dimensions=["case_type", "channel"],
        measures=["cases", "unique_applicants", "cases_missed"],
        date_from=today,
        date_to=today,
    )
    assert [(r["labels"][1], r["figures"]) for r in result["rows"]] == [("ТфОП-звонок", [3, 2, 0])]
    drilled = await admin.write(
        "POST",
        "/api/v1/reports/drill",
        json={
            "definition": definition(
                dataset="cases", dimensions=["channel"], measures=["cases"], date_from=today, date_to=today
            ),
            "keys": ["pstn"],
        },
    )
    assert drilled.json()["total"] == 3


async def test_saved_reports_are_shared_with_roles_or_groups(server: RunningServer) -> None:
    ids = await _seed(server)
    admin = await server.signed_in("admin")
    senior = await server.signed_in("senior1")
    saved = {
        "name": "Уровень обслуживания по группам",
        "definition": definition(measures=["service_level"]),
        "view": {"kind": "bar"},
    }
    mine = await senior.write("POST", "/api/v1/reports/saved", json=saved)
    assert mine.status_code == 201, mine.text
    report = mine.json()
    assert (report["editable"], report["view"]) == (True, {"kind": "bar"})
    path = f"/api/v1/reports/saved/{report['id']}"

    private = await admin.write("POST", "/api/v1/reports/saved", json={**saved, "name": "Только мой"})
    secret = f"/api/v1/reports/saved/{private.json()['id']}"
    assert (await senior.http.get(secret)).status_code == 404  # not shared: as if it did not exist
    shared = await admin.write(
        "PUT", secret, json={**saved, "name": "Для группы", "shared_group_ids": [ids["medical"]]}
    )
    assert shared.status_code == 200
    seen = (await senior.http.get(secret)).json()
    assert seen["editable"] is False
    assert (await senior.write("PUT", secret, json=saved)).status_code == 403
    assert (await senior.write("DELETE", secret)).status_code == 403
    names = {r["name"] for r in (await senior.http.get("/api/v1/reports/saved")).json()}
    assert names == {"Уровень обслуживания по группам", "Для группы"}

    bad = await admin.write(
        "POST",
        "/api/v1/reports/saved",
        json={
            **saved,
            "name": " ",
            "shared_roles": ["auditor"],
            "shared_group_ids": [999999],
            "definition": definition(measures=["cases"]),
        },
    )
    assert bad.status_code == 422
    assert {f["path"] for f in bad.json()["fields"]} == {
        "name",
        "shared_roles[0]",
        "shared_group_ids",
        "definition.measures[0]",
    }
    assert (await senior.write("DELETE", path)).status_code == 204
    assert (await senior.http.get(path)).status_code == 404
