"""What a restart ends before it takes new calls (services/restart/service.py), on the stored state a
stopped process left: the ACD's calls whose legs are gone, call records left active, shifts of operators
whose session is gone. Calls of the new process are left alone.

The calls here are the ACD's simulated callers (no telephony: the fault suite in tests/integration/faults
kills a real `serve` process mid-call); the process's death is simulated by running the recovery with
nothing running."""

from __future__ import annotations

from datetime import timedelta

from c122.domain.calls import CallLegRecord, CallRecord
from c122.services.restart import RestartRecovery
from tests.integration.contact_center.test_operator_desk import (
    REFERENCE_QUEUE,
    queue_ids,
    set_state,
    simulator,
    state,
)
from tests.integration.contact_center.test_queues_and_seniors import user_ids
from tests.support.server import RunningServer


def active_record(call_id: str, server: RunningServer, *, connected: bool) -> CallRecord:
    at = server.clock.now() - timedelta(seconds=60)
    return CallRecord(
        id=call_id, direction="inbound", status="active", caller="+79161234567", called="88001220122",
        started_at=at, queued_at=at, connected_at=at + timedelta(seconds=10) if connected else None,
        legs=(CallLegRecord(leg_id=f"{call_id}-leg", kind="sip", role="caller", party="+79161234567",
                            started_at=at),),
    )  # fmt: skip


async def test_a_restart_ends_what_the_stopped_process_left_and_keeps_what_runs_now(
    server: RunningServer,
) -> None:
    ids = await user_ids(server)
    operator1 = await server.signed_in("operator1")
    operator2 = await server.signed_in("operator2")
    operator3 = await server.signed_in("operator3")
    queue_id = (await queue_ids(operator1))[REFERENCE_QUEUE]
    center = server.application.contact_center
    source = simulator(server)
    await set_state(operator1, "ready")
    talking = await source.place_call(queue_id)
    assert (await operator1.write("POST", f"/api/v1/operators/me/offers/{talking}/accept")).status_code == 200
    await set_state(operator2, "ready")
    await center.dial_for(ids["operator2"], "out-placed")  # a call operator2 placed themselves
    waiting = await source.place_call(queue_id)
    running_now = await source.place_call(queue_id)  # a call of the new process: not touched
    await set_state(operator3, "ready")
    async with server.application.uow_factory() as uow:  # operator3's session ended while the server was down
        await uow.sessions.revoke_all_for_user(ids["operator3"], server.clock.now(), "expired")
        await uow.commit()
    calls = server.application.context.calls
    await calls.save(active_record(talking, server, connected=True))
    await calls.save(active_record(waiting, server, connected=False))
    await calls.save(active_record(running_now, server, connected=False))

    recovery = RestartRecovery(
        server.application.uow_factory, server.clock, center, calls, timedelta(minutes=720)
    )
    recovered = await recovery.run(lambda: frozenset({running_now}))

    assert (recovered.records_closed, recovered.shifts_ended) == (2, 1)
    await center.tick()  # freed without a wrap-up: nobody is blamed for a call the hotline lost
    statuses = {(await state(operator1))["status"], (await state(operator2))["status"]}
    assert statuses == {"ready", "offered"}  # one of them is offered the live caller
    queue = (await operator1.http.get(f"/api/v1/queues/{queue_id}")).json()
    assert [c["call_id"] for c in queue["calls"]] == [running_now]
    admin = await server.signed_in("admin")
    journal = {c["id"]: c for c in (await admin.http.get("/api/v1/calls")).json()["items"]}
    assert (journal[talking]["status"], journal[talking]["end_cause"]) == ("answered", "system_restart")
    assert (journal[waiting]["status"], journal[waiting]["end_cause"]) == ("failed", "system_restart")
    assert journal[running_now]["status"] == "active"
    actor3 = await server.signed_in("operator3")
    assert (await state(actor3))["status"] == "offline"

    again = await recovery.run(lambda: frozenset({running_now}))  # nothing left to end
    assert (again.records_closed, again.calls_dropped, again.shifts_ended) == (0, 0, 0)
