"""The senior's operators board over a real server: a snapshot of their own groups' operators, kept
live by `operator.state_changed` (state, counts, the call they are on, the case in work) and
`operator.case_changed`; forced logout's refusals."""

from __future__ import annotations

import pytest

from c122.domain.cases import HandoverKind
from c122.services.contact_center.ports import OfferContext
from tests.integration.contact_center.test_operator_desk import (
    REFERENCE_QUEUE,
    queue_ids,
    set_state,
    simulator,
)
from tests.integration.contact_center.test_queues_and_seniors import user_ids
from tests.support.polling import until
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


async def threshold(senior: object) -> object:
    return row(await board(senior), "operator1")["long_call_s"]


async def test_the_board_marks_long_calls_by_the_groups_own_threshold(server: RunningServer) -> None:
    admin = await server.signed_in("admin")
    groups = (await admin.http.get("/api/v1/admin/groups")).json()["items"]
    reference = next(g for g in groups if g["name"] == "Справочная группа")
    assert reference["long_call_s"] == 600  # the default: ten minutes
    senior = await server.signed_in("senior1")
    assert row(await board(senior), "operator1")["long_call_s"] == 600
    changed = await admin.write("PATCH", f"/api/v1/admin/groups/{reference['id']}", json={"long_call_s": 240})
    assert changed.status_code == 200, changed.text
    # the running call distribution re-reads its setup on the change, a moment later
    await until(lambda: threshold(senior), lambda seconds: seconds == 240)
    off = await admin.write("PATCH", f"/api/v1/admin/groups/{reference['id']}", json={"long_call_s": None})
    assert off.status_code == 200, off.text
    await until(lambda: threshold(senior), lambda seconds: seconds is None)
    refused = await admin.write("PATCH", f"/api/v1/admin/groups/{reference['id']}", json={"long_call_s": -5})
    assert refused.status_code == 422, refused.text


async def test_a_held_call_is_marked_on_the_board(server: RunningServer) -> None:
    senior = await server.signed_in("senior1")
    operator = await server.signed_in("operator1")
    operator_id = (await operator.http.get("/api/v1/me")).json()["id"]
    queue_id = (await queue_ids(senior))[REFERENCE_QUEUE]
    source = simulator(server)
    await set_state(operator, "ready")
    call_id = await source.place_call(queue_id, caller="+79990005566")
    await operator.write("POST", f"/api/v1/operators/me/offers/{call_id}/accept")
    center = server.application.contact_center
    async with senior.events() as stream:
        await stream.receive()
        # What the call flow does when the operator holds (these tests run no telephony).
        center.call_held(call_id, True)
        held = await stream.next_event("operator.call_held")
        assert held["data"] == {"user_id": operator_id, "call_id": call_id, "held": True}
    call = row(await board(senior), "operator1")["call"]
    assert isinstance(call, dict)
    assert call["held"] is True
    center.call_held(call_id, False)
    call = row(await board(senior), "operator1")["call"]
    assert isinstance(call, dict)
    assert call["held"] is False


async def test_the_case_in_work_shows_on_the_board_through_the_call_and_its_wrap_up(
    server: RunningServer,
) -> None:
    senior = await server.signed_in("senior1")  # reference and medical groups
    outsider = await server.signed_in("operator5")  # another group: told nothing
    operator = await server.signed_in("operator1")
    queue_id = (await queue_ids(senior))[REFERENCE_QUEUE]
    source = simulator(server)
    async with server.application.uow_factory() as uow:
        info = await uow.case_types.find({"code": "info"})
        other = await uow.case_types.find({"code": "other"})
        reference = await uow.groups.find({"name": "Справочная группа"})
        me = await uow.users.find({"login": "operator1"})
    assert info is not None
    assert other is not None
    assert reference is not None
    assert me is not None
    await set_state(operator, "ready")
    call_id = await source.place_call(queue_id, caller="+79990007788")
    # What the call flow does (these tests run no telephony): the card opened when the call queued,
    # handed to the operator who answers.
    cards = server.application.context.cases.calls
    case = await cards.create_case_for_call(
        caller="+79990007788", type_id=info.id, call_id=call_id, group_id=reference.id
    )
    assert row(await board(senior), "operator1")["case"] is None  # ringing: no case in work yet
    await operator.write("POST", f"/api/v1/operators/me/offers/{call_id}/accept")
    async with senior.events() as stream, outsider.events() as elsewhere:
        await stream.receive()
        await elsewhere.receive()
        await cards.call_taken(call_id, me.id, kind=HandoverKind.ANSWERED)
        changed = await stream.next_event("operator.case_changed")
        expected = {"case_id": case.id, "name": case.name, "number": case.number, "type_name": info.name}
        assert changed["data"] == {"user_id": me.id, "call_id": call_id, "case": expected}
        assert row(await board(senior), "operator1")["case"] == expected

        # The operator changes the card's type during the call: the board follows.
        card = (await operator.http.get(f"/api/v1/cases/{case.id}")).json()
        patched = await operator.write(
            "PATCH",
            f"/api/v1/cases/{case.id}",
            json={
                "version": card["case"]["version"],
                "changes": {"type_id": other.id},
                "base": {"type_id": info.id},
            },
        )
        assert patched.status_code == 200, patched.text
        retyped = await stream.next_event("operator.case_changed")
        assert retyped["data"]["case"] == {**expected, "type_name": other.name}

        # Wrap-up keeps it; the operator's next state does not.
        await source.caller_hangs_up(call_id)
        wrap_up = await stream.next_event("operator.state_changed")
        assert (wrap_up["data"]["status"], wrap_up["data"]["case"]) == (
            "wrap_up",
            {**expected, "type_name": other.name},
        )
        assert row(await board(senior), "operator1")["case"] == {**expected, "type_name": other.name}
        await set_state(operator, "ready")
        ready = await stream.next_event("operator.state_changed")
        assert (ready["data"]["status"], ready["data"]["case"]) == ("ready", None)
        with pytest.raises(TimeoutError):
            await elsewhere.next_event("operator.case_changed", timeout=0.5)
    assert row(await board(senior), "operator1")["case"] is None
    assert call_id not in server.application.contact_center._cases  # nothing kept for a finished call


