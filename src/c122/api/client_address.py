"""Who is on the other end of a request: the peer's address, or — only when the peer is one of the
configured trusted proxies — the address the proxies say they were reached from (`X-Forwarded-For`).
A header from anyone else is ignored: it is the sender's word about itself."""

from __future__ import annotations

import functools
import ipaddress

from fastapi import Request

from c122.config import proxy_networks

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.cache
def _networks(setting: str) -> tuple[Network, ...]:
    return proxy_networks(setting)


def _trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(peer: str, forwarded_for: list[str], networks: tuple[Network, ...]) -> str:
    """Walks from the peer leftwards through `X-Forwarded-For` while each hop is a trusted proxy; the
    first hop that is not is the client. Entries left of it were written by the client and count for
    nothing. A malformed entry ends the walk at the last trusted hop."""
    hop = peer
    hops = [entry.strip() for header in forwarded_for for entry in header.split(",")]
    while _trusted(hop, networks) and hops:
        candidate = hops.pop()
        try:
            ipaddress.ip_address(candidate)
        except ValueError:
            return hop
        hop = candidate
    return hop


def request_source(request: Request, trusted_proxies: str) -> str:
    peer = request.client.host if request.client else "unknown"
    networks = _networks(trusted_proxies)
    if not networks:
        return peer
    return client_address(peer, request.headers.getlist("x-forwarded-for"), networks)
