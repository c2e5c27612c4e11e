"""The Telegram channel and the chat bot end to end, on SQLite and PostgreSQL.

The real Bot API cannot be reached from here: the product talks to a local stand-in
(tests/support/telegram.py) started on a free port, which answers getMe, sendMessage, sendPhoto,
getFile and the file download with recorded Bot API response JSON; the updates the test posts to the
product's webhook are recorded Update JSON (tests/fixtures/telegram/). Everything else is real: the
server, its database, the IVR flow service, the media cleaner."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from c122.domain.errors import InvalidFields
from c122.domain.ivr import flow_to_dict
from c122.domain.users import CONSOLE
from c122.services.ivr.ports import NewPrompt
from tests.support.server import Desk, RunningServer, running_server
from tests.support.telegram import StoredFile, TelegramStandIn, fixture

TOKEN = "7712345678:AAH-test-token-of-the-stand-in"
SECRET = "telegram-webhook-secret-of-the-tests"
API_KEY = "outside-bot-key-of-the-tests-0123456789"
WEBHOOK = "/api/v1/messenger/telegram/webhook"
CHAT = 524817733
FLOW = "Чат 122"
MENU_TEXT = "Выберите тему: 1 — врач на дом"

pytestmark = pytest.mark.timeout(90)


@pytest.fixture
async def hotline(database_url: str, tmp_path: Path) -> AsyncIterator[tuple[RunningServer, TelegramStandIn]]:
    telegram = TelegramStandIn(TOKEN)
    telegram.start()
    try:
        async with running_server(
            database_url,
            data_dir=tmp_path,
            telegram_bot_token=TOKEN,
            telegram_api_base=telegram.base_url,
            telegram_webhook_secret=SECRET,
            bot_handover_api_key=API_KEY,
        ) as server:
            yield server, telegram
    finally:
        telegram.stop()


async def set_up_text_bot(server: RunningServer, admin: Desk, channel: str = "messenger") -> tuple[int, int]:
    """A text flow: a menu whose 1 is a home visit in the medical queue; `channel`'s bot runs it."""
    now = datetime.now(UTC)
    async with server.application.uow_factory() as uow:
        await uow.ivr.add_prompt(NewPrompt("chat_menu", "Меню чата", "tts", MENU_TEXT, 0, ""), now)
        await uow.ivr.add_prompt(NewPrompt("chat_bye", "Прощание", "upload", None, 0, ""), now)
        doctor = await uow.case_types.find({"code": "doctor_home"})
        medical = await uow.groups.find({"name": "Медицинская группа"})
        assert medical is not None
        queues = [q for q in (await uow.queues.search("", 50, 0)).items if q.group_id == medical.id]
        await uow.commit()
    assert doctor is not None
    assert queues
    queue = queues[0]
    flow = {
        "name": FLOW,
        "entry": "menu",
        "timezone": "Europe/Moscow",
        "nodes": {
            "menu": {"type": "menu", "prompt": "chat_menu", "branches": {"1": "typed"}, "fallback": "bye"},
            "typed": {"type": "set_case_type", "case_type": doctor.id, "next": "queue"},
            "queue": {"type": "enqueue", "queue": str(queue.id), "priority": 3},
            "bye": {"type": "hang_up"},
        },
    }
    await server.application.context.ivr_flows.create(CONSOLE, flow)
    saved = await admin.write("PUT", f"/api/v1/channels/{channel}", json={"flow_name": FLOW})
    assert saved.status_code == 200, saved.text
    return doctor.id, queue.group_id


async def _post(server: RunningServer, update: dict[str, Any], secret: str | None = SECRET) -> int:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    async with server.client() as client:
        answer = await client.post(WEBHOOK, json=update, headers=headers)
    return answer.status_code


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


