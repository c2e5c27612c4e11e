"""A conference's organiser and its refusals (TEL-21), with a SIPp caller and baresip phones: a
colleague on a call is refused as for a consultation (409 `colleague_busy`); a removed party's phone is
hung up; the organiser leaving hands the conference to the colleague in it (the call is theirs, the
organiser goes to wrap-up), who ends it for everyone."""

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
LOGINS = ("operator1", "operator2", "operator3", "operator4", "operator5")


async def test_a_busy_colleague_is_refused_a_removed_party_leaves_and_the_organiser_hands_over(
    hotline: RunningServer, caller: HotlineCaller, operator_phone: Any
) -> None:
    await put_menu_on_main_line(hotline, await info_queue_id(hotline))
    desks = {login: await hotline.signed_in(login) for login in LOGINS}
    ids = {login: await user_id(hotline, login) for login in LOGINS}
    for n, login in enumerate(LOGINS):
        await operator_phone(hotline, desks[login], login, 1000 + 300 * n)
    organiser, successor = desks["operator1"], desks["operator3"]

    async def state(login: str) -> str:
        found: str = (await desks[login].http.get("/api/v1/operators/me/state")).json()["status"]
        return found

    async with organiser.events() as mine, successor.events() as theirs:
        assert (
            await organiser.write("PUT", "/api/v1/operators/me/state", json={"status": "ready"})
        ).is_success
        await caller.call(hotline, "hotline_caller_hung_up.xml", digits="1", listen_ms=2500, wait_ms=60000)
        call_id = (await mine.next_event("call.connected", timeout=20))["data"]["call_id"]
        for login in LOGINS[1:]:
            assert (
                await desks[login].write("PUT", "/api/v1/operators/me/state", json={"status": "ready"})
            ).is_success
        # Operator 2 calls operator 4: both are on a call.
        placed = await desks["operator2"].write(
            "POST", "/api/v1/operators/me/calls", json={"user_id": ids["operator4"]}
        )
        assert placed.status_code == 201, placed.text
        await until(lambda: state("operator4"), lambda s: s == "on_call")

        assert (await organiser.write("POST", CONF)).status_code == 201
        busy = await organiser.write("POST", f"{CONF}/parties", json={"user_id": ids["operator2"]})
        assert (busy.status_code, busy.json()["code"]) == (409, "colleague_busy"), busy.text
        yourself = await organiser.write("POST", f"{CONF}/parties", json={"user_id": ids["operator1"]})
        assert yourself.status_code == 422, yourself.text
        bad = await organiser.write(
            "POST", f"{CONF}/parties", json={"user_id": ids["operator3"], "number": "1"}
        )
        assert bad.status_code == 422, bad.text
        parties = {}
        for login in ("operator3", "operator5"):
            invited = await organiser.write("POST", f"{CONF}/parties", json={"user_id": ids[login]})
            assert invited.status_code == 201, invited.text
            parties[login] = invited.json()["party_id"]
        twice = await organiser.write("POST", f"{CONF}/parties", json={"user_id": ids["operator3"]})
        assert (twice.status_code, twice.json()["code"]) == (409, "already_in_conference")

        async def conference(desk: Any = organiser) -> dict[str, Any] | None:
            found: dict[str, Any] | None = (await desk.http.get(CONF)).json()
            return found

        await until(
            conference, lambda c: c is not None and sum(p["state"] == "joined" for p in c["parties"]) == 4
        )
        assert await state("operator5") == "on_call"  # held from offers while in the conference
        not_organiser = await successor.write("POST", f"{CONF}/end")
        assert (not_organiser.status_code, not_organiser.json()["code"]) == (409, "no_call")

        removed = await organiser.write("DELETE", f"{CONF}/parties/{parties['operator5']}")
        assert removed.status_code == 204, removed.text
        left = await until(conference, lambda c: c is not None and len(c["parties"]) == 3)
        assert [p["role"] for p in left["parties"]] == ["caller", "organiser", "guest"]
        await until(lambda: state("operator5"), lambda s: s == "ready")  # let go at once

        # The organiser leaves: operator 3 takes the conference (and the call) over.
        assert (await organiser.write("POST", f"{CONF}/leave")).status_code == 204
        ended = (await mine.next_event("call.ended", timeout=10))["data"]
        assert (ended["call_id"], ended["cause"]) == (call_id, "conference_left")
        await theirs.next_event("call.connected", timeout=10)
        taken = await until(
            lambda: conference(successor), lambda c: c is not None and c["organiser_id"] == ids["operator3"]
        )
        assert [p["role"] for p in taken["parties"]] == ["organiser", "caller"]
        assert await conference(organiser) is None
        assert await state("operator1") == "wrap_up"
        assert (await successor.write("POST", f"{CONF}/end")).status_code == 204
        await theirs.next_event("call.ended", timeout=10)
    code, output = await caller.finish()
    assert code == 0, output[-3000:]
    (record,) = await ended_calls(hotline, direction="inbound")
    assert record["operator_id"] == ids["operator3"]
    assert record["end_cause"] == "conference_ended"
    roles = [(leg["role"], leg["party"]) for leg in record["legs"]]
    assert ("consultant", str(ids["operator5"])) in roles
    assert ("consultant", str(ids["operator3"])) in roles
