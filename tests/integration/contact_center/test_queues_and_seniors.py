"""Live queues and the senior's actions over a real server: what each role sees, what a senior may do
in their groups, and the refusals across groups."""

from __future__ import annotations

import asyncio

from tests.integration.contact_center.test_operator_desk import (
    REFERENCE_QUEUE,
    VACCINATION_QUEUE,
    queue_ids,
    set_state,
    simulator,
    state,
)
from tests.support.server import RunningServer


async def user_ids(server: RunningServer) -> dict[str, int]:
    admin = await server.signed_in("admin")
    users = (await admin.http.get("/api/v1/admin/users", params={"limit": 100})).json()["items"]
    return {user["login"]: user["id"] for user in users}


async def test_operators_see_only_the_queues_of_their_groups(server: RunningServer) -> None:
    vaccination = await server.signed_in("operator5")
    admin = await server.signed_in("admin")
    all_queues = await queue_ids(admin)
    assert set(all_queues) >= {REFERENCE_QUEUE, VACCINATION_QUEUE}
    assert list(await queue_ids(vaccination)) == [VACCINATION_QUEUE]
    refused = await vaccination.http.get(f"/api/v1/queues/{all_queues[REFERENCE_QUEUE]}")
    assert refused.status_code == 403
    missing = await vaccination.http.get("/api/v1/queues/999999")
    assert missing.status_code == 404


async def test_queue_figures_count_waiting_callers_by_priority_and_staff(server: RunningServer) -> None:
    senior = await server.signed_in("senior1")
    queue_id = (await queue_ids(senior))[REFERENCE_QUEUE]
    source = simulator(server)
    await source.place_call(queue_id, priority=0)
    await source.place_call(queue_id, priority=1)
    server.clock.advance(30)
    await source.place_call(queue_id, priority=0)
    queue = (await senior.http.get(f"/api/v1/queues/{queue_id}")).json()
    assert queue["waiting"] == 3
    assert queue["waiting_by_priority"] == {"1": 1, "0": 2}
    assert queue["longest_wait_s"] == 30
    assert [c["priority"] for c in queue["calls"]] == [1, 0, 0]  # the higher priority goes first
    assert [c["position"] for c in queue["calls"]] == [1, 2, 3]
    assert (queue["available_operators"], queue["logged_in_operators"]) == (0, 0)
    operator = await server.signed_in("operator1")
    await set_state(operator, "ready")
    after = (await senior.http.get(f"/api/v1/queues/{queue_id}")).json()
    assert (after["eligible_operators"], after["logged_in_operators"]) == (1, 1)
    assert after["calls"][0]["ringing"] is True


async def test_a_senior_moves_a_waiting_call_to_the_head_then_removes_it(server: RunningServer) -> None:
    senior = await server.signed_in("senior1")
    queue_id = (await queue_ids(senior))[REFERENCE_QUEUE]
    source = simulator(server)
    first = await source.place_call(queue_id)
    second = await source.place_call(queue_id)
    last = await source.place_call(queue_id)
    async with senior.events() as stream:
        await stream.receive()
        moved = await senior.write("POST", f"/api/v1/calls/{last}/move", json={"to": "head"})
        assert moved.status_code == 204, moved.text
        # queue.updated is a coalesced snapshot: an update from before the move may still be on its
        # way, so wait for the picture that shows the move (the timeout fails the test otherwise).
        expected = [last, first, second]
        async with asyncio.timeout(5):
            while True:
                update = await stream.next_event("queue.updated")
                if [c["call_id"] for c in update["data"]["queue"]["calls"]] == expected:
                    break
    tail = await senior.write("POST", f"/api/v1/calls/{last}/move", json={"to": "tail"})
    assert tail.status_code == 204
    queue = (await senior.http.get(f"/api/v1/queues/{queue_id}")).json()
    assert [c["call_id"] for c in queue["calls"]] == [first, second, last]
    removed = await senior.write(
        "POST", f"/api/v1/calls/{first}/remove", json={"destination": "+78001220123"}
    )
    assert removed.status_code == 204
    queue = (await senior.http.get(f"/api/v1/queues/{queue_id}")).json()
    assert [c["call_id"] for c in queue["calls"]] == [second, last]
    async with server.application.uow_factory() as uow:
        log = await uow.acd.queue_log()
    exits = [r for r in log if r.kind.value == "exit_removed"]
    assert [(r.call_id, r.detail) for r in exits] == [(first, "+78001220123")]


async def test_senior_actions_outside_their_groups_are_refused(server: RunningServer) -> None:
    senior = await server.signed_in("senior1")  # reference and medical groups
    admin = await server.signed_in("admin")
    queue_id = (await queue_ids(admin))[VACCINATION_QUEUE]
    call_id = await simulator(server).place_call(queue_id)
    ids = await user_ids(server)
    for path, body in [
        (f"/api/v1/calls/{call_id}/move", {"to": "head"}),
        (f"/api/v1/calls/{call_id}/remove", {}),
        (f"/api/v1/operators/{ids['operator5']}/block", {"note": "проверка"}),
        (f"/api/v1/operators/{ids['operator5']}/unblock", None),
    ]:
        response = await senior.write("POST", path, json=body)
        assert response.status_code == 403, (path, response.text)
        assert response.json()["code"] == "out_of_scope"
    groups = (await admin.http.get("/api/v1/admin/groups")).json()["items"]
    vaccination_group = next(g["id"] for g in groups if g["name"] == "Группа вакцинации")
    response = await senior.write(
        "POST", f"/api/v1/groups/{vaccination_group}/block", json={"note": "учения"}
    )
    assert response.status_code == 403
    queue = (await admin.http.get(f"/api/v1/queues/{queue_id}")).json()
    assert [c["call_id"] for c in queue["calls"]] == [call_id]  # nothing changed


