"""A real call on a hotline line: SIPp dials the main line, keys 1 in the greeting menu, waits in the
information queue, and operator1's SIP phone (baresip, registered with digest) rings and answers;
both sides hear each other, the conversation is recorded and the call record is complete."""

from __future__ import annotations

import io
import wave

import numpy as np
import pytest
from tests.integration.call_flow.conftest import (
    HotlineCaller,
    ended_calls,
    operator_ready_for_the_menu,
)
from tests.support.server import RunningServer

from c122.telephony.media.analysis import dominant_frequency, rms
from c122.telephony.media.workers.pool import MediaWorkers

pytestmark = pytest.mark.peers


def stereo(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    with wave.open(io.BytesIO(data), "rb") as reader:
        assert reader.getnchannels() == 2
        data = np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2").reshape(-1, 2)
    return data[:, 0], data[:, 1]


async def test_a_caller_keys_through_the_menu_and_talks_to_the_operator_on_a_sip_phone(
    hotline: RunningServer, caller: HotlineCaller, operator_phone: object
) -> None:
    await _menu_call_to_a_sip_phone(hotline, caller, operator_phone)


async def test_the_same_call_with_the_media_in_two_worker_processes(
    hotline_on_workers: RunningServer, caller: HotlineCaller, operator_phone: object
) -> None:
    await _menu_call_to_a_sip_phone(hotline_on_workers, caller, operator_phone)
    telephony = hotline_on_workers.application.telephony
    assert telephony is not None
    assert isinstance(telephony.media, MediaWorkers)
    assert telephony.media.restarts == 0
    assert "2 media workers" in (await telephony.media.health()).event_loop


async def _menu_call_to_a_sip_phone(
    hotline: RunningServer, caller: HotlineCaller, operator_phone: object
) -> None:
    queue_id, desk, phone = await operator_ready_for_the_menu(hotline, operator_phone)  # type: ignore[arg-type]

    async with desk.events() as events:
        await caller.call(hotline, "hotline_caller.xml", digits="1", listen_ms=2500, wait_ms=6000)
        offered = await events.next_event("call.offered", timeout=15)
        assert offered["data"]["offer"]["caller"] == "+79161234567"
        assert offered["data"]["offer"]["service_number"] == "+78001220122"
        assert offered["data"]["offer"]["group_name"] == "Справочная группа"
        connected = await events.next_event("call.connected", timeout=15)
        assert connected["data"]["caller"] == "+79161234567"
        ended = await events.next_event("call.ended", timeout=20)
        assert ended["data"]["call_id"] == connected["data"]["call_id"]
    code, output = await caller.finish()
    assert code == 0, output[-3000:]

    (record,) = await ended_calls(hotline)
    assert record["direction"] == "inbound"
    assert record["line_number"] == "+78001220122"
    assert record["ivr_choice"] == "menu:1"
    assert record["queue_id"] == queue_id
    assert record["operator_id"] is not None
    assert record["end_cause"] == "caller_hang_up"
    roles = sorted(leg["role"] for leg in record["legs"])  # type: ignore[attr-defined]
    assert roles == ["caller", "operator"]

    # The topic chosen in the menu opened the call's case card, with the caller as the applicant.
    rows = (await desk.http.get("/api/v1/cases")).json()["items"]
    cards = [(await desk.http.get(f"/api/v1/cases/{row['id']}")).json() for row in rows]
    (card,) = [c for c in cards if record["id"] in c["call_ids"]]
    assert card["case"]["name"].endswith("Справочная информация_001")
    assert "+79161234567" in card["applicant"]["phones"]
    state = (await desk.http.get("/api/v1/operators/me/state")).json()
    assert state["status"] == "wrap_up"

    # Both directions: the phone heard the caller's 440 Hz; the recording holds the caller on the left
    # and the operator's 1 kHz on the right.
    await phone.stop()
    heard = phone.heard()
    assert abs(dominant_frequency(heard[-8000 * 2 :]) - 440) < 15
    assert record["has_recording"] is True
    admin = await hotline.signed_in("admin")
    audio = await admin.http.get(f"/api/v1/calls/{record['id']}/recording")
    assert audio.status_code == 200, audio.text
    left, right = stereo(audio.content)
    assert len(left) > 8000 * 2
    assert abs(dominant_frequency(left[8000:]) - 440) < 15
    assert abs(dominant_frequency(right[8000:]) - 1000) < 15
    assert rms(right[8000:]) > 300
