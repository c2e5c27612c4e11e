"""The request body limit, with larger limits for named upload routes (a prompt file is bigger than any
JSON body, but only where a file is expected)."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.types import ASGIApp, Receive, Scope, Send

from c122.api.middleware import BodyLimitMiddleware


class RouteBodyLimits:
    """`max_bytes` for every request; `uploads` maps a POST path to its own larger limit."""

    def __init__(self, app: ASGIApp, max_bytes: int, uploads: Mapping[str, int]) -> None:
        self._default = BodyLimitMiddleware(app, max_bytes)
        self._uploads = {path: BodyLimitMiddleware(app, limit) for path, limit in uploads.items()}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        upload = None
        if scope["type"] == "http" and scope.get("method") == "POST":
            upload = self._uploads.get(scope.get("path", ""))
        await (upload or self._default)(scope, receive, send)
