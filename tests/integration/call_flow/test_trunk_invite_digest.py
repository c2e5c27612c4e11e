"""A carrier that challenges calls: an operator's call out through a trunk with credentials answers the
carrier's 407 with digest credentials (RFC 3261 §22.2; MD5, qop=auth), in the same Call-ID with the
next CSeq, once; SIPp as the carrier challenges and answers, and the test recomputes the digest from
SIPp's trace (SIPp's own verifyauth reads Authorization only, not Proxy-Authorization). A carrier that
challenges again after the credentials ends the call with the cause `trunk_auth_failed`, and no third
INVITE is sent."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import pytest
from tests.integration.call_flow.conftest import Carrier, ended_calls, hotline_overrides
from tests.support.server import Desk, RunningServer, running_server

pytestmark = pytest.mark.peers
REGION_CALLER_ID = "+74950001122"
DIALLED = "+74951112233"
USERNAME = "c122out"
SECRET = "carrier-s3cret"


def _challenging(carrier: Any, scenario: str) -> Carrier:
    made: Carrier = carrier(REGION_CALLER_ID, DIALLED)
    made.scenario, made.username, made.secret = scenario, USERNAME, SECRET
    return made


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def _expected_response(params: dict[str, str]) -> str:
    """RFC 7616 §3.4.1 with qop=auth and MD5, computed here independently of the server's code."""
    ha1 = _md5(f"{USERNAME}:{params['realm']}:{SECRET}")
    ha2 = _md5(f"INVITE:{params['uri']}")
    return _md5(f"{ha1}:{params['nonce']}:{params['nc']}:{params['cnonce']}:{params['qop']}:{ha2}")


def _header(message: str, name: str) -> str:
    found = re.search(rf"^{name}:\s*(.+)$", message, re.MULTILINE | re.IGNORECASE)
    assert found is not None, f"no {name} in {message}"
    return found.group(1).strip()


async def _calling_out(server: RunningServer, carrier: Carrier, operator_phone: Any) -> tuple[Desk, Any]:
    admin = await server.signed_in("admin")
    trunk = {**carrier.trunk("+7495"), "username": USERNAME, "password": SECRET}
    created = await admin.write("POST", "/api/v1/admin/trunks", json=trunk)
    assert created.status_code == 201, created.text
    me = await server.signed_in("operator1")
    phone = await operator_phone(server, me, "operator1", 1000)
    assert (await me.write("PUT", "/api/v1/operators/me/state", json={"status": "ready"})).is_success
    await carrier.start()
    return me, phone


async def test_a_call_out_answers_the_carriers_challenge_with_the_trunks_credentials(
    database_url: str, tmp_path: Path, operator_phone: Any, carrier: Any
) -> None:
    moscow = _challenging(carrier, "carrier_auth_uas.xml")
    async with running_server(database_url, with_telephony=True, **hotline_overrides(tmp_path)) as server:
        me, phone = await _calling_out(server, moscow, operator_phone)
        async with me.events() as events:
            placed = await me.write("POST", "/api/v1/operators/me/calls", json={"number": DIALLED})
            assert placed.status_code == 201, placed.text
            await events.next_event("call.connected", timeout=20)
            assert (await me.write("POST", "/api/v1/operators/me/call/hang-up")).status_code == 204
            await events.next_event("call.ended", timeout=10)
        await moscow.finish()  # verifyauth accepted the credentials, and the BYE came
        first, second = moscow.received_invites()
        assert _header(first, "Call-ID") == _header(second, "Call-ID")
        assert int(_header(second, "CSeq").split()[0]) == int(_header(first, "CSeq").split()[0]) + 1
        assert "Proxy-Authorization" not in first
        answer = _header(second, "Proxy-Authorization")
        for part in (
            f'username="{USERNAME}"',
            'realm="carrier.test"',
            "qop=auth",
            "nc=00000001",
            "algorithm=MD5",
        ):
            assert part in answer
        assert SECRET not in second
        params = dict(re.findall(r'(\w+)="?([^",]*)"?', answer.removeprefix("Digest ")))
        assert params["response"] == _expected_response(params)
        assert params["uri"] == second.split()[1]  # the Request-URI it answers for
        (out,) = await ended_calls(server, direction="outbound")
        assert out["status"] == "answered"
        await phone.stop()


async def test_a_second_challenge_after_the_credentials_fails_the_call_without_a_loop(
    database_url: str, tmp_path: Path, operator_phone: Any, carrier: Any
) -> None:
    moscow = _challenging(carrier, "carrier_auth_refuses.xml")
    async with running_server(database_url, with_telephony=True, **hotline_overrides(tmp_path)) as server:
        me, phone = await _calling_out(server, moscow, operator_phone)
        async with me.events() as events:
            placed = await me.write("POST", "/api/v1/operators/me/calls", json={"number": DIALLED})
            assert placed.status_code == 201, placed.text
            await events.next_event("call.ended", timeout=20)
        await moscow.finish()  # nothing after the second 407 but its ACK, through the pause
        assert len(moscow.received_invites()) == 2
        (out,) = await ended_calls(server, direction="outbound")
        assert (out["status"], out["end_cause"]) == ("failed", "trunk_auth_failed")
        await phone.stop()
