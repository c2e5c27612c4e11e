"""A call's case card through the real server, on SQLite and PostgreSQL (TEL-14, OPS-18, OPS-20): found by
the call's id (and refused, audited, to whoever does not see it), handed from operator to operator
with a stored history and a `case.handed_over` to the receiver, marked missed when nobody answered,
joined by a call placed from it; a line's default card type, the «Передать» list of colleagues with
their states; a type change racing another operator's is a conflict."""

from __future__ import annotations

from tests.support.server import RunningServer

from c122.domain.cases import CallFacts, HandoverKind
from c122.domain.users import Actor, Role


async def _type_id(server: RunningServer, code: str) -> int:
    async with server.application.uow_factory() as uow:
        case_type = await uow.case_types.find({"code": code})
    assert case_type is not None
    return case_type.id


async def _user_id(server: RunningServer, login: str) -> int:
    async with server.application.uow_factory() as uow:
        user = await uow.users.find({"login": login})
    assert user is not None
    return user.id


async def _group_id(server: RunningServer, name: str) -> int:
    async with server.application.uow_factory() as uow:
        group = await uow.groups.find({"name": name})
    assert group is not None
    return group.id


async def test_a_call_card_is_found_by_the_call_follows_its_operators_and_a_missed_one_stays_marked(
    server: RunningServer,
) -> None:
    info = await _type_id(server, "info")
    reference = await _group_id(server, "Справочная группа")
    calls = server.application.context.cases.calls
    operator1 = await server.signed_in("operator1")
    operator2 = await server.signed_in("operator2")
    stranger = await server.signed_in("operator5")  # another group
    first, second = await _user_id(server, "operator1"), await _user_id(server, "operator2")

    case = await calls.create_case_for_call(
        caller="+79161234567", type_id=info, call_id="call-a", group_id=reference
    )
    # Opened by the call's id while it rings; a call without a card and a card of another group are
    # the same 404, and the refusal is audited.
    card = (await operator1.http.get("/api/v1/cases/by-call/call-a")).json()
    assert (card["case"]["id"], card["call_ids"], card["handovers"]) == (case.id, ["call-a"], [])
    assert card["applicant"]["phones"] == ["+79161234567"]
    assert (await operator1.http.get("/api/v1/cases/by-call/call-nobody")).status_code == 404
    refused = await stranger.http.get("/api/v1/cases/by-call/call-a")
    assert (refused.status_code, refused.json()["code"]) == (404, "not_found")
    async with server.application.uow_factory() as uow:
        trail = await uow.audit.entries("call")
    refusals = sorted((e.entity_id, e.actor_id) for e in trail if e.action == "access_refused")
    assert refusals == [("call-a", await _user_id(server, "operator5")), ("call-nobody", first)]
    assert all(e.detail == {"wanted": "view_card", "code": "not_found"} for e in trail)

    # Answered by operator1, then put straight through to operator2: the card goes along, operator2's
    # desk is told to open it, and the history names both.
    async with operator2.events() as stream:
        await stream.receive()
        assert await calls.call_taken("call-a", first, kind=HandoverKind.ANSWERED) == case.id
        facts = CallFacts("+79161234567", "+78001220122", "Служба 122")
        await calls.call_taken("call-a", second, kind=HandoverKind.BLIND, from_user_id=first, call=facts)
        handed = await stream.next_event("case.handed_over")
    assert handed["data"] == {
        "user_id": second,
        "case_id": case.id,
        "call_id": "call-a",
        "from_user_id": first,
        "from_name": "Иванова Мария Сергеевна",
        "caller": "+79161234567",
        "service_number": "+78001220122",
        "service_name": "Служба 122",
        "group_name": "Справочная группа",
    }
    card = (await operator2.http.get(f"/api/v1/cases/{case.id}")).json()
    assert card["case"]["operator_id"] == second
    assert [(h["from_name"], h["to_name"], h["kind"]) for h in card["handovers"]] == [
        ("", "Иванова Мария Сергеевна", "answered"),
        ("Иванова Мария Сергеевна", "Петров Алексей Николаевич", "blind"),
    ]
    # Handled calls are never missed.
    await calls.call_missed("call-a")
    assert (await operator2.http.get(f"/api/v1/cases/{case.id}")).json()["case"]["missed"] is False

    # Nobody answered the next call: its card stays, marked missed, in the list and on the card.
    missed = await calls.create_case_for_call(
        caller="+79160000001", type_id=info, call_id="call-b", group_id=reference
    )
    await calls.call_missed("call-b")
    rows = (await operator1.http.get("/api/v1/cases")).json()["items"]
    assert next(r for r in rows if r["id"] == missed.id)["missed"] is True
    assert (await operator1.http.get("/api/v1/cases/by-call/call-b")).json()["case"]["missed"] is True


