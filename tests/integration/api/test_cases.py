"""Case cards through the real server, on SQLite and PostgreSQL: creation and naming, the live list,
search and filters, edits with optimistic versions, statuses and «Внимание!», personal data access and
its audit, applicants, questionnaire scripts and answers, cards created for calls."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.support.server import Desk, RunningServer

from c122.domain.cases import AnswerKind, Question, Script

VALID_SNILS = "112-233-445 95"  # the Pension Fund's own example
VALID_OMS = "1231231231231231"


async def _type_id(server: RunningServer, code: str) -> int:
    async with server.application.uow_factory() as uow:
        case_type = await uow.case_types.find({"code": code})
    assert case_type is not None
    return case_type.id


async def _create(desk: Desk, type_id: int, **fields: Any) -> dict[str, Any]:
    response = await desk.write("POST", "/api/v1/cases", json={"type_id": type_id, **fields})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _paths(response: Any) -> dict[str, str]:
    return {field["path"]: field["code"] for field in response.json()["fields"]}


async def test_a_case_created_by_hand_is_named_by_hotline_day_and_type_and_reaches_the_group_live(
    server: RunningServer,
) -> None:
    info = await _type_id(server, "info")
    operator1 = await server.signed_in("operator1")
    operator2 = await server.signed_in("operator2")
    operator5 = await server.signed_in("operator5")  # another group
    async with operator2.events() as stream:
        await stream.receive()
        first = await _create(
            operator1,
            info,
            description="Как записаться к врачу",
            applicant={"last_name": "Соколов", "first_name": "Пётр", "phones": ["8 (916) 123-45-67"]},
        )
        created = await stream.next_event("case.created")
    # 09:00 UTC on 12 September is the same day in Moscow.
    assert first["case"]["name"] == "Сен12_Справочная информация_001"
    assert first["case"]["source"] == "web"
    assert first["case"]["status"] == "new"
    assert first["applicant"]["phones"] == ["+79161234567"]
    assert created["data"]["case"]["id"] == first["case"]["id"]
    assert created["data"]["case"]["applicant_phone"] == "+79161234567"
    second = await _create(operator1, info)
    assert second["case"]["name"] == "Сен12_Справочная информация_002"
    assert (await operator5.http.get("/api/v1/cases")).json()["total"] == 0
    assert (await operator5.http.get(f"/api/v1/cases/{first['case']['id']}")).status_code == 404


async def test_numbers_restart_at_the_hotline_midnight_and_stay_unique_under_concurrent_creation(
    server: RunningServer,
) -> None:
    info = await _type_id(server, "info")
    desks = [await server.signed_in(login) for login in ("operator1", "operator2", "operator4", "senior1")]
    cards = await asyncio.gather(*(_create(desks[i % len(desks)], info) for i in range(12)))
    assert sorted(card["case"]["number"] for card in cards) == list(range(1, 13))
    # 21:00 UTC is midnight in Moscow: the next case is the first of 13 September.
    server.clock.advance(12 * 3600)
    after = await _create(await server.signed_in("operator1"), info)
    assert after["case"]["name"] == "Сен13_Справочная информация_001"


async def test_bad_applicant_data_is_refused_field_by_field_and_nothing_is_stored(
    server: RunningServer,
) -> None:
    info = await _type_id(server, "info")
    operator = await server.signed_in("operator1")
    applicant = {
        "snils": "112-233-445 96",
        "oms": "123123123123123",
        "birth_date": "01.01.2999",
        "phones": ["позвоните мне"],
    }
    response = await operator.write("POST", "/api/v1/cases", json={"type_id": info, "applicant": applicant})
    assert response.status_code == 422
    assert _paths(response) == {
        "applicant.snils": "invalid_snils",
        "applicant.oms": "invalid_oms",
        "applicant.birth_date": "future_date",
        "applicant.phones.0": "invalid_phone",
    }
    huge = await operator.write("POST", "/api/v1/cases", json={"type_id": info, "description": "я" * 500_000})
    assert huge.status_code == 422
    assert _paths(huge) == {"description": "too_long"}
    assert (await operator.http.get("/api/v1/cases")).json()["total"] == 0
    # The refused creations rolled their counter increments back: no gap in the numbers.
    assert (await _create(operator, info))["case"]["number"] == 1


async def test_the_list_filters_by_status_type_and_period_and_searches_phone_name_date_and_number(
    server: RunningServer,
) -> None:
    info = await _type_id(server, "info")
    doctor = await _type_id(server, "doctor_home")
    operator = await server.signed_in("operator4")
    old = await _create(operator, info, applicant={"last_name": "Орлова", "phones": ["+79031112233"]})
    server.clock.advance(2 * 86400)
    operator = await server.signed_in("operator4")  # the earlier session expired meanwhile
    fresh = await _create(operator, doctor, applicant={"last_name": "Зайцев", "birth_date": "12.09.1980"})
    done = await operator.write(
        "PUT", f"/api/v1/cases/{old['case']['id']}/status", json={"status": "completed"}
    )
    assert done.status_code == 200

    async def names(**params: Any) -> list[str]:
        response = await operator.http.get("/api/v1/cases", params=params)
        assert response.status_code == 200, response.text
        return [item["name"] for item in response.json()["items"]]

    old_name, fresh_name = old["case"]["name"], fresh["case"]["name"]
    assert await names() == [fresh_name, old_name]
    assert await names(status="active") == [fresh_name]
    assert await names(status="inactive") == [old_name]
    assert await names(period="last_24h") == [fresh_name]
    assert await names(type=info) == [old_name]
    assert await names(q="8 903 111-22-33") == [old_name]
    assert await names(q="орлова") == [old_name]
    assert await names(q="зайц") == [fresh_name]
    assert await names(q="вызов врача") == [fresh_name]
    assert await names(q=old_name) == [old_name]
    assert await names(q="14.09.2026") == [fresh_name]
    page = (await operator.http.get("/api/v1/cases", params={"limit": 1, "offset": 1})).json()
    assert (page["total"], [item["name"] for item in page["items"]]) == (2, [old_name])


async def test_two_operators_editing_one_field_get_a_conflict_and_other_fields_merge(
    server: RunningServer,
) -> None:
    info = await _type_id(server, "info")
    operator1 = await server.signed_in("operator1")
    operator2 = await server.signed_in("operator2")
    card = await _create(operator1, info, description="Исходный текст")
    case_id, version = card["case"]["id"], card["case"]["version"]
    first = await operator1.write(
        "PATCH",
        f"/api/v1/cases/{case_id}",
        json={
            "version": version,
            "changes": {"description": "Версия первого"},
            "base": {"description": "Исходный текст"},
        },
    )
    assert first.status_code == 200
    assert first.json()["case"]["version"] == version + 1
    clash = await operator2.write(
        "PATCH",
        f"/api/v1/cases/{case_id}",
        json={
            "version": version,
            "changes": {"description": "Версия второго"},
            "base": {"description": "Исходный текст"},
        },
    )
    assert clash.status_code == 409
    body = clash.json()
    assert body["code"] == "edit_conflict"
    assert body["clashes"] == [
        {
            "path": "description",
            "base": "Исходный текст",
            "theirs": "Версия первого",
            "mine": "Версия второго",
        }
    ]
    assert body["current"]["description"] == "Версия первого"
    merged = await operator2.write(
        "PATCH",
        f"/api/v1/cases/{case_id}",
        json={
            "version": version,
            "changes": {"operator_comment": "Перезвонить"},
            "base": {"operator_comment": ""},
        },
    )
    assert merged.status_code == 200
    assert (merged.json()["description"], merged.json()["operator_comment"]) == (
        "Версия первого",
        "Перезвонить",
    )


async def test_changing_the_type_keeps_the_name_and_sets_the_star_mark(server: RunningServer) -> None:
    info = await _type_id(server, "info")
    other = await _type_id(server, "other")
    operator = await server.signed_in("operator1")
    card = await _create(operator, info)
    response = await operator.write(
        "PATCH",
        f"/api/v1/cases/{card['case']['id']}",
        json={"version": 1, "changes": {"type_id": other}, "base": {"type_id": info}},
    )
    assert response.status_code == 200
    changed = response.json()
    assert changed["case"]["name"] == card["case"]["name"]
    assert (changed["case"]["type_id"], changed["case"]["type_changed"]) == (other, True)
    assert changed["type_history"][0]["from_type_id"] == info
    # The search text follows the type (a change of status alone keeps it: the type's name is not read
    # again for it).
    taken = await operator.write(
        "PUT", f"/api/v1/cases/{card['case']['id']}/status", json={"status": "in_work"}
    )
    assert taken.status_code == 200
    async with server.application.uow_factory() as uow:
        names = {t.id: t.name for t in [await uow.case_types.get(info), await uow.case_types.get(other)] if t}

    async def found(q: str) -> list[int]:
        response = await operator.http.get("/api/v1/cases", params={"q": q})
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert await found(names[other]) == [card["case"]["id"]]
    assert await found(names[info]) == [card["case"]["id"]]  # the name keeps the type it was opened with


async def test_the_attention_flag_and_status_changes_reach_both_desktops_with_history(
    server: RunningServer,
) -> None:
    info = await _type_id(server, "info")
    operator1 = await server.signed_in("operator1")
    operator2 = await server.signed_in("operator2")
    card = await _create(operator1, info)
    case_id = card["case"]["id"]
    async with operator1.events() as stream1, operator2.events() as stream2:
        await stream1.receive()
        await stream2.receive()
        taken = await operator2.write("PUT", f"/api/v1/cases/{case_id}/status", json={"status": "in_work"})
        assert taken.status_code == 200
        flagged = await operator2.write("PUT", f"/api/v1/cases/{case_id}/status", json={"attention": True})
        assert flagged.status_code == 200
        for stream in (stream1, stream2):
            first = await stream.next_event("case.updated")
            second = await stream.next_event("case.updated")
            assert first["data"]["case"]["status"] == "in_work"
            assert (second["data"]["case"]["attention"], second["data"]["case"]["status"]) == (
                True,
                "in_work",
            )
    history = flagged.json()["status_history"]
    assert [(h["status"], h["attention"]) for h in history] == [
        ("new", False),
        ("in_work", False),
        ("in_work", True),
    ]
    assert flagged.json()["case"]["operator_id"] is not None
    back = await operator2.write("PUT", f"/api/v1/cases/{case_id}/status", json={"status": "new"})
    assert back.status_code == 400
    assert back.json()["code"] == "illegal_status_change"


async def test_personal_data_is_shown_only_to_those_handling_the_case_and_every_view_is_audited(
    server: RunningServer,
) -> None:
    info = await _type_id(server, "info")
    operator1 = await server.signed_in("operator1")
    operator2 = await server.signed_in("operator2")
    senior = await server.signed_in("senior1")
    admin = await server.signed_in("admin")
    applicant = {"last_name": "Белова", "snils": VALID_SNILS, "oms": VALID_OMS, "health_info": "Диабет"}
    card = await _create(operator1, info, applicant=applicant)
    case_id = card["case"]["id"]
    assert card["applicant"]["snils_formatted"] == VALID_SNILS
    await operator2.write("PUT", f"/api/v1/cases/{case_id}/status", json={"status": "in_work"})

    async def seen(desk: Desk) -> tuple[bool, str, str]:
        body = (await desk.http.get(f"/api/v1/cases/{case_id}")).json()["applicant"]
        return body["personal_data_visible"], body["snils"], body["health_info"]

    assert await seen(operator2) == (True, "11223344595", "Диабет")  # took it into work
    assert await seen(senior) == (True, "11223344595", "Диабет")  # senior of the group
    assert await seen(operator1) == (False, "", "")  # assigned to a colleague now
    assert await seen(admin) == (False, "", "")
    forbidden = await operator1.write(
        "PATCH",
        f"/api/v1/applicants/{card['applicant']['id']}",
        json={"version": 1, "changes": {"snils": ""}, "base": {"snils": ""}},
    )
    assert forbidden.status_code == 403
    async with server.application.uow_factory() as uow:
        entries = await uow.audit.entries("applicant")
    viewers = [entry.actor_id for entry in entries if entry.action == "view_personal_data"]
    ids = {login: await _user_id(server, login) for login in ("operator1", "operator2", "senior1", "admin")}
    assert ids["operator2"] in viewers
    assert ids["senior1"] in viewers
    assert ids["admin"] not in viewers


async def _user_id(server: RunningServer, login: str) -> int:
    async with server.application.uow_factory() as uow:
        user = await uow.users.find({"login": login})
    assert user is not None
    return user.id


async def test_the_applicant_panel_shows_history_and_contacts_of_the_last_day_and_edits_with_versions(
    server: RunningServer,
) -> None:
    info = await _type_id(server, "info")
    operator = await server.signed_in("operator1")
    colleague = await server.signed_in("operator2")
    first = await _create(operator, info, applicant={"last_name": "Титов", "phones": ["+79990001122"]})
    applicant_id = first["applicant"]["id"]
    server.clock.advance(3600)
    await _create(operator, info, applicant_id=applicant_id)
    view = (await operator.http.get(f"/api/v1/applicants/{applicant_id}")).json()
    assert view["contacts_24h"] == 2
    assert len(view["history"]) == 2
    edit = {"version": 1, "changes": {"first_name": "Игорь"}, "base": {"first_name": ""}}
    saved = await operator.write("PATCH", f"/api/v1/applicants/{applicant_id}", json=edit)
    assert saved.status_code == 200
    assert saved.json()["applicant"]["full_name"] == "Титов Игорь"
    found = (await operator.http.get("/api/v1/cases", params={"q": "титов игорь"})).json()
    assert found["total"] == 2  # the search follows the renamed applicant on both cases
    stale = {"version": 1, "changes": {"first_name": "Илья"}, "base": {"first_name": ""}}
    clash = await colleague.write("PATCH", f"/api/v1/applicants/{applicant_id}", json=stale)
    assert clash.status_code == 409
    assert clash.json()["clashes"][0]["theirs"] == "Игорь"
    bad = {"version": 2, "changes": {"birth_date": "31.02.1990"}, "base": {"birth_date": None}}
    refused = await operator.write("PATCH", f"/api/v1/applicants/{applicant_id}", json=bad)
    assert refused.status_code == 422
    assert _paths(refused) == {"birth_date": "invalid_date"}


SCRIPT = {
    "title": "Справка",
    "questions": [
        {"id": "surname", "text": "Ваша фамилия?", "kind": "text", "binding": "applicant.last_name"},
        {
            "id": "urgent",
            "text": "Срочно?",
            "kind": "yes_no",
            "branches": [{"when": "yes", "goto": "what"}],
        },
        {"id": "snils", "text": "СНИЛС?", "kind": "text", "binding": "applicant.snils"},
        {"id": "what", "text": "Что случилось?", "kind": "text", "binding": "case.description"},
    ],
}


async def test_scripts_are_saved_by_admins_in_versions_and_answers_fill_the_card_all_or_nothing(
    server: RunningServer,
) -> None:
    info = await _type_id(server, "info")
    admin = await server.signed_in("admin")
    operator = await server.signed_in("operator1")
    refused = await operator.write("PUT", f"/api/v1/case-types/{info}/scripts", json=SCRIPT)
    assert refused.status_code == 403
    saved = await admin.write("PUT", f"/api/v1/case-types/{info}/scripts", json=SCRIPT)
    assert saved.status_code == 200, saved.text
    script = saved.json()
    backwards = {**SCRIPT, "script_id": script["id"], "version": 1}
    backwards["questions"] = [
        *SCRIPT["questions"][:1],
        {**SCRIPT["questions"][1], "branches": [{"when": "yes", "goto": "surname"}]},
    ]
    invalid = await admin.write("PUT", f"/api/v1/case-types/{info}/scripts", json=backwards)
    assert invalid.status_code == 422
    assert _paths(invalid) == {"questions.1.branches.0.goto": "not_forward"}
    listed = (await operator.http.get(f"/api/v1/case-types/{info}/scripts")).json()
    assert [(s["id"], s["version"]) for s in listed] == [(script["id"], 1)]

    card = await _create(operator, info)
    case_id = card["case"]["id"]
    async with operator.events() as stream:
        await stream.receive()
        answered = await operator.write(
            "POST",
            f"/api/v1/cases/{case_id}/answers",
            json={
                "script_id": script["id"],
                "answers": {"surname": "Морозова", "urgent": "да", "what": "Болит"},
            },
        )
        assert answered.status_code == 200, answered.text
        update = await stream.next_event("case.updated")
    body = answered.json()
    assert body["applicant"]["last_name"] == "Морозова"
    assert body["description"] == "Болит"
    assert body["answers"] == [
        {
            "script_id": script["id"],
            "script_version": 1,
            "answers": {"surname": "Морозова", "urgent": "да", "what": "Болит"},
        }
    ]
    assert update["data"]["case"]["applicant_name"] == "Морозова"

    wrong = await operator.write(
        "POST",
        f"/api/v1/cases/{case_id}/answers",
        json={"script_id": script["id"], "answers": {"surname": "Павлова", "snils": "112-233-445 96"}},
    )
    assert wrong.status_code == 422
    assert _paths(wrong) == {"answers.snils": "invalid_snils"}
    after = (await operator.http.get(f"/api/v1/cases/{case_id}")).json()
    assert after["applicant"]["last_name"] == "Морозова"
    assert after["case"]["version"] == body["case"]["version"]


async def test_an_answer_bound_to_a_field_that_no_longer_exists_is_refused_and_nothing_is_saved(
    server: RunningServer,
) -> None:
    info = await _type_id(server, "info")
    # Saving refuses such a script today; an older stored version may still carry the binding.
    legacy = Script(
        None,
        info,
        "Старый скрипт",
        1,
        (
            Question("note", "Примечание", AnswerKind.TEXT, binding="case.description"),
            Question("fax", "Номер факса", AnswerKind.TEXT, binding="applicant.fax"),
        ),
    )
    async with server.application.uow_factory() as uow:
        stored = await uow.cases.add_script(legacy, server.clock.now(), None)
        await uow.commit()
    operator = await server.signed_in("operator1")
    card = await _create(operator, info, description="Было")
    response = await operator.write(
        "POST",
        f"/api/v1/cases/{card['case']['id']}/answers",
        json={"script_id": stored.id, "answers": {"note": "Стало", "fax": "123"}},
    )
    assert response.status_code == 422
    assert _paths(response) == {"answers.fax": "unknown_field"}
    after = (await operator.http.get(f"/api/v1/cases/{card['case']['id']}")).json()
    assert (after["description"], after["answers"]) == ("Было", [])


async def test_a_call_gets_a_card_with_the_applicant_known_by_the_calling_number(
    server: RunningServer,
) -> None:
    info = await _type_id(server, "info")
    group_id = (await server.application.context.directory.groups_with_services(frozenset({1})))[0][0].id
    cards = server.application.context.cases.cards
    operator = await server.signed_in("operator1")
    async with operator.events() as stream:
        await stream.receive()
        first = await cards.create_case_for_call(
            caller="89161234567", type_id=info, call_id="c-1", group_id=group_id
        )
        event = await stream.next_event("case.created")
    assert event["data"]["case"]["source"] == "pstn"
    assert event["data"]["case"]["applicant_phone"] == "+79161234567"
    assert first.applicant_id is not None
    # What the operator learnt on the first call is there on the next one (OPS-14).
    edit = {"version": 1, "changes": {"last_name": "Лебедев"}, "base": {"last_name": ""}}
    assert (
        await operator.write("PATCH", f"/api/v1/applicants/{first.applicant_id}", json=edit)
    ).status_code == 200
    second = await cards.create_case_for_call(
        caller="+7 916 123 45 67", type_id=info, call_id="c-2", group_id=group_id
    )
    assert second.applicant_id == first.applicant_id
    card = (await operator.http.get(f"/api/v1/cases/{second.id}")).json()
    assert (card["applicant"]["last_name"], card["call_ids"]) == ("Лебедев", ["c-2"])
    anonymous = await cards.create_case_for_call(
        caller="anonymous", type_id=info, call_id="c-3", group_id=group_id
    )
    assert anonymous.applicant_id is None
