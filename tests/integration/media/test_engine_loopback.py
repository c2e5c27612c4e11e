"""The media engine against RTP peers on real loopback sockets, with the audio checked."""

from __future__ import annotations

import asyncio
import itertools
import random
import time
import wave

import numpy as np
import pytest

from c122.telephony.media.analysis import dominant_frequency, tone_levels
from c122.telephony.media.codecs import PCMA, PCMU
from c122.telephony.media.dtmf import EventSender, parse_event
from c122.telephony.media.engine import TICK, MediaEngine
from c122.telephony.media.messages import (
    CloseEndpoint,
    Direction,
    DtmfReceived,
    EndpointClosed,
    EndpointOpened,
    MediaError,
    MediaTimeout,
    OpenEndpoint,
    PlaybackFinished,
    RecordingFinished,
    SendDtmf,
    SetBridge,
    StartPlayback,
    StartRecording,
    StopPlayback,
    StopRecording,
    UpdateEndpoint,
)
from c122.telephony.media.rtcp import SR, ReceiveStats, build_report, parse_compound
from c122.telephony.media.sources import ToneSource, tone
from c122.telephony.media.spec import inband_dtmf_source


async def _leg(engine, peer, name, **options):
    opened = await engine.execute(OpenEndpoint(name, remote=("127.0.0.1", peer.port), **options))
    assert isinstance(opened, EndpointOpened)
    peer.target = ("127.0.0.1", opened.port)
    return opened


def _pair(a: str, b: str) -> SetBridge:
    return SetBridge(f"{a}-{b}", (a, b), ((a, b), (b, a)))


async def test_asyncio_loop_under_the_engine_is_uvloop(engine):
    assert engine.health().event_loop.startswith("uvloop")


async def test_a_bridge_forwards_payloads_untouched_onto_the_receivers_own_stream(engine, peer):
    caller, operator = await peer(), await peer()
    await _leg(engine, caller, "caller")
    await _leg(engine, operator, "operator")
    await engine.execute(_pair("caller", "operator"))
    payloads = [bytes([i]) * 160 for i in range(20)]
    caller.send(0, payloads[0])
    await operator.wait_packets(1)  # latched: the rest arrive on the socket connected to the caller
    for payload in payloads[1:]:
        caller.send(0, payload)
    await operator.wait_packets(20)
    got = operator.received
    assert [p.payload for p in got] == payloads
    assert {p.ssrc for p in got} == {engine.endpoint("operator").stream.ssrc} != {caller.stream.ssrc}
    assert [(p.sequence - got[0].sequence) & 0xFFFF for p in got] == list(range(20))
    assert [(p.timestamp - got[0].timestamp) & 0xFFFFFFFF for p in got] == [160 * i for i in range(20)]
    assert got[0].marker
    assert not any(p.marker for p in got[1:])
    assert engine.relay.relayed == 19  # all but the first, which latched the caller's address


async def test_a_bridge_between_ulaw_and_alaw_legs_transcodes(engine, peer):
    caller, operator = await peer(PCMU), await peer(PCMA)
    await _leg(engine, caller, "caller")
    await _leg(engine, operator, "operator", codec="PCMA")
    await engine.execute(_pair("caller", "operator"))
    caller.stream_source(ToneSource(tone([600.0], 1000)), 25)
    await operator.wait_packets(20)
    assert {p.payload_type for p in operator.received} == {8}
    assert abs(dominant_frequency(operator.audio()) - 600.0) < 3.0


async def test_replies_latch_to_where_packets_come_from_not_the_signalled_address(engine, peer):
    behind_nat, signalled = await peer(), await peer()
    opened = await _leg(engine, signalled, "caller")  # SDP names `signalled`...
    behind_nat.target = ("127.0.0.1", opened.port)  # ...but the packets come from elsewhere (NAT)
    await engine.execute(StartPlayback("p", "caller", "tone:425:2000"))
    behind_nat.send(0, b"\xff" * 160)
    await behind_nat.wait_packets(5)
    assert engine.endpoint("caller").target == ("127.0.0.1", behind_nat.port)


