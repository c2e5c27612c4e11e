"""Each queue's service-level target (TEL-08): an administrator's setting of 1–100 % (80 by default),
refused out of bounds with the field named and nothing stored, audited like the queue's other settings;
the shift panel marks a queue under its own target, and the staffing forecast plans for it by default.
The test clock starts at 2026-09-12 09:00 UTC and is moved into the night shift (17:00 UTC onwards)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from tests.support.polling import until
from tests.support.server import RunningServer

from c122.domain.acd.queue_log import QueueLogKind as K
from c122.domain.acd.queue_log import QueueLogRecord as R

NIGHT = datetime(2026, 9, 12, 17, tzinfo=UTC).timestamp()


async def test_the_target_is_bounded_stored_and_audited(server: RunningServer) -> None:
    admin = await server.signed_in("admin")
    queue_id = (await admin.http.get("/api/v1/queues")).json()["items"][0]["id"]
    path = f"/api/v1/admin/queues/{queue_id}"
    assert (await admin.http.get(path)).json()["service_level_target_pct"] == 80
    for bad in (0, 100.5, -5, "много", None):
        response = await admin.write("PATCH", path, json={"service_level_target_pct": bad})
        assert response.status_code == 422, (bad, response.text)
        assert "service_level_target_pct" in response.text
    assert (await admin.http.get(path)).json()["service_level_target_pct"] == 80

    changed = await admin.write("PATCH", path, json={"service_level_target_pct": 90})
    assert changed.status_code == 200, changed.text
    assert changed.json()["service_level_target_pct"] == 90
    trail = (await admin.http.get("/api/v1/admin/audit", params={"entity": "queue"})).text
    assert "service_level_target_pct" in trail

    group_id = changed.json()["group_id"]
    created = await admin.write("POST", "/api/v1/admin/queues", json={"group_id": group_id, "name": "Цель"})
    assert created.status_code == 201, created.text
    assert created.json()["service_level_target_pct"] == 80


async def test_a_queue_under_its_target_is_marked_and_planned_for(server: RunningServer) -> None:
    """T = 10 s; two calls of the night answered after 12 s and 8 s: a service level of 50 %, under a
    target of 90 % (marked, and the total with it), not under one of 50 %."""
    operator = await server.signed_in("operator1")
    admin = await server.signed_in("admin")
    queue_id = (await operator.http.get("/api/v1/queues")).json()["items"][0]["id"]
    path = f"/api/v1/admin/queues/{queue_id}"
    changed = await admin.write(
        "PATCH", path, json={"service_level_s": 10, "sla_wait_s": 30, "service_level_target_pct": 90}
    )
    assert changed.status_code == 200, changed.text
    q, op = str(queue_id), str((await operator.http.get("/api/v1/me")).json()["id"])
    server.clock.advance(10 * 3600)
    async with server.application.uow_factory() as uow:
        await uow.acd.append_queue_log(
            [
                R(at=NIGHT + 600, kind=K.CONNECT, queue_id=q, call_id="a", operator_id=op, waited_s=12),
                R(at=NIGHT + 900, kind=K.CONNECT, queue_id=q, call_id="b", operator_id=op, waited_s=8),
            ]
        )
        await uow.commit()

    center = (await operator.http.get("/api/v1/statistics/shift/center")).json()
    row = center["queues"][0]
    assert row["service_level"] == pytest.approx(0.5)
    assert row["service_level_target"] == pytest.approx(0.9)
    assert row["below_target"] is True
    assert center["total"]["below_target"] is True
    assert center["total"]["service_level_target"] is None

    # The supervision board's queue figures take the same T and target unless others are asked for.
    senior = await server.signed_in("senior1")
    kpis_path, night = f"/api/v1/queues/{queue_id}/kpis", datetime.fromtimestamp(NIGHT, UTC).isoformat()
    own = (await senior.http.get(kpis_path, params={"start": night})).json()
    assert (own["service_level"], own["service_level_s"], own["below_target"]) == (0.5, 10, True)
    assert own["service_level_target"] == pytest.approx(0.9)
    wider = (await senior.http.get(kpis_path, params={"start": night, "service_level_s": 15})).json()
    assert (wider["service_level"], wider["service_level_s"], wider["below_target"]) == (1.0, 15, False)

    plan = await operator.http.get(
        "/api/v1/statistics/staffing", params={"queue_id": queue_id, "day": "2026-09-12"}
    )
    assert plan.status_code == 200, plan.text
    assert (plan.json()["target"], plan.json()["threshold_s"]) == (pytest.approx(0.9), 10)
    asked = await operator.http.get(
        "/api/v1/statistics/staffing",
        params={"queue_id": queue_id, "day": "2026-09-12", "target": 0.7, "threshold_s": 15},
    )
    assert (asked.json()["target"], asked.json()["threshold_s"]) == (pytest.approx(0.7), 15)

    assert (await admin.write("PATCH", path, json={"service_level_target_pct": 50})).status_code == 200

    async def center_now() -> dict[str, Any]:
        figures: dict[str, Any] = (await operator.http.get("/api/v1/statistics/shift/center")).json()
        return figures

    # The running distribution re-reads its queues just after the change is stored.
    center = await until(
        center_now, lambda c: c["queues"][0]["service_level_target"] == pytest.approx(0.5), 5
    )
    assert center["queues"][0]["below_target"] is False  # 50 % is not under 50 %
    assert center["total"]["below_target"] is False
