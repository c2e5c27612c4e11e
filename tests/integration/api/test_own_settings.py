"""The operator's own settings (OPS-05): the display name, and the «Нет на месте» interval where the
group lets operators choose it within bounds; the ACD marks the operator away after their own
interval. Refusals: choosing where the group does not allow it (409), outside the bounds, an empty
or too long name (422). Runs on both databases."""

from __future__ import annotations

from typing import Any

from tests.support.server import Desk, RunningServer

SETTINGS = "/api/v1/me/settings"
STATE = "/api/v1/operators/me/state"


async def _home_group(admin: Desk, operator: Desk) -> int:
    me = await operator.http.get("/api/v1/me")
    return min(g["id"] for g in me.json()["groups"])


async def _let_choose(admin: Desk, group_id: int, **bounds: Any) -> None:
    body = {"idle_choice_allowed": True, "idle_choice_min_s": 120, "idle_choice_max_s": 1800, **bounds}
    patched = await admin.write("PATCH", f"/api/v1/admin/groups/{group_id}", json=body)
    assert patched.status_code == 200, patched.text
    assert patched.json()["idle_choice_allowed"] is True


async def _status(desk: Desk) -> str:
    response = await desk.http.get(STATE)
    assert response.status_code == 200, response.text
    return str(response.json()["status"])


async def test_an_operator_chooses_their_idle_interval_and_name_where_the_group_allows(
    server: RunningServer,
) -> None:
    operator = await server.signed_in("operator1")
    admin = await server.signed_in("admin")
    before = await operator.http.get(SETTINGS)
    assert before.status_code == 200, before.text
    assert before.json()["idle_choice"] is None, "by default a group does not let operators choose"

    refused = await operator.write("PUT", SETTINGS, json={"display_name": "Мария", "idle_to_away_s": 300})
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "idle_choice_not_allowed"

    await _let_choose(admin, await _home_group(admin, operator))
    offered = (await operator.http.get(SETTINGS)).json()
    assert offered["idle_choice"] == {"min_s": 120, "max_s": 1800}
    for seconds in (60, 3600):
        out = await operator.write("PUT", SETTINGS, json={"display_name": "Мария", "idle_to_away_s": seconds})
        assert out.status_code == 422, out.text
        assert out.json()["code"] == "validation_error"
    for name in ("   ", "я" * 201):
        out = await operator.write("PUT", SETTINGS, json={"display_name": name, "idle_to_away_s": None})
        assert out.status_code == 422, out.text

    saved = await operator.write("PUT", SETTINGS, json={"display_name": "Мария И.", "idle_to_away_s": 300})
    assert saved.status_code == 200, saved.text
    assert saved.json()["display_name"] == "Мария И."
    assert saved.json()["idle_to_away_s"] == 300
    me = await operator.http.get("/api/v1/me")
    assert me.json()["full_name"] == "Мария И."

    started = await operator.write("PUT", STATE, json={"status": "ready"})
    assert started.status_code == 200, started.text
    assert started.json()["idle_to_away_s"] == 300, "the state tells the desk the own interval"
    server.clock.advance(299)
    await server.application.contact_center.tick()
    assert await _status(operator) == "ready"
    server.clock.advance(2)
    await server.application.contact_center.tick()
    assert await _status(operator) == "away", "marked away after the own interval, not the group's 600 s"


async def test_a_group_refuses_bounds_out_of_order(server: RunningServer) -> None:
    operator = await server.signed_in("operator1")
    admin = await server.signed_in("admin")
    group_id = await _home_group(admin, operator)
    patched = await admin.write(
        "PATCH", f"/api/v1/admin/groups/{group_id}", json={"idle_choice_min_s": 900, "idle_choice_max_s": 300}
    )
    assert patched.status_code == 422, patched.text