async def test_a_caller_whose_address_moves_is_followed_after_silence_and_strangers_are_dropped(engine, peer):
    first_address, moved, operator = await peer(), await peer(), await peer()
    await _leg(engine, first_address, "caller")
    await _leg(engine, operator, "operator")
    await engine.execute(_pair("caller", "operator"))
    moved.target = first_address.target
    for _ in range(4):
        first_address.send(0, b"\x11" * 160)
        await asyncio.sleep(0.02)
    await operator.wait_packets(4)
    assert engine.relay.relayed >= 3  # after the latch, on the socket connected to the caller
    moved.send(0, b"\x22" * 160)  # a stranger while the caller talks: dropped, not followed
    await asyncio.sleep(0.1)
    assert len(operator.received) == 4
    await asyncio.sleep(0.6)  # the caller's address has been silent: a NAT rebinding may take over
    relayed_before = engine.relay.relayed
    for _ in range(5):
        moved.send(0, b"\x33" * 160)
        await asyncio.sleep(0.02)
    await operator.wait_packets(9)
    assert engine.endpoint("caller").relay_record.connected_to == ("127.0.0.1", moved.port)
    assert engine.relay.relayed > relayed_before  # the new address took the in-place path too
    operator.send(0, b"\x44" * 160)
    await moved.wait_packets(1)  # replies go to the new address...
    first_address.send(0, b"\x55" * 160)
    await asyncio.sleep(0.1)
    assert not first_address.received  # ...never to the old one, whose packets are now strangers'
    assert [p.payload[0] for p in operator.received] == [0x11] * 4 + [0x33] * 5


async def test_a_new_address_in_the_far_ends_sdp_takes_over_at_once(engine, peer):
    old, new, operator = await peer(), await peer(), await peer()
    await _leg(engine, old, "caller")
    await _leg(engine, operator, "operator")
    await engine.execute(_pair("caller", "operator"))
    new.target = old.target
    old.send(0, b"\x11" * 160)
    await operator.wait_packets(1)
    assert engine.endpoint("caller").relay_record.connected_to == ("127.0.0.1", old.port)
    await engine.execute(UpdateEndpoint("caller", remote=("127.0.0.1", new.port)))  # a re-INVITE
    assert engine.endpoint("caller").relay_record.connected_to is None
    operator.send(0, b"\x22" * 160)
    await new.wait_packets(1)  # sent to the signalled address before it has sent anything
    new.send(0, b"\x33" * 160)
    await operator.wait_packets(2)
    assert engine.endpoint("caller").relay_record.connected_to == ("127.0.0.1", new.port)
    assert not old.received


async def test_rfc4733_digits_on_payload_type_96_arrive_once_each_and_in_order(engine, peer, events):
    caller = await peer()
    await _leg(engine, caller, "caller", dtmf_payload_type=96)
    timestamp = 8000
    for digit in "12#*9":
        for payload, first in EventSender(digit, 120).packets():
            caller.send(96, payload, timestamp=timestamp, marker=first)
        caller.send(96, payload, timestamp=timestamp)  # a late duplicate end packet
        timestamp += 2400
    await events.wait_for(lambda e: len([x for x in e if isinstance(x, DtmfReceived)]) >= 5)
    digits = [e for e in events.events if isinstance(e, DtmfReceived)]
    assert "".join(d.digit for d in digits) == "12#*9"
    assert {d.method for d in digits} == {"rfc4733"}


async def test_digits_sent_to_a_leg_are_rfc4733_packets_with_its_payload_type(engine, peer):
    phone = await peer()
    await _leg(engine, phone, "phone", dtmf_payload_type=101)
    await engine.execute(SendDtmf("phone", "42", duration_ms=100))
    await phone.wait_packets(2 * 7, payload_type=101)
    packets = [p for p in phone.received if p.payload_type == 101]
    starts = [p for p in packets if p.marker]
    assert [parse_event(p.payload).digit for p in starts] == ["4", "2"]
    ends = [p for p in packets if parse_event(p.payload).end]
    assert len(ends) == 6
    assert len({p.timestamp for p in packets}) == 2


async def test_inband_digits_are_detected_on_a_trunk_without_telephone_events(engine, peer, events):
    trunk = await peer()
    await _leg(engine, trunk, "trunk", dtmf_payload_type=None, inband_dtmf=True)
    trunk.stream_source(inband_dtmf_source("305", 80), 60)
    await events.wait_for(lambda e: len([x for x in e if isinstance(x, DtmfReceived)]) >= 3)
    assert [(e.digit, e.method) for e in events.events if isinstance(e, DtmfReceived)] == [
        ("3", "inband"),
        ("0", "inband"),
        ("5", "inband"),
    ]


