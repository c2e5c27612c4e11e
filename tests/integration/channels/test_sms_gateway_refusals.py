"""The SMS gateway refusing the product, with real Kannel processes (bearerbox, smsbox, fakesmsc) on
SQLite and PostgreSQL: smsbox answers 403 «Authorization failed» to a wrong password — the gateway's
setting, not the message — so the operator's text stays queued, the card says why it is not sent yet,
and it is tried again after the back-off; nothing reaches the SMSC and nothing is lost."""

from __future__ import annotations

from collections.abc import Awaitable
from pathlib import Path
from typing import Any

import pytest

from c122.domain.errors import InvalidFields
from tests.integration.channels.test_sms_kannel import APPLICANT, SECRET, _case_of
from tests.support.kannel import Kannel
from tests.support.polling import until
from tests.support.server import running_server

pytestmark = pytest.mark.timeout(120)


async def test_refused_credentials_keep_the_text_queued_and_retried(
    database_url: str, tmp_path: Path
) -> None:
    gateway = Kannel(tmp_path)

    def addressed(base_url: str) -> dict[str, object]:
        return {**gateway.product_settings(base_url, SECRET), "sms_gateway_password": "not-the-password"}

    async with running_server(database_url, addressed=addressed) as server:
        gateway.start_for(server.base_url, SECRET)
        try:
            operator = await server.signed_in("operator1")
            case_id = (await _case_of(operator, server))["id"]
            sent = await operator.write(
                "POST", "/api/v1/sms", json={"phone": APPLICANT, "text": "Перезвоним", "case_id": case_id}
            )
            assert sent.status_code == 201, sent.text

            def listed() -> Awaitable[Any]:
                return operator.http.get(f"/api/v1/cases/{case_id}/sms")

            first = (await until(listed, lambda r: r.json()[0]["attempts"] >= 1)).json()[0]
            assert first["state"] == "queued"
            assert "HTTP 403" in first["problem"]
            assert "повтор через" in first["problem"]  # the card says it is not sent yet, and when next
            server.clock.advance(60)  # past the back-off
            again = (await until(listed, lambda r: r.json()[0]["attempts"] >= 2)).json()[0]
            assert again["state"] == "queued"
            assert gateway.sent() == []
        finally:
            gateway.stop()


async def test_a_batch_of_notices_is_queued_at_once_or_refused_whole(database_url: str) -> None:
    settings = {  # a gateway nobody listens on: queueing needs none
        "sms_gateway_url": "http://127.0.0.1:9/cgi-bin/sendsms",
        "sms_callback_url": "http://127.0.0.1:9",
        "sms_callback_secret": SECRET,
    }
    async with running_server(database_url, **settings) as server:
        sms = server.application.context.sms
        refused = None
        try:
            await sms.send_notices([(APPLICANT, "Первое"), ("12", "Второе"), (APPLICANT, "")])
        except InvalidFields as error:
            refused = error
        assert refused is not None
        assert [(p.path, p.code) for p in refused.problems] == [
            ("[1].phone", "invalid_phone"),
            ("[2].text", "invalid_text"),
        ]
        assert await sms.counts() == {}  # nothing of a refused batch is stored
        queued = await sms.send_notices([(APPLICANT, f"Уведомление {n}") for n in range(3)])
        assert [m.text for m in queued] == ["Уведомление 0", "Уведомление 1", "Уведомление 2"]
        assert len({m.id for m in queued}) == 3
        assert (await sms.counts()).get("queued", 0) + (await sms.counts()).get("failed", 0) == 3
