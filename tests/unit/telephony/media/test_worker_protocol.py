"""The media worker channel's messages: every command, reply and event survives encoding as it was,
and anything else is refused."""

from __future__ import annotations

import asyncio
import json
import struct

import pytest

from c122.telephony.media import messages as m
from c122.telephony.media.workers import protocol

SAMPLES = [
    m.OpenEndpoint("a", codec="PCMA", remote=("127.0.0.1", 4000), port=20000, rtcp_mux=True),
    m.UpdateEndpoint("a", remote=("10.0.0.1", 5000), direction=m.Direction.SENDONLY),
    m.SetBridge("b", ("a", "c"), (("a", "c"), ("c", "a"))),
    m.StartRecording("r", "/tmp/x.wav", "a", "c", right_mixed=True),
    m.SendDtmf("a", "12#"),
]
REPLIES = [
    m.EndpointOpened("a", "127.0.0.1", 20000),
    m.EndpointClosed(m.LegStats("a", 10, 11, 1, 2.5, 0.1, None)),
    m.EndpointDescribed("a", 20000, ("127.0.0.1", 4000), True, "PCMU", 101),
]
EVENTS = [m.DtmfReceived("a", "5", "rfc4733"), m.MediaTimeout("a", 30.0), m.MediaLost("a", "worker died")]


async def _through_the_wire(message: dict[str, object]) -> dict[str, object] | None:
    reader = asyncio.StreamReader()
    reader.feed_data(protocol.encode(message))
    reader.feed_eof()
    return await protocol.read_frame(reader)


@pytest.mark.parametrize("message", SAMPLES)
async def test_a_command_comes_back_equal(message: object) -> None:
    frame = await _through_the_wire(
        {"id": 1, "type": type(message).__name__, "fields": protocol.fields_of(message)}
    )
    assert frame is not None
    assert protocol.build(protocol.COMMANDS, frame["type"], frame["fields"]) == message


@pytest.mark.parametrize("message", REPLIES + EVENTS)
def test_replies_and_events_come_back_equal(message: object) -> None:
    kinds = protocol.REPLIES if message in REPLIES else protocol.EVENTS
    fields = json.loads(json.dumps(protocol.fields_of(message)))
    assert protocol.build(kinds, type(message).__name__, fields) == message


@pytest.mark.parametrize(
    ("name", "fields", "reason"),
    [
        ("Exec", {}, "unknown message"),
        ("__class__", {}, "unknown message"),
        ("CloseEndpoint", {"endpoint_id": "a", "shell": "rm"}, "unknown fields"),
        ("CloseEndpoint", {}, "missing"),
        ("CloseEndpoint", ["a"], "unknown message"),
    ],
)
def test_anything_but_the_messages_is_refused(name: str, fields: object, reason: str) -> None:
    with pytest.raises(protocol.ProtocolError, match=reason):
        protocol.build(protocol.COMMANDS, name, fields)


async def test_an_oversized_or_cut_frame_is_refused_or_ends_the_stream() -> None:
    reader = asyncio.StreamReader()
    reader.feed_data(struct.pack(">I", protocol.MAX_FRAME + 1))
    with pytest.raises(protocol.ProtocolError, match="frame of"):
        await protocol.read_frame(reader)
    cut = asyncio.StreamReader()
    cut.feed_data(protocol.encode({"id": 1})[:-2])
    cut.feed_eof()
    assert await protocol.read_frame(cut) is None
