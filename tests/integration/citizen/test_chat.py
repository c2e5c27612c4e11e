"""The conversation of an app request over a real server on both databases: the citizen's messages
reach the operators of the case's group live; the operator's answer reaches the device's long poll;
outsiders are refused (404, audited); a closed case takes no message and says why."""

from __future__ import annotations

import asyncio

from tests.integration.citizen.support import jpeg_with_gps, registered
from tests.support.server import RunningServer


async def test_the_citizen_and_the_operator_chat_on_a_request(server: RunningServer) -> None:
    app = await registered(server)
    case_id = (await app.create_case(description="Нужна справка")).json()["id"]
    operator = await server.signed_in("operator1")  # the first group takes app requests
    outsider = await server.signed_in("operator3")  # another group's
    async with operator.events() as stream:
        await stream.receive()
        sent = await app.post(
            f"/cases/{case_id}/messages", json={"text": "  Здравствуйте! Когда ответите?  "}
        )
        assert sent.status_code == 201, sent.text
        assert sent.json()["text"] == "Здравствуйте! Когда ответите?"
        assert sent.json()["channel"] == "app"
        live = await stream.next_event("chat.message")
        assert live["data"]["message"]["text"] == "Здравствуйте! Когда ответите?"
        assert live["data"]["message"]["author"] == "citizen"
        photo = await app.post(f"/cases/{case_id}/media", content=jpeg_with_gps())
        assert photo.status_code == 201
        with_photo = await stream.next_event("chat.message")
        assert with_photo["data"]["message"]["media_id"] == photo.json()["id"]
    chat = (await operator.http.get(f"/api/v1/cases/{case_id}/chat")).json()
    assert chat["from_app"] is True
    assert [(m["author"], m["text"], m["media_id"]) for m in chat["messages"]] == [
        ("citizen", "Здравствуйте! Когда ответите?", None),
        ("citizen", "", photo.json()["id"]),
    ]
    picture = await operator.http.get(f"/api/v1/cases/{case_id}/media/{photo.json()['id']}")
    assert picture.status_code == 200
    assert picture.headers["content-type"] == "image/jpeg"
    # The device waits for an answer (long poll); the operator's answer wakes it.
    last = chat["messages"][-1]["id"]
    waiting = asyncio.create_task(app.get(f"/cases/{case_id}/messages", params={"after": last, "wait": 10}))
    await asyncio.sleep(0.3)
    assert not waiting.done()
    answer = await operator.write("POST", f"/api/v1/cases/{case_id}/chat", json={"text": "Справка готова"})
    assert answer.status_code == 201, answer.text
    woken = await asyncio.wait_for(waiting, 5)
    assert [(m["author"], m["author_name"], m["text"]) for m in woken.json()] == [
        ("operator", "Иванова Мария Сергеевна", "Справка готова")
    ]
    # A poll with nothing new answers empty when its wait is over.
    quiet = await app.get(f"/cases/{case_id}/messages", params={"after": woken.json()[0]["id"], "wait": 0.2})
    assert quiet.json() == []
    # Outsiders: another group's operator sees nothing (404); an administrator reads but does not write.
    assert (await outsider.http.get(f"/api/v1/cases/{case_id}/chat")).status_code == 404
    assert (await outsider.http.get(f"/api/v1/cases/{case_id}/media/{photo.json()['id']}")).status_code == 404
    assert (
        await outsider.write("POST", f"/api/v1/cases/{case_id}/chat", json={"text": "x"})
    ).status_code == 404
    admin = await server.signed_in("admin")
    assert (await admin.http.get(f"/api/v1/cases/{case_id}/chat")).status_code == 200
    assert (await admin.write("POST", f"/api/v1/cases/{case_id}/chat", json={"text": "x"})).status_code == 403
    assert (
        await operator.write("POST", f"/api/v1/cases/{case_id}/chat", json={"text": "   "})
    ).status_code == 422
    assert (await app.post(f"/cases/{case_id}/messages", json={"text": ""})).status_code == 422
    trail = await admin.http.get(
        "/api/v1/admin/audit",
        params={"action": "access_refused", "entity": "case", "entity_id": str(case_id)},
    )
    assert {e["detail"]["wanted"] for e in trail.json()["items"]} >= {"view_chat", "write_chat"}


async def test_a_closed_request_takes_no_message_and_a_phone_case_has_nobody_to_write_to(
    server: RunningServer,
) -> None:
    app = await registered(server)
    case_id = (await app.create_case(description="Вопрос")).json()["id"]
    operator = await server.signed_in("operator1")
    done = await operator.write("PUT", f"/api/v1/cases/{case_id}/status", json={"status": "completed"})
    assert done.status_code == 200, done.text
    late = await app.post(f"/cases/{case_id}/messages", json={"text": "Ещё вопрос"})
    assert late.status_code == 409
    assert late.json()["code"] == "case_closed"
    assert "Завершено" in late.json()["message"]
    history = (await app.get(f"/cases/{case_id}")).json()["status_history"]
    assert [row["status"] for row in history] == ["new", "completed"]
    # Reopened into work by the operator, it takes messages again.
    assert (
        await operator.write("PUT", f"/api/v1/cases/{case_id}/status", json={"status": "in_work"})
    ).status_code == 200
    assert (await app.post(f"/cases/{case_id}/messages", json={"text": "Ещё вопрос"})).status_code == 201
    by_hand = await operator.write("POST", "/api/v1/cases", json={"type_id": await app.type_id()})
    assert by_hand.status_code == 201, by_hand.text
    web_case = by_hand.json()["case"]["id"]
    refused = await operator.write("POST", f"/api/v1/cases/{web_case}/chat", json={"text": "Алло"})
    assert refused.status_code == 409
    assert refused.json()["code"] == "not_reachable"
    assert "доступно: нет" in refused.json()["message"]
    unreached = (await operator.http.get(f"/api/v1/cases/{web_case}/chat")).json()
    assert (unreached["from_app"], unreached["reply_channels"]) == (False, [])


async def test_first_messages_sent_at_once_share_one_conversation(server: RunningServer) -> None:
    """The app's and the operator's first messages on a request, together: both kept, one
    conversation (two first writers once raced to create it and one got a 500)."""
    app = await registered(server)
    case_id = (await app.create_case(description="Одновременно")).json()["id"]
    operator = await server.signed_in("operator1")
    sent = await asyncio.gather(
        *(app.post(f"/cases/{case_id}/messages", json={"text": f"Вопрос {n}"}) for n in range(3)),
        *(
            operator.write("POST", f"/api/v1/cases/{case_id}/chat", json={"text": f"Ответ {n}"})
            for n in range(3)
        ),
    )
    assert [answer.status_code for answer in sent] == [201] * 6, [a.text for a in sent]
    texts = [m["text"] for m in (await app.get(f"/cases/{case_id}/messages")).json()]
    assert sorted(texts) == sorted([*(f"Вопрос {n}" for n in range(3)), *(f"Ответ {n}" for n in range(3))])


async def test_many_polls_at_once_take_turns_and_are_all_answered(server: RunningServer) -> None:
    """More polls than the database reads allowed at once (citizen_reads_at_once): they wait their
    turn in memory and every one is answered."""
    app = await registered(server)
    case_id = (await app.create_case(description="Много опросов")).json()["id"]
    polls = await asyncio.gather(
        *(app.get(f"/cases/{case_id}/messages", params={"after": 0, "wait": 0}) for _ in range(40))
    )
    assert {poll.status_code for poll in polls} == {200}
