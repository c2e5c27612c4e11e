"""Carrier trunks on the wire (docs/admin/trunks.md). Values are checked by the domain, which names
each bad field in its 422. A password goes in, never out: answers say only whether one is set."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from c122.api.bounded import Integer
from c122.api.schemas.common import Strict

Text = Annotated[str, StringConstraints(max_length=300)]


class TrunkIn(Strict):
    name: Text
    host: Text
    port: Integer = 5060
    transport: Text = "udp"
    username: Text | None = None
    password: Text | None = None
    """Write-only. On an edit, absent or null keeps the stored password; no `username` drops it."""
    registration: bool = False
    """REGISTER to the carrier with `username` and the password (where the carrier wants it)."""
    prefixes: list[Text] = []
    caller_id: Text | None = None
    codecs: list[Text] = ["PCMA", "PCMU"]
    max_calls: Integer | None = None
    keepalive_s: Integer = 30
    """Seconds between OPTIONS probes; 0: none (state then comes from registration only)."""


class TrunkLiveOut(BaseModel):
    state: Literal["up", "down", "unknown"]
    registered: bool
    latency_ms: float | None
    calls_up: int
    refused_at_limit: int = Field(
        description="Calls out refused since start: the trunk carried its max_calls."
    )


class TrunkOut(BaseModel):
    id: int
    name: str
    host: str
    port: int
    transport: str
    username: str | None
    has_password: bool
    registration: bool
    prefixes: list[str]
    caller_id: str | None
    codecs: list[str]
    max_calls: int | None
    keepalive_s: int
    live: TrunkLiveOut
