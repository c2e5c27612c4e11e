"""A day of call records for the TEL-08 statistics, shared by the API and the browser tests; the
figures they expect are computed by hand in tests/integration/api/test_call_statistics.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from c122.domain.calls.record import CallRecord, CallStatus, Direction
from tests.support.server import Desk, RunningServer

DAY = "2026-09-11"


def _msk(hour: int, minute: int = 0, day: int = 11) -> datetime:
    return datetime(2026, 9, day, hour, minute, tzinfo=UTC) - timedelta(hours=3)


def _call(
    call_id: str,
    at: datetime,
    status: CallStatus,
    *,
    direction: Direction = "inbound",
    queue: tuple[int, int] | None = None,
    wait: float = 0,
    talk: float = 0,
    hold: float = 0,
    operator: int | None = None,
    caller: str = "+79161234567",
) -> CallRecord:
    connected = at + timedelta(seconds=wait) if status == "answered" and direction == "inbound" else None
    if status == "answered" and direction == "outbound":
        connected = at + timedelta(seconds=5)
    return CallRecord(
        id=call_id,
        direction=direction,
        status=status,
        caller=caller,
        called="+78001220122" if direction == "inbound" else "+79160000000",
        started_at=at,
        queue_id=queue[0] if queue else None,
        group_id=queue[1] if queue else None,
        queued_at=at if queue else None,
        connected_at=connected,
        ended_at=None if status == "active" else at + timedelta(seconds=wait + talk + 1),
        wait_s=wait,
        talk_s=talk,
        hold_s=hold,
        operator_id=operator if status == "answered" else None,
    )


async def seed_call_day(server: RunningServer, admin: Desk) -> dict[str, Any]:
    queues = {q["name"]: q for q in (await admin.http.get("/api/v1/admin/queues")).json()["items"]}
    users = {
        u["login"]: u["id"] for u in (await admin.http.get("/api/v1/admin/users?limit=100")).json()["items"]
    }
    info = queues["Справочная информация"]
    medical = queues["Вызов врача и запись к врачу"]
    vaccination = queues["Запись на вакцинацию"]
    changed = await admin.write(
        "PATCH",
        f"/api/v1/admin/queues/{info['id']}",
        json={"service_level_s": 15, "sla_wait_s": 40, "service_level_formula": "answered_of_offered"},
    )
    assert changed.status_code == 200, changed.text
    i, m, v = ((q["id"], q["group_id"]) for q in (info, medical, vaccination))
    op = users
    records = [
        _call("A1", _msk(10), "answered", queue=i, wait=10, talk=100, hold=20, operator=op["operator1"]),
        _call("A2", _msk(11), "answered", queue=i, wait=30, talk=60, operator=op["operator4"]),
        _call("A3", _msk(21), "missed", queue=i, wait=3),
        _call("A4", _msk(23, 30), "missed", queue=i, wait=50),
        _call("A5", _msk(2, day=12), "answered", queue=i, wait=5, talk=40, operator=op["operator1"]),
        _call("B1", _msk(12), "missed", queue=m, wait=70),
        _call("B2", _msk(13), "answered", queue=m, wait=18, talk=200, operator=op["operator3"]),
        _call("B3", _msk(14), "failed", queue=m, wait=65),
        _call("V1", _msk(9, 30), "answered", queue=v, wait=2, talk=50, operator=op["operator5"]),
        _call("X1", _msk(9, day=10), "answered", queue=i, wait=1, talk=10, operator=op["operator1"]),
        _call("X2", _msk(15, 5), "active", queue=i, wait=1),
        _call("O1", _msk(15), "failed", direction="outbound", caller="operator1"),
        _call(
            "O2",
            _msk(16),
            "answered",
            direction="outbound",
            caller="operator1",
            talk=30,
            operator=op["operator1"],
        ),
        _call(
            "O3",
            _msk(16, 30),
            "answered",
            direction="outbound",
            caller="operator3",
            talk=90,
            operator=op["operator3"],
        ),
        _call(
            "O4",
            _msk(17),
            "answered",
            direction="outbound",
            caller="operator5",
            talk=10,
            operator=op["operator5"],
        ),
        _call(
            "O5",
            _msk(17, 30),
            "answered",
            direction="outbound",
            caller="operator4",
            talk=20,
            operator=op["operator4"],
        ),
        _call(
            "I1",
            _msk(18),
            "answered",
            direction="internal",
            caller="operator1",
            talk=15,
            operator=op["operator1"],
        ),
    ]
    async with server.application.uow_factory() as uow:
        for record in records:
            await uow.calls.save(record, ZoneInfo("Europe/Moscow"))
        await uow.commit()
    shifts = {s["name"]: s["id"] for s in (await admin.http.get("/api/v1/admin/shifts")).json()["items"]}
    groups = {g["name"]: g["id"] for g in (await admin.http.get("/api/v1/admin/groups")).json()["items"]}
    return {"users": users, "shifts": shifts, "groups": groups, "queues": queues}