async def test_operators_may_not_act_as_seniors(server: RunningServer) -> None:
    operator = await server.signed_in("operator1")
    ids = await user_ids(server)
    response = await operator.write("POST", f"/api/v1/operators/{ids['operator2']}/block", json={"note": "x"})
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


async def test_a_senior_blocks_an_operator_with_a_reason_and_unblocks_them(server: RunningServer) -> None:
    senior = await server.signed_in("senior1")
    operator = await server.signed_in("operator1")
    ids = await user_ids(server)
    await set_state(operator, "ready")
    no_reason = await senior.write("POST", f"/api/v1/operators/{ids['operator1']}/block", json={"note": " "})
    assert no_reason.status_code == 422
    blocked = await senior.write(
        "POST", f"/api/v1/operators/{ids['operator1']}/block", json={"note": "разбор"}
    )
    assert blocked.status_code == 204, blocked.text
    mine = await state(operator)
    assert (mine["status"], mine["note"]) == ("blocked", "разбор")
    refused = await set_state(operator, "ready")
    assert refused.status_code == 409
    await senior.write("POST", f"/api/v1/operators/{ids['operator1']}/unblock")
    assert (await state(operator))["status"] == "ready"


async def test_a_group_block_holds_its_operators_and_those_who_start_later(server: RunningServer) -> None:
    senior = await server.signed_in("senior1")
    admin = await server.signed_in("admin")
    groups = (await admin.http.get("/api/v1/admin/groups")).json()["items"]
    reference = next(g["id"] for g in groups if g["name"] == "Справочная группа")
    operator1 = await server.signed_in("operator1")
    await set_state(operator1, "ready")
    blocked = await senior.write("POST", f"/api/v1/groups/{reference}/block", json={"note": "учения"})
    assert blocked.status_code == 204, blocked.text
    assert (await state(operator1))["status"] == "blocked"
    operator2 = await server.signed_in("operator2")
    assert (await set_state(operator2, "ready")).json()["status"] == "blocked"
    await senior.write("POST", f"/api/v1/groups/{reference}/unblock")
    assert (await state(operator1))["status"] == "ready"
    assert (await state(operator2))["status"] == "ready"


async def test_a_forced_logout_by_a_senior_also_ends_the_shift(server: RunningServer) -> None:
    senior = await server.signed_in("senior1")
    operator = await server.signed_in("operator1")
    ids = await user_ids(server)
    await set_state(operator, "ready")
    forced = await senior.write("POST", f"/api/v1/operators/{ids['operator1']}/force-logout")
    assert forced.status_code == 200, forced.text
    async with server.application.uow_factory() as uow:
        log = await uow.acd.state_log(ids["operator1"])
    assert [(r.new_status, r.trigger) for r in log][-1] == ("offline", "force_logout")
    again = await server.signed_in("operator1")
    assert (await state(again))["status"] == "offline"


async def test_queue_kpis_are_recomputed_from_the_queue_log_with_the_definitions_asked_for(
    server: RunningServer,
) -> None:
    senior = await server.signed_in("senior1")
    operator = await server.signed_in("operator1")
    queue_id = (await queue_ids(senior))[REFERENCE_QUEUE]
    source = simulator(server)
    start = server.clock.now().isoformat()
    answered = await source.place_call(queue_id)  # waits 10 s, talks 100 s
    server.clock.advance(10)
    await set_state(operator, "ready")
    await operator.write("POST", f"/api/v1/operators/me/offers/{answered}/accept")
    await set_state(operator, "on_break", reason="break")  # kept until the wrap-up ends
    gave_up = await source.place_call(queue_id)  # hangs up after 30 s
    short = await source.place_call(queue_id)  # hangs up after 2 s: a short abandon
    server.clock.advance(2)
    await source.caller_hangs_up(short)
    server.clock.advance(28)
    await source.caller_hangs_up(gave_up)
    server.clock.advance(70)
    await source.caller_hangs_up(answered)
    params = {"start": start, "service_level_s": 20, "short_abandon_s": 5}
    kpis = (await senior.http.get(f"/api/v1/queues/{queue_id}/kpis", params=params)).json()
    # N = 1 answered + 2 abandoned = 3; A_T = 1 (10 s); Ab_S = 1 (2 s); longest wait 30 s.
    assert (kpis["offered"], kpis["answered"], kpis["abandoned"], kpis["short_abandoned"]) == (3, 1, 2, 1)
    assert kpis["service_level"] == 0.5  # short abandons ignored: 1 / (3 - 1)
    assert kpis["asa_s"] == 10
    assert kpis["abandon_rate"] == 0.5  # (2 - 1) / (3 - 1)
    assert kpis["longest_wait_s"] == 30
    strict = {**params, "formula": "answered_of_offered", "abandon_rate_ignores_short": "false"}
    counted = (await senior.http.get(f"/api/v1/queues/{queue_id}/kpis", params=strict)).json()
    assert counted["service_level"] == 1 / 3
    assert counted["abandon_rate"] == 2 / 3
    vaccination = await server.signed_in("operator5")
    assert (await vaccination.http.get(f"/api/v1/queues/{queue_id}/kpis")).status_code == 403
    assert (await senior.http.get("/api/v1/queues/999999/kpis")).status_code == 404
    for bad in ({"service_level_s": 0}, {"short_abandon_s": -1}, {"formula": "по-своему"}):
        refused = await senior.http.get(f"/api/v1/queues/{queue_id}/kpis", params=bad)
        assert refused.status_code == 422, (bad, refused.text)
        assert next(iter(bad)) in refused.text
