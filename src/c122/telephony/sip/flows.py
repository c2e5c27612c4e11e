"""Where messages come from and the connections they travel on (shared by all transports)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Source:
    """Where a message came from: responses and in-dialog traffic go back here."""

    transport: str  # "udp" | "tcp" | "tls" | "ws"
    host: str
    port: int


class Connection(Protocol):
    """A connection-oriented flow (TCP, TLS, WebSocket) that messages can be written to."""

    def write(self, data: bytes) -> None: ...

    def close(self) -> None: ...


ConnKey = tuple[str, str, int]  # (transport, host, port) of the far end
