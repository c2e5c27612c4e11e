"""Call control over the embedded SIP stack with real peers: SIPp callers and baresip phones.

Audio is checked, not assumed: every party sends its own frequency and what was heard or
recorded is analysed.
"""

from __future__ import annotations

import wave

import numpy as np
import pytest

from c122.telephony.control import BridgeKind, ChannelDtmf, ChannelHungUp, SnoopMode
from c122.telephony.media.analysis import dominant_frequency, tone_levels
from c122.telephony.media.messages import Direction, UpdateEndpoint

pytestmark = pytest.mark.peers


def _read_stereo(path: str) -> np.ndarray:
    with wave.open(path, "rb") as reader:
        return np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2").reshape(-1, 2)


def _heard(samples: np.ndarray, frequencies: dict[str, int]) -> set[str]:
    levels = tone_levels(samples, frequencies.values())
    return {name for name, frequency in frequencies.items() if levels[frequency] > 0.1}


async def test_a_sipp_caller_streams_a_tone_and_rfc4733_digits_into_a_channel(telephony, sipp, tmp_path):
    caller = sipp()
    caller.write_tone(1000, 1.5)
    await caller.start("caller_tone_dtmf.xml", telephony.sip_port)
    channel = await telephony.next_channel()
    assert (channel.caller, channel.called) == ("79161234567", "122")
    await channel.answer()
    recording = await telephony.control.record(str(tmp_path / "ivr.wav"), channel)
    await telephony.wait_for(lambda e: any(isinstance(x, ChannelHungUp) for x in e))
    returncode, output = await caller.finish()
    assert returncode == 0, output
    finished = await recording.stop()
    digits = [e for e in telephony.events if isinstance(e, ChannelDtmf)]
    assert "".join(d.digit for d in digits) == "4021"
    assert {d.method for d in digits} == {"rfc4733"}
    left = _read_stereo(finished.path)[:, 0]
    assert abs(dominant_frequency(left[:8000]) - 1000.0) < 3.0


async def test_a_sipp_caller_bridged_to_a_baresip_operator_hear_each_other(
    telephony, sipp, baresip, tmp_path
):
    phone = await baresip(700)
    caller = sipp()
    caller.write_tone(1000, 3.0)
    await caller.start("caller_tone_dtmf.xml", telephony.sip_port)
    inbound = await telephony.next_channel()
    await inbound.answer()
    operator = await telephony.originate_answered(phone.uri)
    bridge = await telephony.control.create_bridge(BridgeKind.DIRECT)
    await bridge.add(inbound)
    await bridge.add(operator)
    recording = await telephony.control.record(str(tmp_path / "call.wav"), inbound, operator)
    await telephony.wait_for(
        lambda e: any(isinstance(x, ChannelHungUp) and x.channel_id == inbound.id for x in e)
    )
    finished = await recording.stop()
    await operator.hangup()
    await phone.stop()
    stereo = _read_stereo(finished.path)
    assert abs(dominant_frequency(stereo[:4000, 0]) - 1000.0) < 3.0  # the caller, left
    assert abs(dominant_frequency(stereo[:, 1]) - 700.0) < 3.0  # the operator, right
    assert abs(dominant_frequency(phone.heard()[:8000]) - 1000.0) < 3.0  # the phone heard the caller


# Chosen so that no sum, difference or double of two or three of them lands within 180 Hz of
# another: a clipped mix then cannot fake a party being heard.
FREQUENCIES = {"caller": 1120, "operator": 1870, "supervisor": 2050, "guest": 2440}


async def _phones(telephony, baresip, names):
    phones = {name: await baresip(FREQUENCIES[name]) for name in names}
    channels = {name: await telephony.originate_answered(phone.uri) for name, phone in phones.items()}
    return phones, channels


async def test_a_four_party_conference_of_real_phones_lets_everyone_hear_all_but_themselves(
    telephony, baresip
):
    names = list(FREQUENCIES)
    phones, channels = await _phones(telephony, baresip, names)
    bridge = await telephony.control.create_bridge(BridgeKind.MIXING)
    for channel in channels.values():
        await bridge.add(channel)
    await telephony.media_time(1.5)
    for phone in phones.values():
        await phone.stop()
    for name, phone in phones.items():
        assert _heard(phone.heard()[-8000:], FREQUENCIES) == set(names) - {name}, name


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        (
            SnoopMode.LISTEN,
            {"caller": {"operator"}, "operator": {"caller"}, "supervisor": {"caller", "operator"}},
        ),
        (
            SnoopMode.WHISPER,
            {
                "caller": {"operator"},
                "operator": {"caller", "supervisor"},
                "supervisor": {"caller", "operator"},
            },
        ),
        (
            SnoopMode.BARGE,
            {
                "caller": {"operator", "supervisor"},
                "operator": {"caller", "supervisor"},
                "supervisor": {"caller", "operator"},
            },
        ),
    ],
    ids=["listen", "whisper", "barge"],
)
async def test_a_supervisor_on_real_phones_gives_the_expected_hearing_matrix(
    telephony, baresip, mode, expected
):
    phones, channels = await _phones(telephony, baresip, ["caller", "operator", "supervisor"])
    bridge = await telephony.control.create_bridge(BridgeKind.DIRECT)
    await bridge.add(channels["caller"])
    await bridge.add(channels["operator"])
    await bridge.snoop(channels["supervisor"], channels["operator"], mode)
    await telephony.media_time(1.5)
    for phone in phones.values():
        await phone.stop()
    parties = {k: v for k, v in FREQUENCIES.items() if k in phones}
    for name, phone in phones.items():
        assert _heard(phone.heard()[-8000:], parties) == expected[name], name


