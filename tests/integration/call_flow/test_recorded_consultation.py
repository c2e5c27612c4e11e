"""Every voice the caller or the operator hears is in the call's recording (TEL-11): a SIPp caller sends
440 Hz (A), operator 1's baresip phone 1 kHz (B), the consultant's (operator 3) 1.5 kHz (C). The
recording holds the caller with the operator (A, B), then the operator with the consultant while the
caller waits with music (C, B; no A), then the three-way conference (A left; B and C mixed right),
each a segment of the call record naming who was in it and where it is in the file."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import numpy as np
import pytest
from tests.integration.call_flow.conftest import (
    HotlineCaller,
    ended_calls,
    info_queue_id,
    put_menu_on_main_line,
)
from tests.integration.call_flow.test_consultation import user_id
from tests.integration.call_flow.test_inbound_call import stereo
from tests.support.server import RunningServer

from c122.telephony.media.analysis import rms, tone_levels

pytestmark = [pytest.mark.peers, pytest.mark.serial]  # frequencies per time range: timing-sensitive

A, B, C = 440.0, 1000.0, 1500.0
HEARD = 0.01  # a tone's amplitude (fraction of full scale) that is clearly there
MARGIN_S = 0.6  # each side of a segment's bounds left out: a restarted recording's first frames


def segment_audio(
    segment: dict[str, Any], left: np.ndarray, right: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The two channels of one segment, by the offset and duration the call record gives."""
    start = int((segment["offset_s"] + MARGIN_S) * 8000)
    end = int((segment["offset_s"] + segment["duration_s"] - MARGIN_S) * 8000)
    assert end - start >= 8000, segment  # at least a second to measure
    return left[start:end], right[start:end]


def levels(pcm: np.ndarray) -> dict[float, float]:
    return tone_levels(pcm, (A, B, C))


async def test_a_consultation_and_a_conference_are_segments_of_the_calls_recording(
    hotline: RunningServer, caller: HotlineCaller, operator_phone: Any
) -> None:
    await put_menu_on_main_line(hotline, await info_queue_id(hotline))
    first = await hotline.signed_in("operator1")
    colleague = await hotline.signed_in("operator3")
    await operator_phone(hotline, first, "operator1", int(B))
    await operator_phone(hotline, colleague, "operator3", int(C))
    operator3 = await user_id(hotline, "operator3")
    for operator in (first, colleague):
        ready = await operator.write("PUT", "/api/v1/operators/me/state", json={"status": "ready"})
        assert ready.status_code == 200

    async def consult_state(events: Any) -> str:
        state: str = (await events.next_event("call.consultation_changed", timeout=15))["data"]["state"]
        return state

    async with first.events() as events:
        await caller.call(hotline, "hotline_caller_hung_up.xml", digits="1", listen_ms=2500, wait_ms=40000)
        await events.next_event("call.connected", timeout=20)
        await asyncio.sleep(3)  # caller and operator talk
        consult = await first.write("POST", "/api/v1/operators/me/call/consult", json={"user_id": operator3})
        assert consult.is_success, consult.text
        assert await consult_state(events) == "ringing"
        assert await consult_state(events) == "talking"
        await asyncio.sleep(3)  # operator and consultant talk; the caller hears music
        done = await first.write(
            "POST", "/api/v1/operators/me/call/consult/complete", json={"mode": "conference"}
        )
        assert done.status_code == 204, done.text
        assert await consult_state(events) == "conference"
        await asyncio.sleep(3)  # all three talk
        assert (await first.write("POST", "/api/v1/operators/me/call/hang-up")).status_code == 204
    code, output = await caller.finish()
    assert code == 0, output[-3000:]

    (record,) = await ended_calls(hotline)
    legs = {leg["leg_id"]: leg for leg in record["legs"]}
    segments = record["recording_segments"]
    assert [([p["role"] for p in s["parties"]], s["mixed"]) for s in segments] == [
        (["caller", "operator"], False),
        (["consultant", "operator"], False),
        (["caller", "operator", "consultant"], True),
    ]
    assert [p["party"] for p in segments[1]["parties"]] == [str(operator3), str(record["operator_id"])]
    assert all(legs[p["leg_id"]]["party"] == p["party"] for s in segments for p in s["parties"])
    for before, after in itertools.pairwise(segments):
        assert after["offset_s"] == pytest.approx(before["offset_s"] + before["duration_s"], abs=0.01)
        assert after["started_at"] >= before["ended_at"]

    admin = await hotline.signed_in("admin")
    audio = await admin.http.get(f"/api/v1/calls/{record['id']}/recording")
    assert audio.status_code == 200, audio.text
    left, right = stereo(audio.content)
    recorded_s = len(left) / 8000
    assert recorded_s == pytest.approx(segments[-1]["offset_s"] + segments[-1]["duration_s"], abs=0.5)

    channels = [segment_audio(segment, left, right) for segment in segments]
    for segment, pair in zip(segments, channels, strict=True):
        assert min(rms(side) for side in pair) > 300, segment  # no segment is silent, on either side
    # (heard on the left, on the right, absent on the left, absent on the right), per segment
    expected = [
        ((A,), (B,), (), ()),  # the caller and the operator
        ((C,), (B,), (A,), (A,)),  # the consultant and the operator; the caller on hold heard by neither
        ((A,), (B, C), (), (A,)),  # the caller; the operator and the consultant mixed by the engine
    ]
    for segment, (on_left, on_right), wanted in zip(segments, channels, expected, strict=True):
        heard = (levels(on_left), levels(on_right), levels(on_left), levels(on_right))
        for side, (found, tones) in enumerate(zip(heard, wanted, strict=True)):
            for tone in tones:
                present = found[tone] > HEARD if side < 2 else found[tone] < HEARD / 4
                assert present, (segment["parties"], side, tone, found)
