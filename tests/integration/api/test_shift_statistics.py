"""The current shift's statistics (OPS-27, OPS-28): built once from the stored queue log, then kept up
by the records the ACD stores, scoped to the reader's groups. The test clock starts at 2026-09-12
09:00 UTC; it is moved to 19:00 UTC, 22:00 in Moscow, inside the night shift 20:00–08:00 (17:00 to
05:00 UTC). The live ACD and the real database are used; callers are the ACD's simulated call source.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from tests.support.server import Desk, RunningServer

from c122.domain.acd import CompletedBy
from c122.domain.acd.queue_log import QueueLogKind as K
from c122.domain.acd.queue_log import QueueLogRecord as R
from c122.domain.staffing import operators_needed
from c122.services.contact_center.simulator import SimulatedCallSource

NIGHT = datetime(2026, 9, 12, 17, tzinfo=UTC).timestamp()


async def _store(server: RunningServer, records: list[R]) -> None:
    async with server.application.uow_factory() as uow:
        await uow.acd.append_queue_log(records)
        await uow.commit()


async def test_shift_figures_from_the_stored_log_then_live_and_scoped(server: RunningServer) -> None:
    operator = await server.signed_in("operator1")
    admin = await server.signed_in("admin")
    operator_id = (await operator.http.get("/api/v1/me")).json()["id"]
    queue_id = (await operator.http.get("/api/v1/queues")).json()["items"][0]["id"]
    q, op = str(queue_id), str(operator_id)
    server.clock.advance(10 * 3600)  # 19:00 UTC
    await _store(
        server,
        [
            R(at=NIGHT - 600, kind=K.CONNECT, queue_id=q, call_id="day", operator_id=op, waited_s=2),
            R(at=NIGHT + 600, kind=K.OFFER, queue_id=q, call_id="a", operator_id=op),
            R(at=NIGHT + 612, kind=K.CONNECT, queue_id=q, call_id="a", operator_id=op, waited_s=12),
            R(at=NIGHT + 700, kind=K.COMPLETE_CALLER, queue_id=q, call_id="a", operator_id=op, talk_s=88),
            R(at=NIGHT + 1800, kind=K.ABANDON, queue_id=q, call_id="b", waited_s=3, detail="short"),
            R(at=NIGHT + 2400, kind=K.ABANDON, queue_id=q, call_id="c", waited_s=30),
        ],
    )
    center = (await operator.http.get("/api/v1/statistics/shift/center")).json()
    assert center["shift"]["name"] == "Ночная смена"
    assert [row["queue_id"] for row in center["queues"]] == [queue_id]  # operator1's group only
    row = center["queues"][0]
    # a (12 s), b (short), c (30 s); the day shift's call is not counted
    assert (row["received"], row["answered"], row["abandoned"], row["short_abandoned"]) == (3, 1, 2, 1)
    assert row["service_level"] == pytest.approx(1 / (3 - 1))  # short abandons ignored, T = 20 s
    assert (row["average_wait_s"], row["average_handle_s"]) == (12, 88)
    assert center["total"]["received"] == 3

    # Live: a call answered and finished through the ACD is folded in as it is stored.
    await operator.write("PUT", "/api/v1/operators/me/state", json={"status": "ready"})
    source = SimulatedCallSource(server.application.contact_center, prefix="shift")
    source.act_for_callers = False
    call_id = await source.place_call(queue_id)
    server.clock.advance(40)
    await operator.write("POST", f"/api/v1/operators/me/offers/{call_id}/accept")
    server.clock.advance(120)
    await server.application.contact_center.hang_up(call_id, CompletedBy.CALLER)
    mine = (await operator.http.get("/api/v1/statistics/shift/operator")).json()
    assert (mine["offers"], mine["answered"], mine["missed"], mine["completed"]) == (2, 2, 0, 2)
    assert mine["answered_within_t"] == 1  # the live call waited 40 s
    assert mine["offers_taken"] == 1
    assert mine["average_talk_s"] == pytest.approx((88 + 120) / 2)
    assert mine["states_s"]["on_call"] == pytest.approx(120)
    row = (await operator.http.get("/api/v1/statistics/shift/center")).json()["queues"][0]
    assert (row["received"], row["answered"]) == (4, 2)
    assert row["average_wait_s"] == pytest.approx((12 + 40) / 2)
    assert row["on_duty"] == 1

    everything = (await admin.http.get("/api/v1/statistics/shift/center")).json()
    assert len(everything["queues"]) == 3
    assert everything["total"]["received"] == 4

    server.clock.advance(10 * 3600 + 1000)  # 05:18 UTC on the 13th: the day shift, counted afresh
    await operator.http.get("/api/v1/me")
    day = (await admin.http.get("/api/v1/statistics/shift/center")).json()
    assert day["shift"]["name"] == "Дневная смена"
    assert day["total"]["received"] == 0


async def test_shift_statistics_need_a_session(server: RunningServer) -> None:
    async with server.client() as anonymous:
        for path in ("/api/v1/statistics/shift/operator", "/api/v1/statistics/shift/center"):
            assert (await anonymous.get(path)).status_code == 401


async def test_staffing_forecast_from_the_same_weekday_of_four_weeks(server: RunningServer) -> None:
    """Saturday 12 September 2026, 10:00–10:30 in Moscow: 2, 4, 2 and 4 calls on the four Saturdays
    before, 3 on average, each completed after 150 s of talk and 30 s of wrap-up: 180 s handled.
    Load 3 × 180 / 1800 = 0.3 Erlang. One operator: C = 0.3, SL = 1 − 0.3·e^(−0.7·20/180) = 0.72 < 0.8;
    two: B = 0.0335, C = 0.0391, SL = 1 − 0.0391·e^(−1.7·20/180) = 0.968: two are needed."""
    operator = await server.signed_in("operator1")
    queue_id = (await operator.http.get("/api/v1/queues")).json()["items"][0]["id"]
    q = str(queue_id)
    records: list[R] = []
    for week, calls in zip(range(1, 5), (2, 4, 2, 4), strict=True):
        slot = datetime(2026, 9, 12, 7, 0, tzinfo=UTC).timestamp() - week * 7 * 86400  # 10:00 Moscow
        for n in range(calls):
            at = slot + 60 + n * 300
            call = f"w{week}c{n}"
            records += [
                R(at=at, kind=K.CONNECT, queue_id=q, call_id=call, operator_id="1", waited_s=5),
                R(at=at + 150, kind=K.COMPLETE_CALLER, queue_id=q, call_id=call, operator_id="1", talk_s=150),
                R(
                    at=at + 180,
                    kind=K.STATE_CHANGE,
                    queue_id=q,
                    operator_id="1",
                    old_status="wrap_up",
                    new_status="ready",
                    duration_s=30,
                ),
            ]
    await _store(server, records)
    plan = await operator.http.get(
        "/api/v1/statistics/staffing", params={"queue_id": queue_id, "day": "2026-09-12"}
    )
    assert plan.status_code == 200
    body = plan.json()
    assert body["handle_s"] == pytest.approx(180)
    assert len(body["intervals"]) == 48
    ten = body["intervals"][20]  # 10:00 local
    assert ten["starts"] == "2026-09-12T07:00:00Z"
    assert ten["calls"] == pytest.approx(3)
    assert ten["load_erlangs"] == pytest.approx(0.3)
    assert ten["operators"] == 2
    assert ten["service_level"] == pytest.approx(0.968, abs=1e-3)
    assert body["intervals"][21]["operators"] == 0
    assert body["patience_s"] is None  # nobody gave up: no Erlang A
    assert ten["erlang_a"] is None

    # Two callers of each Saturday gave up after 55 s: patience = (4 × 2 × 55 + 12 × 5) / 8 = 62.5 s,
    # 5 offered per interval now; Erlang A needs no more operators than Erlang C and says how many give up.
    for week in range(1, 5):
        slot = datetime(2026, 9, 12, 7, 0, tzinfo=UTC).timestamp() - week * 7 * 86400
        records = [
            R(at=slot + 1500 + n, kind=K.ABANDON, queue_id=q, call_id=f"w{week}a{n}", waited_s=55)
            for n in range(2)
        ]
        await _store(server, records)
    body = (
        await operator.http.get(
            "/api/v1/statistics/staffing", params={"queue_id": queue_id, "day": "2026-09-12"}
        )
    ).json()
    assert body["patience_s"] == pytest.approx((8 * 55 + 12 * 5) / 8)
    ten = body["intervals"][20]
    expected = operators_needed(5, 1800, 180, 0.8, 20, patience_s=body["patience_s"])
    assert ten["calls"] == pytest.approx(5)
    assert ten["erlang_a"]["operators"] == expected.operators <= ten["operators"]
    assert ten["erlang_a"]["abandon_probability"] == pytest.approx(expected.abandon_probability)
    assert ten["erlang_a"]["service_level"] >= 0.8

    refused = await operator.http.get(
        "/api/v1/statistics/staffing", params={"queue_id": queue_id, "day": "x"}
    )
    assert refused.status_code == 422
    bad_target = await operator.http.get(
        "/api/v1/statistics/staffing", params={"queue_id": queue_id, "day": "2026-09-12", "target": 1.5}
    )
    assert bad_target.status_code == 422
    admin_queues = (await (await server.signed_in("admin")).http.get("/api/v1/queues")).json()["items"]
    other = next(x["id"] for x in admin_queues if x["id"] != queue_id)
    hidden = await operator.http.get(
        "/api/v1/statistics/staffing", params={"queue_id": other, "day": "2026-09-12"}
    )
    assert hidden.status_code == 404


async def test_cases_by_type_for_the_last_24_hours_loaded_once_then_live(server: RunningServer) -> None:
    """Fig. 62: the first read counts the stored cases of the day; later cases come from their
    `case.created` event; a case leaves the count 24 hours after it was created; scoped by group."""
    async with server.application.uow_factory() as uow:
        types = {code: (await uow.case_types.find({"code": code})) for code in ("info", "vaccination")}
    info, vaccination = (types[c].id for c in ("info", "vaccination"))  # type: ignore[union-attr]
    operator = await server.signed_in("operator1")  # Справочная группа
    other = await server.signed_in("operator5")  # Группа вакцинации
    admin = await server.signed_in("admin")
    for desk, type_id in ((operator, info), (operator, info), (other, vaccination)):
        created = await desk.write("POST", "/api/v1/cases", json={"type_id": type_id})
        assert created.status_code == 201, created.text

    async def counts(desk: Desk) -> dict[str, int]:
        response = await desk.http.get("/api/v1/statistics/shift/center")
        assert response.status_code == 200, response.text
        center = response.json()
        return {row["name"]: row["count"] for row in center["case_types"]}

    assert await counts(operator) == {"Справочная информация": 2}
    assert await counts(admin) == {"Справочная информация": 2, "Запись на вакцинацию": 1}
    server.clock.advance(3600)
    await operator.write("POST", "/api/v1/cases", json={"type_id": info})  # live, by its event
    assert await counts(operator) == {"Справочная информация": 3}
    server.clock.advance(23 * 3600)  # the first three are 24 hours old now
    admin = await server.signed_in("admin")  # the earlier session has expired by now
    assert await counts(admin) == {"Справочная информация": 1}
    server.clock.advance(3600)
    admin = await server.signed_in("admin")
    assert await counts(admin) == {}


async def test_each_queue_is_judged_and_coloured_by_its_own_thresholds(server: RunningServer) -> None:
    """operator1's queue is set to T = 10 s, W = 30 s and «answered of offered»; two calls of the night
    answered after 12 s and 8 s: one within its T (the global 20 s would count both). A caller waiting
    now, for longer than W, turns the queue's waiting figures and the total's to «over the norm»."""
    operator = await server.signed_in("operator1")
    admin = await server.signed_in("admin")
    queue_id = (await operator.http.get("/api/v1/queues")).json()["items"][0]["id"]
    changed = await admin.write(
        "PATCH",
        f"/api/v1/admin/queues/{queue_id}",
        json={"service_level_s": 10, "sla_wait_s": 30, "service_level_formula": "answered_of_offered"},
    )
    assert changed.status_code == 200, changed.text
    q, op = str(queue_id), str((await operator.http.get("/api/v1/me")).json()["id"])
    server.clock.advance(10 * 3600)  # 19:00 UTC, the night shift
    await _store(
        server,
        [
            R(at=NIGHT + 600, kind=K.CONNECT, queue_id=q, call_id="a", operator_id=op, waited_s=12),
            R(at=NIGHT + 900, kind=K.CONNECT, queue_id=q, call_id="b", operator_id=op, waited_s=8),
        ],
    )
    center = (await operator.http.get("/api/v1/statistics/shift/center")).json()
    row = center["queues"][0]
    assert (row["service_level_s"], row["norm_wait_s"]) == (10, 30)
    assert row["service_level"] == pytest.approx(1 / 2)
    assert row["wait_state"] == "calm"  # nobody waits
    assert center["total"]["service_level"] == pytest.approx(1 / 2)
    assert center["total"]["service_level_s"] is None

    source = SimulatedCallSource(server.application.contact_center, prefix="norm")
    source.act_for_callers = False
    await source.place_call(queue_id)  # nobody is ready: the caller waits
    server.clock.advance(31)
    center = (await operator.http.get("/api/v1/statistics/shift/center")).json()
    assert center["queues"][0]["waiting"] == 1
    assert center["queues"][0]["wait_state"] == "over_norm"
    assert center["total"]["wait_state"] == "over_norm"
