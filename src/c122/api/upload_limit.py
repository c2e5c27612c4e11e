"""The request body limit, with larger limits for named upload routes (a prompt file or a citizen's
photo is bigger than any JSON body, but only where a file is expected)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from starlette.types import ASGIApp, Receive, Scope, Send

from c122.api.middleware import BodyLimitMiddleware


def _pattern(path: str) -> re.Pattern[str]:
    """A route's path with `{name}` parameters matching one segment each."""
    parts = re.split(r"(\{[^}/]+\})", path)
    return re.compile("".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts) + "$")


class RouteBodyLimits:
    """`max_bytes` for every request; `uploads` maps a POST route path (with `{param}` segments) to its
    own larger limit."""

    def __init__(self, app: ASGIApp, max_bytes: int, uploads: Mapping[str, int]) -> None:
        self._default = BodyLimitMiddleware(app, max_bytes)
        self._uploads = [(_pattern(path), BodyLimitMiddleware(app, limit)) for path, limit in uploads.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        upload = None
        if scope["type"] == "http" and scope.get("method") == "POST":
            path = scope.get("path", "")
            upload = next((limit for pattern, limit in self._uploads if pattern.match(path)), None)
        await (upload or self._default)(scope, receive, send)
