"""Routing rules in the real call path (TEL-04): SIPp calls the main line from +79161234567. Without a
rule the menu sends the call to the information queue; a rule on the caller's number sends the same
call past the menu to another queue; a rule on the menu's choice changes the queue after the menu; a
rule refusing the number plays the refusal and hangs up without any queue."""

from __future__ import annotations

from typing import Any

import pytest
from tests.integration.call_flow.conftest import (
    INFO_QUEUE,
    HotlineCaller,
    ended_calls,
    info_queue_id,
    put_menu_on_main_line,
)
from tests.support.server import RunningServer

pytestmark = pytest.mark.peers
RULES = "/api/v1/admin/routing/rules"


async def main_line_and_other_queue(server: RunningServer) -> tuple[int, int]:
    admin = await server.signed_in("admin")
    lines = (await admin.http.get("/api/v1/admin/lines")).json()["items"]
    queues = (await admin.http.get("/api/v1/admin/queues")).json()["items"]
    main = next(line["id"] for line in lines if line["number"] == "+78001220122")
    other = next(q["id"] for q in queues if q["name"] != INFO_QUEUE)
    return int(main), int(other)


async def add_rule(server: RunningServer, body: dict[str, Any]) -> int:
    admin = await server.signed_in("admin")
    made = await admin.write("POST", RULES, json=body)
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


async def test_a_rule_on_the_callers_number_sends_the_call_to_another_queue(
    hotline: RunningServer, caller: HotlineCaller
) -> None:
    info = await info_queue_id(hotline)
    await put_menu_on_main_line(hotline, info)
    line_id, other = await main_line_and_other_queue(hotline)

    await caller.call(hotline, "hotline_caller.xml", digits="1", listen_ms=2500, wait_ms=2000)
    code, output = await caller.finish()
    assert code == 0, output[-3000:]
    (plain,) = await ended_calls(hotline)
    assert (plain["caller"], plain["queue_id"]) == ("+79161234567", info)

    rule_id = await add_rule(
        hotline,
        {"line_id": line_id, "name": "Мобильные 916", "conditions": {"patterns": ["8916*"]},
         "action": {"kind": "queue", "queue_id": other, "priority": 5}},
    )  # fmt: skip
    await caller.call(hotline, "hotline_caller.xml", digits="1", listen_ms=2500, wait_ms=2000)
    code, output = await caller.finish()
    assert code == 0, output[-3000:]
    (routed,) = [c for c in await ended_calls(hotline, count=2) if c["id"] != plain["id"]]
    assert (routed["queue_id"], routed["ivr_choice"]) == (other, None)  # past the menu, no choice made

    # The rule now asks for the menu's choice: the caller hears the menu, presses 1, and is sent to the
    # other queue instead of the menu's.
    admin = await hotline.signed_in("admin")
    changed = await admin.write(
        "PUT", f"{RULES}/{rule_id}",
        json={"line_id": line_id, "name": "Мобильные 916",
              "conditions": {"patterns": ["8916*"], "ivr_choice": "menu:1"},
              "action": {"kind": "queue", "queue_id": other}},
    )  # fmt: skip
    assert changed.status_code == 200, changed.text
    await caller.call(hotline, "hotline_caller.xml", digits="1", listen_ms=2500, wait_ms=2000)
    code, output = await caller.finish()
    assert code == 0, output[-3000:]
    (after_menu,) = [
        c for c in await ended_calls(hotline, count=3) if c["id"] not in (plain["id"], routed["id"])
    ]
    assert (after_menu["queue_id"], after_menu["ivr_choice"]) == (other, "menu:1")


async def test_a_blocked_number_hears_the_refusal_and_reaches_no_queue(
    hotline: RunningServer, caller: HotlineCaller
) -> None:
    await put_menu_on_main_line(hotline, await info_queue_id(hotline))
    line_id, _other = await main_line_and_other_queue(hotline)
    admin = await hotline.signed_in("admin")
    blocked = await admin.write(
        "POST", "/api/v1/admin/routing/lists", json={"name": "Заблокированные", "kind": "blocked",
                                                     "numbers": ["+79161234567"]},
    )  # fmt: skip
    assert blocked.status_code == 201, blocked.text
    await add_rule(
        hotline,
        {"line_id": line_id, "name": "Блокировка", "conditions": {"lists": [blocked.json()["id"]]},
         "action": {"kind": "refuse"}},
    )  # fmt: skip
    await caller.call(hotline, "hotline_caller_hung_up.xml", digits="1", listen_ms=200, wait_ms=20000)
    code, output = await caller.finish()
    assert code == 0, output[-3000:]  # the hotline hung up after the refusal
    (refused,) = await ended_calls(hotline)
    assert (refused["end_cause"], refused["queue_id"]) == ("routing_refused", None)
