"""How the HTTP server is run, the same for the service and the test suite: uvicorn believes no
`X-Forwarded-*` header (the application decides, from `trusted_proxies`) and names no server."""

from __future__ import annotations

import socket

import uvicorn
from starlette.types import ASGIApp


def server_config(app: ASGIApp, host: str, port: int) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        loop="none",
        lifespan="off",
        log_config=None,
        proxy_headers=False,
        server_header=False,
        ws="websockets-sansio",
        ws_max_size=64 * 1024,
        # Compression is per connection: every event frame would be deflated once per socket, half as
        # much CPU again as the rest of its delivery (bench/results/event_fanout.json), plus a zlib
        # context held per open stream; the frames are small JSON on the local network.
        ws_per_message_deflate=False,
    )


def listening_socket(host: str, port: int, backlog: int = 2048) -> socket.socket:
    """The HTTP socket bound and listening before anything announces the address, so a client that
    connects as soon as it reads "serving on" waits in the backlog instead of being refused."""
    family, kind, _proto, _name, address = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM)[0]
    listener = socket.socket(family, kind)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(address)
        listener.listen(backlog)
    except OSError:
        listener.close()
        raise
    listener.setblocking(False)
    return listener