async def test_a_call_placed_from_a_card_joins_it_and_a_card_out_of_reach_is_refused(
    server: RunningServer,
) -> None:
    info = await _type_id(server, "info")
    operator1 = await server.signed_in("operator1")
    stranger = await server.signed_in("operator5")
    created = await operator1.write("POST", "/api/v1/cases", json={"type_id": info})
    case_id = created.json()["case"]["id"]

    refused = await stranger.write(
        "POST", "/api/v1/operators/me/calls", json={"number": "+74951112233", "case_id": case_id}
    )
    assert (refused.status_code, refused.json()["code"]) == (404, "not_found")
    # (This server runs no telephony: dialling itself answers 409, after the card was checked.)
    no_call = await operator1.write(
        "POST", "/api/v1/operators/me/calls", json={"number": "+74951112233", "case_id": case_id}
    )
    assert no_call.status_code == 409

    reference = await _group_id(server, "Справочная группа")
    actor = Actor(
        user_id=await _user_id(server, "operator1"), role=Role.OPERATOR, group_ids=frozenset({reference})
    )
    await server.application.context.cases.calls.link_placed_call(actor, case_id, "call-out-1")
    card = (await operator1.http.get(f"/api/v1/cases/{case_id}")).json()
    assert card["call_ids"] == ["call-out-1"]
    assert (await operator1.http.get("/api/v1/cases/by-call/call-out-1")).json()["case"]["id"] == case_id


async def test_a_line_default_card_type_is_set_checked_and_cleared_by_the_administrator(
    server: RunningServer,
) -> None:
    admin = await server.signed_in("admin")
    other = await _type_id(server, "other")
    lines = (await admin.http.get("/api/v1/admin/lines")).json()["items"]
    line = next(item for item in lines if item["number"] == "+78001220122")
    assert line["default_case_type_id"] == await _type_id(server, "info")  # the demo's
    path = f"/api/v1/admin/lines/{line['id']}"
    changed = await admin.write("PATCH", path, json={"default_case_type_id": other})
    assert (changed.status_code, changed.json()["default_case_type_id"]) == (200, other)
    unknown = await admin.write("PATCH", path, json={"default_case_type_id": 9999})
    assert unknown.status_code == 422
    assert unknown.json()["fields"][0]["path"] == "default_case_type_id"
    cleared = await admin.write("PATCH", path, json={"default_case_type_id": None})
    assert (cleared.status_code, cleared.json()["default_case_type_id"]) == (200, None)
    operator = await server.signed_in("operator1")
    assert (await operator.write("PATCH", path, json={"default_case_type_id": other})).status_code == 403


async def test_the_transfer_list_shows_the_operators_of_my_groups_on_shift_with_their_states(
    server: RunningServer,
) -> None:
    desks = {
        login: await server.signed_in(login) for login in ("operator1", "operator2", "operator3", "operator4")
    }
    for login in ("operator2", "operator3", "operator4"):
        ready = await desks[login].write("PUT", "/api/v1/operators/me/state", json={"status": "ready"})
        assert ready.status_code == 200, ready.text
    lunch = await desks["operator4"].write(
        "PUT", "/api/v1/operators/me/state", json={"status": "on_break", "reason": "lunch"}
    )
    assert lunch.status_code == 200, lunch.text
    listed = (await desks["operator1"].http.get("/api/v1/operators/me/colleagues")).json()["items"]
    # operator3 serves only the medical group; operator1 themself is not listed.
    assert [(c["login"], c["status"], c["reason"], c["group_names"]) for c in listed] == [
        ("operator4", "on_break", "lunch", ["Справочная группа"]),
        ("operator2", "ready", "", ["Справочная группа"]),
    ]


async def test_a_type_change_racing_another_operators_is_a_conflict_with_the_clash(
    server: RunningServer,
) -> None:
    info, other, doctor = [await _type_id(server, code) for code in ("info", "other", "doctor_home")]
    operator1 = await server.signed_in("operator1")
    operator2 = await server.signed_in("operator2")
    created = (await operator1.write("POST", "/api/v1/cases", json={"type_id": info})).json()
    path = f"/api/v1/cases/{created['case']['id']}"
    first = await operator1.write(
        "PATCH", path, json={"version": 1, "changes": {"type_id": other}, "base": {"type_id": info}}
    )
    assert first.status_code == 200
    clash = await operator2.write(
        "PATCH", path, json={"version": 1, "changes": {"type_id": doctor}, "base": {"type_id": info}}
    )
    assert (clash.status_code, clash.json()["code"]) == (409, "edit_conflict")
    assert clash.json()["clashes"] == [{"path": "type_id", "base": info, "theirs": other, "mine": doctor}]
    assert clash.json()["current"]["case"]["type_id"] == other


async def test_a_renamed_case_type_names_the_next_call_card(server: RunningServer) -> None:
    """The call path keeps the case types it read (no read per call); a change by the administrator
    reaches the next card at once."""
    info = await _type_id(server, "info")
    calls = server.application.context.cases.calls
    before = await calls.create_case_for_call(
        caller="+79161234567", type_id=info, call_id="call-r1", group_id=None
    )
    admin = await server.signed_in("admin")
    renamed = await admin.write("PATCH", f"/api/v1/admin/case-types/{info}", json={"name": "Справка новая"})
    assert renamed.status_code == 200, renamed.text
    after = await calls.create_case_for_call(
        caller="+79161234568", type_id=info, call_id="call-r2", group_id=None
    )
    assert "Справка новая" not in before.name
    assert "Справка новая" in after.name, after.name
    await admin.http.aclose()
