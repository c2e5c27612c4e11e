"""A chat's card follows the chat, over a real server on both databases: the operator who accepts a
chat offer has the card «в работе», as with a call; closing the card ends its chat, which frees the
operator's place for the next request."""

from __future__ import annotations

import asyncio
from typing import Any

from c122.domain.citizen import Channel
from c122.domain.intake import IncomingText
from tests.integration.contact_center.test_operator_desk import set_state
from tests.integration.contact_center.test_queues_and_seniors import user_ids
from tests.integration.intake.test_text_routing import desk, text_queue
from tests.support.server import Desk, RunningServer


async def card(operator: Desk, case_id: int) -> dict[str, Any]:
    answer = await operator.http.get(f"/api/v1/cases/{case_id}")
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def offered(server: RunningServer, operator: Desk, phone: str) -> int:
    """An SMS from `phone` opens a request that is offered to `operator`; its case id."""
    delivered = await server.application.context.intake.deliver(IncomingText(Channel.SMS, phone, "Нет света"))
    offer = (await desk(operator))["offer"]
    assert offer is not None
    assert offer["case_id"] == delivered.case_id
    return delivered.case_id


async def chats_held(operator: Desk, count: int) -> dict[str, Any]:
    """The operator's desk once it shows `count` held chats (a case's closing ends its chat shortly)."""
    for _ in range(100):
        shown = await desk(operator)
        if len(shown["held"]) == count:
            return shown
        await asyncio.sleep(0.05)
    raise AssertionError(f"the desk still shows {len(shown['held'])} held chats, not {count}")


async def test_accepting_a_chat_puts_its_card_in_work_by_the_operator(server: RunningServer) -> None:
    await text_queue(server)
    operator1 = await server.signed_in("operator1")
    await set_state(operator1, "ready")
    case_id = await offered(server, operator1, "+79167770031")
    before = await card(operator1, case_id)
    assert (before["case"]["status"], before["case"]["operator_id"]) == ("new", None)
    accepted = await operator1.write("POST", f"/api/v1/operators/me/chats/chat-{case_id}/accept")
    assert accepted.status_code == 200, accepted.text
    after = await card(operator1, case_id)
    me = (await user_ids(server))["operator1"]
    assert (after["case"]["status"], after["case"]["operator_id"]) == ("in_work", me)
    assert after["status_history"][-1]["by"] == me


async def test_closing_the_card_ends_its_chat_and_frees_the_place(server: RunningServer) -> None:
    await text_queue(server, chat_limit=1)
    operator1 = await server.signed_in("operator1")
    await set_state(operator1, "ready")
    first = await offered(server, operator1, "+79167770032")
    accepted = await operator1.write("POST", f"/api/v1/operators/me/chats/chat-{first}/accept")
    assert accepted.status_code == 200, accepted.text
    # The limit is one chat: a second request waits.
    second = await server.application.context.intake.deliver(
        IncomingText(Channel.SMS, "+79167770033", "Тоже нет света")
    )
    assert (await desk(operator1))["offer"] is None
    closed = await operator1.write("PUT", f"/api/v1/cases/{first}/status", json={"status": "completed"})
    assert closed.status_code == 200, closed.text
    shown = await chats_held(operator1, 0)
    assert shown["offer"]["case_id"] == second.case_id
    assert f"chat-{first}" not in server.application.contact_center._ready()[0].state.chats
    # The citizen's next SMS opens a new request rather than joining the closed card.
    again = await server.application.context.intake.deliver(
        IncomingText(Channel.SMS, "+79167770032", "Снова нет света")
    )
    assert again.new_case
    assert again.case_id != first
