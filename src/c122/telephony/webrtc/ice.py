"""ICE for browser legs: which local addresses we gather, the public address, STUN/TURN servers.

aioice gathers host candidates on every interface except loopback, through a module-level
function. A leg process either keeps that choice or replaces it with a configured list (tests and
single-host set-ups need 127.0.0.1); the choice is process-wide, which fits a process (or media
worker) that serves only browser legs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

import aioice.ice
from aiortc import RTCIceServer

from c122.services.phones.softphone import IceServer

_AIOICE_HOST_ADDRESSES: Final = aioice.ice.get_host_addresses
TURN_CREDENTIAL_SECONDS: Final = 24 * 3600


def use_host_addresses(addresses: Sequence[str]) -> None:
    """Gather host candidates on exactly these addresses (empty: aioice's own choice)."""
    if not addresses:
        aioice.ice.get_host_addresses = _AIOICE_HOST_ADDRESSES
        return
    chosen = list(addresses)

    def configured(use_ipv4: bool, use_ipv6: bool) -> list[str]:
        return [a for a in chosen if (":" in a and use_ipv6) or (":" not in a and use_ipv4)]

    aioice.ice.get_host_addresses = configured


@dataclass(frozen=True, slots=True)
class IceSettings:
    host_addresses: tuple[str, ...] = ()
    public_address: str = ""  # announced as an extra host candidate (a 1:1 NAT in front of us)
    stun_servers: tuple[str, ...] = ()
    turn_servers: tuple[str, ...] = ()
    turn_username: str = ""
    turn_password: str = ""
    turn_secret: str = ""  # coturn `use-auth-secret`: time-limited credentials per offer


class IceServers:
    """The STUN/TURN servers for the server's own peer connections and for the browser's."""

    def __init__(self, settings: IceSettings, now: Callable[[], float] = time.time) -> None:
        self._settings = settings
        self._now = now

    def credentials(self, user: str) -> tuple[str, str]:
        """Static TURN credentials, or coturn REST-API ones: `<expiry>:<user>` and its HMAC."""
        settings = self._settings
        if not settings.turn_secret:
            return settings.turn_username, settings.turn_password
        username = f"{int(self._now()) + TURN_CREDENTIAL_SECONDS}:{user}"
        digest = hmac.new(settings.turn_secret.encode(), username.encode(), hashlib.sha1).digest()
        return username, base64.b64encode(digest).decode()

    def for_browser(self, user: str) -> tuple[IceServer, ...]:
        servers: list[IceServer] = []
        if self._settings.stun_servers:
            servers.append(IceServer(tuple(self._settings.stun_servers)))
        if self._settings.turn_servers:
            username, credential = self.credentials(user)
            servers.append(IceServer(tuple(self._settings.turn_servers), username, credential))
        return tuple(servers)

    def for_server(self) -> list[RTCIceServer]:
        """aiortc takes one STUN and one TURN server: the first of each list."""
        servers: list[RTCIceServer] = []
        if self._settings.stun_servers:
            servers.append(RTCIceServer(self._settings.stun_servers[0]))
        if self._settings.turn_servers:
            username, credential = self.credentials("c122")
            servers.append(RTCIceServer(self._settings.turn_servers[0], username, credential))
        return servers


def announce_public_address(sdp: str, public_address: str) -> str:
    """Adds, after each IPv4 host candidate, the same candidate on the public address.

    Behind a 1:1 NAT (a cloud VM) the browser reaches the public address and the NAT delivers
    to the private socket, where aioice answers the checks as usual.
    """
    if not public_address:
        return sdp
    lines: list[str] = []
    for line in sdp.split("\r\n"):
        lines.append(line)
        if not line.startswith("a=candidate:"):
            continue
        bits = line[len("a=candidate:") :].split()
        if len(bits) < 8 or bits[6] != "typ" or bits[7] != "host" or ":" in bits[4]:
            continue
        if bits[4] == public_address:
            continue
        bits[0] = f"{bits[0]}p"
        bits[3] = str(max(int(bits[3]) - 1, 1))
        bits[4] = public_address
        lines.append("a=candidate:" + " ".join(bits))
    return "\r\n".join(lines)
