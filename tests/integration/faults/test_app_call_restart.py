"""kill -9 of `c122 serve` while a call from the citizen app is with an operator, then a start on the
same data. The app's leg is WebRTC held in the process (its DTLS-SRTP keys die with it), so the call
cannot be taken over: it is ended honestly — the call record closed as `system_restart`, the operator's
phone sent a BYE and the operator released, and the app, asking about its call, told it ended with
`system_restart` (the app says so and offers to call again); a new call is taken at once.

The app is aiortc answering the server's offer as the reference app does; the operator's phone is
baresip; all on loopback."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import AudioStreamTrack

from tests.integration.citizen.support import NOT_CONNECTED
from tests.integration.faults.test_restart import (
    Hotline,
    dial,  # noqa: F401 - the fixtures `phones` needs
    hotline,  # noqa: F401 - a fixture
    journal,
    kept_calls,
    phones,  # noqa: F401 - a fixture
    released,
    stored_dialogs,
)
from tests.support.peers import Baresip
from tests.support.polling import until

pytestmark = [pytest.mark.peers, pytest.mark.serial, pytest.mark.timeout(240)]

API = "/api/citizen/v1"
MAIN_LINE = "+78001220122"  # the demo's main line, straight to the queue here
PHONE = "+79035550041"


@pytest.fixture
def server_environment() -> dict[str, str]:
    return {"C122_CITIZEN_CALL_LINE": MAIN_LINE}


async def device_token(line: Hotline, http: httpx.AsyncClient) -> str:
    """A confirmed device: the code is read from the server's log (no SMS can be sent here)."""
    registered = await http.post(f"{API}/devices", json={"phone": PHONE, "platform": "web"})
    assert registered.status_code == 201, registered.text
    codes = re.findall(rf"one-time code for \{PHONE}: (\d+)", line.server.output())
    confirmed = await http.post(
        f"{API}/devices/{registered.json()['device_id']}/confirm", json={"code": codes[-1]}
    )
    assert confirmed.status_code == 200, confirmed.text
    return str(confirmed.json()["token"])


async def test_kill_during_an_app_call_ends_it_honestly_and_the_app_may_call_again(
    hotline: Hotline,  # noqa: F811 - the fixture
    phones: Callable[..., Awaitable[Baresip]],  # noqa: F811 - the fixture
) -> None:
    desk = await hotline.desk("operator1")
    phone = await phones(desk)
    ready = await desk.write("PUT", "/api/v1/operators/me/state", json={"status": "ready"})
    assert ready.status_code == 200, ready.text
    http = httpx.AsyncClient(base_url=hotline.server.base_url, timeout=10)
    hotline.clients.append(http)
    http.headers["Authorization"] = f"Bearer {await device_token(hotline, http)}"

    offer = await http.post(f"{API}/calls", json={})
    assert offer.status_code == 201, offer.text
    call_id = offer.json()["call_id"]
    app = RTCPeerConnection()
    app.addTrack(AudioStreamTrack())
    try:
        await app.setRemoteDescription(RTCSessionDescription(offer.json()["sdp"], "offer"))
        await app.setLocalDescription(await app.createAnswer())
        answered = await http.post(f"{API}/calls/{call_id}/answer", json={"sdp": app.localDescription.sdp})
        assert answered.status_code == 200, answered.text

        async def status() -> dict[str, Any]:
            found: dict[str, Any] = (await http.get(f"{API}/calls/{call_id}")).json()
            return found

        await until(status, lambda s: s["state"] == "connected", timeout=20)
        await until(desk.state, lambda state: state == "on_call", timeout=30)
        await phone.wait_output(lambda line: "established" in line.lower(), timeout=15)
        # The phone's dialog is stored (in the background) for the restart to end; nothing is kept to
        # take over, since the app's leg cannot be.
        await until(lambda: stored_dialogs(hotline), lambda counts: counts == (1, 0))
        assert await kept_calls(hotline) == 0

        await hotline.server.kill()
        await hotline.server.start()

        # The app asks about its call: ended, and why (not "no such call").
        told = await status()
        assert told == {"call_id": call_id, "state": "ended", "cause": "system_restart", **NOT_CONNECTED}
    finally:
        await app.close()

    # The operator's phone got a BYE, the operator is free, the record closed with the reason.
    await phone.wait_output(lambda line: "terminated" in line.lower() or "closed" in line.lower(), timeout=30)
    assert await released(desk) in ("wrap_up", "ready")
    admin = await hotline.desk("admin")
    calls = await until(lambda: journal(admin), lambda items: bool(items) and items[0]["status"] != "active")
    (record,) = calls
    assert record["end_cause"] == "system_restart"
    assert record["caller"].endswith(PHONE[1:])  # the device's confirmed number

    # Calling again works at once (no "a call is under way" from the one the restart ended).
    again = await http.post(f"{API}/calls", json={})
    assert again.status_code == 201, again.text
    hung_up = await http.delete(f"{API}/calls/{again.json()['call_id']}")
    assert hung_up.json()["cause"] == "hung_up"
    # The call the restart ended keeps its cause; another id is still nobody's (404).
    assert (await http.get(f"{API}/calls/{call_id}")).status_code == 404  # no longer the latest
    assert (await http.get(f"{API}/calls/app-0000000000000000")).status_code == 404
