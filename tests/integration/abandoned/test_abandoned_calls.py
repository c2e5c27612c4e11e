"""The abandoned-calls list over a real server on both databases: callers who hang up while waiting
(simulated by the ACD's call source: no telephony runs here), who sees them, taking one to call back,
and the refusals (another group's entry, an entry gone, one taken by a colleague)."""

from __future__ import annotations

from typing import Any

from tests.integration.contact_center.test_operator_desk import (
    REFERENCE_QUEUE,
    queue_ids,
    set_state,
    simulator,
)
from tests.support.server import Desk, RunningServer


async def abandoned(desk: Desk) -> list[dict[str, Any]]:
    response = await desk.http.get("/api/v1/abandoned-calls")
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()
    return rows


async def take(desk: Desk, entry_id: str) -> Any:
    return await desk.write("POST", f"/api/v1/abandoned-calls/{entry_id}/take")


async def test_operators_of_the_group_see_abandoned_callers_and_one_takes_each(server: RunningServer) -> None:
    operator1 = await server.signed_in("operator1")
    queue_id = (await queue_ids(operator1))[REFERENCE_QUEUE]
    source = simulator(server)
    # Nobody is ready: the callers wait, then hang up (one past the queue's normative 60 s).
    late = await source.place_call(queue_id, caller="+79001112233")
    server.clock.advance(50)
    early = await source.place_call(queue_id, caller="+79004445566")
    server.clock.advance(20)
    await source.caller_hangs_up(late)
    await source.caller_hangs_up(early)

    rows = await abandoned(operator1)
    assert [(r["id"], r["caller"], r["waited_s"], r["over_normative_wait"]) for r in rows] == [
        (late, "+79001112233", 70.0, True),
        (early, "+79004445566", 20.0, False),
    ]
    assert {(r["queue_name"], r["callback"], r["taken_by"]) for r in rows} == {
        (REFERENCE_QUEUE, "open", None)
    }
    assert await abandoned(await server.signed_in("operator5")) == []  # the vaccination group's operator

    outsider = await server.signed_in("operator5")
    refused = await take(outsider, late)
    assert refused.status_code == 403, refused.text
    assert (await take(operator1, "call-nosuchentry")).status_code == 404

    # operator2 is not free: the entry becomes theirs and waits for them; nobody else may take it.
    operator2 = await server.signed_in("operator2")
    claimed = await take(operator2, late)
    assert claimed.status_code == 200, claimed.text
    assert claimed.json() == {"state": "claimed"}
    assert (await take(operator2, late)).json() == {"state": "claimed"}  # again: still theirs
    taken = await take(operator1, late)
    assert taken.status_code == 409
    assert taken.json()["code"] == "callback_taken"
    assert "Петров Алексей Николаевич" in taken.json()["message"]
    row = next(r for r in await abandoned(operator1) if r["id"] == late)
    assert (row["callback"], row["taken_by_name"]) == ("taken", "Петров Алексей Николаевич")

    # operator1 becomes ready: the open entry is offered to them, the taken one is not; one click calls.
    assert (await set_state(operator1, "ready")).status_code == 200
    row = next(r for r in await abandoned(operator1) if r["id"] == early)
    assert row["callback"] == "ringing"
    called = await take(operator1, early)
    assert called.json() == {"state": "calling"}, called.text
    assert [r["id"] for r in await abandoned(operator1)] == [late]

    admin = await server.signed_in("admin")
    audit = (await admin.http.get("/api/v1/admin/audit", params={"entity": "abandoned_call"})).json()["items"]
    actions = [(e["action"], e["entity_id"]) for e in audit]
    assert ("take_callback", early) in actions
    assert ("access_refused", late) in actions  # the other group's attempt


async def test_an_entry_closes_when_the_applicant_calls_again_and_is_answered(server: RunningServer) -> None:
    operator = await server.signed_in("operator1")
    queue_id = (await queue_ids(operator))[REFERENCE_QUEUE]
    source = simulator(server)
    first = await source.place_call(queue_id, caller="+79007778899")
    server.clock.advance(30)
    await source.caller_hangs_up(first)
    operator2 = await server.signed_in("operator2")
    assert (await take(operator2, first)).json() == {"state": "claimed"}  # not free: not called yet
    server.clock.advance(3600)  # past the queue's repeat-call window: a new call, not a resumed place
    again = await source.place_call(queue_id, caller="+79007778899")
    assert [r["id"] for r in await abandoned(operator)] == [first]
    await set_state(operator, "ready")
    accepted = await operator.write("POST", f"/api/v1/operators/me/offers/{again}/accept")
    assert accepted.status_code == 200, accepted.text
    assert await abandoned(operator) == []
