"""The senior's operators board over a real server: a snapshot of their own groups' operators, kept
live by `operator.state_changed` (state, counts, the call they are on); forced logout's refusals."""

from __future__ import annotations

from tests.integration.contact_center.test_operator_desk import (
    REFERENCE_QUEUE,
    queue_ids,
    set_state,
    simulator,
)
from tests.integration.contact_center.test_queues_and_seniors import user_ids
from tests.support.server import RunningServer


async def board(client: object) -> dict[str, object]:
    response = await client.http.get("/api/v1/supervision/operators")  # type: ignore[attr-defined]
    assert response.status_code == 200, response.text
    result: dict[str, object] = response.json()
    return result


def row(snapshot: dict[str, object], login: str) -> dict[str, object]:
    operators = snapshot["operators"]
    assert isinstance(operators, list)
    return next(o for o in operators if o["login"] == login)


async def test_a_senior_sees_the_operators_of_their_groups_only(server: RunningServer) -> None:
    senior = await server.signed_in("senior1")  # reference and medical groups
    snapshot = await board(senior)
    logins = {o["login"] for o in snapshot["operators"]}  # type: ignore[attr-defined]
    assert "operator1" in logins
    assert "operator5" not in logins  # vaccination group
    assert "senior1" not in logins  # not themself
    names = {g["name"] for g in snapshot["groups"]}  # type: ignore[attr-defined]
    assert "Справочная группа" in names
    assert "Группа вакцинации" not in names
    admin_board = await board(await server.signed_in("admin"))
    assert "operator5" in {o["login"] for o in admin_board["operators"]}  # type: ignore[attr-defined]


async def test_operators_may_not_open_the_board(server: RunningServer) -> None:
    operator = await server.signed_in("operator1")
    response = await operator.http.get("/api/v1/supervision/operators")
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


async def test_the_board_shows_the_call_and_the_shift_counts_and_events_keep_it_live(
    server: RunningServer,
) -> None:
    senior = await server.signed_in("senior1")
    operator = await server.signed_in("operator1")
    queue_id = (await queue_ids(senior))[REFERENCE_QUEUE]
    source = simulator(server)
    async with senior.events() as stream:
        await stream.receive()
        await set_state(operator, "ready")
        change = await stream.next_event("operator.state_changed")
        assert (change["data"]["status"], change["data"]["calls_answered"]) == ("ready", 0)
        missed = await source.place_call(queue_id, caller="+79990001122")
        ringing = await stream.next_event("operator.state_changed")
        assert ringing["data"]["call"]["caller"] == "+79990001122"
        await operator.write("POST", f"/api/v1/operators/me/offers/{missed}/reject")
        rejected = await stream.next_event("operator.state_changed")
        assert rejected["data"]["calls_missed"] == 1
    assert row(await board(senior), "operator1")["call"] is None
    # The missed call is kept away from this operator for a while: the next caller is offered.
    taken = await source.place_call(queue_id, caller="+79990003344")
    accepted = await operator.write("POST", f"/api/v1/operators/me/offers/{taken}/accept")
    assert accepted.status_code == 200, accepted.text
    snapshot = await board(senior)
    mine = row(snapshot, "operator1")
    assert (mine["status"], mine["calls_answered"], mine["calls_missed"]) == ("on_call", 0, 1)
    call = mine["call"]
    assert isinstance(call, dict)
    assert (call["caller"], call["queue_id"], call["direction"]) == ("+79990003344", queue_id, "inbound")
    assert mine["audio"] == {"mode": "browser", "registered": None}
    await source.caller_hangs_up(taken)  # a call counts as answered once it is over
    after = row(await board(senior), "operator1")
    assert (after["status"], after["calls_answered"], after["call"]) == ("wrap_up", 1, None)


async def test_a_break_begun_after_the_board_loaded_carries_its_allowance(server: RunningServer) -> None:
    senior = await server.signed_in("senior1")
    operator = await server.signed_in("operator1")
    await set_state(operator, "ready")
    async with senior.events() as stream:
        await stream.receive()
        await set_state(operator, "on_break", reason="break")
        on_break = await stream.next_event("operator.state_changed")
        # The board highlights a break longer than allowed without reloading (defaults: break 15 min).
        assert (on_break["data"]["status"], on_break["data"]["break_limit_s"]) == ("on_break", 15 * 60)
        await set_state(operator, "ready")
        back = await stream.next_event("operator.state_changed")
        assert back["data"]["break_limit_s"] is None


async def test_forced_logout_refuses_oneself_an_admin_and_another_group(server: RunningServer) -> None:
    senior = await server.signed_in("senior1")
    ids = await user_ids(server)
    cases = [
        (ids["senior1"], "self_target"),
        (ids["admin"], "admin_target"),
        (ids["operator5"], "forbidden"),
    ]
    for user_id, code in cases:
        path = f"/api/v1/operators/{user_id}/force-logout"
        response = await senior.write("POST", path, json={"reason": "x"})
        assert response.status_code == 403, response.text
        assert response.json()["code"] == code


async def test_the_forced_out_operator_is_told_the_reason(server: RunningServer) -> None:
    senior = await server.signed_in("senior1")
    operator = await server.signed_in("operator1")
    ids = await user_ids(server)
    async with operator.events() as stream:
        await stream.receive()
        forced = await senior.write(
            "POST", f"/api/v1/operators/{ids['operator1']}/force-logout", json={"reason": "смена окончена"}
        )
        assert forced.status_code == 200, forced.text
        closed = await stream.receive()
        while closed["kind"] != "closed":
            closed = await stream.receive()
    assert closed["message"] == "смена окончена"
    async with server.application.uow_factory() as uow:
        entries = await uow.audit.entries("user")
    logged = [e for e in entries if e.action == "force_logout" and e.entity_id == str(ids["operator1"])]
    assert [e.detail for e in logged] == [{"reason": "смена окончена"}]


async def test_moving_an_answered_caller_is_a_conflict_and_removing_twice_finds_no_caller(
    server: RunningServer,
) -> None:
    senior = await server.signed_in("senior1")
    operator = await server.signed_in("operator1")
    queue_id = (await queue_ids(senior))[REFERENCE_QUEUE]
    source = simulator(server)
    await set_state(operator, "ready")
    answered = await source.place_call(queue_id)
    await operator.write("POST", f"/api/v1/operators/me/offers/{answered}/accept")
    for body, path in (({"to": "head"}, "move"), ({}, "remove")):
        refused = await senior.write("POST", f"/api/v1/calls/{answered}/{path}", json=body)
        assert refused.status_code == 409, refused.text
        assert refused.json()["code"] == "call_answered"
    waiting = await source.place_call(queue_id)
    first = await senior.write("POST", f"/api/v1/calls/{waiting}/remove", json={})
    assert first.status_code == 204, first.text
    again = await senior.write("POST", f"/api/v1/calls/{waiting}/remove", json={})
    assert again.status_code == 404
    assert again.json()["code"] == "unknown_call"