async def test_a_caller_whose_media_stops_is_hung_up_after_the_media_timeout(telephony, sipp):
    telephony.control.media_timeout = 0.5
    caller = sipp()
    await caller.start("caller_silent.xml", telephony.sip_port)
    channel = await telephony.next_channel()
    await channel.answer()
    gone = await channel.wait_hung_up(timeout=10)
    assert gone.cause == "media-timeout"
    returncode, output = await caller.finish()
    assert returncode == 0, output  # SIPp received our BYE and answered it


async def test_hold_silences_the_held_caller_for_the_operator_and_unhold_resumes_the_conversation(
    telephony, baresip
):
    # The held phone gets a re-INVITE (a=sendonly) and music; baresip's recorder stops at a
    # re-INVITE, so what the held side hears is checked in the loopback suite. Here the
    # operator's side: baresip records only audio it receives, so the 1.5 s of hold, when
    # nothing of the caller may reach the operator, are simply absent from its recording.
    phones, channels = await _phones(telephony, baresip, ["caller", "operator"])
    bridge = await telephony.control.create_bridge(BridgeKind.DIRECT)
    await bridge.add(channels["caller"])
    await bridge.add(channels["operator"])
    await telephony.media_time(1.0)
    await channels["caller"].hold(music="tone:300:1000")
    assert channels["caller"].held
    await telephony.media_time(1.5)
    await channels["caller"].unhold()
    await telephony.media_time(1.0)
    for phone in phones.values():
        await phone.stop()
    heard = phones["operator"].heard()
    seconds = len(heard) / 8000
    assert 1.6 < seconds < 2.6, seconds  # 1 s before + 1 s after, not the 3.5 s of the call
    tail = heard[-4000:]
    assert abs(dominant_frequency(tail) - 1120) < 5  # after unhold: the caller again
    assert not channels["caller"].held


async def test_digits_sent_as_sip_info_reach_the_channel_in_order(telephony, sipp):
    caller = sipp()
    await caller.start("caller_info_dtmf.xml", telephony.sip_port)
    channel = await telephony.next_channel()
    await channel.answer()
    await channel.wait_hung_up(timeout=10)
    returncode, output = await caller.finish()
    assert returncode == 0, output
    digits = [e for e in telephony.events if isinstance(e, ChannelDtmf)]
    assert [(d.digit, d.method) for d in digits] == [("7", "sip-info"), ("#", "sip-info"), ("0", "sip-info")]


async def test_a_caller_holding_us_by_reinvite_gets_recvonly_and_the_media_follows(
    telephony, sipp, monkeypatch
):
    commands = []
    execute = telephony.engine.execute

    async def watch(command):
        commands.append(command)  # the media boundary is messages: watch what control sends
        return await execute(command)

    monkeypatch.setattr(telephony.engine, "execute", watch)
    caller = sipp()
    await caller.start("caller_holds_us.xml", telephony.sip_port)
    channel = await telephony.next_channel()
    await channel.answer()
    await channel.wait_hung_up(timeout=10)
    returncode, output = await caller.finish()
    assert returncode == 0, output  # SIPp checked our answers: a=recvonly, then a=sendrecv
    directions = [
        c.direction for c in commands if isinstance(c, UpdateEndpoint) and c.endpoint_id == channel.id
    ]
    assert directions[-2:] == [Direction.RECVONLY, Direction.SENDRECV]


async def test_an_outbound_call_to_a_busy_callee_ends_rejected_with_its_status(telephony, sipp):
    callee = sipp()
    port = await callee.listen("callee_busy.xml")
    channel = await telephony.control.originate(f"sip:operator@127.0.0.1:{port}", "122")
    gone = await channel.wait_hung_up(timeout=10)
    assert (gone.cause, gone.status) == ("rejected", 486)
    assert telephony.engine.health().endpoints == 0  # its media leg was released
    returncode, output = await callee.finish()
    assert returncode == 0, output
