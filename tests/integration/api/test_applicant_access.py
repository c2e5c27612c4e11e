"""Applicants across groups, on SQLite and PostgreSQL: an applicant is reached only through a case the
caller may see, attached to a new case only by one who already sees their personal data, and every
refusal (cards, applicants) leaves an audit entry like an allowed read."""

from __future__ import annotations

from typing import Any

from tests.support.server import Desk, RunningServer

VALID_SNILS = "112-233-445 95"
VALID_OMS = "1231231231231231"
PRIVATE = {"last_name": "Белова", "snils": VALID_SNILS, "oms": VALID_OMS, "health_info": "Диабет"}


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


async def _refusals(server: RunningServer, entity: str) -> list[tuple[int | None, str, Any]]:
    async with server.application.uow_factory() as uow:
        entries = await uow.audit.entries(entity)
    return [(e.actor_id, e.entity_id, e.detail) for e in reversed(entries) if e.action == "access_refused"]


async def _attach(desk: Desk, type_id: int, applicant_id: int) -> Any:
    return await desk.write("POST", "/api/v1/cases", json={"type_id": type_id, "applicant_id": applicant_id})


async def test_an_operator_of_another_group_cannot_attach_read_or_change_an_applicant_and_is_audited(
    server: RunningServer,
) -> None:
    info = await _type_id(server, "info")
    vaccination = await _type_id(server, "vaccination")
    owner = await server.signed_in("operator1")
    stranger = await server.signed_in("operator5")  # the vaccination group
    card = (await owner.write("POST", "/api/v1/cases", json={"type_id": info, "applicant": PRIVATE})).json()
    applicant_id = card["applicant"]["id"]

    attached = await _attach(stranger, vaccination, applicant_id)
    assert attached.status_code == 422
    assert attached.json()["fields"] == [
        {"path": "applicant_id", "code": "not_found", "message": "заявитель не найден"}
    ]
    unknown = await _attach(stranger, vaccination, applicant_id + 1000)
    assert unknown.json()["fields"] == attached.json()["fields"]  # a stranger learns nothing of ids
    read = await stranger.http.get(f"/api/v1/applicants/{applicant_id}")
    assert read.status_code == 404
    patched = await stranger.write(
        "PATCH",
        f"/api/v1/applicants/{applicant_id}",
        json={"version": 1, "changes": {"snils": ""}, "base": {"snils": VALID_SNILS}},
    )
    assert patched.status_code == 404
    assert (await stranger.http.get(f"/api/v1/cases/{card['case']['id']}")).status_code == 404
    assert (await stranger.http.get("/api/v1/cases")).json()["total"] == 0  # nothing was created

    # The applicant is unchanged and still the owner's alone.
    seen = (await owner.http.get(f"/api/v1/applicants/{applicant_id}")).json()
    assert (seen["applicant"]["snils"], len(seen["history"])) == ("11223344595", 1)

    stranger_id = await _user_id(server, "operator5")
    assert await _refusals(server, "applicant") == [
        (stranger_id, str(applicant_id), {"wanted": "attach_applicant", "code": "not_found"}),
        (stranger_id, str(applicant_id + 1000), {"wanted": "attach_applicant", "code": "not_found"}),
        (stranger_id, str(applicant_id), {"wanted": "view_applicant", "code": "not_found"}),
        (stranger_id, str(applicant_id), {"wanted": "edit_applicant", "code": "not_found"}),
    ]
    assert await _refusals(server, "case") == [
        (stranger_id, str(card["case"]["id"]), {"wanted": "view_card", "code": "not_found"}),
    ]


async def test_only_those_who_see_the_personal_data_attach_the_applicant_to_a_new_case(
    server: RunningServer,
) -> None:
    info = await _type_id(server, "info")
    operator1 = await server.signed_in("operator1")
    operator2 = await server.signed_in("operator2")  # same group
    senior = await server.signed_in("senior1")  # senior of the group
    card = (
        await operator1.write("POST", "/api/v1/cases", json={"type_id": info, "applicant": PRIVATE})
    ).json()
    applicant_id = card["applicant"]["id"]
    taken = await operator1.write(
        "PUT", f"/api/v1/cases/{card['case']['id']}/status", json={"status": "in_work"}
    )
    assert taken.status_code == 200

    # Assigned to operator1 now: operator2 sees the card without SNILS, OMS and health information,
    # and a new unassigned card of the group would show them, so attaching is refused.
    masked = (await operator2.http.get(f"/api/v1/applicants/{applicant_id}")).json()
    assert (masked["applicant"]["personal_data_visible"], masked["applicant"]["snils"]) == (False, "")
    refused = await _attach(operator2, info, applicant_id)
    assert refused.status_code == 422
    assert refused.json()["fields"][0]["path"] == "applicant_id"

    for desk in (operator1, senior):
        attached = await _attach(desk, info, applicant_id)
        assert attached.status_code == 201, attached.text
        assert attached.json()["applicant"]["snils"] == "11223344595"
    operator2_id = await _user_id(server, "operator2")
    assert await _refusals(server, "applicant") == [
        (operator2_id, str(applicant_id), {"wanted": "attach_applicant", "code": "not_found"}),
    ]


async def test_a_case_edit_cannot_move_the_card_to_another_applicant(server: RunningServer) -> None:
    info = await _type_id(server, "info")
    owner = await server.signed_in("operator1")
    stranger = await server.signed_in("operator5")
    theirs = (await owner.write("POST", "/api/v1/cases", json={"type_id": info, "applicant": PRIVATE})).json()
    vaccination = await _type_id(server, "vaccination")
    mine = (await stranger.write("POST", "/api/v1/cases", json={"type_id": vaccination})).json()
    changed = await stranger.write(
        "PATCH",
        f"/api/v1/cases/{mine['case']['id']}",
        json={
            "version": mine["case"]["version"],
            "changes": {"applicant_id": theirs["applicant"]["id"]},
            "base": {},
        },
    )
    assert changed.status_code == 422
    assert (await stranger.http.get(f"/api/v1/cases/{mine['case']['id']}")).json()["applicant"] is None
