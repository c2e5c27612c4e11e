"""Messages and broadcasts over a real server on both databases: who may write to whom, the scoping
of every read by group, live delivery, read marks and the refusals of bad input."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.support.server import Desk, RunningServer


async def user_ids(server: RunningServer) -> dict[str, int]:
    admin = await server.signed_in("admin")
    users = (await admin.http.get("/api/v1/admin/users", params={"limit": 100})).json()["items"]
    return {user["login"]: user["id"] for user in users}


async def group_ids(server: RunningServer) -> dict[str, int]:
    admin = await server.signed_in("admin")
    groups = (await admin.http.get("/api/v1/admin/groups", params={"limit": 100})).json()["items"]
    return {group["name"]: group["id"] for group in groups}


async def send(desk: Desk, to: int, text: str) -> Any:
    return await desk.write("POST", f"/api/v1/conversations/{to}", json={"text": text})


async def test_an_operator_and_the_senior_of_their_group_exchange_messages(server: RunningServer) -> None:
    ids = await user_ids(server)
    operator = await server.signed_in("operator1")
    senior = await server.signed_in("senior1")
    counterparts = (await operator.http.get("/api/v1/conversations")).json()
    # An operator writes to the seniors of their group only, not to other operators.
    assert [c["counterpart"]["user_id"] for c in counterparts] == [ids["senior1"]]
    async with senior.events() as stream:
        await stream.receive()
        sent = await send(operator, ids["senior1"], "  <b>Нужна помощь</b><script>alert(1)</script>  ")
        assert sent.status_code == 201, sent.text
        live = await stream.next_event("message.sent")
    # Stored and delivered as typed (trimmed): the desktop shows it as text.
    assert live["data"]["message"]["text"] == "<b>Нужна помощь</b><script>alert(1)</script>"
    listed = {c["counterpart"]["user_id"]: c for c in (await senior.http.get("/api/v1/conversations")).json()}
    assert listed[ids["operator1"]]["unread"] == 1
    assert listed[ids["operator2"]]["unread"] == 0
    assert ids["operator5"] not in listed  # not in any of the senior's groups
    message_id = sent.json()["id"]
    refused = await operator.write("POST", f"/api/v1/messages/{message_id}/read")
    assert refused.status_code == 404  # the sender cannot mark the recipient's copy, nor tell it exists
    async with operator.events() as stream:
        await stream.receive()
        read = await senior.write("POST", f"/api/v1/messages/{message_id}/read")
        assert read.status_code == 200
        mark = await stream.next_event("message.read")
    assert mark["data"]["ids"] == [message_id]
    answer = await send(senior, ids["operator1"], "Иду")
    assert answer.status_code == 201
    history = (await operator.http.get(f"/api/v1/conversations/{ids['senior1']}")).json()
    assert [m["text"] for m in history] == ["<b>Нужна помощь</b><script>alert(1)</script>", "Иду"]
    assert history[0]["read_at"] is not None
    assert history[1]["read_at"] is None


async def test_messages_and_their_reads_stay_within_common_groups(server: RunningServer) -> None:
    ids = await user_ids(server)
    outsider = await server.signed_in("operator5")  # vaccination group only
    assert (await outsider.http.get("/api/v1/conversations")).json() == []
    assert (await send(outsider, ids["senior1"], "Здравствуйте")).status_code == 403
    assert (await outsider.http.get(f"/api/v1/conversations/{ids['senior1']}")).status_code == 403
    operator = await server.signed_in("operator1")
    assert (await send(operator, ids["operator2"], "Привет")).status_code == 403  # two operators
    assert (await send(operator, 999999, "Привет")).status_code == 404
    assert (await operator.write("POST", "/api/v1/messages/999999/read")).status_code == 404


async def test_texts_are_refused_empty_or_over_the_limit(server: RunningServer) -> None:
    ids = await user_ids(server)
    operator = await server.signed_in("operator1")
    for text in ("", "   ", "я" * 100_000):
        refused = await send(operator, ids["senior1"], text)
        assert refused.status_code == 422, refused.text
        assert refused.json()["fields"][0]["path"] == "text"
    long = await send(operator, ids["senior1"], "я" * 100_000)
    assert "4000" in long.json()["message"]
    senior = await server.signed_in("senior1")
    refused = await senior.write("POST", "/api/v1/broadcasts", json={"text": "", "everyone": True})
    assert refused.status_code == 422


async def test_a_message_to_a_deleted_account_is_refused_and_the_history_stays(server: RunningServer) -> None:
    ids = await user_ids(server)
    senior = await server.signed_in("senior1")
    assert (await send(senior, ids["operator2"], "До свидания")).status_code == 201
    admin = await server.signed_in("admin")
    deleted = await admin.write("DELETE", f"/api/v1/admin/users/{ids['operator2']}")
    assert deleted.status_code == 204, deleted.text
    gone = await send(senior, ids["operator2"], "Вы здесь?")
    assert gone.status_code == 404
    assert gone.json()["code"] == "recipient_gone"


async def test_a_broadcast_reaches_the_chosen_group_and_its_reads_turn_up_for_the_senior(
    server: RunningServer,
) -> None:
    ids = await user_ids(server)
    groups = await group_ids(server)
    senior = await server.signed_in("senior1")
    operator = await server.signed_in("operator1")
    async with operator.events() as stream:
        await stream.receive()
        sent = await senior.write(
            "POST",
            "/api/v1/broadcasts",
            json={"text": "Собрание в 15:00", "group_id": groups["Справочная группа"]},
        )
        assert sent.status_code == 201, sent.text
        notice = await stream.next_event("broadcast.sent")
    assert notice["data"]["broadcast"]["sender_name"] == "Волкова Елена Андреевна"
    recipients = {r["user_id"] for r in sent.json()["recipients"]}
    assert recipients == {ids["operator1"], ids["operator2"], ids["operator4"]}
    broadcast_id = sent.json()["id"]
    async with senior.events() as stream:
        await stream.receive()
        assert (await operator.write("POST", f"/api/v1/broadcasts/{broadcast_id}/read")).status_code == 204
        read = await stream.next_event("broadcast.read")
    assert read["data"]["user_id"] == ids["operator1"]
    listed = (await senior.http.get("/api/v1/broadcasts/sent")).json()
    reads = {r["user_id"]: r["read_at"] for r in listed[0]["recipients"]}
    assert reads[ids["operator1"]] is not None
    assert reads[ids["operator2"]] is None
    received = (await operator.http.get("/api/v1/broadcasts/received")).json()
    assert [(b["text"], b["read_at"] is not None) for b in received] == [("Собрание в 15:00", True)]


async def test_read_marks_arriving_together_are_all_stored_and_each_refusal_is_its_own(
    server: RunningServer,
) -> None:
    """Marks that arrive together are written in one batch: each caller still gets its own answer."""
    ids = await user_ids(server)
    groups = await group_ids(server)
    senior = await server.signed_in("senior1")
    sent = await senior.write(
        "POST", "/api/v1/broadcasts", json={"text": "Всем", "group_id": groups["Справочная группа"]}
    )
    broadcast_id = sent.json()["id"]
    readers = [await server.signed_in(login) for login in ("operator1", "operator2", "operator4")]
    outsider = await server.signed_in("operator5")
    async with senior.events() as stream:
        await stream.receive()
        mark = f"/api/v1/broadcasts/{broadcast_id}/read"
        answers = await asyncio.gather(
            *(desk.write("POST", mark) for desk in [*readers, readers[0]]),
            outsider.write("POST", mark),
            readers[1].write("POST", "/api/v1/broadcasts/999999/read"),
        )
        assert [a.status_code for a in answers] == [204, 204, 204, 204, 404, 404]
        marked = {(await stream.next_event("broadcast.read"))["data"]["user_id"] for _ in readers}
    assert marked == {ids["operator1"], ids["operator2"], ids["operator4"]}
    listed = (await senior.http.get("/api/v1/broadcasts/sent")).json()
    assert all(r["read_at"] is not None for r in listed[0]["recipients"])


async def test_broadcasts_stay_within_the_seniors_groups(server: RunningServer) -> None:
    ids = await user_ids(server)
    groups = await group_ids(server)
    senior = await server.signed_in("senior1")
    other_group = await senior.write(
        "POST", "/api/v1/broadcasts", json={"text": "Всем", "group_id": groups["Группа вакцинации"]}
    )
    assert other_group.status_code == 403
    stranger = await senior.write(
        "POST", "/api/v1/broadcasts", json={"text": "Вам", "user_ids": [ids["operator5"]]}
    )
    assert stranger.status_code == 403
    everyone = await senior.write(
        "POST", "/api/v1/broadcasts", json={"text": "Всем группам", "everyone": True}
    )
    assert {r["user_id"] for r in everyone.json()["recipients"]} == {
        ids[f"operator{n}"] for n in (1, 2, 3, 4)
    }
    broadcast_id = everyone.json()["id"]
    outsider = await server.signed_in("operator5")
    assert (await outsider.write("POST", f"/api/v1/broadcasts/{broadcast_id}/read")).status_code == 404
    assert (await outsider.http.get("/api/v1/broadcasts/received")).json() == []
    assert (await outsider.http.get("/api/v1/broadcasts/sent")).status_code == 403
    operator = await server.signed_in("operator1")
    assert (
        await operator.write("POST", "/api/v1/broadcasts", json={"text": "Я", "everyone": True})
    ).status_code == 403


async def test_an_operator_offline_during_a_broadcast_finds_it_at_sign_in(server: RunningServer) -> None:
    senior = await server.signed_in("senior1")
    sent = await senior.write(
        "POST", "/api/v1/broadcasts", json={"text": "Пока вас не было", "everyone": True}
    )
    assert sent.status_code == 201
    operator = await server.signed_in("operator3")  # signs in only now
    received = (await operator.http.get("/api/v1/broadcasts/received")).json()
    assert [(b["text"], b["read_at"]) for b in received] == [("Пока вас не было", None)]


async def test_notification_settings_are_kept_per_user(server: RunningServer) -> None:
    operator = await server.signed_in("operator1")
    assert (await operator.http.get("/api/v1/me/notifications")).json() == {
        "service": True,
        "sound": True,
        "browser": True,
    }
    chosen = {"service": True, "sound": False, "browser": False}
    assert (await operator.write("PUT", "/api/v1/me/notifications", json=chosen)).status_code == 200
    again = await server.signed_in("operator1")
    assert (await again.http.get("/api/v1/me/notifications")).json() == chosen
    other = await server.signed_in("operator2")
    assert (await other.http.get("/api/v1/me/notifications")).json()["sound"] is True
    bad = await again.write("PUT", "/api/v1/me/notifications", json={"sound": "loud"})
    assert bad.status_code == 422
