"""Text requests routed like calls, over a real server on both databases: a text queue an administrator
sets up takes app requests and SMS; a new request is offered to an operator on the desk and accepted;
the group's chat limit holds; a declined offer goes to the next operator; a restart keeps the waiting
requests; the queue log records chats as their own channel."""

from __future__ import annotations

from typing import Any

from c122.domain.citizen import Channel
from c122.domain.intake import IncomingText
from c122.services.contact_center import ContactCenter
from c122.services.contact_center.queue_figures import WaitingCallBoard
from tests.integration.citizen.support import registered
from tests.integration.contact_center.test_operator_desk import set_state
from tests.integration.contact_center.test_queues_and_seniors import user_ids
from tests.support.server import Desk, RunningServer


class Discard:
    def publish(self, event: object) -> None:
        pass


async def text_queue(server: RunningServer, chat_limit: int = 3) -> int:
    """The «Справочная группа» gets the queue of app and SMS requests, served by operator1 and operator2."""
    admin = await server.signed_in("admin")
    groups = (await admin.http.get("/api/v1/admin/groups")).json()["items"]
    group = next(g for g in groups if g["name"] == "Справочная группа")
    changed = await admin.write(
        "PATCH", f"/api/v1/admin/groups/{group['id']}", json={"chat_limit": chat_limit}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["chat_limit"] == chat_limit
    created = await admin.write(
        "POST", "/api/v1/admin/queues", json={"group_id": group["id"], "name": "Чаты", "retry_s": 60}
    )
    assert created.status_code == 201, created.text
    for channel in ("app", "sms"):  # the channels' queue, as the «Каналы и чат-бот» screen sets it
        chosen = await admin.write(
            "PUT", f"/api/v1/channels/{channel}", json={"queue_id": created.json()["id"]}
        )
        assert chosen.status_code == 200, chosen.text
    ids = await user_ids(server)
    members = [{"user_id": ids["operator1"]}, {"user_id": ids["operator2"], "position": 1}]
    put = await admin.write(
        "PUT", f"/api/v1/admin/queues/{created.json()['id']}/members", json={"members": members}
    )
    assert put.status_code == 200, put.text
    return int(created.json()["id"])


async def desk(operator: Desk) -> dict[str, Any]:
    answer = await operator.http.get("/api/v1/operators/me/chats")
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def test_an_app_request_is_offered_accepted_and_the_chat_limit_holds(server: RunningServer) -> None:
    await text_queue(server, chat_limit=1)
    operator1 = await server.signed_in("operator1")
    await set_state(operator1, "ready")
    app = await registered(server)
    async with operator1.events() as stream:
        await stream.receive()
        first = (await app.create_case(description="Вопрос по льготам")).json()["id"]
        offered = await stream.next_event("chat.desk")
    offer = offered["data"]["desk"]["offer"]
    assert (offer["case_id"], offer["channel"], offer["queue_name"]) == (first, "app", "Чаты")
    accepted = await operator1.write("POST", f"/api/v1/operators/me/chats/{offer['call_id']}/accept")
    assert accepted.status_code == 200, accepted.text
    assert [c["case_id"] for c in accepted.json()["held"]] == [first]
    assert accepted.json()["offer"] is None
    # The limit is one chat: the second request waits although operator1 is ready for calls.
    second = (await app.create_case(description="Второй вопрос")).json()["id"]
    assert (await desk(operator1))["offer"] is None
    # A message on the held chat does not queue it again.
    sent = await app.post(f"/cases/{first}/messages", json={"text": "Ещё вопрос"})
    assert sent.status_code == 201
    assert set(server.application.contact_center._ready()[0].state.chats) == {
        f"chat-{first}",
        f"chat-{second}",
    }
    # Closing the chat frees the place: the waiting request is offered at once.
    ended = await operator1.write("POST", f"/api/v1/operators/me/chats/chat-{first}/end")
    assert ended.status_code == 200, ended.text
    assert ended.json()["offer"]["case_id"] == second
    # Someone else's offer cannot be taken.
    operator2 = await server.signed_in("operator2")
    refused = await operator2.write("POST", f"/api/v1/operators/me/chats/chat-{second}/accept")
    assert refused.status_code == 409
    assert refused.json()["code"] == "no_such_offer"


async def test_a_declined_offer_goes_to_the_next_operator_and_a_restart_keeps_the_waiting(
    server: RunningServer,
) -> None:
    await text_queue(server)
    operator1 = await server.signed_in("operator1")
    operator2 = await server.signed_in("operator2")
    await set_state(operator1, "ready")
    await set_state(operator2, "ready")
    intake = server.application.context.intake
    delivered = await intake.deliver(IncomingText(Channel.SMS, "+79167770011", "Нет воды"))
    call_id = f"chat-{delivered.case_id}"
    first, other = (operator1, operator2) if (await desk(operator1))["offer"] else (operator2, operator1)
    assert (await desk(first))["offer"]["call_id"] == call_id
    declined = await first.write("POST", f"/api/v1/operators/me/chats/{call_id}/decline")
    assert declined.status_code == 200, declined.text
    assert declined.json()["offer"] is None
    moved = (await desk(other))["offer"]
    assert (moved["call_id"], moved["channel"], moved["caller"]) == (call_id, "sms", "+79167770011")
    # Everyone goes on a break: the next request waits, and a second process on the same rows has it.
    await set_state(operator1, "on_break", reason="lunch")
    await set_state(operator2, "on_break", reason="lunch")
    waiting = await intake.deliver(IncomingText(Channel.SMS, "+79167770022", "Тоже нет воды"))
    after = ContactCenter(server.application.uow_factory, server.clock, Discard(), WaitingCallBoard())
    await after.start()
    kept = after._ready()[0].state.chats
    assert f"chat-{waiting.case_id}" in kept
    assert kept[f"chat-{waiting.case_id}"].channel == "sms"
    async with server.application.uow_factory() as uow:
        log = await uow.acd.queue_log()
    chat_log = [(r.kind.value, r.media) for r in log if r.call_id == call_id]
    assert ("enter", "text") in chat_log
    assert ("reject", "text") in chat_log
    assert [r for r in log if r.call_id == call_id and r.media != "text"] == []


async def test_a_channel_has_one_queue_setting(server: RunningServer) -> None:
    """The channel's queue is set on the «Каналы и чат-бот» screen only: a queue does not list channels,
    and a queue that does not exist is refused there with the field named."""
    admin = await server.signed_in("admin")
    groups = (await admin.http.get("/api/v1/admin/groups")).json()["items"]
    listed = await admin.write(
        "POST",
        "/api/v1/admin/queues",
        json={"group_id": groups[0]["id"], "name": "Чаты", "text_channels": ["sms"]},
    )
    assert listed.status_code == 422, listed.text
    assert "text_channels" in listed.text
    missing = await admin.write("PUT", "/api/v1/channels/sms", json={"queue_id": 999999})
    assert missing.status_code == 422, missing.text
    assert missing.json()["fields"][0]["path"] == "queue_id"
    queue_id = await text_queue(server)
    delivered = await server.application.context.intake.deliver(
        IncomingText(Channel.SMS, "+79167770044", "Где автобус?")
    )
    assert server.application.contact_center._ready()[0].state.chats[
        f"chat-{delivered.case_id}"
    ].queue_id == str(queue_id)