async def test_a_recording_of_a_bridged_call_has_the_caller_left_and_the_operator_right(
    engine, peer, events, tmp_path
):
    caller, operator = await peer(), await peer()
    await _leg(engine, caller, "caller")
    await _leg(engine, operator, "operator")
    await engine.execute(_pair("caller", "operator"))
    await engine.execute(StartRecording("rec", str(tmp_path / "call.wav"), "caller", "operator"))
    await asyncio.gather(
        caller.stream_source(ToneSource(tone([500.0], 2000)), 50),
        operator.stream_source(ToneSource(tone([1100.0], 2000)), 50),
    )
    await engine.execute(StopRecording("rec"))
    await events.wait_for(lambda e: any(isinstance(x, RecordingFinished) for x in e))
    with wave.open(str(tmp_path / "call.wav"), "rb") as reader:
        stereo = np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2").reshape(-1, 2)
    assert len(stereo) > 0.7 * 8000
    assert abs(dominant_frequency(stereo[:, 0]) - 500.0) < 3.0
    assert abs(dominant_frequency(stereo[:, 1]) - 1100.0) < 3.0
    # and each side heard the other
    assert abs(dominant_frequency(caller.audio()) - 1100.0) < 3.0
    assert abs(dominant_frequency(operator.audio()) - 500.0) < 3.0


async def test_a_recorded_conference_has_the_caller_left_and_everyone_they_hear_mixed_right(
    engine, peer, events, tmp_path
):
    """The right channel is the mixer's own output to the caller: the operator's and the consultant's
    voices, not the caller's."""
    people = {name: await peer() for name in ("caller", "operator", "consultant")}
    for name, person in people.items():
        await _leg(engine, person, name)
    members = tuple(people)
    hears = tuple((a, b) for a in members for b in members if a != b)
    await engine.execute(SetBridge("conference", members, hears))
    path = tmp_path / "conference.wav"
    await engine.execute(StartRecording("rec", str(path), "caller", None, right_mixed=True))
    tones = {"caller": 500.0, "operator": 1100.0, "consultant": 1700.0}
    await asyncio.gather(
        *(person.stream_source(ToneSource(tone([tones[name]], 2500)), 75) for name, person in people.items())
    )
    await engine.execute(StopRecording("rec"))
    await events.wait_for(lambda e: any(isinstance(x, RecordingFinished) for x in e))
    with wave.open(str(path), "rb") as reader:
        stereo = np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2").reshape(-1, 2)
    assert len(stereo) > 1.0 * 8000
    middle = stereo[len(stereo) // 4 : 3 * len(stereo) // 4]
    left, right = tone_levels(middle[:, 0], tones.values()), tone_levels(middle[:, 1], tones.values())
    assert left[500.0] > 0.05
    assert left[1100.0] < 0.01
    assert left[1700.0] < 0.01
    assert right[1100.0] > 0.05
    assert right[1700.0] > 0.05
    assert right[500.0] < 0.01  # the caller does not hear themselves
    assert engine.endpoint("caller").heard_timelines == ()  # the recording let go of the mix


async def test_a_recorded_call_stays_on_the_relay_and_its_file_grows_while_the_call_lasts(
    engine, peer, events, tmp_path
):
    caller, operator = await peer(), await peer()
    await _leg(engine, caller, "caller")
    await _leg(engine, operator, "operator")
    await engine.execute(_pair("caller", "operator"))
    path = tmp_path / "long.wav"
    await engine.execute(StartRecording("rec", str(path), "caller", "operator"))
    await asyncio.gather(
        caller.stream_source(ToneSource(tone([450.0], 3000)), 125),
        operator.stream_source(ToneSource(tone([950.0], 3000)), 125),
    )
    # 2.5 s in and still recording: whole seconds are already in the file, header and all.
    with wave.open(str(path), "rb") as reader:
        so_far = np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2").reshape(-1, 2)
    assert len(so_far) >= 8000
    assert engine.relay.relayed >= 2 * 125 - 10  # recorded, yet forwarded in place
    await engine.execute(StopRecording("rec"))
    finished = next(e for e in events.events if isinstance(e, RecordingFinished))
    assert 2.4 <= finished.duration_seconds <= 2.7
    with wave.open(str(path), "rb") as reader:
        stereo = np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2").reshape(-1, 2)
    assert np.array_equal(stereo[: len(so_far)], so_far)
    assert abs(dominant_frequency(stereo[:, 0]) - 450.0) < 3.0
    assert abs(dominant_frequency(stereo[:, 1]) - 950.0) < 3.0


async def test_a_datagram_the_kernel_refuses_is_counted_and_the_leg_carries_on(engine, peer):
    caller = await peer()
    # Broadcast without SO_BROADCAST: the kernel refuses every send at once (EACCES).
    await engine.execute(OpenEndpoint("lost", remote=("255.255.255.255", 40000)))
    await _leg(engine, caller, "caller")
    await engine.execute(StartPlayback("p1", "lost", "tone:425:2000"))
    await engine.execute(StartPlayback("p2", "caller", "tone:425:2000"))
    await caller.wait_packets(5)  # the clock keeps sending to the leg that works
    assert engine.endpoint("lost").send_failures >= 4
    assert engine.endpoint("caller").send_failures == 0


FREQ = {"caller": 400.0, "operator": 700.0, "supervisor": 1000.0, "d": 1300.0, "e": 1600.0}


async def _who_hears_whom(engine, peer, members, hears, frames=50):
    peers = {}
    for name in members:
        peers[name] = await peer()
        await _leg(engine, peers[name], name)
    await engine.execute(SetBridge("mix", tuple(members), tuple(hears)))
    await asyncio.gather(
        *(p.stream_source(ToneSource(tone([FREQ[n]], 5000)), frames) for n, p in peers.items())
    )
    heard = {}
    for name, p in peers.items():
        levels = tone_levels(p.audio(skip=10), [FREQ[m] for m in members])
        heard[name] = {m for m in members if levels[FREQ[m]] > 0.05}
    return heard


async def test_a_five_party_conference_over_rtp_lets_everyone_hear_all_but_themselves(engine, peer):
    members = list(FREQ)
    hears = [(a, b) for a in members for b in members if a != b]
    heard = await _who_hears_whom(engine, peer, members, hears)
    assert heard == {m: set(members) - {m} for m in members}


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ((), {"caller": {"operator"}, "operator": {"caller"}, "supervisor": {"caller", "operator"}}),
        (
            (("operator", "supervisor"),),
            {
                "caller": {"operator"},
                "operator": {"caller", "supervisor"},
                "supervisor": {"caller", "operator"},
            },
        ),
    ],
    ids=["listen", "whisper"],
)
async def test_listen_and_whisper_over_rtp_give_the_expected_hearing_matrix(engine, peer, extra, expected):
    base = (
        ("caller", "operator"),
        ("operator", "caller"),
        ("supervisor", "caller"),
        ("supervisor", "operator"),
    )
    heard = await _who_hears_whom(engine, peer, ["caller", "operator", "supervisor"], base + extra)
    assert heard == expected