async def test_the_queues_board_shows_the_ivr_choice_and_why_each_caller_left(server: RunningServer) -> None:
    senior = await server.signed_in("senior1")
    operator = await server.signed_in("operator1")
    senior_id = (await senior.http.get("/api/v1/me")).json()["id"]
    queue_id = (await queue_ids(senior))[REFERENCE_QUEUE]
    center = server.application.contact_center
    source = simulator(server)
    # Callers as the call flow queues them after the menu (these tests run no telephony).
    for n, choice in ((1, "main_menu:1"), (2, None), (3, "main_menu:1"), (4, "main_menu:0")):
        context = OfferContext("+78001220122", "Служба 122", ivr_choice=choice)
        await center.enqueue(f"ivr-{n}", queue_id, f"+7999000000{n}", context=context)
    live = (await senior.http.get(f"/api/v1/queues/{queue_id}")).json()
    assert [(c["call_id"], c["ivr_choice"]) for c in live["calls"]] == [
        ("ivr-1", "main_menu:1"),
        ("ivr-2", None),
        ("ivr-3", "main_menu:1"),
        ("ivr-4", "main_menu:0"),
    ]
    too_long = await senior.write("POST", "/api/v1/calls/ivr-1/remove", json={"reason": "x" * 501})
    assert too_long.status_code == 422, too_long.text
    removed = await senior.write("POST", "/api/v1/calls/ivr-1/remove", json={"reason": "Хулиганский звонок"})
    assert removed.status_code == 204, removed.text
    sent = await senior.write("POST", "/api/v1/calls/ivr-2/remove", json={"destination": "+74951234567"})
    assert sent.status_code == 204, sent.text
    await source.caller_hangs_up("ivr-3")  # gave up waiting
    await set_state(operator, "ready")
    await until(
        lambda: operator.http.get("/api/v1/operators/me/state"), lambda r: r.json()["offer"] is not None
    )
    answered = await operator.write("POST", "/api/v1/operators/me/offers/ivr-4/accept")
    assert answered.status_code == 200, answered.text

    live = (await senior.http.get(f"/api/v1/queues/{queue_id}")).json()
    assert live["calls"] == []
    left = {c["call_id"]: c for c in live["left"]}
    assert [c["call_id"] for c in live["left"]] == ["ivr-4", "ivr-3", "ivr-2", "ivr-1"]  # the latest first
    assert {k: left["ivr-1"][k] for k in ("caller", "reason", "removed_by", "note", "ivr_choice")} == {
        "caller": "+79990000001",
        "reason": "removed",
        "removed_by": senior_id,
        "note": "Хулиганский звонок",
        "ivr_choice": "main_menu:1",
    }
    assert (left["ivr-2"]["reason"], left["ivr-2"]["destination"]) == ("transferred", "+74951234567")
    assert (left["ivr-3"]["reason"], left["ivr-4"]["reason"]) == ("abandoned", "answered")
    # Stored: the exit's record in the queue log keeps the senior and their reason.
    async with server.application.uow_factory() as uow:
        log = await uow.acd.queue_log()
    exits = {r.call_id: r for r in log if r.kind.value.startswith("exit_")}
    assert (exits["ivr-1"].kind.value, exits["ivr-1"].operator_id, exits["ivr-1"].note) == (
        "exit_removed",
        str(senior_id),
        "Хулиганский звонок",
    )
    assert (exits["ivr-2"].detail, exits["ivr-2"].note) == ("+74951234567", "")
