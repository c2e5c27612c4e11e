"""Listen / whisper / barge over a real server on SQLite and PostgreSQL, without telephony: who may ask,
the refusals with their codes (and the audit rows of the refused ones), the group's «show the operator»
setting, and the sessions on the call's record (the live hearing is tests/integration/call_flow)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from c122.domain.monitoring import ModeSpan, MonitoringEnd, MonitoringSession, MonitorMode
from tests.integration.api.test_calls import _answered, _ids
from tests.support.server import RunningServer

START = "/api/v1/supervision/monitoring"


async def _refusal(client: Any, body: dict[str, Any]) -> tuple[int, str]:
    response = await client.write("POST", START, json=body)
    return response.status_code, response.json()["code"]


async def test_monitoring_refusals_name_their_reason_and_refused_reads_are_audited(
    server: RunningServer,
) -> None:
    ids = await _ids(server)
    now = server.clock.now()
    calls = server.application.context.calls
    await calls.save(
        _answered("info-over", now - timedelta(minutes=5), group=ids["info"], queue=ids["info_queue"],
                  operator=ids["operator1"])
    )  # fmt: skip
    await calls.save(
        _answered("vacc-over", now - timedelta(minutes=5), group=ids["vaccination"],
                  queue=ids["vaccination_queue"], operator=ids["operator5"])
    )  # fmt: skip
    senior = await server.signed_in("senior1")
    operator = await server.signed_in("operator1")

    assert await _refusal(operator, {"call_id": "info-over"}) == (403, "forbidden")
    assert await _refusal(senior, {"call_id": "no-such-call"}) == (404, "unknown_call")
    assert await _refusal(senior, {"call_id": "info-over"}) == (409, "call_ended")
    assert await _refusal(senior, {"call_id": "vacc-over"}) == (403, "out_of_scope")
    assert await _refusal(senior, {"operator_id": ids["operator1"]}) == (409, "operator_not_on_call")
    assert await _refusal(senior, {"call_id": "info-over", "operator_id": ids["operator1"]}) == (
        422,
        "validation_error",
    )
    assert await _refusal(senior, {"call_id": "info-over", "mode": "shout"}) == (422, "validation_error")
    for method, path, body in (
        ("POST", f"{START}/mon-unknown/mode", {"mode": "barge"}),
        ("DELETE", f"{START}/mon-unknown", None),
    ):
        response = await senior.write(method, path, json=body)
        assert (response.status_code, response.json()["code"]) == (409, "monitoring_ended")
    assert (await senior.http.get(START)).json() == {"items": []}

    async with server.application.uow_factory() as uow:
        entries = [*await uow.audit.entries("call"), *await uow.audit.entries("user")]
    refused = {
        (e.actor_id, e.entity_id, e.detail["code"])
        for e in entries
        if e.action == "access_refused" and e.detail["wanted"] == "monitor_call"
    }
    assert refused == {
        (ids["operator1"], "info-over", "forbidden"),
        (ids["senior1"], "no-such-call", "unknown_call"),
        (ids["senior1"], "vacc-over", "out_of_scope"),
    }


async def test_the_call_record_shows_monitoring_to_seniors_and_to_the_operator_only_when_shown(
    server: RunningServer,
) -> None:
    ids = await _ids(server)
    now = server.clock.now()
    start = now - timedelta(minutes=5)
    await server.application.context.calls.save(
        _answered(
            "info-watched", start, group=ids["info"], queue=ids["info_queue"], operator=ids["operator1"]
        )
    )
    at = start + timedelta(seconds=30)
    session = MonitoringSession(
        id="mon-1", call_id="info-watched", supervisor_id=ids["senior1"], operator_id=ids["operator1"],
        group_id=ids["info"], audio="browser", started_at=at, modes=(ModeSpan(MonitorMode.LISTEN, at),),
    )  # fmt: skip
    async with server.application.uow_factory() as uow:
        await uow.monitoring.add(session)
        await uow.monitoring.switched("mon-1", MonitorMode.WHISPER, at + timedelta(seconds=10))
        await uow.monitoring.switched("mon-1", MonitorMode.BARGE, at + timedelta(seconds=20))
        await uow.monitoring.ended("mon-1", at + timedelta(seconds=40), MonitoringEnd.CALL_ENDED)
        await uow.commit()

    senior = await server.signed_in("senior1")
    record = (await senior.http.get("/api/v1/calls/info-watched")).json()
    (shown,) = record["monitoring"]
    assert (shown["supervisor_name"], shown["audio"], shown["end_reason"]) == (
        "Волкова Елена Андреевна",
        "browser",
        "call_ended",
    )
    assert [m["mode"] for m in shown["modes"]] == ["listen", "whisper", "barge"]
    assert all(m["ended_at"] is not None for m in shown["modes"])
    assert shown["modes"][0]["ended_at"] == shown["modes"][1]["started_at"]
    operator = await server.signed_in("operator1")
    assert (await operator.http.get("/api/v1/calls/info-watched")).json()["monitoring"] == []

    # The group setting round-trips through the administration API.
    admin = await server.signed_in("admin")
    patched = await admin.write(
        "PATCH", f"/api/v1/admin/groups/{ids['info']}", json={"monitoring_shown": True}
    )
    assert (patched.status_code, patched.json()["monitoring_shown"]) == (200, True)
    null = await admin.write("PATCH", f"/api/v1/admin/groups/{ids['info']}", json={"monitoring_shown": None})
    assert null.status_code == 422