async def test_hold_plays_music_to_the_caller_and_unhold_resumes_the_conversation(
    engine, peer, events, tmp_path
):
    caller, operator = await peer(), await peer()
    await _leg(engine, caller, "caller")
    await _leg(engine, operator, "operator")
    await engine.execute(_pair("caller", "operator"))
    talk = operator.stream_source(ToneSource(tone([900.0], 10000)), 100)
    await caller.wait_packets(10)
    await engine.execute(UpdateEndpoint("operator", direction=Direction.INACTIVE))
    await engine.execute(StartPlayback("moh", "caller", "tone:300:1000", loop=True))
    on_hold_from = len(caller.received)
    await caller.wait_packets(on_hold_from + 25)
    await engine.execute(StopPlayback("moh"))
    await engine.execute(UpdateEndpoint("operator", direction=Direction.SENDRECV))
    resumed_from = len(caller.received)
    await caller.wait_packets(resumed_from + 15)
    talk.cancel()
    held = np.concatenate(
        [PCMU.decode(p.payload) for p in caller.received[on_hold_from + 2 : on_hold_from + 25]]
    )
    resumed = np.concatenate([PCMU.decode(p.payload) for p in caller.received[resumed_from + 2 :]])
    assert abs(dominant_frequency(held) - 300.0) < 3.0
    assert abs(dominant_frequency(resumed) - 900.0) < 3.0
    assert len({p.ssrc for p in caller.received}) == 1
    assert caller.received[on_hold_from].marker
    assert any(isinstance(e, PlaybackFinished) and e.stopped for e in events.events)


