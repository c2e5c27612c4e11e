"""Operators' SIP phones register with the operator's login and SIP password (digest, baresip)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from tests.integration.call_flow.conftest import OPERATOR_SIP_PASSWORD, sip_port
from tests.support.peers import Baresip
from tests.support.server import RunningServer

pytestmark = pytest.mark.peers


async def test_a_phone_with_a_wrong_password_is_refused_and_not_registered(
    hotline: RunningServer, tmp_path: Path
) -> None:
    desk = await hotline.signed_in("operator1")
    response = await desk.write(
        "PUT", "/api/v1/operators/me/phone", json={"mode": "sip", "sip_password": OPERATOR_SIP_PASSWORD}
    )
    assert response.status_code == 200
    telephony = hotline.application.telephony
    assert telephony is not None
    failures: asyncio.Queue[str | None] = asyncio.Queue()
    telephony.sip.on_auth_failure = lambda _source, account: failures.put_nowait(account)
    account = f"<sip:operator1@127.0.0.1:{sip_port(hotline)}>;auth_pass=not-the-password;regint=600"
    phone = Baresip(tmp_path, 1000, account=account)
    await phone.start()
    try:
        assert await asyncio.wait_for(failures.get(), 15) == "operator1"
    finally:
        await phone.stop()
    assert (await desk.http.get("/api/v1/operators/me/phone")).json()["sip"]["registered"] is False
