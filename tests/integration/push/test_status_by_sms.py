"""A status change the app cannot be pushed reaches the citizen by SMS, through real Kannel (bearerbox +
smsbox + fakesmsc, tests/support/kannel.py) on both databases: a device without a push subscription,
or whose push service answers 410, gets one SMS per change, written into the case's conversation with
its delivery state; a device that is pushed gets no SMS; the setting turns the SMS off. The push
service is a local endpoint (tests/support/push_endpoint.py): the real ones cannot be reached here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from c122.domain.citizen import Channel
from tests.integration.citizen.support import API, App
from tests.integration.push.test_app_push import settle, subscribe
from tests.support.kannel import Kannel
from tests.support.polling import until
from tests.support.push_endpoint import BrowserKeys, push_endpoint
from tests.support.server import Desk, RunningServer, running_server

SECRET = "sms-callback-secret-of-the-tests"
pytestmark = pytest.mark.timeout(120)


async def _hotline(
    database_url: str, tmp_path: Path, **overrides: object
) -> AsyncIterator[tuple[RunningServer, Kannel]]:
    gateway = Kannel(tmp_path)
    async with running_server(
        database_url, addressed=lambda base_url: gateway.product_settings(base_url, SECRET), **overrides
    ) as server:
        gateway.start_for(server.base_url, SECRET)
        try:
            yield server, gateway
        finally:
            gateway.stop()


@pytest.fixture
async def hotline(database_url: str, tmp_path: Path) -> AsyncIterator[tuple[RunningServer, Kannel]]:
    async for running in _hotline(database_url, tmp_path):
        yield running


@pytest.fixture
async def no_sms_fallback(database_url: str, tmp_path: Path) -> AsyncIterator[tuple[RunningServer, Kannel]]:
    async for running in _hotline(database_url, tmp_path, status_sms_fallback=False):
        yield running


async def registered_by_sms(server: RunningServer, gateway: Kannel, phone: str) -> App:
    """A device confirmed with the code that came by SMS to the simulated SMSC."""
    http: httpx.AsyncClient = server.client()
    asked = await http.post(f"{API}/devices", json={"phone": phone, "platform": "android"})
    assert asked.status_code == 201, asked.text
    parts = await gateway.wait_sent(len(gateway.sent()) + 1)
    code = parts[-1].text.split(": ", 1)[1][:6]
    confirmed = await http.post(f"{API}/devices/{asked.json()['device_id']}/confirm", json={"code": code})
    assert confirmed.status_code == 200, confirmed.text
    return App(http, asked.json()["device_id"], confirmed.json()["token"])


async def change_status(operator: Desk, case_id: int, status: str) -> None:
    changed = await operator.write("PUT", f"/api/v1/cases/{case_id}/status", json={"status": status})
    assert changed.status_code == 200, changed.text


async def thread(operator: Desk, case_id: int) -> list[dict[str, Any]]:
    chat = await operator.http.get(f"/api/v1/cases/{case_id}/chat")
    assert chat.status_code == 200, chat.text
    messages: list[dict[str, Any]] = chat.json()["messages"]
    return messages


async def test_a_device_without_push_gets_the_status_by_sms_once_per_change(
    hotline: tuple[RunningServer, Kannel],
) -> None:
    server, gateway = hotline
    app = await registered_by_sms(server, gateway, "+79161230001")
    case = (await app.create_case(description="Яма на дороге")).json()
    operator = await server.signed_in("operator1")
    before = len(gateway.sent())
    await change_status(operator, case["id"], "in_work")
    await settle(server)
    parts = await gateway.wait_sent(before + 1)
    assert (parts[-1].receiver, parts[-1].text) == (
        "+79161230001",
        f"Обращение {case['name']}: новый статус «В работе».",
    )
    messages = await until(
        lambda: thread(operator, case["id"]), lambda m: bool(m) and m[-1]["delivery"] == "delivered"
    )
    notices = [m for m in messages if m["channel"] == "sms"]
    assert [(m["author"], m["author_name"], m["text"]) for m in notices] == [
        ("system", "Уведомление о статусе", parts[-1].text)
    ]
    # A change of the flag only is no status change: no SMS.
    flagged = await operator.write("PUT", f"/api/v1/cases/{case['id']}/status", json={"attention": True})
    assert flagged.status_code == 200, flagged.text
    await settle(server)
    await change_status(operator, case["id"], "completed")
    await settle(server)
    last = await gateway.wait_sent(before + 2)
    assert last[-1].text.endswith("«Завершено».")
    assert len(gateway.sent()) == before + 2


async def test_a_pushed_device_gets_no_sms_and_a_gone_subscription_falls_back_to_sms(
    hotline: tuple[RunningServer, Kannel],
) -> None:
    server, gateway = hotline
    app = await registered_by_sms(server, gateway, "+79161230002")
    operator = await server.signed_in("operator1")
    with push_endpoint() as service:
        await subscribe(app, f"{service.base_url}/push/phone", BrowserKeys.new())
        case = (await app.create_case(description="Не горит фонарь")).json()
        before = len(gateway.sent())
        await change_status(operator, case["id"], "in_work")
        await settle(server)
        assert len(service.to("/push/phone")) == 1
        assert len(gateway.sent()) == before
        assert [m for m in await thread(operator, case["id"]) if m["channel"] == "sms"] == []
        # The push service says the subscription is gone: this change goes by SMS.
        service.answers["/push/phone"] = 410
        await change_status(operator, case["id"], "completed")
        await settle(server)
        parts = await gateway.wait_sent(before + 1)
        assert parts[-1].text.endswith("«Завершено».")
        assert len(service.to("/push/phone")) == 2


async def test_the_setting_turns_the_status_sms_off(no_sms_fallback: tuple[RunningServer, Kannel]) -> None:
    server, gateway = no_sms_fallback
    app = await registered_by_sms(server, gateway, "+79161230003")
    case = (await app.create_case(description="Нет воды")).json()
    operator = await server.signed_in("operator1")
    before = len(gateway.sent())
    await change_status(operator, case["id"], "in_work")
    await settle(server)
    assert len(gateway.sent()) == before
    assert [m for m in await thread(operator, case["id"]) if m["channel"] == "sms"] == []


async def test_a_request_by_sms_is_told_by_sms_when_it_is_finished(
    hotline: tuple[RunningServer, Kannel],
) -> None:
    server, gateway = hotline
    gateway.phone_sends("79035550303", "Не вывезли мусор")

    async def opened() -> Any:
        async with server.application.uow_factory() as uow:
            return await uow.contacts.open_case_of(Channel.SMS, "+79035550303")

    case_id = await until(opened, lambda c: c is not None)
    operator = await server.signed_in("operator1")
    name = (await operator.http.get(f"/api/v1/cases/{case_id}")).json()["case"]["name"]
    before = len(gateway.sent())
    await change_status(operator, case_id, "in_work")  # still open: nothing is sent
    await settle(server)
    assert [m for m in await thread(operator, case_id) if m["author"] != "citizen"] == []
    await change_status(operator, case_id, "completed")
    await settle(server)
    parts = (await gateway.wait_sent(before + 2))[before:]  # Cyrillic: UCS-2 in two joined parts
    assert {p.receiver for p in parts} == {"+79035550303"}
    text = "".join(p.text for p in parts)
    assert text == f"Завершено: обращение {name}. Напишите сюда снова, если нужно: откроется новое обращение."
    messages = await until(
        lambda: thread(operator, case_id),
        lambda m: m[-1]["author"] == "system" and m[-1]["delivery"] == "delivered",
    )
    assert (messages[-1]["channel"], messages[-1]["author_name"]) == ("sms", "Уведомление о статусе")
    assert len(gateway.sent()) == before + 2