async def test_five_percent_loss_with_reordering_still_bridges_and_records_the_tone(engine, peer, tmp_path):
    caller, operator = await peer(), await peer()
    await _leg(engine, caller, "caller")
    await _leg(engine, operator, "operator")
    await engine.execute(_pair("caller", "operator"))
    await engine.execute(StartRecording("rec", str(tmp_path / "lossy.wav"), "caller", "operator"))
    await caller.stream_source(
        ToneSource(tone([440.0], 5000)), 100, drop=lambda i: i % 20 == 7, swap_pairs=lambda i: i % 10 == 3
    )
    await engine.execute(StopRecording("rec"))
    assert len(operator.received) == 95
    assert abs(dominant_frequency(operator.audio()) - 440.0) < 3.0
    with wave.open(str(tmp_path / "lossy.wav"), "rb") as reader:
        left = np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2").reshape(-1, 2)[:, 0]
    assert abs(dominant_frequency(left) - 440.0) < 3.0
    assert engine.endpoint("caller").stats.lost == 5
    assert engine.endpoint("caller").jitter is None  # released with the recording


async def test_a_leg_that_stops_sending_times_out(engine, peer, events):
    caller = await peer()
    await _leg(engine, caller, "caller", media_timeout=0.3)
    caller.send(0, b"\xff" * 160)
    await events.wait_for(lambda e: any(isinstance(x, MediaTimeout) for x in e), timeout=3.0)
    timeout = next(e for e in events.events if isinstance(e, MediaTimeout))
    assert timeout.endpoint_id == "caller"
    assert timeout.silent_seconds >= 0.3


async def test_a_leg_we_hold_with_sendonly_does_not_time_out(engine, peer, events):
    caller, other = await peer(), await peer()
    await _leg(engine, caller, "caller", media_timeout=0.2)
    await engine.execute(UpdateEndpoint("caller", direction=Direction.SENDONLY))
    await _leg(engine, other, "other", media_timeout=0.2)
    await events.wait_for(lambda e: any(isinstance(x, MediaTimeout) for x in e), timeout=3.0)
    assert {e.endpoint_id for e in events.events if isinstance(e, MediaTimeout)} == {"other"}


async def test_sender_reports_carry_the_legs_reception_figures_and_closing_returns_them(engine, peer):
    caller, operator = await peer(), await peer()
    await _leg(engine, caller, "caller", rtcp_mux=True)
    await _leg(engine, operator, "operator", rtcp_mux=True)
    await engine.execute(_pair("caller", "operator"))
    await caller.stream_source(ToneSource(tone([440.0], 5000)), 40, drop=lambda i: i in (5, 6))

    def caller_blocks(datagrams):
        reports = [r for d in datagrams for r in parse_compound(d)]
        return [b for r in reports for b in r.blocks if b.ssrc == caller.stream.ssrc]

    await caller.wait_rtcp(lambda d: any(b.cumulative_lost == 2 for b in caller_blocks(d)))
    await operator.wait_rtcp(lambda d: any(r.packet_type == SR for x in d for r in parse_compound(x)))
    # The far end's receiver report about our stream is kept for the call record.
    assert engine.endpoint("operator").stream.sent_packets == 38
    report = build_report(
        operator.stream.ssrc,
        sent_packets=0,
        sent_octets=0,
        rtp_timestamp=0,
        receive=_heard(operator, engine.endpoint("operator").stream.ssrc),
        now=1.0,
    )
    operator.send_raw(report)
    # One socket handles datagrams in order: once the packet sent after the report has been
    # forwarded to the caller, the report has been read.
    before = len(caller.received)
    operator.send(0, b"\xff" * 160)
    await caller.wait_packets(before + 1)
    assert engine.leg_stats("operator").remote_fraction_lost == pytest.approx(0.0)
    closed = await engine.execute(CloseEndpoint("caller"))
    assert isinstance(closed, EndpointClosed)
    assert (closed.stats.packets_received, closed.stats.packets_lost) == (38, 2)


def _heard(peer, ssrc: int) -> ReceiveStats:
    stats = ReceiveStats()
    for index, packet in enumerate(peer.received):
        if packet.ssrc == ssrc:
            stats.update(packet.ssrc, packet.sequence, packet.timestamp, index * 0.02)
    return stats


