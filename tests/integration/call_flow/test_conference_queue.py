"""A group's conference invitation with nobody free waits in the group's queue (TEL-21, TEL-17), with a
SIPp caller and baresip phones: the desks show it waiting in the queue; the organiser cancels one and it
leaves the ACD; the next is offered by the ACD to the operator who becomes ready and they join; one still
waiting when the conference ends is withdrawn from the queue."""

from __future__ import annotations

from typing import Any

import pytest
from tests.integration.call_flow.conftest import (
    HotlineCaller,
    ended_calls,
    info_queue_id,
    put_menu_on_main_line,
)
from tests.integration.call_flow.test_consultation import user_id
from tests.support.polling import until
from tests.support.server import RunningServer

pytestmark = [pytest.mark.peers, pytest.mark.serial]
CONF = "/api/v1/operators/me/conference"
LOGINS = ("operator1", "operator3", "operator5")


async def group_id(server: RunningServer, name: str) -> int:
    admin = await server.signed_in("admin")
    groups = (await admin.http.get("/api/v1/admin/groups", params={"q": name})).json()["items"]
    return int(next(g["id"] for g in groups if g["name"] == name))


async def test_a_group_invitation_waits_in_the_queue_is_cancelled_offered_and_withdrawn(
    hotline: RunningServer, caller: HotlineCaller, operator_phone: Any
) -> None:
    await put_menu_on_main_line(hotline, await info_queue_id(hotline))
    desks = {login: await hotline.signed_in(login) for login in LOGINS}
    ids = {login: await user_id(hotline, login) for login in LOGINS}
    for n, login in enumerate(LOGINS):
        await operator_phone(hotline, desks[login], login, 1000 + 500 * n)
    vaccination = await group_id(hotline, "Группа вакцинации")  # operator5 only
    medical = await group_id(hotline, "Медицинская группа")  # operator3 and operator4, neither ready
    organiser = desks["operator1"]
    center = hotline.application.contact_center

    async def conference() -> dict[str, Any]:
        found: dict[str, Any] = (await organiser.http.get(CONF)).json()
        return found

    def party(found: dict[str, Any], party_id: str) -> dict[str, Any] | None:
        return next((p for p in found["parties"] if p["id"] == party_id), None)

    async def state(login: str) -> str:
        found: str = (await desks[login].http.get("/api/v1/operators/me/state")).json()["status"]
        return found

    async def invite(group: int) -> str:
        invited = await organiser.write("POST", f"{CONF}/parties", json={"group_id": group})
        assert invited.status_code == 201, invited.text
        party_id: str = invited.json()["party_id"]
        return party_id

    async with organiser.events() as mine:
        assert (
            await organiser.write("PUT", "/api/v1/operators/me/state", json={"status": "ready"})
        ).is_success
        await caller.call(hotline, "hotline_caller_hung_up.xml", digits="1", listen_ms=2500, wait_ms=60000)
        call_id = (await mine.next_event("call.connected", timeout=20))["data"]["call_id"]
        assert (await organiser.write("POST", CONF)).status_code == 201

        # Nobody of the group is free: the invitation waits in its queue, and the organiser cancels it.
        cancelled = await invite(vaccination)
        waiting = await until(conference, lambda c: (party(c, cancelled) or {}).get("state") == "queued")
        assert party(waiting, cancelled)["queue_name"]  # type: ignore[index]
        ticket = f"{call_id}:invitation:{cancelled}"
        await until(lambda: _async(center.holds_call(ticket)), bool)
        assert (await organiser.write("DELETE", f"{CONF}/parties/{cancelled}")).status_code == 204
        await until(conference, lambda c: party(c, cancelled) is None)
        await until(lambda: _async(center.holds_call(ticket)), lambda held: not held)

        # Again; this time operator 5 gets ready: the ACD offers it to them and they join.
        offered = await invite(vaccination)
        await until(conference, lambda c: (party(c, offered) or {}).get("state") == "queued")
        assert await state("operator5") != "on_call"
        assert (
            await desks["operator5"].write("PUT", "/api/v1/operators/me/state", json={"status": "ready"})
        ).is_success
        joined = await until(conference, lambda c: (party(c, offered) or {}).get("state") == "joined")
        assert party(joined, offered)["user_id"] == ids["operator5"]  # type: ignore[index]
        assert await state("operator5") == "on_call"

        # A third waits in the medical group's queue when the organiser ends the conference: withdrawn.
        withdrawn = await invite(medical)
        await until(conference, lambda c: (party(c, withdrawn) or {}).get("state") == "queued")
        assert center.holds_call(f"{call_id}:invitation:{withdrawn}")
        assert (await organiser.write("POST", f"{CONF}/end")).status_code == 204
        await mine.next_event("call.ended", timeout=10)
        await until(
            lambda: _async(center.holds_call(f"{call_id}:invitation:{withdrawn}")), lambda held: not held
        )
        await until(lambda: state("operator5"), lambda s: s != "on_call")
        # Operator 3 became ready after the end: nothing is offered to them.
        assert (
            await desks["operator3"].write("PUT", "/api/v1/operators/me/state", json={"status": "ready"})
        ).is_success
        assert await state("operator3") == "ready"
    code, output = await caller.finish()
    assert code == 0, output[-3000:]
    (record,) = await ended_calls(hotline, direction="inbound")
    assert record["end_cause"] == "conference_ended"
    parties = [(leg["role"], leg["party"]) for leg in record["legs"]]
    assert ("consultant", str(ids["operator5"])) in parties
    assert ("consultant", str(ids["operator3"])) not in parties


async def _async(value: bool) -> bool:
    return value
