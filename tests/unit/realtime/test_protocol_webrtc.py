"""The rtc.* messages of the event socket: parsing, size limits, and error codes."""

from __future__ import annotations

import json

import pytest

from c122.realtime.protocol import (
    MAX_RTC_ANSWER_CHARS,
    ClientMessageError,
    ErrorCode,
    RtcAnswerMessage,
    RtcDtmfMessage,
    RtcOfferMessage,
    RtcStartMessage,
    RtcStopMessage,
    parse_client_message,
)
from c122.services.phones.softphone import RtcErrorCode


def test_rtc_requests_parse() -> None:
    assert parse_client_message('{"kind":"rtc.start"}') == RtcStartMessage()
    assert parse_client_message('{"kind":"rtc.start","codecs":["PCMA","PCMU"]}') == RtcStartMessage(
        codecs=["PCMA", "PCMU"]
    )
    assert parse_client_message('{"kind":"rtc.dtmf","leg":"ch-1","digit":"#"}') == RtcDtmfMessage(
        leg="ch-1", digit="#"
    )
    assert parse_client_message('{"kind":"rtc.stop","leg":"ch-1"}') == RtcStopMessage(leg="ch-1")


def test_an_answer_may_carry_sdp_up_to_16_kib_but_nothing_else_may_exceed_1_kib() -> None:
    sdp = "v=0\r\n" + "a=x\r\n" * ((MAX_RTC_ANSWER_CHARS - 10) // 5)
    parsed = parse_client_message(json.dumps({"kind": "rtc.answer", "leg": "ch-1", "sdp": sdp}))
    assert isinstance(parsed, RtcAnswerMessage)
    assert parsed.sdp == sdp
    with pytest.raises(ClientMessageError) as refused:
        parse_client_message(json.dumps({"kind": "rtc.answer", "leg": "ch-1", "sdp": sdp * 2}))
    assert refused.value.code == ErrorCode.MESSAGE_TOO_LARGE
    with pytest.raises(ClientMessageError) as refused:
        parse_client_message(json.dumps({"kind": "rtc.stop", "leg": "ch-1", "why": "rtc.answer" * 200}))
    assert refused.value.code == ErrorCode.MESSAGE_TOO_LARGE
    with pytest.raises(ClientMessageError) as refused:  # naming the kind in a value buys no room
        parse_client_message(json.dumps({"kind": "rtc.stop", "leg": '"rtc.answer"' * 100}))
    assert refused.value.code == ErrorCode.MESSAGE_TOO_LARGE


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('{"kind":"rtc.start","codecs":["G729"]}', "rtc.start: codecs.0"),
        ('{"kind":"rtc.start","codecs":["PCMU","PCMA","PCMU"]}', "rtc.start: codecs"),
        ('{"kind":"rtc.dtmf","leg":"ch-1","digit":"12"}', "rtc.dtmf: digit"),
        ('{"kind":"rtc.dtmf","leg":"ch-1","digit":"A"}', "rtc.dtmf: digit"),
        ('{"kind":"rtc.answer","leg":"ch-1"}', "rtc.answer: sdp: Field required"),
        ('{"kind":"rtc.answer","leg":"","sdp":"v=0"}', "rtc.answer: leg"),
        ('{"kind":"rtc.restart"}', "rtc.restart: leg: Field required"),
    ],
)
def test_malformed_rtc_requests_are_refused_with_a_reason(text: str, says: str) -> None:
    with pytest.raises(ClientMessageError) as refused:
        parse_client_message(text)
    assert refused.value.code == ErrorCode.INVALID_MESSAGE
    assert says in refused.value.message


def test_every_softphone_refusal_has_a_wire_error_code() -> None:
    assert {code.value for code in RtcErrorCode} <= {code.value for code in ErrorCode}


def test_an_offer_lists_the_browsers_ice_servers() -> None:
    offer = RtcOfferMessage(leg="ch-1", sdp="v=0", ice_servers=[{"urls": ["stun:s.example:3478"]}])  # type: ignore[list-item]
    assert json.loads(offer.model_dump_json())["ice_servers"] == [
        {"urls": ["stun:s.example:3478"], "username": None, "credential": None}
    ]