async def test_unknown_ids_and_exhausted_ranges_are_reported_as_media_errors(engine):
    with pytest.raises(MediaError):
        await engine.execute(StartPlayback("p", "nobody", "tone:beep"))
    with pytest.raises(MediaError):
        await engine.execute(SetBridge("b", ("x", "y"), (("x", "y"),)))


async def test_health_reports_legs_bridges_and_free_ports(engine, peer):
    caller, operator = await peer(), await peer()
    await _leg(engine, caller, "caller")
    await _leg(engine, operator, "operator")
    await engine.execute(_pair("caller", "operator"))
    health = engine.health()
    assert (health.status, health.endpoints, health.bridges, health.mixes) == ("ok", 2, 1, 0)
    assert health.ports_free == 200 - 2


async def test_adding_a_listener_mid_call_switches_to_mixing_without_a_gap(engine, peer):
    caller, operator, supervisor = await peer(), await peer(), await peer()
    for name, p in (("caller", caller), ("operator", operator), ("supervisor", supervisor)):
        await _leg(engine, p, name)
    await engine.execute(_pair("caller", "operator"))
    talk = caller.stream_source(ToneSource(tone([800.0], 5000)), 75)
    await operator.wait_packets(25)
    listen = (
        ("caller", "operator"),
        ("operator", "caller"),
        ("supervisor", "caller"),
        ("supervisor", "operator"),
    )
    await engine.execute(SetBridge("caller-operator", ("caller", "operator", "supervisor"), listen))
    await talk
    await operator.wait_packets(70)
    got = operator.received
    steps = [(b.timestamp - a.timestamp) & 0xFFFFFFFF for a, b in itertools.pairwise(got)]
    assert set(steps) == {160}  # one continuous stream: no gap, no jump at the switch
    assert len({p.ssrc for p in got}) == 1
    assert sum(p.marker for p in got) == 2  # the first packet, and the switch to mixed audio
    assert abs(dominant_frequency(operator.audio(skip=len(got) - 20)) - 800.0) < 3.0
    assert abs(dominant_frequency(supervisor.audio(skip=5)) - 800.0) < 3.0


async def test_a_lone_leg_left_in_a_bridge_gets_no_mixed_silence(engine, peer):
    caller, operator = await peer(), await peer()
    await _leg(engine, caller, "caller")
    await _leg(engine, operator, "operator")
    await engine.execute(_pair("caller", "operator"))
    await engine.execute(CloseEndpoint("caller"))
    health = engine.health()
    assert (health.endpoints, health.mixes) == (1, 0)
    assert engine.endpoint("operator").jitter is None


async def test_the_prometheus_collector_exports_the_open_legs_figures(engine, peer):
    from prometheus_client import CollectorRegistry, generate_latest

    from c122.telephony.media.metrics import MediaCollector

    caller, operator = await peer(), await peer()
    await _leg(engine, caller, "caller")
    await _leg(engine, operator, "operator")
    await engine.execute(_pair("caller", "operator"))
    for index in range(10):
        if index != 4:
            caller.send(0, b"\xff" * 160, sequence=index)
    await operator.wait_packets(9)
    registry = CollectorRegistry()
    registry.register(MediaCollector(engine))
    text = generate_latest(registry).decode()
    assert "c122_media_legs 2.0" in text
    assert "c122_media_rtp_packets_received 9.0" in text
    assert "c122_media_rtp_packets_lost 1.0" in text
    assert "c122_media_rtp_send_failures 0.0" in text
    assert engine.health().as_dict()["endpoints"] == 2


async def test_the_in_place_path_counts_gaps_and_sequence_wraps_and_leaves_duplicates_to_the_engine(
    engine, peer
):
    caller, operator = await peer(), await peer()
    await _leg(engine, caller, "caller")
    await _leg(engine, operator, "operator")
    await engine.execute(_pair("caller", "operator"))
    relayed_before = engine.relay.relayed
    # Across the 16-bit wrap, 1 and 2 lost, 3 arriving twice.
    for sequence in (65533, 65534, 65535, 0, 3, 3, 4):
        caller.send(0, b"\xff" * 160, sequence=sequence, timestamp=(sequence * 160) & 0xFFFFFFFF)
        if sequence == 65533:
            await operator.wait_packets(1)  # latched: the rest arrive on the connected socket
    await operator.wait_packets(6)
    # The first packet latches (full handler), the duplicate is dropped by ReceiveStats; the rest
    # took the relay's in-place path.
    assert engine.relay.relayed - relayed_before == 5
    stats = engine.leg_stats("caller")
    assert (stats.packets_received, stats.packets_lost) == (6, 2)
    assert engine.endpoint("caller").stats.expected == 8  # the wrap is counted
    sequences = [packet.sequence for packet in operator.received]
    assert sequences == [(sequences[0] + step) & 0xFFFF for step in range(6)]  # one line, no holes
    assert [packet.marker for packet in operator.received] == [True] + [False] * 5


