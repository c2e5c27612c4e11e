"""«Помощь старшего» over a real server, on both databases: an operator on a call raises a hand, the
seniors on shift of the group are alerted, the first to take it answers it for the other, the call's end
closes it; every refusal (no call, twice, taken, another group, someone else's) is a clear 4xx."""

from __future__ import annotations

from typing import Any

from tests.integration.contact_center.test_operator_desk import (
    REFERENCE_QUEUE,
    queue_ids,
    set_state,
    simulator,
)
from tests.support.server import Desk, RunningServer


async def add_senior(server: RunningServer, login: str, group: str) -> Desk:
    admin = await server.signed_in("admin")
    groups = (await admin.http.get("/api/v1/admin/groups")).json()["items"]
    group_id = next(g["id"] for g in groups if g["name"] == group)
    body = {
        "login": login,
        "full_name": f"Старший {login}",
        "role": "senior",
        "password": "long-enough-pass",
        "group_ids": [group_id],
    }
    created = await admin.write("POST", "/api/v1/admin/users", json=body)
    assert created.status_code == 201, created.text
    return await server.signed_in(login, "long-enough-pass")


async def on_shift_without_offers(desk: Desk) -> None:
    """On shift, but on a break: the test's caller goes to the operator, not to this senior."""
    await set_state(desk, "ready")  # no caller waits yet: nothing is offered
    response = await set_state(desk, "on_break", reason="break")
    assert response.status_code == 200, response.text


def refused(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


async def test_raise_hand_reaches_the_seniors_and_the_first_to_take_it_answers_it(
    server: RunningServer,
) -> None:
    senior = await server.signed_in("senior1")
    colleague = await add_senior(server, "senior7", "Справочная группа")
    outsider = await add_senior(server, "senior8", "Группа вакцинации")
    operator = await server.signed_in("operator1")
    for desk in (senior, colleague, outsider):
        await on_shift_without_offers(desk)
    refused(await operator.write("POST", "/api/v1/help-requests"), 409, "not_on_call")

    await set_state(operator, "ready")
    queue_id = (await queue_ids(operator))[REFERENCE_QUEUE]
    source = simulator(server)
    call_id = await source.place_call(queue_id, caller="+79995550011")
    accepted = await operator.write("POST", f"/api/v1/operators/me/offers/{call_id}/accept")
    assert accepted.status_code == 200, accepted.text

    async with senior.events() as first, colleague.events() as second, outsider.events() as third:
        for stream in (first, second, third):
            await stream.receive()
        raised = await operator.write("POST", "/api/v1/help-requests")
        assert raised.status_code == 201, raised.text
        request = raised.json()["request"]
        assert raised.json()["seniors_notified"] == 2  # senior1 and senior7, not the vaccination group's
        assert (request["call_id"], request["caller"], request["status"]) == (call_id, "+79995550011", "open")
        assert request["operator_name"] == "Иванова Мария Сергеевна"
        for stream in (first, second):
            alert = await stream.next_event("help_request.changed")
            assert (alert["data"]["id"], alert["data"]["status"]) == (request["id"], "open")
        again = refused(await operator.write("POST", "/api/v1/help-requests"), 409, "already_raised")
        assert str(request["id"]) in again["message"]

        take = f"/api/v1/help-requests/{request['id']}/take"
        refused(await outsider.write("POST", take, json={"mode": "listen"}), 403, "out_of_scope")
        refused(await operator.write("POST", take, json={"mode": "listen"}), 403, "forbidden")
        refused(await senior.write("POST", f"/api/v1/help-requests/{request['id']}/cancel"), 403, "not_yours")
        taken = await colleague.write("POST", take, json={"mode": "whisper"})
        assert taken.status_code == 200, taken.text
        assert (taken.json()["status"], taken.json()["taken_by_name"], taken.json()["mode"]) == (
            "taken",
            "Старший senior7",
            "whisper",
        )
        for stream in (first, second):  # the other senior's alert closes, naming who took it
            closed = await stream.next_event("help_request.changed")
            assert (closed["data"]["status"], closed["data"]["taken_by_name"]) == ("taken", "Старший senior7")
        late = refused(await senior.write("POST", take, json={"mode": "listen"}), 409, "already_taken")
        assert "Старший senior7" in late["message"]
        cancel = f"/api/v1/help-requests/{request['id']}/cancel"
        refused(await operator.write("POST", cancel), 409, "already_taken")
        assert [r["id"] for r in (await senior.http.get("/api/v1/help-requests")).json()["items"]] == [
            request["id"]
        ]
        assert (await outsider.http.get("/api/v1/help-requests")).json()["items"] == []

        await source.caller_hangs_up(call_id)
        ended = await second.next_event("help_request.changed")
        assert (ended["data"]["status"], ended["data"]["taken_by_name"]) == ("ended", "Старший senior7")
    assert (await operator.http.get("/api/v1/help-requests")).json()["items"] == []
    async with server.application.uow_factory() as uow:
        stored = await uow.help_requests.on_call(call_id)
        audit = await uow.audit.entries("call")
    assert [(r.status.value, r.taken_by_name, r.mode) for r in stored] == [
        ("ended", "Старший senior7", "whisper")
    ]
    assert stored[0].taken_at is not None
    assert stored[0].closed_at is not None
    assert [(e.action, e.entity_id) for e in audit if e.action == "help_request_taken"] == [
        ("help_request_taken", call_id)
    ]


async def test_the_operator_cancels_before_anyone_takes_it(server: RunningServer) -> None:
    senior = await server.signed_in("senior1")
    await on_shift_without_offers(senior)
    operator = await server.signed_in("operator1")
    await set_state(operator, "ready")
    source = simulator(server)
    call_id = await source.place_call((await queue_ids(operator))[REFERENCE_QUEUE])
    await operator.write("POST", f"/api/v1/operators/me/offers/{call_id}/accept")
    async with operator.events() as stream:
        await stream.receive()
        request = (await operator.write("POST", "/api/v1/help-requests")).json()["request"]
        assert (await stream.next_event("help_request.changed"))["data"]["status"] == "open"
        cancelled = await operator.write("POST", f"/api/v1/help-requests/{request['id']}/cancel")
        assert cancelled.status_code == 200, cancelled.text
        assert (await stream.next_event("help_request.changed"))["data"]["status"] == "cancelled"
    take = f"/api/v1/help-requests/{request['id']}/take"
    refused(await senior.write("POST", take, json={}), 409, "help_closed")
    refused(
        await senior.write("POST", "/api/v1/help-requests/999999/take", json={}), 404, "unknown_help_request"
    )
    again = await operator.write("POST", "/api/v1/help-requests")  # a cancelled request may be raised anew
    assert again.status_code == 201, again.text
