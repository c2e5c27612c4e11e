"""SMS through real Kannel (bearerbox + smsbox) to Kannel's test SMSC (fakesmsc), on SQLite and
PostgreSQL: an operator's Cyrillic text reaches the SMSC in UCS-2, joined from parts; the delivery
report comes back to the card; an SMS from the applicant joins their open case; with Kannel stopped
the message waits in the outbox and goes once Kannel is back, and one queued before the product
restarts goes after it, once; the gateway's calls need the secret."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from c122.api.schemas.events import EVENT_PAYLOADS
from c122.domain.citizen import Channel
from tests.integration.channels.test_messenger_telegram import MENU_TEXT, set_up_text_bot
from tests.integration.contact_center.test_operator_desk import set_state
from tests.integration.intake.test_text_routing import text_queue
from tests.support.kannel import Kannel
from tests.support.polling import until
from tests.support.server import Desk, RunningServer, running_server

SECRET = "sms-callback-secret-of-the-tests"
APPLICANT = "+79161234567"
LONG_TEXT = "Ваше обращение принято. " + "Ожидайте звонка специалиста. " * 3  # 110 characters: 2 SMS

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
async def hotline(database_url: str, tmp_path: Path) -> AsyncIterator[tuple[RunningServer, Kannel]]:
    gateway = Kannel(tmp_path)

    def addressed(base_url: str) -> dict[str, object]:
        return gateway.product_settings(base_url, SECRET)

    async with running_server(database_url, addressed=addressed) as server:
        gateway.start_for(server.base_url, SECRET)
        try:
            yield server, gateway
        finally:
            gateway.stop()


async def _case_of(desk: Desk, server: RunningServer) -> dict[str, Any]:
    async with server.application.uow_factory() as uow:
        info = await uow.case_types.find({"code": "info"})
    assert info is not None
    created = await desk.write(
        "POST",
        "/api/v1/cases",
        json={"type_id": info.id, "applicant": {"last_name": "Белова", "phones": [APPLICANT]}},
    )
    assert created.status_code == 201, created.text
    card: dict[str, Any] = created.json()["case"]
    return card


async def test_a_text_reaches_the_smsc_in_ucs2_its_report_and_the_answer_come_back_to_the_card(
    hotline: tuple[RunningServer, Kannel],
) -> None:
    server, gateway = hotline
    announced: list[dict[str, Any]] = []
    server.application.bus.subscribe(
        lambda event: announced.append(dict(event.data)) if event.type == "sms.changed" else None
    )
    operator = await server.signed_in("operator1")
    card = await _case_of(operator, server)
    case_id = card["id"]
    sent = await operator.write(
        "POST", "/api/v1/sms", json={"phone": "8 916 123-45-67", "text": LONG_TEXT, "case_id": case_id}
    )
    assert sent.status_code == 201, sent.text
    assert sent.json()["state"] == "queued"
    assert sent.json()["phone"] == APPLICANT

    parts = await gateway.wait_sent(2)
    assert [p.receiver for p in parts] == [APPLICANT, APPLICANT]
    assert [p.udh[-2:] for p in parts] == [b"\x02\x01", b"\x02\x02"]  # one message in two parts
    assert "".join(p.text for p in parts) == LONG_TEXT.strip()  # UTF-16BE on the air

    def listed() -> Awaitable[Any]:
        return operator.http.get(f"/api/v1/cases/{case_id}/sms")

    delivered = await until(listed, lambda r: r.json()[0]["state"] == "delivered")
    assert delivered.json()[0]["problem"] == ""

    gateway.phone_sends("79161234567", "Спасибо, жду")
    answered = await until(listed, lambda r: len(r.json()) == 2)
    reply = answered.json()[1]
    states = [(data["direction"], data["state"]) for data in announced]
    assert states[0] == ("outbound", "queued")
    assert ("outbound", "delivered") in states
    assert states[-1] == ("inbound", "received")
    for data in announced:  # each as the event schema documents it
        EVENT_PAYLOADS["sms.changed"].model_validate(data)
    assert (reply["direction"], reply["state"], reply["text"], reply["phone"]) == (
        "inbound",
        "received",
        "Спасибо, жду",
        APPLICANT,
    )


async def test_with_kannel_stopped_the_text_waits_and_goes_when_it_is_back(
    hotline: tuple[RunningServer, Kannel],
) -> None:
    server, gateway = hotline
    operator = await server.signed_in("operator1")
    case_id = (await _case_of(operator, server))["id"]
    gateway.stop()
    sent = await operator.write(
        "POST", "/api/v1/sms", json={"phone": APPLICANT, "text": "Перезвоним", "case_id": case_id}
    )
    assert sent.status_code == 201

    def listed() -> Awaitable[Any]:
        return operator.http.get(f"/api/v1/cases/{case_id}/sms")

    waiting = (await until(listed, lambda r: r.json()[0]["attempts"] >= 1)).json()[0]
    assert waiting["state"] == "queued"
    assert "недоступен" in waiting["problem"]  # the card says why it is not sent yet

    gateway.start_for(server.base_url, SECRET)
    server.clock.advance(60)  # past the back-off
    await until(listed, lambda r: r.json()[0]["state"] in {"sent", "delivered"})
    parts = await gateway.wait_sent(1)
    assert parts[-1].text == "Перезвоним"


async def test_the_gateways_calls_need_the_secret_and_bad_input_is_refused_with_reasons(
    hotline: tuple[RunningServer, Kannel],
) -> None:
    server, _gateway = hotline
    async with server.client() as client:
        wrong = await client.get("/api/v1/sms/gateway/report", params={"secret": "guess", "id": 1, "type": 1})
        assert wrong.status_code == 403
        unknown = await client.get(
            "/api/v1/sms/gateway/report", params={"secret": SECRET, "id": 999, "type": 1}
        )
        assert unknown.status_code == 404
        odd = await client.get(
            "/api/v1/sms/gateway/incoming?"
            + urlencode({"secret": SECRET, "from": "79161234567", "coding": 2})
            + "&text=%04%1F%04"
        )
        assert odd.status_code == 400
        assert odd.json()["code"] == "invalid_text"
        assert "odd number" in odd.text
        lone = await client.get(  # a lone high surrogate: not UTF-16 at all
            "/api/v1/sms/gateway/incoming?"
            + urlencode({"secret": SECRET, "from": "79160000001", "coding": 2})
            + "&text=%D8%3D%00A"
        )
        assert lone.status_code == 400
        assert "UTF-16" in lone.json()["message"]
    async with server.application.uow_factory() as uow:  # neither refused SMS left anything
        assert await uow.contacts.open_case_of(Channel.SMS, "+79160000001") is None
        assert await uow.sms.counts() == {}
    operator = await server.signed_in("operator1")
    for body, field in (
        ({"phone": "12", "text": "Привет"}, "phone"),
        ({"phone": APPLICANT, "text": "я" * 700}, "text"),
    ):
        refused = await operator.write("POST", "/api/v1/sms", json=body)
        assert refused.status_code == 422
        assert refused.json()["fields"][0]["path"] == field
    stranger = await server.signed_in("operator5")  # another group: the card is not theirs
    card = await _case_of(operator, server)
    hidden = await stranger.write(
        "POST", "/api/v1/sms", json={"phone": APPLICANT, "text": "x", "case_id": card["id"]}
    )
    assert hidden.status_code == 404
    assert (await stranger.http.get(f"/api/v1/cases/{card['id']}/sms")).status_code == 404
    assert (await operator.http.get("/api/v1/sms/gateway")).status_code == 403
    admin = await server.signed_in("admin")
    state = (await admin.http.get("/api/v1/sms/gateway")).json()
    assert state["configured"] is True


async def test_an_sms_from_an_unknown_number_opens_a_request_offered_from_the_sms_queue(
    hotline: tuple[RunningServer, Kannel],
) -> None:
    server, gateway = hotline
    await text_queue(server)
    operator = await server.signed_in("operator1")
    await set_state(operator, "ready")
    gateway.phone_sends("79035550101", "Во дворе прорвало трубу")

    async def offer() -> Any:
        return (await operator.http.get("/api/v1/operators/me/chats")).json()["offer"]

    offered = await until(offer, lambda o: o is not None)
    assert (offered["channel"], offered["caller"]) == ("sms", "+79035550101")
    card = (await operator.http.get(f"/api/v1/cases/{offered['case_id']}")).json()
    assert card["case"]["source"] == "sms"
    accepted = await operator.write("POST", f"/api/v1/operators/me/chats/{offered['call_id']}/accept")
    assert accepted.status_code == 200
    gateway.phone_sends("79035550101", "Вода заливает подвал")

    async def chat() -> Any:
        return (await operator.http.get(f"/api/v1/cases/{offered['case_id']}/chat")).json()["messages"]

    messages = await until(chat, lambda m: len(m) == 2)
    assert [(m["channel"], m["author"], m["text"]) for m in messages] == [
        ("sms", "citizen", "Во дворе прорвало трубу"),
        ("sms", "citizen", "Вода заливает подвал"),
    ]


async def test_an_unknown_number_talks_to_the_sms_bot_and_its_choice_opens_the_case(
    hotline: tuple[RunningServer, Kannel],
) -> None:
    """With a bot on SMS, a number with no case in work gets the menu by SMS; its digit hands the
    conversation over (case type and queue from the flow, the transcript on the card); what it sends
    afterwards joins that case's conversation instead of restarting the bot."""
    server, gateway = hotline
    admin = await server.signed_in("admin")
    doctor_type, _group = await set_up_text_bot(server, admin, channel="sms")
    gateway.phone_sends("79035550102", "Здравствуйте")
    menu = (await gateway.wait_sent(1))[0]
    assert (menu.receiver, MENU_TEXT in menu.text, "Ответьте цифрой: 1" in menu.text) == (
        "+79035550102",
        True,
        True,
    )
    async with server.application.uow_factory() as uow:
        assert await uow.sms.open_case_of("+79035550102") is None  # the bot asks before a case opens

    gateway.phone_sends("79035550102", "1")

    async def opened() -> int | None:
        async with server.application.uow_factory() as uow:
            return await uow.sms.open_case_of("+79035550102")

    case_id = await until(opened, lambda found: found is not None)
    assert case_id is not None
    card = (await admin.http.get(f"/api/v1/cases/{case_id}")).json()["case"]
    assert (card["source"], card["type_id"]) == ("sms", doctor_type)
    gateway.phone_sends("79035550102", "У мамы температура 39")

    async def chat() -> Any:
        return (await admin.http.get(f"/api/v1/cases/{case_id}/chat")).json()["messages"]

    messages = await until(chat, lambda m: any(x["text"] == "У мамы температура 39" for x in m))
    authors = [(m["author"], m["text"]) for m in messages]
    assert ("citizen", "Здравствуйте") in authors
    assert ("bot", MENU_TEXT) in authors
    assert authors[-1] == ("citizen", "У мамы температура 39")
    sent = await gateway.wait_sent(3)  # the menu, then the hand-over's notice in two UCS-2 parts
    assert "передано оператору" in "".join(part.text for part in sent[1:])
    await asyncio.sleep(1.0)  # a bot answer to the last text would be out by now
    assert len(gateway.sent()) == 3


