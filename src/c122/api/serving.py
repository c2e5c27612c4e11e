"""How the HTTP server is run, the same for the service and the test suite: uvicorn believes no
`X-Forwarded-*` header (the application decides, from `trusted_proxies`) and names no server."""

from __future__ import annotations

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
    )
