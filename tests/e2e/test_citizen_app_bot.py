"""The app channel's chat bot in the reference citizen app (/app), in a phone-sized Chromium: the cases
screen offers «Написать в чат» once the administrator set a flow for the app; the bot's menu text shows
with its keys as buttons; a wrong typed answer gets the flow's retry; tapping a key hands the
conversation over — the request is the device's own, its chat starts with the bot's transcript, and it
is offered to an operator of the flow's queue (their desk's chat offer), whose card records taking it as
a chat."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from playwright.async_api import Browser, expect

from c122.domain.users import CONSOLE
from c122.services.ivr.ports import NewPrompt
from tests.e2e.test_citizen_app import open_app
from tests.integration.citizen.support import registered
from tests.integration.contact_center.test_operator_desk import set_state
from tests.integration.intake.test_text_routing import desk, text_queue
from tests.support.screenshots import keep_screenshot
from tests.support.server import RunningServer

MENU = "Здравствуйте! Это линия 122.\n1 — отключение воды\n2 — другое"
AGAIN = "Не поняли ответ. Выберите пункт меню."


async def _app_flow(server: RunningServer, queue_id: int) -> None:
    now = datetime.now(UTC)
    async with server.application.uow_factory() as uow:
        await uow.ivr.add_prompt(NewPrompt("app_menu", "Меню приложения", "tts", MENU, 0, ""), now)
        await uow.ivr.add_prompt(NewPrompt("app_again", "Повтор", "tts", AGAIN, 0, ""), now)
        await uow.commit()
    flow = {
        "name": "Чат приложения",
        "entry": "menu",
        "timezone": "Europe/Moscow",
        "nodes": {
            "menu": {
                "type": "menu",
                "prompt": "app_menu",
                "invalid_prompt": "app_again",
                "branches": {"1": "queue", "2": "queue"},
                "fallback": "queue",
            },
            "queue": {"type": "enqueue", "queue": str(queue_id)},
        },
    }
    await server.application.context.ivr_flows.create(CONSOLE, flow)
    admin = await server.signed_in("admin")
    saved = await admin.write("PUT", "/api/v1/channels/app", json={"flow_name": "Чат приложения"})
    assert saved.status_code == 200, saved.text


async def test_the_citizen_app_chooses_a_menu_item_and_reaches_the_operators_queue(
    server: RunningServer, browser: Browser
) -> None:
    queue_id = await text_queue(server, chat_limit=2)
    await _app_flow(server, queue_id)
    operator = await server.signed_in("operator1")
    await set_state(operator, "ready")
    device = await registered(server, "+79035550077")

    app = await open_app(browser, server)
    session = {"deviceId": device.device_id, "token": device.token, "phone": "+79035550077"}
    await app.add_init_script(
        f"localStorage.setItem('c122.citizen.device', {json.dumps(json.dumps(session))})"
    )
    await app.goto("/app/")
    await app.get_by_test_id("bot-chat").click()
    bot_lines = app.get_by_test_id("bot-line")
    await expect(bot_lines.first).to_contain_text("1 — отключение воды")
    await expect(app.get_by_test_id("bot-choice")).to_have_text(["1", "2"])
    await keep_screenshot(app, "citizen-bot-menu")

    await app.get_by_test_id("bot-text").fill("вода")
    await app.get_by_test_id("bot-send").click()
    await expect(bot_lines.filter(has_text=AGAIN)).to_be_visible()

    await app.get_by_test_id("bot-choice").filter(has_text="1").click()
    handed = app.get_by_test_id("bot-handed")
    await expect(handed).to_be_visible()
    await expect(bot_lines.last).to_contain_text("передано оператору")
    await expect(app.get_by_test_id("bot-choice")).to_have_count(0)
    await keep_screenshot(app, "citizen-bot-handed")

    mine = (await device.get("/cases")).json()
    assert len(mine) == 1
    case_id = mine[0]["id"]
    offer = (await desk(operator))["offer"]
    assert offer is not None
    assert (offer["case_id"], offer["channel"], offer["queue_name"]) == (case_id, "app", "Чаты")
    accepted = await operator.write("POST", f"/api/v1/operators/me/chats/{offer['call_id']}/accept")
    assert accepted.status_code == 200, accepted.text
    card = (await operator.http.get(f"/api/v1/cases/{case_id}")).json()
    assert [h["kind"] for h in card["handovers"]] == ["chat"]  # taken as a chat, not as a queued call

    await handed.click()  # the request's chat: the transcript, the bot's lines named as the bot's
    messages = app.get_by_test_id("chat-message")
    await expect(messages.first).to_contain_text("Чат-бот")
    await expect(messages.filter(has_text="вода")).to_have_attribute("data-author", "citizen")
    await keep_screenshot(app, "citizen-bot-chat")
