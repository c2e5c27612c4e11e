"""Inbound and outbound statistics (TEL-08) and a senior's view of them (SUP-10), against figures
computed by hand from seeded call records of Friday 11 September 2026 in Moscow (UTC+3).

Queue «Справочная информация» (group Справочная) is set to T = 15 s, W = 40 s, «answered of offered»;
queue «Вызов врача и запись к врачу» (group Медицинская) keeps T = 20 s, S = 5 s, W = 60 s and «short
abandons ignored». Times below are Moscow's.

  A1 info     10:00 answered wait 10 talk 100 hold 20  operator1     within T
  A2 info     11:00 answered wait 30 talk 60           operator4
  A3 info     21:00 missed   wait 3                                  short abandon (night shift)
  A4 info     23:30 missed   wait 50                                 over W = 40 (night shift)
  A5 info     02:00 on the 12th, answered wait 5 talk 40, operator1  night shift of the 11th, not the day
  B1 medical  12:00 missed   wait 70                                 over W = 60
  B2 medical  13:00 answered wait 18 talk 200          operator3     within T
  B3 medical  14:00 failed   wait 65                                 over W = 60
  V1 vaccin.  09:30 answered wait 2 talk 50            operator5
  O1 operator1 15:00 outbound, no answer; O2 operator1 16:00 answered talk 30; O3 operator3 16:30
  answered talk 90; O4 operator5 17:00 answered talk 10; O5 operator4 (two groups) 17:30 answered talk 20
  plus an internal call, a call still active and an inbound call of the 10th: none counted.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from tests.integration.reports.test_report_datasets import _change
from tests.support.call_statistics import DAY
from tests.support.call_statistics import seed_call_day as _seed
from tests.support.server import Desk, RunningServer


async def _read(desk: Desk, **params: Any) -> dict[str, Any]:
    response = await desk.http.get("/api/v1/statistics/calls", params={"since": DAY, "until": DAY, **params})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _by_name(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["name"]: row for row in body["rows"]}


async def test_figures_per_queue_group_service_operator_and_shift(server: RunningServer) -> None:
    admin = await server.signed_in("admin")
    seeded = await _seed(server, admin)

    by_queue = await _read(admin, by="queue")
    assert [r["name"] for r in by_queue["rows"]] == [
        "Вызов врача и запись к врачу",
        "Запись на вакцинацию",
        "Справочная информация",
    ]
    info = _by_name(by_queue)["Справочная информация"]
    assert (info["received"], info["answered"], info["answered_within_t"]) == (4, 2, 1)
    assert (info["abandoned"], info["short_abandoned"], info["failed"], info["unanswered"]) == (2, 1, 0, 2)
    assert info["over_norm"] == 1  # A4 waited 50 s > 40 s; A3 only 3 s
    assert info["service_level"] == pytest.approx(1 / 4)  # answered within 15 s of all offered
    assert (info["average_wait_s"], info["average_talk_s"], info["average_handle_s"]) == (20, 80, 90)
    assert info["outbound_placed"] == 0  # outbound calls wait in no queue
    medical = _by_name(by_queue)["Вызов врача и запись к врачу"]
    assert (medical["received"], medical["answered"], medical["abandoned"], medical["failed"]) == (3, 1, 1, 1)
    assert medical["over_norm"] == 2  # B1 70 s and B3 65 s > 60 s
    assert medical["service_level"] == pytest.approx(1 / 3)  # no short abandon to leave out
    total = by_queue["total"]
    assert (total["received"], total["answered"], total["over_norm"]) == (8, 4, 3)
    assert total["service_level"] == pytest.approx((1 + 1 + 1) / (4 + 3 + 1))  # each call by its queue
    assert (total["outbound_placed"], total["outbound_answered"], total["outbound_failed"]) == (5, 4, 1)
    assert total["average_outbound_talk_s"] == pytest.approx((30 + 90 + 10 + 20) / 4)

    by_group = _by_name(await _read(admin, by="group"))
    # operator4 belongs to two groups: their outbound call counts in each, once in the total
    assert by_group["Справочная группа"]["outbound_placed"] == 3  # O1, O2, O5
    assert by_group["Справочная группа"]["outbound_answered"] == 2
    assert by_group["Медицинская группа"]["outbound_placed"] == 2  # O3, O5
    assert by_group["Группа вакцинации"]["outbound_placed"] == 1
    assert by_group["Справочная группа"]["received"] == 4

    by_service = await _read(admin, by="service")
    hotline = _by_name(by_service)["Служба 122"]
    assert (hotline["received"], hotline["outbound_placed"]) == (7, 4)  # O5 once for its service

    by_operator = await _read(admin, by="operator")
    names = _by_name(by_operator)
    ivanova = names["Иванова Мария Сергеевна"]
    assert (ivanova["answered"], ivanova["outbound_placed"], ivanova["outbound_answered"]) == (1, 2, 1)
    nobody = by_operator["rows"][-1]
    assert (nobody["id"], nobody["received"], nobody["answered"]) == (None, 4, 0)  # unanswered calls

    night = await _read(admin, by="queue", shift_id=seeded["shifts"]["Ночная смена"])
    assert (night["shift_name"], night["spans"]) == ("Ночная смена", 1)
    info_night = _by_name(night)["Справочная информация"]
    # A3, A4 and A5: the night shift of the 11th runs to 08:00 on the 12th
    assert (info_night["received"], info_night["answered"], info_night["short_abandoned"]) == (3, 1, 1)
    assert night["total"]["outbound_placed"] == 0
    day = await _read(admin, by="queue", shift_id=seeded["shifts"]["Дневная смена"])
    assert (day["total"]["received"], day["total"]["outbound_placed"]) == (6, 5)


async def _refusals(server: RunningServer) -> list[tuple[int | None, Any]]:
    async with server.application.uow_factory() as uow:
        entries = await uow.audit.entries("call_statistics")
    return [(e.actor_id, e.detail["code"]) for e in reversed(entries) if e.action == "access_refused"]


async def test_a_senior_sees_their_groups_only_and_refusals_are_audited(server: RunningServer) -> None:
    admin = await server.signed_in("admin")
    seeded = await _seed(server, admin)
    senior = await server.signed_in("senior1")  # Справочная and Медицинская группа
    operator = await server.signed_in("operator1")

    mine = await _read(senior, by="group")
    assert sorted(r["name"] for r in mine["rows"]) == ["Медицинская группа", "Справочная группа"]
    assert (mine["total"]["received"], mine["total"]["outbound_placed"]) == (7, 4)  # not V1, O4
    by_operator = _by_name(await _read(senior, by="operator"))
    assert "Смирнова Ольга Павловна" not in by_operator  # operator5, of vaccination only
    one = await _read(senior, by="queue", group_id=seeded["groups"]["Медицинская группа"])
    assert [r["name"] for r in one["rows"]] == ["Вызов врача и запись к врачу"]

    vaccination = seeded["groups"]["Группа вакцинации"]
    refused = await senior.http.get(
        "/api/v1/statistics/calls", params={"since": DAY, "until": DAY, "group_id": vaccination}
    )
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    not_senior = await operator.http.get("/api/v1/statistics/calls", params={"since": DAY, "until": DAY})
    assert not_senior.status_code == 403
    ids = seeded["users"]
    assert await _refusals(server) == [(ids["senior1"], "forbidden"), (ids["operator1"], "forbidden")]
    async with server.application.uow_factory() as uow:
        reads = [e for e in await uow.audit.entries("call_statistics") if e.action == "read"]
    assert len(reads) == 3  # the three allowed reads above


async def test_bad_periods_and_settings_answer_422_with_a_reason(server: RunningServer) -> None:
    admin = await server.signed_in("admin")
    seeded = await _seed(server, admin)
    cases = [
        ({"since": "2026-09-11", "until": "2026-09-10"}, 422, "before_since"),
        ({"since": "2025-01-01", "until": "2026-09-10"}, 422, "period_too_long"),
        ({"since": DAY, "until": DAY, "by": "weekday"}, 422, None),
        ({"since": "11.09.2026", "until": DAY}, 422, None),
        ({"since": DAY, "until": DAY, "shift_id": 999999}, 404, "not_found"),
    ]
    for params, status, code in cases:
        response = await admin.http.get("/api/v1/statistics/calls", params=params)
        assert response.status_code == status, (params, response.text)
        if code is not None:
            body = response.json()
            codes = [f.get("code") for f in body.get("fields", [])] + [body.get("code")]
            assert code in codes, (params, body)

    queue = seeded["queues"]["Вызов врача и запись к врачу"]["id"]
    for values, field, code in [
        ({"service_level_s": 90}, "service_level_s", "above_normative_wait"),  # W = 60
        ({"short_abandon_s": 30}, "short_abandon_s", "above_service_level"),  # T = 20
        ({"sla_wait_s": 10}, "service_level_s", "above_normative_wait"),
        ({"service_level_formula": "whatever"}, "service_level_formula", None),
        ({"service_level_s": 0}, "service_level_s", None),
    ]:
        response = await admin.write("PATCH", f"/api/v1/admin/queues/{queue}", json=values)
        assert response.status_code == 422, (values, response.text)
        assert field in response.text, response.text
        if code is not None:
            assert code in response.text
    unchanged = (await admin.http.get(f"/api/v1/admin/queues/{queue}")).json()
    assert (unchanged["service_level_s"], unchanged["sla_wait_s"], unchanged["short_abandon_s"]) == (
        20,
        60,
        5,
    )
    assert unchanged["service_level_formula"] == "short_abandons_ignored"


async def test_by_operator_the_time_in_each_state_is_cut_to_the_period(server: RunningServer) -> None:
    """The local day 11 September in Moscow is 10 Sep 21:00 – 11 Sep 21:00 UTC. Иванова was ready from
    20:00 UTC (1800 s of it inside), talked 900 s, wrapped up 300 s, took a 3600 s break, and was ready
    again from 20:50 UTC on the 11th to 21:20 (600 s inside): the screen's occupancy is 1200 / 3600."""
    admin = await server.signed_in("admin")
    await _seed(server, admin)
    ivanova = (await (await server.signed_in("operator1")).http.get("/api/v1/me")).json()["id"]
    at = datetime(2026, 9, 10, 21, 30, tzinfo=UTC).timestamp()
    async with server.application.uow_factory() as uow:
        await uow.acd.append_state_log(
            [
                _change(ivanova, at, "ready", "on_call", 5400),
                _change(ivanova, at + 900, "on_call", "wrap_up", 900),
                _change(ivanova, at + 1200, "wrap_up", "on_break", 300),
                _change(ivanova, at + 4800, "on_break", "ready", 3600),
                _change(ivanova, at + 86400 - 600, "ready", "offline", 1800),
            ]
        )
        await uow.commit()
    by_operator = await _read(admin, by="operator")
    row = _by_name(by_operator)["Иванова Мария Сергеевна"]
    assert row["states_s"] == {
        "ready": pytest.approx(2400),
        "on_call": pytest.approx(900),
        "wrap_up": pytest.approx(300),
        "on_break": pytest.approx(3600),
    }
    assert by_operator["rows"][-1]["states_s"] is None  # the calls that name no operator
    assert all(r["states_s"] is None for r in (await _read(admin, by="queue"))["rows"])
