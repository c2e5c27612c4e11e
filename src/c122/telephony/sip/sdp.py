"""SDP (RFC 8866) parse/serialise and the RFC 3264 offer/answer model for G.711 audio.

Self-contained (no other SIP module imported) so the media engine can depend on it alone.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from enum import StrEnum


class SdpError(ValueError):
    """Invalid SDP, or an offer with nothing acceptable in it (answer with 488)."""


class Direction(StrEnum):
    SENDRECV = "sendrecv"
    SENDONLY = "sendonly"
    RECVONLY = "recvonly"
    INACTIVE = "inactive"

    def reverse(self) -> Direction:
        """The direction an answerer uses for this offered direction (RFC 3264 §6.1)."""
        return _REVERSE[self]


_REVERSE = {
    Direction.SENDRECV: Direction.SENDRECV,
    Direction.SENDONLY: Direction.RECVONLY,
    Direction.RECVONLY: Direction.SENDONLY,
    Direction.INACTIVE: Direction.INACTIVE,
}

# RFC 3551 static payload types we may see without an rtpmap line.
_STATIC = {0: ("PCMU", 8000), 3: ("GSM", 8000), 8: ("PCMA", 8000), 9: ("G722", 8000), 18: ("G729", 8000)}


@dataclass(frozen=True, slots=True)
class Codec:
    payload_type: int
    name: str
    clock_rate: int = 8000
    channels: int = 1
    fmtp: str | None = None

    @property
    def is_telephone_event(self) -> bool:
        return self.name.lower() == "telephone-event"

    def rtpmap(self) -> str:
        chans = f"/{self.channels}" if self.channels != 1 else ""
        return f"{self.payload_type} {self.name}/{self.clock_rate}{chans}"


PCMU = Codec(0, "PCMU")
PCMA = Codec(8, "PCMA")


@dataclass(slots=True)
class MediaDescription:
    media: str
    port: int
    proto: str
    formats: list[str]
    codecs: list[Codec] = field(default_factory=list)
    connection: str | None = None
    direction: Direction | None = None
    ptime: int | None = None
    attributes: list[tuple[str, str | None]] = field(default_factory=list)

    @property
    def telephone_event(self) -> Codec | None:
        return next((c for c in self.codecs if c.is_telephone_event), None)

    @property
    def audio_codecs(self) -> list[Codec]:
        return [c for c in self.codecs if not c.is_telephone_event]

    def lines(self) -> list[str]:
        out = [f"m={self.media} {self.port} {self.proto} {' '.join(self.formats)}"]
        if self.connection:
            out.append(f"c=IN {_addr_type(self.connection)} {self.connection}")
        for codec in self.codecs:
            out.append(f"a=rtpmap:{codec.rtpmap()}")
            if codec.fmtp:
                out.append(f"a=fmtp:{codec.payload_type} {codec.fmtp}")
        if self.ptime:
            out.append(f"a=ptime:{self.ptime}")
        for name, value in self.attributes:
            out.append(f"a={name}" if value is None else f"a={name}:{value}")
        if self.direction:
            out.append(f"a={self.direction}")
        return out


@dataclass(slots=True)
class SessionDescription:
    origin_address: str
    session_id: int = field(default_factory=lambda: random.randint(1, 2**31))
    session_version: int = 1
    username: str = "-"
    session_name: str = "-"
    connection: str | None = None
    direction: Direction | None = None
    media: list[MediaDescription] = field(default_factory=list)
    attributes: list[tuple[str, str | None]] = field(default_factory=list)
    timing: str = "0 0"

    @property
    def audio(self) -> MediaDescription | None:
        return next((m for m in self.media if m.media == "audio"), None)

    def media_address(self, media: MediaDescription) -> str | None:
        return media.connection or self.connection

    def media_direction(self, media: MediaDescription) -> Direction:
        return media.direction or self.direction or Direction.SENDRECV

    @classmethod
    def parse(cls, text: str | bytes) -> SessionDescription:
        return parse_sdp(text)

    def __str__(self) -> str:
        lines = [
            "v=0",
            f"o={self.username} {self.session_id} {self.session_version} IN "
            f"{_addr_type(self.origin_address)} {self.origin_address}",
            f"s={self.session_name}",
        ]
        if self.connection:
            lines.append(f"c=IN {_addr_type(self.connection)} {self.connection}")
        lines.append(f"t={self.timing}")
        for name, value in self.attributes:
            lines.append(f"a={name}" if value is None else f"a={name}:{value}")
        if self.direction:
            lines.append(f"a={self.direction}")
        for m in self.media:
            lines.extend(m.lines())
        return "\r\n".join(lines) + "\r\n"

    def encode(self) -> bytes:
        return str(self).encode()


def _addr_type(addr: str) -> str:
    return "IP6" if ":" in addr else "IP4"


def _int(value: str, what: str) -> int:
    if not value.isdigit() or len(value) > 10:
        raise SdpError(f"bad {what}: {value[:20]!r}")
    return int(value)


def parse_sdp(text: str | bytes) -> SessionDescription:
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise SdpError("SDP is not UTF-8") from None
    sdp: SessionDescription | None = None
    current: MediaDescription | None = None
    rtpmaps: dict[int, tuple[str, int, int]] = {}
    fmtps: dict[int, str] = {}

    def finish_media() -> None:
        if current is None:
            return
        for fmt in current.formats:
            if not fmt.isdigit():
                continue
            pt = int(fmt)
            if pt in rtpmaps:
                name, rate, chans = rtpmaps[pt]
            elif pt in _STATIC:
                name, rate = _STATIC[pt]
                chans = 1
            else:
                continue
            current.codecs.append(Codec(pt, name, rate, chans, fmtps.get(pt)))

    for raw in text.replace("\r\n", "\n").split("\n"):
        line = raw.strip()
        if not line:
            continue
        if len(line) < 2 or line[1] != "=":
            raise SdpError(f"bad SDP line: {line[:40]!r}")
        kind, value = line[0], line[2:]
        if sdp is None:
            if kind == "v":
                if value != "0":
                    raise SdpError("unsupported SDP version")
                continue
            if kind != "o":
                raise SdpError("SDP must start with v= and o=")
            parts = value.split()
            if len(parts) != 6:
                raise SdpError("bad o= line")
            sdp = SessionDescription(
                origin_address=parts[5],
                session_id=_int(parts[1], "session id"),
                session_version=_int(parts[2], "session version"),
                username=parts[0],
            )
            continue
        if kind == "m":
            finish_media()
            parts = value.split()
            if len(parts) < 4:
                raise SdpError("bad m= line")
            port = _int(parts[1].split("/")[0], "port")
            if port > 65535:
                raise SdpError("bad port")
            current = MediaDescription(parts[0], port, parts[2], parts[3:])
            sdp.media.append(current)
            rtpmaps, fmtps = {}, {}
        elif kind == "s":
            sdp.session_name = value
        elif kind == "t":
            sdp.timing = value
        elif kind == "c":
            parts = value.split()
            if len(parts) != 3 or parts[0] != "IN":
                raise SdpError("bad c= line")
            addr = parts[2].split("/")[0]
            if current is None:
                sdp.connection = addr
            else:
                current.connection = addr
        elif kind == "a":
            name, sep, attr = value.partition(":")
            _parse_attribute(sdp, current, name, attr if sep else None, rtpmaps, fmtps)
    finish_media()
    if sdp is None:
        raise SdpError("empty SDP")
    return sdp


def _parse_attribute(
    sdp: SessionDescription,
    media: MediaDescription | None,
    name: str,
    value: str | None,
    rtpmaps: dict[int, tuple[str, int, int]],
    fmtps: dict[int, str],
) -> None:
    if name in Direction.__members__.values():
        if media is None:
            sdp.direction = Direction(name)
        else:
            media.direction = Direction(name)
        return
    if media is None:
        sdp.attributes.append((name, value))
        return
    if name == "rtpmap" and value:
        pt, _, enc = value.partition(" ")
        parts = enc.strip().split("/")
        if not pt.isdigit() or len(parts) < 2 or not parts[1].isdigit():
            raise SdpError("bad rtpmap")
        chans = int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else 1
        rtpmaps[int(pt)] = (parts[0], int(parts[1]), chans)
    elif name == "fmtp" and value:
        pt, _, params = value.partition(" ")
        if pt.isdigit():
            fmtps[int(pt)] = params.strip()
    elif name == "ptime" and value:
        media.ptime = _int(value.strip().split(".")[0], "ptime")
    else:
        media.attributes.append((name, value))


def make_offer(
    host: str,
    port: int,
    *,
    codecs: tuple[Codec, ...] = (PCMU, PCMA),
    dtmf_payload_type: int | None = 101,
    ptime: int | None = 20,
    direction: Direction = Direction.SENDRECV,
) -> SessionDescription:
    all_codecs = list(codecs)
    if dtmf_payload_type is not None:
        all_codecs.append(Codec(dtmf_payload_type, "telephone-event", 8000, 1, "0-16"))
    media = MediaDescription(
        "audio",
        port,
        "RTP/AVP",
        [str(c.payload_type) for c in all_codecs],
        all_codecs,
        direction=direction,
        ptime=ptime,
    )
    return SessionDescription(origin_address=host, connection=host, media=[media])


def answer_offer(
    offer: SessionDescription,
    host: str,
    port: int,
    *,
    codecs: tuple[str, ...] = ("PCMU", "PCMA"),
    direction: Direction | None = None,
    session: SessionDescription | None = None,
) -> SessionDescription:
    """RFC 3264 answer: first audio stream with a common codec is accepted, others get port 0.

    `session` is our previous SDP in this dialog: its id is kept and its version increased.
    """
    wanted = {c.upper() for c in codecs}
    answer_media: list[MediaDescription] = []
    accepted = False
    for m in offer.media:
        common = [c for c in m.audio_codecs if c.name.upper() in wanted and c.clock_rate == 8000]
        usable = m.media == "audio" and m.proto.upper() == "RTP/AVP" and m.port != 0 and common
        if not usable or accepted:
            answer_media.append(MediaDescription(m.media, 0, m.proto, m.formats[:1]))
            continue
        accepted = True
        chosen = [*common]
        if m.telephone_event is not None:
            chosen.append(m.telephone_event)  # keep the peer's payload type (96, 98, 101 ...)
        offered_dir = offer.media_direction(m)
        answer_dir = offered_dir.reverse()
        if direction is not None:
            answer_dir = _narrow(answer_dir, direction)
        answer_media.append(
            MediaDescription(
                "audio",
                port,
                m.proto,
                [str(c.payload_type) for c in chosen],
                chosen,
                direction=answer_dir,
                ptime=m.ptime,
            )
        )
    if not accepted:
        raise SdpError("no acceptable audio stream in the offer")
    if session is not None:
        return replace(
            session,
            session_version=session.session_version + 1,
            connection=host,
            media=answer_media,
            direction=None,
        )
    return SessionDescription(origin_address=host, connection=host, media=answer_media)


def _narrow(a: Direction, b: Direction) -> Direction:
    """Intersection of two directions (what both sides allow)."""
    send = a in (Direction.SENDRECV, Direction.SENDONLY) and b in (Direction.SENDRECV, Direction.SENDONLY)
    recv = a in (Direction.SENDRECV, Direction.RECVONLY) and b in (Direction.SENDRECV, Direction.RECVONLY)
    if send and recv:
        return Direction.SENDRECV
    if send:
        return Direction.SENDONLY
    if recv:
        return Direction.RECVONLY
    return Direction.INACTIVE
