from c122.telephony.media.rtcp import RR, SR, ReceiveStats, build_report, parse_compound


def _feed(stats: ReceiveStats, sequences, arrivals=None, ssrc=5):
    for index, sequence in enumerate(sequences):
        arrival = arrivals[index] if arrivals else index * 0.02
        stats.update(ssrc, sequence & 0xFFFF, (sequence * 160) & 0xFFFFFFFF, arrival)


def test_loss_counts_missing_sequence_numbers_across_a_wraparound():
    stats = ReceiveStats()
    sequences = [s for s in range(65530, 65550) if s not in (65534, 65536, 65540)]
    _feed(stats, sequences)
    assert stats.expected == 20
    assert stats.lost == 3


def test_duplicates_are_reported_and_not_counted_twice():
    stats = ReceiveStats()
    assert stats.update(1, 10, 0, 0.0)
    assert not stats.update(1, 10, 0, 0.001)
    assert stats.received == 1
    assert stats.duplicates == 1


def test_jitter_is_near_zero_for_steady_packets_and_grows_with_irregular_arrival():
    steady, irregular = ReceiveStats(), ReceiveStats()
    _feed(steady, range(200))
    _feed(irregular, range(200), [i * 0.02 + (0.015 if i % 2 else 0.0) for i in range(200)])
    assert steady.jitter_ms < 0.01
    assert 8.0 < irregular.jitter_ms < 20.0


def test_a_sender_report_round_trips_with_the_receive_block():
    stats = ReceiveStats()
    _feed(stats, [s for s in range(100) if s % 10 != 3])
    data = build_report(77, sent_packets=50, sent_octets=8000, rtp_timestamp=1234, receive=stats, now=10.0)
    (report,) = parse_compound(data)
    assert (report.packet_type, report.ssrc, report.packet_count, report.octet_count) == (SR, 77, 50, 8000)
    (block,) = report.blocks
    assert block.ssrc == 5
    assert block.cumulative_lost == 10
    assert abs(block.fraction_lost - 0.1) < 0.01
    assert block.highest_sequence == 99


def test_a_leg_that_has_not_sent_reports_with_a_receiver_report():
    data = build_report(9, sent_packets=0, sent_octets=0, rtp_timestamp=0, receive=ReceiveStats(), now=0.0)
    (report,) = parse_compound(data)
    assert (report.packet_type, report.ssrc, report.blocks) == (RR, 9, ())


def test_a_counter_outside_carries_on_from_the_stream_position_and_hands_its_counts_back():
    stats = ReceiveStats()
    assert stats.stream_position() is None  # no stream yet: nothing to carry on from
    stats.update(7, 65534, 0, 0.0)
    stats.update(7, 65535, 160, 0.02)
    position = stats.stream_position()
    assert position is not None
    ssrc, highest, transit, _ = position
    assert (ssrc, highest) == (7, 65535)
    # Outside: 1 and 3 arrived across the 16-bit wrap, 0 and 2 were lost.
    stats.absorb(max_seq=3, wraps=1, received=2, transit=transit, jitter=2.5)
    assert (stats.expected, stats.received, stats.lost) == (6, 4, 2)
    assert stats.jitter_samples == 2.5
    assert stats.update(7, 4, 4 * 160 + 320, 0.1)  # and it carries on in order from there
    assert stats.expected == 7
