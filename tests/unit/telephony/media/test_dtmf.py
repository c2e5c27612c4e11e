import numpy as np
import pytest

from c122.telephony.media.codecs import PCMA, PCMU
from c122.telephony.media.dtmf import EventReceiver, EventSender, InbandDetector, parse_event
from c122.telephony.media.sources import ToneSource, tone
from c122.telephony.media.spec import inband_dtmf_source


def test_a_digit_is_sent_as_growing_updates_then_three_identical_end_packets():
    packets = list(EventSender("5", duration_ms=100).packets())
    events = [parse_event(payload) for payload, _ in packets]
    assert [first for _, first in packets] == [True] + [False] * (len(packets) - 1)
    assert all(e.event == 5 for e in events)
    updates, ends = events[:-3], events[-3:]
    assert [e.duration for e in updates] == [160, 320, 480, 640]
    assert all(e.end and e.duration == 800 for e in ends)
    assert not any(e.end for e in updates)


def test_the_receiver_reports_each_event_once_despite_updates_and_redundant_end_packets():
    receiver = EventReceiver()
    digits = []
    for index, digit in enumerate("19*#A"):
        timestamp = 1000 + index * 2000
        for payload, _ in EventSender(digit).packets():
            got = receiver.receive(timestamp, payload)
            if got is not None:
                digits.append(got)
        assert receiver.receive(timestamp, payload) is None  # a late retransmission of the end
    assert "".join(digits) == "19*#A"


def test_the_same_digit_twice_in_a_row_is_two_events():
    receiver = EventSender("7")
    incoming = EventReceiver()
    found = [incoming.receive(ts, payload) for ts in (0, 1600) for payload, _ in receiver.packets()]
    assert [d for d in found if d] == ["7", "7"]


def test_unknown_digits_are_refused():
    with pytest.raises(ValueError, match="not a DTMF digit"):
        EventSender("x")


@pytest.mark.parametrize("codec", [PCMU, PCMA])
def test_inband_detection_finds_all_sixteen_digits_in_order_after_g711(codec):
    source = inband_dtmf_source("1234567890*#ABCD", 80)
    detector = InbandDetector()
    found = []
    while (frame := source.next_frame()) is not None:
        digit = detector.feed(codec.decode(codec.encode(frame)))
        if digit:
            found.append(digit)
    assert "".join(found) == "1234567890*#ABCD"


@pytest.mark.parametrize(
    "frequencies", [[425.0], [440.0, 550.0, 660.0], [697.0], [300.0, 800.0], [697.0, 1800.0]]
)
def test_inband_detection_ignores_tones_that_are_not_dtmf_pairs(frequencies):
    source = ToneSource(tone(frequencies, 2000))
    detector = InbandDetector()
    assert not [d for _ in range(100) if (d := detector.feed(source.next_frame()))]


def test_inband_detection_ignores_noise():
    rng = np.random.default_rng(7)
    detector = InbandDetector()
    frames = rng.normal(0, 4000, (300, 160)).clip(-32768, 32767).astype(np.int16)
    assert not [d for frame in frames if (d := detector.feed(frame))]
