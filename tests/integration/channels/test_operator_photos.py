"""An operator's photo to a messenger user, on SQLite and PostgreSQL. The real Bot API cannot be reached
from here: the product uploads to the local stand-in (tests/support/telegram.py), which records the
multipart upload so the test compares the bytes that arrived with the photo the card shows. The photo
is checked by its bytes like a citizen's (415 not a photo, 413 over the limit), goes without its EXIF,
is refused by SMS with the reason, and is not kept when the messenger refuses it."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.integration.channels.test_messenger_telegram import (
    API_KEY,
    CHAT,
    SECRET,
    TOKEN,
    _post,
    set_up_text_bot,
)
from tests.integration.citizen.support import jpeg_with_gps
from tests.support.server import RunningServer, running_server
from tests.support.telegram import TelegramStandIn, fixture

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
            # A gateway nobody listens on: SMS is a reply channel, and a photo is refused before
            # anything would be queued for it.
            sms_gateway_url="http://127.0.0.1:9/cgi-bin/sendsms",
            sms_callback_url="http://127.0.0.1:9/api/v1/sms",
            sms_callback_secret="sms-callback-secret-of-the-tests-0123",
        ) as server:
            yield server, telegram
    finally:
        telegram.stop()


async def test_an_operator_sends_a_photo_to_a_messenger_user(
    hotline: tuple[RunningServer, TelegramStandIn],
) -> None:
    server, telegram = hotline
    admin = await server.signed_in("admin")
    await set_up_text_bot(server, admin)
    for name in ("update_start", "update_choice"):
        assert await _post(server, fixture(name)) == 204
    async with server.application.uow_factory() as uow:
        chat = await uow.messenger.chat("telegram", str(CHAT))
    assert chat is not None
    assert chat.case_id is not None
    case_id = chat.case_id
    senior = await server.signed_in("senior1")
    photo_path = f"/api/v1/cases/{case_id}/chat/photo"

    photo = jpeg_with_gps(55.75, 37.61, (320, 240))
    sent = await senior.write("POST", photo_path, content=photo, headers={"Content-Type": "image/jpeg"})
    assert sent.status_code == 201, sent.text
    message = sent.json()
    assert (message["author"], message["channel"]) == ("operator", "messenger")
    assert message["author_name"]  # the operator's name, as on their text answers
    assert message["media_id"] is not None
    uploads = [call for call in telegram.calls if call.method == "sendPhoto"]
    assert len(uploads) == 1
    assert uploads[0].body["chat_id"] == str(CHAT)
    kept = await senior.http.get(f"/api/v1/cases/{case_id}/media/{message['media_id']}")
    assert kept.status_code == 200
    assert uploads[0].files["photo"] == kept.content  # the messenger got the photo the card shows
    assert uploads[0].files["photo"][:3] == b"\xff\xd8\xff"
    assert b"CameraMaker" in photo
    assert b"CameraMaker" not in uploads[0].files["photo"]  # sent without its EXIF
    card = (await senior.http.get(f"/api/v1/cases/{case_id}/chat")).json()
    assert card["messages"][-1]["id"] == message["id"]
    assert [m["kind"] for m in card["media"]] == ["photo"]

    def refused(answer: object) -> tuple[int, str, str]:
        body = answer.json()  # type: ignore[attr-defined]
        return answer.status_code, body["code"], body["message"]  # type: ignore[attr-defined]

    pdf = await senior.write("POST", photo_path, content=b"%PDF-1.7\n" + os.urandom(500))
    assert refused(pdf)[0] == 415
    assert refused(pdf)[2]
    voice = await senior.write("POST", photo_path, content=b"OggS\x00\x02" + os.urandom(2000))
    assert refused(voice)[0] == 415
    assert "только фото" in refused(voice)[2]
    over = await senior.write("POST", photo_path, content=photo[:64] + bytes(10 * 1024 * 1024))
    assert refused(over)[:2] == (413, "file_too_large")  # over the photo limit by the bytes
    huge = await senior.write("POST", photo_path, content=photo[:64] + bytes(20 * 1024 * 1024))
    assert refused(huge)[:2] == (413, "body_too_large")  # 20 MB: refused as it streams in
    assert refused(huge)[2]
    by_sms = await senior.write("POST", photo_path, params={"channel": "sms"}, content=photo)
    assert refused(by_sms)[0] == 409
    assert refused(by_sms)[1] in ("no_media_by_sms", "not_reachable")
    assert "SMS" in refused(by_sms)[2] or "sms" in refused(by_sms)[2]

    telegram.failing.add("sendPhoto")
    failed = await senior.write("POST", photo_path, content=photo)
    assert refused(failed)[:2] == (409, "messenger_unavailable")
    after = (await senior.http.get(f"/api/v1/cases/{case_id}/chat")).json()
    assert len(after["media"]) == 1  # neither the refused files nor the failed upload are kept
    assert len([c for c in telegram.calls if c.method == "sendPhoto"]) == 2


async def test_an_sms_request_gets_no_photo_and_is_told_why(
    hotline: tuple[RunningServer, TelegramStandIn],
) -> None:
    server, _telegram = hotline
    async with server.client() as client:
        handed = await client.post(
            "/api/v1/bot/handover",
            headers={"X-Api-Key": API_KEY},
            json={"channel": "sms", "address": "+79161112233", "phone": "+79161112233", "topic": "Свет"},
        )
    assert handed.status_code == 201, handed.text
    case_id = handed.json()["case_id"]
    senior = await server.signed_in("senior1")
    card = (await senior.http.get(f"/api/v1/cases/{case_id}/chat")).json()
    assert card["reply_channels"] == ["sms"]
    answer = await senior.write("POST", f"/api/v1/cases/{case_id}/chat/photo", content=jpeg_with_gps())
    assert answer.status_code == 409
    assert answer.json()["code"] == "no_media_by_sms"
    assert "по SMS фото не отправить" in answer.json()["message"]
    assert (await senior.http.get(f"/api/v1/cases/{case_id}/chat")).json()["media"] == []