async def _queued_legs(engine, peer, calls: int, queued: int) -> list:
    """`calls` latched 1:1 calls, with `queued` packets waiting on each leg's socket (sent without
    the loop running)."""
    callers, operators = [await peer() for _ in range(calls)], [await peer() for _ in range(calls)]
    for index, (caller, operator) in enumerate(zip(callers, operators, strict=True)):
        await _leg(engine, caller, f"c{index}")
        await _leg(engine, operator, f"o{index}")
        await engine.execute(_pair(f"c{index}", f"o{index}"))
    sides = [*callers, *operators]
    for side in sides:  # latched: the in-place path from now
        side.send(0, b"\xff" * 160)
    for side in sides:
        await side.wait_packets(1)
    await asyncio.sleep(0.05)
    for _ in range(queued):
        for side in sides:
            side.send(0, b"\xff" * 160)
    return sides


async def _all_in_order(sides: list, count: int) -> None:
    for side in sides:
        await side.wait_packets(count)
        sequences = [packet.sequence for packet in side.received]
        assert sequences == [(sequences[0] + step) & 0xFFFF for step in range(count)]  # in order, no holes


async def test_a_relay_that_is_far_behind_drains_in_bounded_passes_and_loses_nothing(engine, peer):
    """Eight packets queued on each of 80 latched legs, the relay at its deepest drain: one pass reads
    at most the pass budget (a pass that read them all held the media clock and every other packet
    back), later passes the rest."""
    from c122.telephony.media import relay

    sides = await _queued_legs(engine, peer, 40, 8)
    before = engine.relay.relayed
    engine.relay._depth = relay._DRAIN_READS
    engine.relay._on_ready()
    read = engine.relay.relayed - before
    assert 0 < read <= relay._PASS_BUDGET
    assert read < 80 * 8  # not all in one pass
    await _all_in_order(sides, 9)
    assert engine.relay.relayed - before == 80 * 8


async def test_a_relay_behind_for_a_packet_interval_drains_deeper_then_one_read_again(
    engine, peer, monkeypatch
):
    """A full batch of sockets ready, and the last pass that kept up a packet interval ago: every
    socket holds more than one datagram, so the next pass reads two from each of half as many (fewer
    epoll entries per packet, the same pass budget); once a pass keeps up, one read again."""
    from c122.telephony.media import relay

    monkeypatch.setattr(relay, "_PASS_BUDGET", 32)  # a full batch from 40 legs
    sides = await _queued_legs(engine, peer, 20, 4)
    relay_ = engine.relay
    relay_._keeping_up_at -= 1.0
    before = relay_.relayed
    relay_._on_ready()
    assert (relay_.relayed - before, relay_._depth) == (32, 2)  # one from each of 32 sockets, then deeper
    before = relay_.relayed
    relay_._on_ready()
    assert relay_.relayed - before == 32  # two from each of 16
    await _all_in_order(sides, 5)
    assert relay_._depth == 1  # the last passes found fewer sockets ready than a batch


def _hold_the_loop(seconds: float) -> None:
    """Blocks the event loop as a slow start-up step would."""
    time.sleep(seconds)


async def test_a_late_tick_while_starting_up_is_not_reported_but_one_afterwards_is() -> None:
    base = random.randrange(30000, 44000, 2)
    media = MediaEngine(bind_host="127.0.0.1", port_min=base, port_max=base + 10, warm_up=0.5)
    await media.start()
    try:
        await asyncio.sleep(TICK)
        _hold_the_loop(0.25)  # busy starting the rest of the service: the clock runs late
        await asyncio.sleep(TICK)
        assert (media.health().status, media.health().detail) == ("ok", "")
        await asyncio.sleep(0.5)  # warmed up
        _hold_the_loop(0.25)
        await asyncio.sleep(TICK)
        health = media.health()
        assert health.status == "degraded"
        assert "media clock ran" in health.detail
    finally:
        await media.stop()
