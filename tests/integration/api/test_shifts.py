"""The hotline's shifts: administered like the other organisation records, read by everyone as "the
current shift" in the hotline's time zone (setting hotline_time_zone). The demo seeds 08:00–20:00
and 20:00–08:00; the test clock starts at 2026-09-12 09:00 UTC (12:00 in Moscow)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from tests.support.server import RunningServer, running_server


async def test_everyone_reads_the_current_shift_and_it_follows_the_clock_over_midnight(
    server: RunningServer,
) -> None:
    operator = await server.signed_in("operator1")
    day = (await operator.http.get("/api/v1/statistics/shift")).json()
    assert day["time_zone"] == "Europe/Moscow"
    assert day["shift"]["name"] == "Дневная смена"
    assert (day["shift"]["starts"], day["shift"]["ends"]) == ("2026-09-12T05:00:00Z", "2026-09-12T17:00:00Z")
    server.clock.advance(10 * 3600)  # 19:00 UTC: 22:00 in Moscow
    evening = (await operator.http.get("/api/v1/statistics/shift")).json()["shift"]
    server.clock.advance(4 * 3600)  # 23:00 UTC: 02:00 on the 13th in Moscow (the session is kept alive)
    night = (await operator.http.get("/api/v1/statistics/shift")).json()["shift"]
    assert evening == night
    assert night["name"] == "Ночная смена"
    assert (night["day"], night["starts"], night["ends"]) == (
        "2026-09-12",
        "2026-09-12T17:00:00Z",
        "2026-09-13T05:00:00Z",
    )


async def test_only_administrators_change_shifts_and_overlaps_are_refused(server: RunningServer) -> None:
    senior = await server.signed_in("senior1")
    refused = await senior.write(
        "POST", "/api/v1/admin/shifts", json={"name": "Вечерняя", "starts_at": "18:00", "ends_at": "22:00"}
    )
    assert refused.status_code == 403
    admin = await server.signed_in("admin")
    shifts = (await admin.http.get("/api/v1/admin/shifts")).json()["items"]
    assert [(s["name"], s["starts_at"], s["ends_at"]) for s in shifts] == [
        ("Дневная смена", "08:00", "20:00"),
        ("Ночная смена", "20:00", "08:00"),
    ]
    overlap = await admin.write(
        "POST", "/api/v1/admin/shifts", json={"name": "Вечерняя", "starts_at": "18:00", "ends_at": "22:00"}
    )
    assert overlap.status_code == 422
    assert overlap.json()["fields"][0]["code"] == "overlap"
    assert "Дневная смена" in overlap.json()["fields"][0]["message"]
    bad_time = await admin.write(
        "POST", "/api/v1/admin/shifts", json={"name": "Вечерняя", "starts_at": "24:00", "ends_at": "8:00"}
    )
    assert bad_time.status_code == 422
    assert {f["path"] for f in bad_time.json()["fields"]} == {"starts_at", "ends_at"}
    night_id = shifts[1]["id"]
    empty = await admin.write("PATCH", f"/api/v1/admin/shifts/{night_id}", json={"ends_at": "20:00"})
    assert empty.status_code == 422
    assert empty.json()["fields"][0]["code"] == "empty_shift"
    shortened = await admin.write("PATCH", f"/api/v1/admin/shifts/{night_id}", json={"ends_at": "02:00"})
    assert shortened.status_code == 200
    added = await admin.write(
        "POST", "/api/v1/admin/shifts", json={"name": "Ранняя", "starts_at": "02:00", "ends_at": "08:00"}
    )
    assert added.status_code == 201
    server.clock.advance(8 * 3600)  # 17:00 UTC; then 01:00 UTC on the 13th: 04:00 in Moscow
    assert (await admin.http.get("/api/v1/statistics/shift")).status_code == 200
    server.clock.advance(8 * 3600)
    current = (await admin.http.get("/api/v1/statistics/shift")).json()["shift"]
    assert (current["name"], current["day"]) == ("Ранняя", "2026-09-13")
    assert (await admin.write("DELETE", f"/api/v1/admin/shifts/{added.json()['id']}")).status_code == 204
    assert (await admin.http.get("/api/v1/statistics/shift")).json()["shift"] is None


async def test_reading_the_current_shift_needs_a_session(server: RunningServer) -> None:
    async with server.client() as anonymous:
        assert (await anonymous.get("/api/v1/statistics/shift")).status_code == 401


async def test_the_time_zone_is_a_setting(database_url: str) -> None:
    async with running_server(database_url, hotline_time_zone="Asia/Vladivostok") as server:
        operator = await server.signed_in("operator1")
        now = (await operator.http.get("/api/v1/statistics/shift")).json()
        # 09:00 UTC is 19:00 in Vladivostok (UTC+10): still the day shift, started 22:00 UTC.
        assert now["time_zone"] == "Asia/Vladivostok"
        assert now["shift"]["starts"] == "2026-09-11T22:00:00Z"
        assert datetime.fromisoformat(now["shift"]["ends"]) == datetime(2026, 9, 12, 10, tzinfo=UTC)


@pytest.mark.parametrize("zone", ["Mars/Olympus", ""])
def test_an_unknown_time_zone_is_refused_naming_the_setting(zone: str) -> None:
    from c122.config import ConfigError, load_settings

    with pytest.raises(ConfigError, match="hotline_time_zone"):
        load_settings(environ={"C122_HOTLINE_TIME_ZONE": zone})
