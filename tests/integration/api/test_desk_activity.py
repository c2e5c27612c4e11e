"""Desk activity keeps an operator present (OPS-02): the idle interval counts real inactivity only,
the state tells the desk the group's intervals so it can warn, and a closed session's report is
refused and changes nothing."""

from __future__ import annotations

from tests.support.server import Desk, RunningServer

STATE = "/api/v1/operators/me/state"
ACTIVITY = "/api/v1/operators/me/activity"


async def _status(desk: Desk) -> str:
    response = await desk.http.get(STATE)
    assert response.status_code == 200, response.text
    return str(response.json()["status"])


async def _ready(server: RunningServer) -> tuple[Desk, float]:
    desk = await server.signed_in("operator1")
    started = await desk.write("PUT", STATE, json={"status": "ready"})
    assert started.status_code == 200, started.text
    idle = started.json()["idle_to_away_s"]
    assert idle is not None
    assert started.json()["away_to_logout_s"] is not None
    return desk, float(idle)


async def test_an_operator_active_at_the_desk_longer_than_the_idle_interval_stays_ready(
    server: RunningServer,
) -> None:
    desk, idle = await _ready(server)
    center = server.application.contact_center
    for _ in range(3):  # three times two thirds of the interval, with activity in between
        server.clock.advance(idle * 2 / 3)
        reported = await desk.write("POST", ACTIVITY)
        assert reported.status_code == 204, reported.text
        await center.tick()
    assert await _status(desk) == "ready"
    server.clock.advance(idle + 1)  # now nothing happens at the desk
    await center.tick()
    assert await _status(desk) == "away"


async def test_an_activity_report_from_a_closed_session_is_refused_and_ignored(server: RunningServer) -> None:
    old, idle = await _ready(server)
    current = await server.signed_in("operator1")  # a second sign-in closes the older session
    server.clock.advance(idle - 1)
    refused = await old.write("POST", ACTIVITY)
    assert refused.status_code == 401
    assert refused.json()["code"] == "session_replaced"
    server.clock.advance(2)
    await server.application.contact_center.tick()
    assert await _status(current) == "away", "the refused report kept nobody present"
