"""A conference's "who is talking" (TEL-21): the mixer measures each speaker's level from the frames it
mixes anyway, and the engine tells it per bridge; a conference of two is mixed too, so its levels are
known, and a muted member (heard by nobody) is still measured."""

from __future__ import annotations

import asyncio

from tests.integration.media.test_engine_loopback import _leg

from c122.telephony.media.messages import DescribeMix, MixDescribed, SetBridge
from c122.telephony.media.sources import ToneSource, tone


async def _levels(engine, bridge: str) -> dict[str, float]:
    reply = await engine.execute(DescribeMix(bridge))
    assert isinstance(reply, MixDescribed)
    return dict(reply.levels)


async def test_the_engine_tells_who_is_talking_in_a_conference_muted_or_not(engine, peer):
    members = ("talker", "muted", "silent")
    peers = {name: await peer() for name in members}
    for name, p in peers.items():
        await _leg(engine, p, name)
    hears = tuple((a, b) for a in members for b in members if a != b and b != "muted")
    await engine.execute(SetBridge("conf", members, hears, mixed=True))
    sending = asyncio.gather(
        peers["talker"].stream_source(ToneSource(tone([500.0], 5000)), 40),
        peers["muted"].stream_source(ToneSource(tone([900.0], 5000)), 40),
    )
    await asyncio.sleep(0.5)  # a jitter buffer's worth, then the mix measures
    levels = await _levels(engine, "conf")
    await sending
    assert set(levels) == set(members)
    assert levels["talker"] > 1000, levels  # a tone at amplitude 5000: RMS about 3500
    assert levels["muted"] > 1000, levels  # muted: nobody hears it, but the desk may show it talks
    assert levels["silent"] < 50, levels
    after = await _levels(engine, "conf")
    await asyncio.sleep(0.5)  # the talkers stopped: their levels decay to nothing
    assert max((await _levels(engine, "conf")).values()) < max(after.values()) / 10 + 1


async def test_a_conference_of_two_is_mixed_so_its_levels_are_known_and_unknown_bridges_are_empty(
    engine, peer
):
    a, b = await peer(), await peer()
    await _leg(engine, a, "a")
    await _leg(engine, b, "b")
    await engine.execute(SetBridge("two", ("a", "b"), (("a", "b"), ("b", "a")), mixed=True))
    await a.stream_source(ToneSource(tone([700.0], 5000)), 25)
    levels = await _levels(engine, "two")
    assert levels["a"] > 200, levels
    assert levels["b"] < 50, levels
    assert await _levels(engine, "nothing") == {}
