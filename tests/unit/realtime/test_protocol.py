"""Wire messages: client parsing with reasons, the pre-serialised event form, the published schemas."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from c122.realtime.protocol import (
    SERVER_MESSAGE,
    AckMessage,
    ClientMessageError,
    EventMessage,
    PongMessage,
    PreparedEvent,
    json_schemas,
    parse_client_message,
)
from c122.services.events import EVERYONE, OutboundEvent


@pytest.mark.parametrize(
    ("text", "expected"),
    [('{"kind": "ack", "id": 42}', AckMessage(id=42)), ('{"kind":"pong"}', PongMessage())],
)
def test_well_formed_client_messages_parse(text: str, expected: object) -> None:
    assert parse_client_message(text) == expected


@pytest.mark.parametrize(
    ("text", "code", "says"),
    [
        ("{", "invalid_json", "not JSON"),
        ('"ack"', "invalid_message", "JSON object"),
        ("{}", "unknown_kind", "expected one of ack, pong"),
        ('{"kind": "ACK", "id": 1}', "unknown_kind", "'ACK'"),
        ('{"kind": "ack"}', "invalid_message", "ack: id: Field required"),
        ('{"kind": "ack", "id": -1}', "invalid_message", "greater than or equal to 0"),
        ('{"kind": "ack", "id": true}', "invalid_message", "ack: id"),
        ('{"kind": "ack", "id": 1.5}', "invalid_message", "ack: id"),
        ('{"kind": "pong", "extra": 1}', "invalid_message", "pong: extra: Extra inputs are not permitted"),
        ('{"kind": "pong", "pad": "' + "x" * 1100 + '"}', "message_too_large", "longer than 1024"),
    ],
)
def test_malformed_client_messages_are_refused_with_a_reason(text: str, code: str, says: str) -> None:
    with pytest.raises(ClientMessageError) as refused:
        parse_client_message(text)

    assert refused.value.code == code
    assert says in refused.value.message
    assert refused.value.to_message().kind == "error"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_text_either_parses_or_is_refused_with_a_code(text: str) -> None:
    refusal: ClientMessageError | None = None
    try:
        parse_client_message(text)
    except ClientMessageError as refused:
        refusal = refused
    assert refusal is None or (refusal.code and refusal.message)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=100, deadline=None)
@given(data=st.dictionaries(st.text(max_size=10), json_values, max_size=5), event_id=st.integers(1, 10**12))
def test_a_prepared_event_encodes_to_exactly_the_event_message(
    data: dict[str, object], event_id: int
) -> None:
    event = OutboundEvent(type="case.updated", data=data, audience=EVERYONE, occurred_at=datetime.now(UTC))

    text = PreparedEvent.of(event).encode(event_id)
    message = SERVER_MESSAGE.validate_json(text)

    assert message == EventMessage(id=event_id, type=event.type, at=event.occurred_at, data=data)
    assert text == message.model_dump_json()


def test_the_schemas_name_every_message_kind_of_each_direction() -> None:
    schemas = json_schemas()

    server_kinds = {ref.split("/")[-1] for ref in schemas["server"]["discriminator"]["mapping"].values()}
    client_kinds = set(schemas["client"]["discriminator"]["mapping"])
    assert server_kinds == {
        "ReadyMessage",
        "EventMessage",
        "PingMessage",
        "ReloadMessage",
        "ClosedMessage",
        "ErrorMessage",
        "RtcOfferMessage",
        "RtcStateMessage",
        "RtcVideoMessage",
    }
    assert client_kinds == {"ack", "pong", "rtc.start", "rtc.answer", "rtc.restart", "rtc.dtmf", "rtc.stop"}
