import struct

import pytest

from c122.telephony.media.rtp import OutgoingStream, RtpPacket, RtpParseError, is_rtcp, parse_rtp


def test_a_packet_serialises_and_parses_back_unchanged():
    packet = RtpPacket(0, 65535, 0xFFFFFFF0, 0xDEADBEEF, b"\xff" * 160, marker=True)
    assert parse_rtp(packet.to_bytes()) == packet


def test_parsing_skips_csrcs_the_header_extension_and_padding():
    header = struct.pack("!BBHII", 0x80 | 0x20 | 0x10 | 2, 8, 7, 1000, 42)
    csrcs = struct.pack("!II", 1, 2)
    extension = struct.pack("!HH", 0xBEDE, 1) + b"\x00" * 4
    payload = b"abc"
    padding = b"\x00\x00\x03"
    packet = parse_rtp(header + csrcs + extension + payload + padding)
    assert (packet.payload_type, packet.sequence, packet.timestamp, packet.ssrc) == (8, 7, 1000, 42)
    assert packet.payload == payload


@pytest.mark.parametrize("data", [b"\x80\x00", b"\x40" + b"\x00" * 11, b"\xa0\x00" + b"\x00" * 10])
def test_short_wrong_version_or_bad_padding_datagrams_are_refused(data):
    with pytest.raises(RtpParseError):
        parse_rtp(data)


def test_rtcp_is_told_apart_from_rtp_by_payload_type():
    assert is_rtcp(b"\x80\xc8\x00\x06")
    assert not is_rtcp(b"\x80\x00\x00\x06")


def test_the_outgoing_stream_keeps_ssrc_sequence_and_timestamps_continuous_across_source_switches():
    stream = OutgoingStream(ssrc=7)
    first, second = object(), object()
    seq0, ts0, marker0 = stream.next_header(first, 160, source_timestamp=50_000)
    seq1, ts1, marker1 = stream.next_header(first, 160, source_timestamp=50_160)
    # The new source's timestamps are unrelated to the old one's: the wire line must not jump.
    seq2, ts2, marker2 = stream.next_header(second, 160, source_timestamp=9)
    seq3, ts3, marker3 = stream.next_header(second, 160, source_timestamp=169)
    seq4, ts4, marker4 = stream.next_header(None, 160)
    assert [marker0, marker1, marker2, marker3, marker4] == [True, False, True, False, True]
    assert [(s - seq0) & 0xFFFF for s in (seq1, seq2, seq3, seq4)] == [1, 2, 3, 4]
    assert [(t - ts0) & 0xFFFFFFFF for t in (ts1, ts2, ts3, ts4)] == [160, 320, 480, 640]


def test_forwarded_timestamps_keep_the_sources_spacing_so_gaps_stay_gaps():
    stream = OutgoingStream()
    source = object()
    _, ts0, _ = stream.next_header(source, 160, source_timestamp=1000)
    _, ts1, _ = stream.next_header(source, 160, source_timestamp=1000 + 160 * 5)  # four lost in between
    assert (ts1 - ts0) & 0xFFFFFFFF == 800


def test_packing_counts_packets_and_octets_for_sender_reports():
    stream = OutgoingStream(ssrc=1)
    data = stream.pack(0, 1, 2, False, b"x" * 160)
    assert parse_rtp(data).ssrc == 1
    assert (stream.sent_packets, stream.sent_octets) == (1, 160)


def test_a_packet_forwarded_in_place_gets_the_same_header_as_a_forwarded_copy():
    source = object()
    copied, in_place = OutgoingStream(ssrc=9), OutgoingStream(ssrc=9)
    in_place.sequence = copied.sequence
    in_place.advance((copied.timestamp - in_place.timestamp) & 0xFFFFFFFF)
    for index, marker in enumerate((False, False, True)):
        payload = bytes([index]) * 160
        received = bytearray(RtpPacket(0, 100 + index, 8000 + 160 * index, 42, payload, marker).to_bytes())
        received += b"trailing bytes of an earlier, longer datagram"
        in_place.forward_into(received, 12 + 160, source, 8000 + 160 * index, 0, marker)
        assert bytes(received[:172]) == copied.forward(source, 8000 + 160 * index, 0, marker, payload)
    assert (in_place.sent_packets, in_place.sent_octets) == (3, 480)
