"""The operator's own camera is asked of the group's setting at each offer of their leg (TEL-25): where
it forbids it the offer's video is sendonly (the browser cannot answer with a camera) and the route
never takes the operator's picture; where it allows it the video is sendrecv and the desk is told."""

from __future__ import annotations

import random
import re
from collections.abc import AsyncIterator

import pytest
from tests.integration.webrtc.test_leg_lifecycle import USER, Desktop

from c122.telephony.control import CallControl
from c122.telephony.media.engine import MediaEngine
from c122.telephony.webrtc import IceSettings, OperatorLegs, WebRtcSettings
from c122.telephony.webrtc.video_routes import VideoRoutes


class Policy:
    def __init__(self) -> None:
        self.allowed: bool | Exception = False
        self.asked: list[int] = []

    async def __call__(self, user_id: int) -> bool:
        self.asked.append(user_id)
        if isinstance(self.allowed, Exception):
            raise self.allowed
        return self.allowed


@pytest.fixture
async def legs() -> AsyncIterator[tuple[OperatorLegs, Policy]]:
    base = random.randrange(30000, 44000, 2)
    engine = MediaEngine(bind_host="127.0.0.1", port_min=base, port_max=base + 100)
    await engine.start()
    control = CallControl(engine, media_timeout=None)
    settings = WebRtcSettings(ice=IceSettings(host_addresses=("127.0.0.1",)))
    operator_legs = OperatorLegs(control, settings, video=VideoRoutes())
    policy = Policy()
    operator_legs.check_camera_with(policy)
    try:
        yield operator_legs, policy
    finally:
        await operator_legs.close()
        await engine.stop()


def _video_direction(sdp: str) -> str:
    section = sdp[sdp.index("m=video ") :]
    found = re.search(r"a=(sendrecv|sendonly|recvonly|inactive)", section)
    assert found is not None
    return found.group(1)


async def test_the_offer_asks_for_the_operators_camera_only_where_the_group_allows_it(
    legs: tuple[OperatorLegs, Policy],
) -> None:
    operator_legs, policy = legs
    desktop = Desktop()
    await operator_legs.start(USER, None, desktop)
    forbidden = await desktop.next_offer()
    assert (forbidden.camera, _video_direction(forbidden.sdp)) == (False, "sendonly")

    policy.allowed = True  # the admin turned it on: the next offer asks for the camera
    await operator_legs.restart(USER, forbidden.leg, desktop)
    allowed = await desktop.next_offer()
    assert (allowed.camera, _video_direction(allowed.sdp)) == (True, "sendrecv")

    policy.allowed = RuntimeError("the database is away")  # unknown: the camera stays off
    await operator_legs.restart(USER, forbidden.leg, desktop)
    unknown = await desktop.next_offer()
    assert (unknown.camera, _video_direction(unknown.sdp)) == (False, "sendonly")
    assert policy.asked == [USER, USER, USER]


async def test_without_a_policy_no_operator_may_send_a_camera(legs: tuple[OperatorLegs, Policy]) -> None:
    operator_legs, policy = legs
    policy.allowed = True
    operator_legs._camera_policy = None  # a process that never wired the setting
    desktop = Desktop()
    await operator_legs.start(USER, None, desktop)
    offer = await desktop.next_offer()
    assert (offer.camera, _video_direction(offer.sdp)) == (False, "sendonly")