async def test_a_messenger_user_talks_to_the_bot_is_handed_over_and_answered_from_the_card(
    hotline: tuple[RunningServer, TelegramStandIn],
) -> None:
    server, telegram = hotline
    admin = await server.signed_in("admin")
    doctor_type, _group_id = await set_up_text_bot(server, admin)

    assert await _post(server, fixture("update_start")) == 204
    greeting = telegram.sent()[-1]
    assert greeting["chat_id"] == str(CHAT)
    assert greeting["text"] == MENU_TEXT
    assert greeting["reply_markup"]["keyboard"] == [[{"text": "1"}]]

    assert await _post(server, fixture("update_start")) == 204  # Telegram's retry of the same update
    assert len(telegram.sent()) == 1

    assert await _post(server, fixture("update_choice")) == 204
    handed = telegram.sent()[-1]["text"]
    assert "передано оператору" in handed
    async with server.application.uow_factory() as uow:
        chat = await uow.messenger.chat("telegram", str(CHAT))
        assert chat is not None
        assert chat.case_id is not None
        case = await uow.cases.get_case(chat.case_id)
    assert case is not None
    assert (case.source.value, case.type_id) == ("messenger", doctor_type)

    telegram.files["AgACAgIAAxkBAAMGZ3Qk-large"] = StoredFile("photos/file_0.jpg", _jpeg())
    for name in ("update_text", "update_photo", "update_photo_20mb"):
        assert await _post(server, fixture(name)) == 204
    refused = telegram.sent()[-1]["text"]
    assert "Фото больше 10 МБ" in refused
    assert [c.body.get("file_id") for c in telegram.calls if c.method == "getFile"] == [
        "AgACAgIAAxkBAAMGZ3Qk-large"
    ]  # the 20 MB photo was refused by its announced size, never fetched

    senior = await server.signed_in("senior1")
    read = await senior.http.get(f"/api/v1/cases/{case.id}/chat")
    assert read.status_code == 200, read.text
    conversation = read.json()
    assert conversation["reply_channels"] == ["messenger"]
    lines = [(m["author"], m["text"], m["media_id"] is not None) for m in conversation["messages"]]
    assert lines == [
        ("citizen", "/start", False),
        ("bot", MENU_TEXT, False),
        ("citizen", "1", False),
        ("citizen", "У мамы температура 39, нужен врач на дом", False),
        ("citizen", "Вот рецепт", False),
        ("citizen", "", True),  # the intake keeps a photo as a message of its own
    ]
    assert [m["kind"] for m in conversation["media"]] == ["photo"]

    answer = await senior.write("POST", f"/api/v1/cases/{case.id}/chat", json={"text": "Врач придёт сегодня"})
    assert answer.status_code == 201, answer.text
    assert answer.json()["channel"] == "messenger"
    assert telegram.sent()[-1] == {
        "chat_id": str(CHAT),
        "text": "Врач придёт сегодня",
        "reply_markup": {"remove_keyboard": True},
    }

    telegram.failing.add("sendMessage")
    failed = await senior.write("POST", f"/api/v1/cases/{case.id}/chat", json={"text": "Не дойдёт"})
    assert failed.status_code == 409
    assert "chat not found" in failed.json()["message"]
    after = (await senior.http.get(f"/api/v1/cases/{case.id}/chat")).json()["messages"]
    assert [m["text"] for m in after][-1] == "Врач придёт сегодня"  # the refused answer is not stored


async def test_the_webhook_refuses_calls_without_the_secret_and_bodies_that_are_no_updates(
    hotline: tuple[RunningServer, TelegramStandIn], caplog: pytest.LogCaptureFixture
) -> None:
    server, telegram = hotline
    assert await _post(server, fixture("update_start"), secret=None) == 403
    assert await _post(server, fixture("update_start"), secret="not-the-secret") == 403
    assert "messenger webhook without a secret" in caplog.text
    assert "with a wrong secret" in caplog.text
    assert await _post(server, {"message": {"text": "no update id"}}) == 422
    assert await _post(server, {"update_id": 1, "message": {"chat": {"id": "x"}}}) == 422
    assert await _post(server, fixture("update_edited")) == 204  # not a message: nothing to take
    assert telegram.calls == []


