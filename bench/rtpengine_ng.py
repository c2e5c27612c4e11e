"""A tiny client of rtpengine's `ng` control protocol: bencoded dictionaries over UDP, each message
prefixed with a cookie that the reply repeats (offer, answer, delete, ping)."""

from __future__ import annotations

import itertools
import re
import socket
from typing import Any


def bencode(value: Any) -> bytes:
    if isinstance(value, bytes):
        return str(len(value)).encode() + b":" + value
    if isinstance(value, str):
        return bencode(value.encode())
    if isinstance(value, bool):
        return bencode("yes" if value else "no")
    if isinstance(value, int):
        return b"i" + str(value).encode() + b"e"
    if isinstance(value, list | tuple):
        return b"l" + b"".join(bencode(item) for item in value) + b"e"
    if isinstance(value, dict):
        items = sorted((key.encode() if isinstance(key, str) else key, item) for key, item in value.items())
        return b"d" + b"".join(bencode(key) + bencode(item) for key, item in items) + b"e"
    raise TypeError(f"cannot bencode {type(value).__name__}")


def bdecode(data: bytes) -> Any:
    value, end = _decode(data, 0)
    if end != len(data):
        raise ValueError("trailing data after the bencoded value")
    return value


def _decode(data: bytes, at: int) -> tuple[Any, int]:
    kind = data[at : at + 1]
    if kind == b"i":
        end = data.index(b"e", at)
        return int(data[at + 1 : end]), end + 1
    if kind in (b"l", b"d"):
        items, at = [], at + 1
        while data[at : at + 1] != b"e":
            item, at = _decode(data, at)
            items.append(item)
        if kind == b"l":
            return items, at + 1
        return {items[i].decode(): items[i + 1] for i in range(0, len(items), 2)}, at + 1
    colon = data.index(b":", at)
    length = int(data[at:colon])
    return data[colon + 1 : colon + 1 + length], colon + 1 + length


class NgClient:
    def __init__(self, address: tuple[str, int], timeout: float = 5.0) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.settimeout(timeout)
        self._sock.connect(address)
        self._cookies = itertools.count(1)

    def request(self, command: str, **fields: Any) -> dict[str, Any]:
        cookie = f"c{next(self._cookies)}".encode()
        self._sock.send(cookie + b" " + bencode({"command": command, **fields}))
        while True:
            data = self._sock.recv(65536)
            got, _, body = data.partition(b" ")
            if got == cookie:
                break
        reply = bdecode(body)
        if reply.get("result") not in (b"ok", b"pong"):
            raise RuntimeError(f"rtpengine {command}: {reply}")
        return reply  # type: ignore[no-any-return]

    def close(self) -> None:
        self._sock.close()


def sdp(port: int) -> str:
    return (
        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
        f"m=audio {port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n"
    )


def media_port(reply: dict[str, Any]) -> int:
    found = re.search(rb"m=audio (\d+) ", reply["sdp"])
    if found is None:
        raise RuntimeError("rtpengine's SDP has no audio port")
    return int(found.group(1))
