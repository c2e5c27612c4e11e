"""The relay's in-place decision is re-made by every change of a fact it rests on, on both legs."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator

import pytest

from c122.telephony.media.codecs import PCMA, PCMU
from c122.telephony.media.endpoint import Endpoint, RelayRecord
from c122.telephony.media.jitter import pcm_jitter_buffer
from c122.telephony.media.messages import Direction
from c122.telephony.media.recording import PayloadTimeline
from c122.telephony.media.sources import ToneSource, tone

Pair = tuple[Endpoint, Endpoint]


def _leg(name: str, sock: socket.socket) -> Endpoint:
    endpoint = Endpoint(name, 0, PCMU, 101, ("127.0.0.1", 40000), False, None, 0.0)
    endpoint.relay_record = RelayRecord(endpoint, sock)
    return endpoint


@pytest.fixture
def bridged() -> Iterator[Pair]:
    """Caller forwarded to operator, as `SetBridge` does it (no forwarding back)."""
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(2)]
    caller, operator = _leg("caller", sockets[0]), _leg("operator", sockets[1])
    caller.forward_to, operator.forwarded_from = operator, caller
    yield caller, operator
    for sock in sockets:
        sock.close()


def _ready(pair: Pair) -> bool:
    caller, operator = pair
    assert caller.relay_record is not None
    ready = caller.relay_record.ready
    assert ready is None or ready is operator.relay_record
    return ready is not None


def test_a_plain_one_to_one_bridge_goes_in_place_and_knows_the_payload_type(bridged: Pair) -> None:
    caller, _ = bridged
    assert _ready(bridged)
    caller.codec = PCMA
    assert caller.relay_record is not None
    assert caller.relay_record.payload_type == 8


def _send_all_digits(endpoint: Endpoint) -> None:
    while endpoint.dtmf_out:
        endpoint.next_dtmf()


CHANGES: dict[str, tuple[Callable[[Pair], None], Callable[[Pair], None]]] = {
    "the operator plays something": (
        lambda p: setattr(p[1], "source", ToneSource(tone([425.0], 1000))),
        lambda p: setattr(p[1], "source", None),
    ),
    "the operator sends digits": (
        lambda p: p[1].queue_dtmf([(b"\x01\x0a\x00\xa0", True), (None, False)]),
        lambda p: _send_all_digits(p[1]),
    ),
    "the operator is on hold": (
        lambda p: setattr(p[1], "direction", Direction.RECVONLY),
        lambda p: setattr(p[1], "direction", Direction.SENDRECV),
    ),
    "the caller is not heard": (
        lambda p: setattr(p[0], "direction", Direction.SENDONLY),
        lambda p: setattr(p[0], "direction", Direction.SENDRECV),
    ),
    "the caller is mixed": (
        lambda p: setattr(p[0], "jitter", pcm_jitter_buffer()),
        lambda p: setattr(p[0], "jitter", None),
    ),
    "the legs' codecs differ": (
        lambda p: setattr(p[1], "codec", PCMA),
        lambda p: setattr(p[1], "codec", PCMU),
    ),
    "the operator's address is unknown": (
        lambda p: setattr(p[1], "target", None),
        lambda p: setattr(p[1], "target", ("127.0.0.1", 40002)),
    ),
    "the bridge is undone": (
        lambda p: setattr(p[0], "forward_to", None),
        lambda p: setattr(p[0], "forward_to", p[1]),
    ),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_each_change_takes_the_leg_off_the_in_place_path_and_undoing_it_brings_it_back(
    bridged: Pair, change: str
) -> None:
    do, undo = CHANGES[change]
    do(bridged)
    assert not _ready(bridged)
    undo(bridged)
    assert _ready(bridged)


def test_the_operators_socket_leaving_the_relay_stops_forwarding_to_it(bridged: Pair) -> None:
    _, operator = bridged
    operator.relay_record = None
    assert not _ready(bridged)


def test_a_recording_started_on_the_caller_is_seen_by_the_relay(bridged: Pair) -> None:
    caller, _ = bridged
    line = PayloadTimeline(caller.codec, started_at=0.0)
    caller.timelines = (line,)
    assert caller.relay_record is not None
    assert caller.relay_record.timeline is line  # the usual case: written inline
    assert caller.relay_record.timelines == ()
    assert _ready(bridged)  # recorded legs stay in place


def test_two_recordings_or_one_in_another_codec_take_the_general_way(bridged: Pair) -> None:
    caller, _ = bridged
    other = PCMA if caller.codec is not PCMA else PCMU
    assert caller.relay_record is not None
    for lines in (
        (PayloadTimeline(caller.codec, started_at=0.0), PayloadTimeline(caller.codec, started_at=0.0)),
        (PayloadTimeline(other, started_at=0.0),),
    ):
        caller.timelines = lines
        assert caller.relay_record.timeline is None
        assert caller.relay_record.timelines == lines
        assert _ready(bridged)
