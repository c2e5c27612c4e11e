"""Policies changed by the administrator apply to the running service without a restart, on SQLite and
PostgreSQL: a queue's wrap-up length changed between two calls gives the next call's wrap-up that
length, and a group's «early ready» turned off refuses «Готов» during the next wrap-up. Calls come from
the simulated call source; the clock is moved by hand."""

from __future__ import annotations

from datetime import datetime

from tests.integration.contact_center.test_operator_desk import (
    REFERENCE_QUEUE,
    queue_ids,
    set_state,
    simulator,
    state,
)
from tests.support.server import Desk, RunningServer


async def _answer_and_end(server: RunningServer, operator: Desk, queue_id: int) -> dict[str, object]:
    """One call offered, accepted and hung up by the caller; the operator's state after it."""
    source = simulator(server)
    call_id = await source.place_call(queue_id)
    accepted = await operator.write("POST", f"/api/v1/operators/me/offers/{call_id}/accept")
    assert accepted.status_code == 200, accepted.text
    server.clock.advance(20)
    await source.caller_hangs_up(call_id)
    return await state(operator)


def _wrap_up_length(after: dict[str, object], server: RunningServer) -> float:
    assert after["status"] == "wrap_up", after
    until = datetime.fromisoformat(str(after["wrap_up_until"]))
    return (until - server.clock.now()).total_seconds()


async def test_wrap_up_length_and_early_ready_changed_on_the_policies_screen_apply_to_the_next_call(
    server: RunningServer,
) -> None:
    admin = await server.signed_in("admin")
    operator = await server.signed_in("operator1")
    queue_id = (await queue_ids(operator))[REFERENCE_QUEUE]
    await set_state(operator, "ready")

    assert _wrap_up_length(await _answer_and_end(server, operator, queue_id), server) == 30
    assert (await set_state(operator, "ready")).status_code == 200  # early ready: allowed by default

    changed = await admin.write("PATCH", f"/api/v1/admin/queues/{queue_id}", json={"wrap_up_s": 8})
    assert changed.status_code == 200, changed.text
    group_id = changed.json()["group_id"]
    early = await admin.write("PATCH", f"/api/v1/admin/groups/{group_id}", json={"early_ready": False})
    assert early.status_code == 200, early.text

    after = await _answer_and_end(server, operator, queue_id)
    assert _wrap_up_length(after, server) == 8
    assert after["early_ready"] is False
    refused = await set_state(operator, "ready")
    assert (refused.status_code, refused.json()["code"]) == (409, "early_ready_forbidden")
    server.clock.advance(9)
    await server.application.contact_center.tick()
    assert (await state(operator))["status"] == "ready"  # the 8 s ran out: ready by the timer

    # A bad value is refused with the field named; the running setting stays.
    bad = await admin.write("PATCH", f"/api/v1/admin/queues/{queue_id}", json={"wrap_up_s": -1})
    assert bad.status_code == 422
    assert [f["path"] for f in bad.json()["fields"]] == ["wrap_up_s"]
    assert _wrap_up_length(await _answer_and_end(server, operator, queue_id), server) == 8
