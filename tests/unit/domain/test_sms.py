"""SMS parts on the air, the state a delivery report leads to, retries and incoming text."""

from __future__ import annotations

import pytest

from c122.domain.sms import (
    MAX_PARTS,
    RETRY_MAX_S,
    DeliveryReport,
    SmsState,
    decode_incoming,
    parts_of,
    retry_delay_s,
    state_after,
    text_problem,
    uses_gsm7,
)


def test_latin_text_takes_160_alone_and_153_a_part_and_extension_characters_count_twice() -> None:
    assert uses_gsm7("Hello, 122!")
    assert parts_of("a" * 160) == 1
    assert parts_of("a" * 161) == 2
    assert parts_of("a" * 306) == 2
    assert parts_of("a" * 307) == 3
    assert parts_of("€" * 80) == 1  # 160 septets
    assert parts_of("€" * 81) == 2


def test_cyrillic_goes_in_ucs2_70_alone_and_67_a_part() -> None:
    assert not uses_gsm7("Ваше обращение принято")
    assert parts_of("я" * 70) == 1
    assert parts_of("я" * 71) == 2
    assert parts_of("я" * 134) == 2
    assert parts_of("я" * 135) == 3
    assert parts_of("😀" * 35) == 1  # outside the BMP: two UTF-16 units each
    assert parts_of("😀" * 36) == 2


def test_a_text_is_refused_empty_or_over_ten_parts() -> None:
    assert text_problem("   ") == "пустой текст"
    assert text_problem("я" * 67 * MAX_PARTS) is None
    problem = text_problem("я" * (67 * MAX_PARTS + 1))
    assert problem is not None
    assert "11 SMS" in problem


def test_retries_double_from_five_seconds_up_to_five_minutes() -> None:
    assert [retry_delay_s(n) for n in (1, 2, 3, 4)] == [5.0, 10.0, 20.0, 40.0]
    assert retry_delay_s(30) == RETRY_MAX_S


@pytest.mark.parametrize(
    ("current", "report", "expected"),
    [
        (SmsState.SENT, DeliveryReport.SMSC_ACCEPTED, None),  # already sent
        (SmsState.QUEUED, DeliveryReport.SMSC_ACCEPTED, SmsState.SENT),
        (SmsState.SENT, DeliveryReport.DELIVERED, SmsState.DELIVERED),
        (SmsState.SENT, DeliveryReport.UNDELIVERED, SmsState.FAILED),
        (SmsState.SENT, DeliveryReport.SMSC_REJECTED, SmsState.FAILED),
        (SmsState.DELIVERED, DeliveryReport.SMSC_ACCEPTED, None),  # a late report never moves it back
        (SmsState.DELIVERED, DeliveryReport.UNDELIVERED, None),
        (SmsState.FAILED, DeliveryReport.DELIVERED, None),
        (SmsState.RECEIVED, DeliveryReport.DELIVERED, None),  # not an outbound message
        (SmsState.SENT, 0, None),
    ],
)
def test_delivery_reports_move_a_message_forward_only(
    current: SmsState, report: int, expected: SmsState | None
) -> None:
    assert state_after(current, int(report)) == expected


def test_incoming_text_is_decoded_by_its_coding_and_bad_bytes_are_named() -> None:
    assert decode_incoming("Помогите".encode("utf-16-be"), 2) == "Помогите"
    assert decode_incoming("Привет".encode(), 0) == "Привет"
    assert decode_incoming("Café".encode("latin-1"), 0, "ISO-8859-1") == "Café"
    with pytest.raises(ValueError, match="odd number"):
        decode_incoming(b"\x04\x1f\x04", 2)
    with pytest.raises(ValueError, match="UTF-16"):
        decode_incoming(b"\xdc\x00\x00A", 2)  # a lone low surrogate
    with pytest.raises(ValueError, match="charset"):
        decode_incoming(b"x", 0, "no-such-charset")
