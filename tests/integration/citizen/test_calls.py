"""The citizen app's voice call over a real server with telephony, on both databases: the refusals
(no token 401, a bad location 422, a second call while one is under way 429, another device's call
404 and audited, a garbage SDP answer 400, keys before the call is connected 409, a call over the
hotline's call cap 503), hanging up, and a
call to a number that is no line, connected from aiortc and refused by the call flow. Where this
server runs no telephony the call is 503."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import AudioStreamTrack

from tests.integration.citizen.support import API, NOT_CONNECTED, App, registered
from tests.support.polling import until
from tests.support.server import RunningServer, running_server

pytestmark = pytest.mark.peers

NO_SUCH_LINE = "+70000000001"


def calls_overrides(tmp_path: Path) -> dict[str, object]:
    rtp_min = random.randrange(20000, 32000, 100)
    return {
        "sip_port": 0,
        "sip_ws_port": 0,
        "rtp_port_min": rtp_min,
        "rtp_port_max": rtp_min + 99,
        "data_dir": tmp_path / "data",
        "webrtc_host_addresses": "127.0.0.1",
        "citizen_call_line": NO_SUCH_LINE,
        # The telephony's start (the outage notice synthesised and stored) may hold SQLite's write lock
        # for seconds on a loaded machine: the first registration waits for it rather than failing.
        "database_statement_timeout_seconds": 15.0,
    }


@pytest.fixture
async def calls_server(database_url: str, tmp_path: Path) -> AsyncIterator[RunningServer]:
    async with running_server(database_url, with_telephony=True, **calls_overrides(tmp_path)) as server:
        yield server


def _auth(app: App) -> dict[str, str]:
    return {"Authorization": f"Bearer {app.token}"}


async def _hang_up(app: App, call_id: str) -> httpx.Response:
    return await app.http.delete(f"{API}/calls/{call_id}", headers=_auth(app))


async def test_the_call_refusals_and_hanging_up(calls_server: RunningServer) -> None:
    server = calls_server
    app = await registered(server, "+79161110001")
    other = await registered(server, "+79161110002")
    anonymous = await server.client().post(f"{API}/calls", json={})
    assert anonymous.status_code == 401
    assert anonymous.json()["code"] == "not_authenticated"
    off_the_map = await app.post("/calls", json={"location": {"latitude": 91, "longitude": 37}})
    assert off_the_map.status_code == 422

    placed = await app.post("/calls", json={"location": {"latitude": 55.75, "longitude": 37.61}})
    assert placed.status_code == 201, placed.text
    offer = placed.json()
    call_id = offer["call_id"]
    assert "m=audio" in offer["sdp"]
    assert "a=fingerprint:" in offer["sdp"]
    assert (await app.get(f"/calls/{call_id}")).json() == {
        "call_id": call_id,
        "state": "connecting",
        "cause": None,
        **NOT_CONNECTED,
    }
    second = await app.post("/calls", json={})
    assert second.status_code == 429
    assert int(second.headers["Retry-After"]) > 0

    # Another device: the call does not exist for it, whatever it tries; the probes are audited.
    for answer in (
        await other.get(f"/calls/{call_id}"),
        await other.post(f"/calls/{call_id}/answer", json={"sdp": offer["sdp"]}),
        await other.post(f"/calls/{call_id}/dtmf", json={"digits": "1"}),
        await _hang_up(other, call_id),
    ):
        assert answer.status_code == 404, answer.text
    assert (await app.get(f"/calls/{call_id}")).json()["state"] == "connecting"  # untouched
    admin = await server.signed_in("admin")
    trail = (
        await admin.http.get("/api/v1/admin/audit", params={"action": "access_refused", "entity": "app_call"})
    ).json()
    probes = [e for e in trail["items"] if e["entity_id"] == call_id]
    assert len(probes) == 4
    assert all(e["detail"]["device_id"] == other.device_id for e in probes)

    early_keys = await app.post(f"/calls/{call_id}/dtmf", json={"digits": "1"})
    assert early_keys.status_code == 409
    assert early_keys.json()["code"] == "not_connected"
    assert (await app.post(f"/calls/{call_id}/dtmf", json={"digits": "1; DROP"})).status_code == 422
    assert (await app.post(f"/calls/{call_id}/answer", json={"sdp": ""})).status_code == 422
    garbage = await app.post(f"/calls/{call_id}/answer", json={"sdp": "v=0\r\nэто не SDP\r\n"})
    assert garbage.status_code == 400
    assert garbage.json()["code"] == "bad_sdp"
    assert (await app.get(f"/calls/{call_id}")).json() == {
        "call_id": call_id,
        "state": "ended",
        "cause": "bad_answer",
        **NOT_CONNECTED,
    }
    again = await app.post(f"/calls/{call_id}/answer", json={"sdp": offer["sdp"]})
    assert again.status_code == 409
    assert again.json()["code"] == "call_ended"

    # The refused answer ended that call: a new one may be placed, and hung up before it connects.
    placed = await app.post("/calls", json={})
    assert placed.status_code == 201, placed.text
    new_id = placed.json()["call_id"]
    assert (await app.get(f"/calls/{call_id}")).status_code == 404  # only the latest call is the device's
    hung_up = await _hang_up(app, new_id)
    assert hung_up.json() == {"call_id": new_id, "state": "ended", "cause": "hung_up", **NOT_CONNECTED}
    assert (await _hang_up(app, new_id)).json()["state"] == "ended"
    telephony = server.application.telephony
    assert telephony is not None
    assert telephony.app_calls.under_way() == 0


async def test_a_connected_call_to_a_number_that_is_no_line_is_refused(calls_server: RunningServer) -> None:
    app = await registered(calls_server, "+79161110003")
    offer = (await app.post("/calls", json={})).json()
    peer = RTCPeerConnection()
    peer.addTrack(AudioStreamTrack())
    try:
        await peer.setRemoteDescription(RTCSessionDescription(offer["sdp"], "offer"))
        await peer.setLocalDescription(await peer.createAnswer())
        answered = await app.post(
            f"/calls/{offer['call_id']}/answer", json={"sdp": peer.localDescription.sdp}
        )
        assert answered.status_code == 200, answered.text

        async def status() -> dict[str, Any]:
            found: dict[str, Any] = (await app.get(f"/calls/{offer['call_id']}")).json()
            return found

        # Connected, handed to the call flow, which refuses a number that is no line (as SIP's 404).
        ended = await until(status, lambda s: s["state"] == "ended", timeout=15)
        assert ended["cause"] == "refused"
    finally:
        await peer.close()
    await asyncio.sleep(0)


async def test_app_calls_count_against_the_hotlines_call_cap(database_url: str, tmp_path: Path) -> None:
    overrides = calls_overrides(tmp_path) | {"sip_max_calls": 1}
    async with running_server(database_url, with_telephony=True, **overrides) as server:
        first = await registered(server, "+79161110005")
        second = await registered(server, "+79161110006")
        placed = await first.post("/calls", json={})
        assert placed.status_code == 201, placed.text
        refused = await second.post("/calls", json={})
        assert refused.status_code == 503, refused.text
        assert refused.json()["code"] == "line_busy"
        assert int(refused.headers["Retry-After"]) > 0
        # The first call's end gives its place back, whatever ended it.
        await _hang_up(first, placed.json()["call_id"])
        assert (await second.post("/calls", json={})).status_code == 201


async def test_a_server_without_telephony_takes_no_calls(server: RunningServer) -> None:
    app = await registered(server, "+79161110004")
    refused = await app.post("/calls", json={})
    assert refused.status_code == 503
    assert refused.json()["code"] == "calls_unavailable"
    assert int(refused.headers["Retry-After"]) > 0