async def test_without_a_gateway_sms_are_refused_naming_the_setting(server: RunningServer) -> None:
    operator = await server.signed_in("operator1")
    refused = await operator.write("POST", "/api/v1/sms", json={"phone": APPLICANT, "text": "Привет"})
    assert refused.status_code == 409
    assert "sms_gateway_url" in refused.json()["message"]


async def test_the_citizen_apps_one_time_code_goes_by_sms_and_confirms_the_device(
    hotline: tuple[RunningServer, Kannel],
) -> None:
    server, gateway = hotline
    async with server.client() as app:
        asked = await app.post(
            "/api/citizen/v1/devices", json={"phone": "+79161230000", "platform": "android"}
        )
        assert asked.status_code == 201, asked.text
        parts = await gateway.wait_sent(1)
        assert parts[-1].receiver == "+79161230000"
        code = parts[-1].text.split(": ", 1)[1][:6]
        assert code.isdigit()
        confirmed = await app.post(
            f"/api/citizen/v1/devices/{asked.json()['device_id']}/confirm", json={"code": code}
        )
        assert confirmed.status_code == 200, confirmed.text
        assert confirmed.json()["token"]


async def test_the_operator_answers_by_sms_from_the_one_chat_and_sees_its_delivery(
    hotline: tuple[RunningServer, Kannel],
) -> None:
    """Fig. 30: one conversation per case; the operator chooses the channel, the SMS answer shows its
    delivery state in the chat."""
    server, gateway = hotline
    gateway.phone_sends("79035550202", "Когда дадут свет?")
    operator = await server.signed_in("operator1")

    async def opened() -> Any:
        async with server.application.uow_factory() as uow:
            return await uow.contacts.open_case_of(Channel.SMS, "+79035550202")

    case_id = await until(opened, lambda c: c is not None)
    chat = (await operator.http.get(f"/api/v1/cases/{case_id}/chat")).json()
    assert chat["reply_channels"] == ["sms"]
    by_app = await operator.write(
        "POST", f"/api/v1/cases/{case_id}/chat", json={"text": "x", "channel": "app"}
    )
    assert by_app.status_code == 409
    assert by_app.json()["code"] == "not_reachable"
    answer = await operator.write("POST", f"/api/v1/cases/{case_id}/chat", json={"text": "Сегодня к 18:00"})
    assert answer.status_code == 201, answer.text
    assert (answer.json()["channel"], answer.json()["delivery"]) == ("sms", "queued")
    parts = await gateway.wait_sent(1)
    assert (parts[-1].receiver, parts[-1].text) == ("+79035550202", "Сегодня к 18:00")

    async def messages() -> Any:
        return (await operator.http.get(f"/api/v1/cases/{case_id}/chat")).json()["messages"]

    thread = await until(messages, lambda m: m[-1]["delivery"] == "delivered")
    assert [(m["author"], m["channel"], m["delivery"]) for m in thread] == [
        ("citizen", "sms", None),
        ("operator", "sms", "delivered"),
    ]


