"""Every contact is a card (TEL-14): a call that ends in the voice menu before any queue — ended by
the flow's hang-up node, or by the caller hanging up in a menu — leaves a card marked missed, of the
type the menu set (else the line's default), for the line's service's group, with the menu path in its
description; the call journal shows the call with that card. SIPp callers on the real server."""

from __future__ import annotations

import pytest
from tests.integration.call_flow.conftest import (
    HotlineCaller,
    ended_calls,
    info_case_type,
    info_queue_id,
    route_main_line,
)
from tests.support.server import RunningServer

from c122.domain.users import CONSOLE

pytestmark = pytest.mark.peers


async def test_calls_that_end_in_the_menu_leave_missed_cards_with_the_menu_path(
    hotline: RunningServer, caller: HotlineCaller
) -> None:
    context = hotline.application.context
    await context.prompts.synthesise(CONSOLE, "test_greeting", "Приветствие", "Здравствуйте. Нажмите один.")
    info_type = await info_case_type(hotline)
    menu = {"type": "menu", "prompt": "test_greeting", "fallback": "bye", "timeout_s": 30}
    flow = {
        "name": "test_menu_ends",
        "entry": "menu",
        "timezone": "Europe/Moscow",
        "nodes": {
            "menu": {**menu, "branches": {"1": "topic", "2": "more"}},
            "topic": {"type": "set_case_type", "case_type": info_type, "next": "bye"},
            "bye": {"type": "hang_up"},
            "more": {**menu, "branches": {"1": "queue"}},
            "queue": {"type": "enqueue", "queue": str(await info_queue_id(hotline))},
        },
    }
    await context.ivr_flows.create(CONSOLE, flow)
    await route_main_line(hotline, "test_menu_ends")
    operator = await hotline.signed_in("operator1")  # of the service's information group

    # 1. Key 1: the topic is set, then the flow's hang-up node ends the call.
    await caller.call(hotline, "hotline_caller_hung_up.xml", digits="1", listen_ms=2500, wait_ms=20000)
    code, output = await caller.finish()
    assert code == 0, output[-3000:]  # the hotline hung up
    (ended,) = await ended_calls(hotline)
    assert (ended["end_cause"], ended["queue_id"], ended["ivr_choice"]) == ("ivr_hang_up", None, "menu:1")
    assert [case["type_name"] for case in ended["cases"]] == ["Справочная информация"]
    card = (await operator.http.get(f"/api/v1/cases/by-call/{ended['id']}")).json()
    assert card["case"]["missed"] is True
    assert card["case"]["status"] == "new"
    assert card["case"]["type_id"] == info_type
    assert card["description"] == (
        "Звонок завершён в голосовом меню (меню завершило звонок). Выбор в меню: menu:1."
    )

    # 2. Key 2, then the caller hangs up in the second menu: the line's default type.
    await caller.call(hotline, "hotline_caller.xml", digits="2", listen_ms=2500, wait_ms=1500)
    code, output = await caller.finish()
    assert code == 0, output[-3000:]
    (left,) = [call for call in await ended_calls(hotline, count=2) if call["id"] != ended["id"]]
    assert (left["end_cause"], left["queue_id"], left["ivr_choice"]) == ("caller_hang_up", None, "menu:2")
    assert len(left["cases"]) == 1
    card = (await operator.http.get(f"/api/v1/cases/by-call/{left['id']}")).json()
    assert card["case"]["missed"] is True
    assert "звонящий положил трубку" in card["description"]
    assert card["description"].endswith("Выбор в меню: menu:2.")
    listed = (await operator.http.get("/api/v1/cases", params={"q": "+79161234567"})).json()["items"]
    assert len(listed) == 2  # both cards are on the group's desks
