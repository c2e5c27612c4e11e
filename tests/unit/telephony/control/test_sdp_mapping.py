import pytest

from c122.telephony.control.sip_gateway import media_params
from c122.telephony.media.messages import Direction
from c122.telephony.sip.sdp import SessionDescription

OFFER = """v=0
o=- 1 1 IN IP4 198.51.100.7
s=-
c=IN IP4 198.51.100.7
t=0 0
m=audio 40000 RTP/AVP 8 0 96
a=rtpmap:8 PCMA/8000
a=rtpmap:0 PCMU/8000
a=rtpmap:96 telephone-event/8000
a=sendonly
"""


def test_an_offer_gives_the_first_g711_codec_its_event_type_its_address_and_our_reverse_direction():
    params = media_params(SessionDescription.parse(OFFER), ours_from_theirs=True)
    assert params is not None
    assert (params.codec, params.dtmf_payload_type, params.remote) == ("PCMA", 96, ("198.51.100.7", 40000))
    assert params.direction is Direction.RECVONLY  # they only send: we only receive


def test_our_own_sdp_keeps_its_direction():
    params = media_params(SessionDescription.parse(OFFER), ours_from_theirs=False)
    assert params is not None
    assert params.direction is Direction.SENDONLY


@pytest.mark.parametrize(
    "text",
    [
        OFFER.replace("m=audio 40000 RTP/AVP 8 0 96", "m=audio 0 RTP/AVP 8 0 96"),
        OFFER.replace("m=audio 40000 RTP/AVP 8 0 96", "m=audio 40000 RTP/AVP 18")
        .replace("a=rtpmap:8 PCMA/8000\n", "")
        .replace("a=rtpmap:0 PCMU/8000\n", "")
        .replace("a=rtpmap:96 telephone-event/8000\n", "a=rtpmap:18 G729/8000\n"),
    ],
    ids=["rejected-stream", "no-g711"],
)
def test_an_offer_without_usable_g711_audio_gives_nothing(text):
    assert media_params(SessionDescription.parse(text), ours_from_theirs=True) is None
