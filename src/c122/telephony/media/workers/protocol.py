"""The worker channel's message protocol: length-prefixed JSON frames of typed messages.

A frame is a 4-byte big-endian length and a JSON object. Requests carry `id`, `type` (a command's
class name, or `Health`) and `fields`; a reply carries the request's `id` and either `type` and
`fields` or `error` (`MediaError`, `NoMediaPorts`) and `message`; an event carries `event` and
`fields`; the worker's periodic figures (`MediaFigures`) come as `figures`. Every message is a
frozen dataclass of plain values, so encoding is its fields; JSON arrays come back as the tuples the
dataclasses declare.
"""

from __future__ import annotations

import asyncio
import json
import struct
from dataclasses import asdict, fields
from typing import Any, Final

from c122.telephony.media import messages as m

MAX_FRAME: Final = 1 << 20
_LENGTH: Final = struct.Struct(">I")

COMMANDS: Final[dict[str, type[Any]]] = {
    cls.__name__: cls
    for cls in (
        m.OpenEndpoint,
        m.UpdateEndpoint,
        m.CloseEndpoint,
        m.SetBridge,
        m.RemoveBridge,
        m.StartPlayback,
        m.StopPlayback,
        m.StartRecording,
        m.StopRecording,
        m.SendDtmf,
        m.DescribeEndpoint,
    )
}
REPLIES: Final[dict[str, type[Any]]] = {
    cls.__name__: cls for cls in (m.EndpointOpened, m.EndpointClosed, m.EndpointDescribed, m.Done)
}
EVENTS: Final[dict[str, type[Any]]] = {
    cls.__name__: cls
    for cls in (m.DtmfReceived, m.PlaybackFinished, m.RecordingFinished, m.MediaTimeout, m.MediaLost)
}
ERRORS: Final[dict[str, type[m.MediaError]]] = {"MediaError": m.MediaError, "NoMediaPorts": m.NoMediaPorts}


class ProtocolError(Exception):
    """A frame that is not one of the protocol's messages."""


def encode(message: dict[str, Any]) -> bytes:
    body = json.dumps(message, separators=(",", ":")).encode()
    return _LENGTH.pack(len(body)) + body


async def read_frame(reader: asyncio.StreamReader) -> dict[str, Any] | None:
    """The next message, or None at the end of the stream."""
    try:
        head = await reader.readexactly(_LENGTH.size)
    except asyncio.IncompleteReadError:
        return None
    (length,) = _LENGTH.unpack(head)
    if length > MAX_FRAME:
        raise ProtocolError(f"frame of {length} bytes")
    try:
        body = await reader.readexactly(length)
    except asyncio.IncompleteReadError:
        return None
    message = json.loads(body)
    if not isinstance(message, dict):
        raise ProtocolError("a frame is not an object")
    return message


def fields_of(message: object) -> dict[str, Any]:
    return asdict(message)  # type: ignore[call-overload,no-any-return]


def build(kinds: dict[str, type[Any]], name: object, values: object) -> Any:
    """The dataclass `name` of `kinds` from its encoded fields."""
    cls = kinds.get(name) if isinstance(name, str) else None
    if cls is None or not isinstance(values, dict):
        raise ProtocolError(f"unknown message {name!r}")
    known = {f.name for f in fields(cls)}
    if not set(values) <= known:
        raise ProtocolError(f"{name}: unknown fields {sorted(set(values) - known)}")
    decoded = {key: _decode(key, value) for key, value in values.items()}
    try:
        return cls(**decoded)
    except TypeError as exc:
        raise ProtocolError(f"{name}: {exc}") from exc


def _decode(key: str, value: Any) -> Any:
    if key == "stats" and isinstance(value, dict):
        return m.LegStats(**value)
    if key == "direction" and value is not None:
        return m.Direction(value)
    return _tuples(value)


def _tuples(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_tuples(item) for item in value)
    return value
