"""A restart in mid-shift forgets nothing; the queue and group settings and memberships are
administered over the API, refused per field when wrong, and reach the running ACD."""

from __future__ import annotations

from dataclasses import asdict

from c122.domain.users import CONSOLE
from c122.services.contact_center import ContactCenter
from c122.services.contact_center.queue_figures import WaitingCallBoard
from c122.services.events import OutboundEvent
from tests.integration.contact_center.test_operator_desk import (
    REFERENCE_QUEUE,
    queue_ids,
    set_state,
    simulator,
    state,
)
from tests.integration.contact_center.test_queues_and_seniors import user_ids
from tests.support.server import RunningServer
from tests.support.statements import statements_sent


class Discard:
    """An event publisher for the second process in the restart test; its events are not under test."""

    def publish(self, event: OutboundEvent) -> None:
        pass


async def test_a_restart_in_mid_shift_recovers_states_timers_and_queue_order(server: RunningServer) -> None:
    operator1 = await server.signed_in("operator1")
    operator2 = await server.signed_in("operator2")
    queue_id = (await queue_ids(operator1))[REFERENCE_QUEUE]
    await set_state(operator1, "ready")
    await set_state(operator2, "ready")
    assert (await set_state(operator2, "on_break", reason="lunch")).status_code == 200
    source = simulator(server)
    talking = await source.place_call(queue_id)
    await operator1.write("POST", f"/api/v1/operators/me/offers/{talking}/accept")
    writer = server.application.uow_factory.writer  # the ACD stores its decisions over its own connection
    assert writer is not None
    with statements_sent(writer) as statements:
        waiting = [await source.place_call(queue_id, priority=p) for p in (0, 1, 0)]
        server.clock.advance(40)
        await source.caller_hangs_up(talking)  # operator1 now in a 30 s wrap-up
    # changed ACD records and the meta row are written over, not deleted and inserted again
    assert not [s for s in statements if s.startswith("DELETE FROM acd_meta")]
    assert [s for s in statements if s.startswith("INSERT INTO acd_records") and "ON CONFLICT" in s]
    before = server.application.contact_center
    queue_before = asdict(await before.queue(CONSOLE, queue_id))
    ids = await user_ids(server)

    # A second process on the same database, as after a crash: nothing is shared but the rows.
    after = ContactCenter(server.application.uow_factory, server.clock, Discard(), WaitingCallBoard())
    await after.start()
    # The callers who left are kept in memory since the process started (the queue log holds them all).
    assert asdict(await after.queue(CONSOLE, queue_id)) == {**queue_before, "left": []}
    for login in ("operator1", "operator2"):
        actor = CONSOLE.__class__(user_id=ids[login], role=CONSOLE.role, group_ids=frozenset())
        assert await after.my_state(actor) == await before.my_state(actor)
    assert [c["call_id"] for c in (queue_before["calls"])] == [waiting[1], waiting[0], waiting[2]]

    server.clock.advance(31)  # the wrap-up timer runs on in the new process
    outcome = await after.tick()
    offered = [o.call_id for o in outcome.offers]
    assert offered == [waiting[1]]
    assert (await state(operator2))["status"] == "on_break"


async def test_queue_settings_are_validated_per_field(server: RunningServer) -> None:
    admin = await server.signed_in("admin")
    queue_id = (await queue_ids(admin))[REFERENCE_QUEUE]
    bad = await admin.write(
        "PATCH",
        f"/api/v1/admin/queues/{queue_id}",
        json={"strategy": "loudest", "ring_timeout_s": 1, "max_length": 0, "wrap_up_s": None},
    )
    assert bad.status_code == 422
    # every problem at once, the null among them (refused by the request's schema)
    paths = {f["path"] for f in bad.json()["fields"]}
    assert paths == {"strategy", "ring_timeout_s", "max_length", "wrap_up_s"}
    null = await admin.write("PATCH", f"/api/v1/admin/queues/{queue_id}", json={"wrap_up_s": None})
    assert null.status_code == 422
    assert null.json()["fields"][0] == {
        "path": "wrap_up_s",
        "code": "null_not_allowed",
        "message": "this setting needs a value",
    }
    good = await admin.write(
        "PATCH",
        f"/api/v1/admin/queues/{queue_id}",
        json={
            "strategy": "ring_all",
            "wrap_up_s": 5,
            "required_skills": ["ru", "med", "ru"],
            "max_wait_s": 300,
        },
    )
    assert good.status_code == 200, good.text
    body = good.json()
    assert (body["strategy"], body["wrap_up_s"], body["required_skills"], body["max_wait_s"]) == (
        "ring_all",
        5,
        ["med", "ru"],
        300,
    )
    groups = (await admin.http.get("/api/v1/admin/groups")).json()["items"]
    group = groups[0]["id"]
    policy = await admin.write(
        "PATCH",
        f"/api/v1/admin/groups/{group}",
        json={"idle_to_away_s": None, "break_allowance": {"lunch": 1800, "Обед": 5}},
    )
    assert policy.status_code == 422
    assert policy.json()["fields"][0]["path"].startswith("break_allowance")


async def test_memberships_decide_who_is_offered_a_queues_calls(server: RunningServer) -> None:
    admin = await server.signed_in("admin")
    ids = await user_ids(server)
    queue_id = (await queue_ids(admin))[REFERENCE_QUEUE]
    members = (await admin.http.get(f"/api/v1/admin/queues/{queue_id}/members")).json()["members"]
    assert ids["operator1"] in {m["user_id"] for m in members}
    refused = await admin.write(
        "PUT",
        f"/api/v1/admin/queues/{queue_id}/members",
        json={"members": [{"user_id": ids["admin"]}, {"user_id": 999999}]},
    )
    assert refused.status_code == 422
    assert [f["path"] for f in refused.json()["fields"]] == ["members.0.user_id", "members.1.user_id"]
    changed = await admin.write(
        "PUT",
        f"/api/v1/admin/queues/{queue_id}/members",
        json={"members": [{"user_id": ids["operator2"], "level": 1, "position": 0}]},
    )
    assert changed.status_code == 200, changed.text
    operator1 = await server.signed_in("operator1")
    operator2 = await server.signed_in("operator2")
    await set_state(operator1, "ready")
    await set_state(operator2, "ready")
    call_id = await simulator(server).place_call(queue_id)
    assert (await state(operator1))["status"] == "ready"  # no longer a member
    assert (await state(operator2))["offer"]["call_id"] == call_id
    skills = await admin.write(
        "PUT", f"/api/v1/admin/users/{ids['operator2']}/skills", json={"skills": ["ru"]}
    )
    assert skills.json() == {"user_id": ids["operator2"], "skills": ["ru"]}
    operator_refused = await operator1.http.get(f"/api/v1/admin/queues/{queue_id}/members")
    assert operator_refused.status_code == 403
