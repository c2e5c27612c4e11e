"""A group or a service as the target of a transfer, a call or a consultation (TEL-17, TEL-18), on a
real call (SIPp caller, baresip phones): a service's entry plays its menu to the caller again, a group's
queue offers the caller to that group, a call to a group reaches its longest-idle free operator; and
the refusals (unknown group or service, nobody free, more than one target)."""

from __future__ import annotations

from typing import Any

import pytest
from tests.integration.call_flow.conftest import (
    HotlineCaller,
    ended_calls,
    info_queue_id,
    put_menu_on_main_line,
)
from tests.support.server import Desk, RunningServer

from c122.domain.users import CONSOLE

pytestmark = pytest.mark.peers
TRANSFER = "/api/v1/operators/me/call/transfer"


async def ids(server: RunningServer, collection: str, key: str) -> dict[str, int]:
    admin = await server.signed_in("admin")
    items = (await admin.http.get(f"/api/v1/admin/{collection}", params={"limit": 100})).json()["items"]
    return {item[key]: int(item["id"]) for item in items}


async def ready(desk: Desk) -> None:
    assert (await desk.write("PUT", "/api/v1/operators/me/state", json={"status": "ready"})).is_success


async def vaccination_entry(server: RunningServer) -> None:
    """The vaccination line's entry: straight into the vaccination queue."""
    queues = await ids(server, "queues", "name")
    flow = {
        "name": "vaccination_entry",
        "entry": "queue",
        "timezone": "Europe/Moscow",
        "nodes": {"queue": {"type": "enqueue", "queue": str(queues["Запись на вакцинацию"]), "priority": 0}},
    }
    await server.application.context.ivr_flows.create(CONSOLE, flow)
    lines = await ids(server, "lines", "number")
    admin = await server.signed_in("admin")
    changed = await admin.write(
        "PATCH", f"/api/v1/admin/lines/{lines['+78001220123']}", json={"entry_flow": "vaccination_entry"}
    )
    assert changed.status_code == 200, changed.text


async def test_the_caller_is_sent_to_a_services_entry_then_to_another_group(
    hotline: RunningServer, caller: HotlineCaller, operator_phone: Any
) -> None:
    await put_menu_on_main_line(hotline, await info_queue_id(hotline))
    services = await ids(hotline, "services", "name")
    groups = await ids(hotline, "groups", "name")
    logins = ("operator1", "operator5", "operator3")
    first, second, third = [await hotline.signed_in(login) for login in logins]
    for desk, login, tone in zip((first, second, third), logins, (1000, 1200, 1500), strict=True):
        await operator_phone(hotline, desk, login, tone)
    for desk in (first, second, third):
        await ready(desk)
    vaccination = services["Контакт-центр вакцинации"]
    async with first.events() as mine, second.events() as seconds, third.events() as thirds:
        await caller.call(hotline, "hotline_caller_hung_up.xml", digits="1", listen_ms=2500, wait_ms=40000)
        await mine.next_event("call.connected", timeout=20)
        for body, status in (
            ({"group_id": 999999}, 404),
            ({"service_id": 999999}, 404),
            ({"service_id": vaccination}, 422),  # its line has no entry flow yet
            ({"group_id": groups["Медицинская группа"], "service_id": vaccination}, 422),
        ):
            refused = await first.write("POST", TRANSFER, json=body)
            assert refused.status_code == status, refused.text
        await vaccination_entry(hotline)
        # To the service's entry: its line's flow puts the caller in the vaccination queue (operator5).
        sent = await first.write("POST", TRANSFER, json={"service_id": vaccination})
        assert sent.status_code == 204, sent.text
        assert (await mine.next_event("call.ended"))["data"]["cause"] == "transferred"
        offer = await seconds.next_event("call.offered", timeout=20)
        assert offer["data"]["offer"]["group_name"] == "Группа вакцинации"
        await seconds.next_event("call.connected", timeout=15)
        # To a group: its queue offers the caller to its operator (operator3, the medical group).
        moved = await second.write("POST", TRANSFER, json={"group_id": groups["Медицинская группа"]})
        assert moved.status_code == 204, moved.text
        offer = await thirds.next_event("call.offered", timeout=15)
        assert offer["data"]["offer"]["group_name"] == "Медицинская группа"
        await thirds.next_event("call.connected", timeout=15)
        assert (await third.write("POST", "/api/v1/operators/me/call/hang-up")).status_code == 204
    code, output = await caller.finish()
    assert code == 0, output[-3000:]
    (record,) = await ended_calls(hotline)
    assert [leg["role"] for leg in record["legs"]] == ["caller", "operator", "operator", "operator"]


async def test_a_call_to_a_group_reaches_its_free_operator(
    hotline: RunningServer, operator_phone: Any
) -> None:
    groups = await ids(hotline, "groups", "name")
    me, colleague = await hotline.signed_in("operator1"), await hotline.signed_in("operator3")
    await operator_phone(hotline, me, "operator1", 1000)
    await operator_phone(hotline, colleague, "operator3", 1500)
    await ready(me)
    nobody = await me.write(
        "POST", "/api/v1/operators/me/calls", json={"group_id": groups["Медицинская группа"]}
    )
    assert (nobody.status_code, nobody.json()["code"]) == (409, "no_free_operator")
    assert (
        await me.write("POST", "/api/v1/operators/me/calls", json={"service_id": 999999})
    ).status_code == 404
    await ready(colleague)
    async with me.events() as events:
        placed = await me.write(
            "POST", "/api/v1/operators/me/calls", json={"group_id": groups["Медицинская группа"]}
        )
        assert placed.status_code == 201, placed.text
        await events.next_event("call.connected", timeout=20)
        # A consultation to a group where nobody else is free is refused, and the call goes on.
        busy = await me.write(
            "POST", "/api/v1/operators/me/call/consult", json={"group_id": groups["Группа вакцинации"]}
        )
        assert (busy.status_code, busy.json()["code"]) == (409, "no_free_operator")
        assert (await me.write("POST", "/api/v1/operators/me/call/hang-up")).status_code == 204
        await events.next_event("call.ended", timeout=10)
    (internal,) = await ended_calls(hotline, direction="internal")
    assert (internal["status"], internal["called"]) == ("answered", "operator3")


async def test_every_group_and_service_is_offered_as_a_target(server: RunningServer) -> None:
    operator = await server.signed_in("operator5")  # the vaccination group only: still sees them all
    targets = (await operator.http.get("/api/v1/operators/me/call-targets")).json()
    assert [s["name"] for s in targets["services"]] == ["Контакт-центр вакцинации", "Служба 122"]
    assert {g["name"] for g in targets["groups"]} == {
        "Справочная группа",
        "Медицинская группа",
        "Группа вакцинации",
    }
    assert (await server.client().get("/api/v1/operators/me/call-targets")).status_code == 401