async def test_a_burst_goes_in_batches_with_several_in_flight_and_every_message_is_reported(
    hotline: tuple[RunningServer, Kannel],
) -> None:
    """More messages than one batch takes, queued at once: each reaches the SMSC, each is stored as
    sent and then delivered by its report (a report that overtakes the batch's write stands). The
    hand-over is at least once: a database that stops answering right after Kannel took a batch may
    have it sent again, so the numbers are compared as a set."""
    server, gateway = hotline
    sms = server.application.context.sms
    count = 60
    phones = [f"+7916{n:07d}" for n in range(count)]
    for n, phone in enumerate(phones):
        await sms.send_notice(phone, f"Обращение № {n} принято")
    on_air = await gateway.wait_sent(count, timeout=90)
    assert {p.receiver for p in on_air} == set(phones)  # none missing

    async def counted() -> dict[str, int]:
        return await sms.counts()

    settled = await until(counted, lambda c: c.get("delivered", 0) == count, timeout=90)
    assert settled == {"delivered": count}


async def test_a_text_queued_before_a_restart_of_the_product_goes_after_it(
    database_url: str, tmp_path: Path
) -> None:
    """The outbox is the database: a text the gateway could not take yet is sent by the next start."""
    gateway = Kannel(tmp_path)  # not started: the text stays queued

    def addressed(base_url: str) -> dict[str, object]:
        return gateway.product_settings(base_url, SECRET)

    async with running_server(database_url, addressed=addressed) as first:
        password = first.passwords["operator1"]
        operator = await first.signed_in("operator1")
        case_id = (await _case_of(operator, first))["id"]
        sent = await operator.write(
            "POST", "/api/v1/sms", json={"phone": APPLICANT, "text": "Перезвоним завтра", "case_id": case_id}
        )
        assert sent.status_code == 201, sent.text

        def tried() -> Awaitable[Any]:
            return operator.http.get(f"/api/v1/cases/{case_id}/sms")

        await until(tried, lambda r: r.json()[0]["attempts"] >= 1 and r.json()[0]["state"] == "queued")

    async with running_server(database_url, addressed=addressed, seed=False) as second:
        gateway.start_for(second.base_url, SECRET)
        try:
            second.clock.advance(60)  # past the back-off the first start set
            again = await second.signed_in("operator1", password)

            def listed() -> Awaitable[Any]:
                return again.http.get(f"/api/v1/cases/{case_id}/sms")

            await until(listed, lambda r: r.json()[0]["state"] in {"sent", "delivered"})
            parts = await gateway.wait_sent(1)
            assert [part.text for part in parts] == ["Перезвоним завтра"]  # once, not twice
        finally:
            gateway.stop()
