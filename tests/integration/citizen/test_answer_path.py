"""The operator's answer path as the desk uses it, on both databases: answers stored together by one
writer are each stored once, in the order they came, each sender answered after its commit, and one
answer the database rejects does not take the others down; the desk's session held in memory follows
a change of the operator's groups or role, a forced logout and a disabled account at once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from c122.domain.citizen import Author, Channel, Message
from c122.services.citizen.answer_writer import AnswerWriter
from tests.integration.citizen.support import registered
from tests.support.server import RunningServer


def _answer(case_id: int, text: str) -> Message:
    return Message(0, case_id, Channel.APP, Author.OPERATOR, text, datetime.now(UTC), author_name="x")


async def test_answers_sent_at_once_are_stored_once_each_in_their_order(server: RunningServer) -> None:
    app = await registered(server)
    case_id = (await app.create_case(description="Нужна справка")).json()["id"]
    writer = AnswerWriter(server.application.uow_factory)
    texts = [f"ответ {n}" for n in range(30)]
    stored = await asyncio.gather(*(writer.store(_answer(case_id, t)) for t in texts))
    assert [m.text for m in stored] == texts
    ids = [m.id for m in stored]
    assert ids == sorted(ids), "stored in the order they came"
    assert len(set(ids)) == len(ids)
    async with server.application.uow_factory() as uow:
        kept = await uow.citizen.messages(case_id, 0, 100)
    assert [(m.id, m.text) for m in kept] == list(zip(ids, texts, strict=True)), "committed, each once"


async def test_an_answer_the_database_rejects_does_not_take_the_others_down(server: RunningServer) -> None:
    app = await registered(server)
    case_id = (await app.create_case(description="Нужна справка")).json()["id"]
    writer = AnswerWriter(server.application.uow_factory)
    results = await asyncio.gather(
        writer.store(_answer(case_id, "первый")),
        writer.store(_answer(987_654, "карточки нет")),  # no such case: the database refuses it
        writer.store(_answer(case_id, "третий")),
        return_exceptions=True,
    )
    assert isinstance(results[1], Exception)
    assert [m.text for m in results if isinstance(m, Message)] == ["первый", "третий"]
    async with server.application.uow_factory() as uow:
        kept = await uow.citizen.messages(case_id, 0, 100)
    assert [m.text for m in kept] == ["первый", "третий"]


async def test_several_operators_answering_at_once_are_each_answered(server: RunningServer) -> None:
    app = await registered(server)
    case_id = (await app.create_case(description="Нужна справка")).json()["id"]
    desks = [await server.signed_in(login) for login in ("operator1", "operator2")]
    sent = await asyncio.gather(
        *(
            desk.write("POST", f"/api/v1/cases/{case_id}/chat", json={"text": f"{n} от {i}"})
            for n in range(10)
            for i, desk in enumerate(desks)
        )
    )
    assert [s.status_code for s in sent] == [201] * 20, sent[0].text
    chat = (await app.get(f"/cases/{case_id}/messages")).json()
    assert sorted(m["id"] for m in chat) == sorted(s.json()["id"] for s in sent)
    assert {m["author_name"] for m in chat} == {s.json()["author_name"] for s in sent}


async def _users(server: RunningServer) -> dict[str, dict[str, Any]]:
    admin = await server.signed_in("admin")
    users = (await admin.http.get("/api/v1/admin/users", params={"limit": 100})).json()["items"]
    return {user["login"]: user for user in users}


async def _app_case(server: RunningServer) -> int:
    app = await registered(server)
    case_id: int = (await app.create_case(description="Нужна справка")).json()["id"]
    return case_id


async def test_a_change_of_the_operators_groups_or_role_applies_to_the_next_request(
    server: RunningServer,
) -> None:
    app_case = await _app_case(server)
    operator = await server.signed_in("operator1")
    admin = await server.signed_in("admin")
    users = await _users(server)
    ids = {login: user["id"] for login, user in users.items()}
    path = f"/api/v1/cases/{app_case}/chat"
    own_groups, other_group = users["operator1"]["group_ids"], users["operator5"]["group_ids"]
    assert not set(own_groups) & set(other_group)
    assert (await operator.write("POST", path, json={"text": "первый"})).status_code == 201
    account = f"/api/v1/admin/users/{ids['operator1']}"
    moved = await admin.write("PATCH", account, json={"group_ids": other_group})
    assert moved.status_code == 200, moved.text
    refused = await operator.write("POST", path, json={"text": "уже не моя группа"})
    assert refused.status_code == 404, "the card of a group left is refused at once"
    back = await admin.write("PATCH", account, json={"group_ids": own_groups})
    assert back.status_code == 200
    assert (await operator.write("POST", path, json={"text": "снова моя"})).status_code == 201
    promoted = await admin.write("PATCH", account, json={"role": "admin"})
    assert promoted.status_code == 200, promoted.text
    as_admin = await operator.write("POST", path, json={"text": "администратор не пишет"})
    assert (as_admin.status_code, as_admin.json()["code"]) == (403, "forbidden")
    async with server.application.uow_factory() as uow:
        refusals = [e for e in await uow.audit.entries("case") if e.action == "access_refused"]
    codes = {e.detail["code"] for e in refusals if e.actor_id == ids["operator1"] and e.detail}
    assert codes == {"not_found", "forbidden"}


async def test_a_forced_logout_or_a_disabled_account_ends_the_session_at_once(
    server: RunningServer,
) -> None:
    app_case = await _app_case(server)
    ids = {login: user["id"] for login, user in (await _users(server)).items()}
    path = f"/api/v1/cases/{app_case}/chat"
    operator = await server.signed_in("operator1")
    assert (await operator.http.get(path)).status_code == 200
    senior = await server.signed_in("senior1")
    logout = f"/api/v1/operators/{ids['operator1']}/force-logout"
    forced = await senior.write("POST", logout, json={"reason": "x"})
    assert forced.status_code == 200, forced.text
    assert (await operator.http.get(path)).status_code == 401
    again = await server.signed_in("operator1")
    assert (await again.http.get(path)).status_code == 200
    admin = await server.signed_in("admin")
    disabled = await admin.write("PATCH", f"/api/v1/admin/users/{ids['operator1']}", json={"enabled": False})
    assert disabled.status_code == 200, disabled.text
    assert (await again.http.get(path)).status_code == 401
