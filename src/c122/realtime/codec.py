"""Bytes form of a published event, for buses between processes (the Redis stream between nodes)."""

from __future__ import annotations

from pydantic import TypeAdapter

from c122.services.events import OutboundEvent

_EVENT = TypeAdapter(OutboundEvent)


def encode_event(event: OutboundEvent) -> bytes:
    return _EVENT.dump_json(event)


def decode_event(raw: bytes | str) -> OutboundEvent:
    """Raises pydantic.ValidationError when `raw` is not an encoded event."""
    return _EVENT.validate_json(raw)
