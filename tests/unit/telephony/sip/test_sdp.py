"""SDP parse/serialise (RFC 8866) and the RFC 3264 answerer."""

from __future__ import annotations

from pathlib import Path

import pytest

from c122.telephony.sip.message import parse_message
from c122.telephony.sip.sdp import (
    PCMA,
    PCMU,
    Direction,
    SdpError,
    SessionDescription,
    answer_offer,
    make_offer,
    parse_sdp,
)

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "sip"


def offer_text(formats: str, *attrs: str, port: int = 6000) -> str:
    lines = [
        "v=0",
        "o=- 1 1 IN IP4 10.0.0.2",
        "s=-",
        "c=IN IP4 10.0.0.2",
        "t=0 0",
        f"m=audio {port} RTP/AVP {formats}",
    ]
    return "\r\n".join(lines + [f"a={a}" for a in attrs]) + "\r\n"


def test_baresip_offer_from_a_real_invite_is_understood():
    invite = parse_message((FIXTURES / "baresip_invite_auth.sip").read_bytes())
    sdp = parse_sdp(invite.body)
    audio = sdp.audio
    assert audio is not None
    assert [c.name for c in audio.audio_codecs] == ["PCMU", "PCMA"]
    assert audio.telephone_event is not None
    assert audio.telephone_event.payload_type == 101
    assert audio.ptime == 20
    assert sdp.media_direction(audio) is Direction.SENDRECV
    assert ("minptime", "20") in audio.attributes


def test_static_payload_types_need_no_rtpmap():
    sdp = parse_sdp(offer_text("8 0"))
    assert sdp.audio is not None
    assert [c.name for c in sdp.audio.codecs] == ["PCMA", "PCMU"]


def test_serialised_sdp_parses_back_to_the_same_session():
    offer = make_offer("10.0.0.1", 41000, dtmf_payload_type=96, direction=Direction.SENDONLY)
    again = SessionDescription.parse(str(offer))
    assert again == offer
    assert "a=rtpmap:96 telephone-event/8000" in str(offer)
    assert "a=sendonly" in str(offer)


@pytest.mark.parametrize("dtmf_pt", [96, 98, 101])
def test_answer_keeps_the_telephone_event_payload_type_the_peer_offered(dtmf_pt: int):
    offer = parse_sdp(
        offer_text(f"0 {dtmf_pt}", f"rtpmap:{dtmf_pt} telephone-event/8000", "fmtp:{dtmf_pt} 0-16")
    )
    answer = answer_offer(offer, "10.0.0.1", 41000)
    assert answer.audio is not None
    assert answer.audio.telephone_event is not None
    assert answer.audio.telephone_event.payload_type == dtmf_pt
    assert answer.audio.formats == ["0", str(dtmf_pt)]


def test_answer_prefers_the_offerers_codec_order_and_drops_unknown_codecs():
    offer = parse_sdp(offer_text("18 8 0", "rtpmap:18 G729/8000"))
    answer = answer_offer(offer, "10.0.0.1", 41000)
    assert answer.audio is not None
    assert [c.name for c in answer.audio.codecs] == ["PCMA", "PCMU"]
    assert answer.audio.port == 41000
    assert answer.connection == "10.0.0.1"


@pytest.mark.parametrize(
    ("offered", "answered"),
    [
        ("sendonly", Direction.RECVONLY),
        ("recvonly", Direction.SENDONLY),
        ("inactive", Direction.INACTIVE),
        ("sendrecv", Direction.SENDRECV),
    ],
)
def test_answer_mirrors_hold_directions(offered: str, answered: Direction):
    answer = answer_offer(parse_sdp(offer_text("0", offered)), "10.0.0.1", 41000)
    assert answer.audio is not None
    assert answer.audio.direction is answered


def test_session_level_direction_applies_to_media():
    text = offer_text("0").replace("t=0 0\r\n", "t=0 0\r\na=sendonly\r\n")
    answer = answer_offer(parse_sdp(text), "10.0.0.1", 41000)
    assert answer.audio is not None
    assert answer.audio.direction is Direction.RECVONLY


def test_our_own_hold_narrows_the_answer():
    answer = answer_offer(parse_sdp(offer_text("0")), "10.0.0.1", 41000, direction=Direction.SENDONLY)
    assert answer.audio is not None
    assert answer.audio.direction is Direction.SENDONLY


def test_ptime_is_echoed_and_unsupported_streams_get_port_zero():
    text = offer_text("0", "ptime:30") + "m=video 6002 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\n"
    answer = answer_offer(parse_sdp(text), "10.0.0.1", 41000)
    assert [(m.media, m.port) for m in answer.media] == [("audio", 41000), ("video", 0)]
    assert answer.media[0].ptime == 30
    assert "m=video 0 RTP/AVP 96" in str(answer)


def test_offer_without_a_common_codec_cannot_be_answered():
    with pytest.raises(SdpError):
        answer_offer(parse_sdp(offer_text("18", "rtpmap:18 G729/8000")), "10.0.0.1", 41000)


def test_disabled_stream_in_the_offer_is_not_accepted():
    with pytest.raises(SdpError):
        answer_offer(parse_sdp(offer_text("0", port=0)), "10.0.0.1", 41000)


def test_answer_to_a_new_offer_in_the_same_dialog_increments_the_version():
    first = answer_offer(parse_sdp(offer_text("0")), "10.0.0.1", 41000)
    second = answer_offer(parse_sdp(offer_text("0", "sendonly")), "10.0.0.1", 41000, session=first)
    assert second.session_id == first.session_id
    assert second.session_version == first.session_version + 1


def test_ipv6_connection_is_written_as_ip6():
    offer = make_offer("2001:db8::1", 41000, codecs=(PCMA, PCMU))
    assert "c=IN IP6 2001:db8::1" in str(offer)
    assert parse_sdp(str(offer)).connection == "2001:db8::1"


@pytest.mark.parametrize(
    "text",
    ["", "x", "v=1\r\n", "v=0\r\ns=-\r\n", offer_text("0").replace("m=audio 6000", "m=audio 99999"),
     "v=0\r\no=- 1 1 IN IP4 h\r\nm=audio\r\n", b"v=0\r\no=\xff".decode("latin-1")],
)  # fmt: skip
def test_malformed_sdp_raises_sdp_error(text: str):
    with pytest.raises(SdpError):
        parse_sdp(text)