async def test_a_menu_without_text_is_refused_for_the_channel_naming_its_node(
    hotline: tuple[RunningServer, TelegramStandIn],
) -> None:
    server, _telegram = hotline
    admin = await server.signed_in("admin")
    await set_up_text_bot(server, admin)
    flow = {
        "name": "Голосовое меню",
        "entry": "menu",
        "timezone": "Europe/Moscow",
        "nodes": {
            "menu": {"type": "menu", "prompt": "chat_bye", "branches": {"1": "bye"}, "fallback": "bye"},
            "bye": {"type": "hang_up"},
        },
    }
    await server.application.context.ivr_flows.create(CONSOLE, flow)
    refused = await admin.write("PUT", "/api/v1/channels/sms", json={"flow_name": "Голосовое меню"})
    assert refused.status_code == 422
    problems = refused.json()["fields"]
    assert [(p["path"], p["code"]) for p in problems] == [("nodes.menu.prompt", "menu_without_text")]
    running = await server.application.context.ivr_flows.get(CONSOLE, FLOW)
    edited = flow_to_dict(running.stored.flow)
    edited["nodes"]["menu"]["prompt"] = "chat_bye"  # the messenger's flow loses its menu text
    with pytest.raises(InvalidFields) as saving:
        await server.application.context.ivr_flows.save(CONSOLE, FLOW, edited)
    assert [(p.path, p.code) for p in saving.value.problems] == [("nodes.menu.prompt", "menu_without_text")]
    operator = await server.signed_in("operator1")
    assert (await operator.write("PUT", "/api/v1/channels/sms", json={"flow_name": FLOW})).status_code == 403
    assert (await operator.http.get("/api/v1/channels")).status_code == 403


async def test_an_outside_bot_hands_a_conversation_over_with_its_key(
    hotline: tuple[RunningServer, TelegramStandIn],
) -> None:
    server, _telegram = hotline
    body = {
        "channel": "messenger",
        "address": "vk:1234",
        "name": "Пётр Смирнов",
        "phone": "+79161112233",
        "topic": "Запись на прививку",
        "transcript": [
            {"speaker": "bot", "text": "Чем помочь?", "at": "2026-12-06T10:00:00Z"},
            {"speaker": "citizen", "text": "Хочу записаться на прививку", "at": "2026-12-06T10:00:05Z"},
        ],
    }
    async with server.client() as client:
        assert (await client.post("/api/v1/bot/handover", json=body)).status_code == 403
        wrong = await client.post("/api/v1/bot/handover", json=body, headers={"X-Api-Key": "wrong"})
        assert wrong.status_code == 403
        unknown = await client.post(
            "/api/v1/bot/handover", json={**body, "topic_id": 999999}, headers={"X-Api-Key": API_KEY}
        )
        assert unknown.status_code == 422
        handed = await client.post("/api/v1/bot/handover", json=body, headers={"X-Api-Key": API_KEY})
    assert handed.status_code == 201, handed.text
    case_id = handed.json()["case_id"]
    async with server.application.uow_factory() as uow:
        case = await uow.cases.get_case(case_id)
        messages = await uow.citizen.messages(case_id, 0, 10)
        applicant = await uow.cases.get_applicant(case.applicant_id) if case and case.applicant_id else None
    assert case is not None
    assert case.details.description == "Запись на прививку"
    assert [(m.author.value, m.text) for m in messages] == [
        ("bot", "Чем помочь?"),
        ("citizen", "Хочу записаться на прививку"),
    ]
    assert applicant is not None
    assert applicant.data.phones == ("+79161112233",)


async def test_a_messenger_request_is_told_in_its_chat_when_its_card_is_finished(
    hotline: tuple[RunningServer, TelegramStandIn],
) -> None:
    server, telegram = hotline
    admin = await server.signed_in("admin")
    await set_up_text_bot(server, admin)
    assert await _post(server, fixture("update_start")) == 204
    assert await _post(server, fixture("update_choice")) == 204
    async with server.application.uow_factory() as uow:
        chat = await uow.messenger.chat("telegram", str(CHAT))
    assert chat is not None
    assert chat.case_id is not None
    operator = await server.signed_in("senior1")
    name = (await operator.http.get(f"/api/v1/cases/{chat.case_id}")).json()["case"]["name"]
    closed = await operator.write("PUT", f"/api/v1/cases/{chat.case_id}/status", json={"status": "rejected"})
    assert closed.status_code == 200, closed.text
    await server.application.context.push.idle()
    told = telegram.sent()[-1]
    assert told["chat_id"] == str(CHAT)
    assert told["text"].startswith(f"Отклонено: обращение {name}.")
    messages = (await operator.http.get(f"/api/v1/cases/{chat.case_id}/chat")).json()["messages"]
    assert (messages[-1]["channel"], messages[-1]["author_name"]) == ("messenger", "Уведомление о статусе")
