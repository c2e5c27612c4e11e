"""Security headers on every answer: the web app's Content-Security-Policy (its own scripts only, its
own event socket and media, never framed), no MIME sniffing, no referrer leaving the site; the
browser's location only for the citizen app (/app). The desk may have the camera: an operator whose
group allows it sends their picture on a video call (TEL-25); the browser still asks the operator.

Styles allow 'unsafe-inline': the component library writes its styles into <style> elements at run
time. The interactive API page (/api/docs) loads Swagger UI from its CDN and so gets no CSP.
"""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

FIXED_HEADERS: list[tuple[bytes, bytes]] = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
DESK_PERMISSIONS = b"camera=(self), geolocation=(), payment=(), microphone=(self)"
# The citizen app (/app) reads where the phone is for a request and takes a photo with its camera.
CITIZEN_APP_PATH = "/app"
CITIZEN_APP_PERMISSIONS = b"camera=(self), geolocation=(self), payment=(), microphone=(self)"
UNCONFINED_PATHS = ("/api/docs",)
_HOST = re.compile(rb"[A-Za-z0-9.\-]+(:\d{1,5})?|\[[0-9A-Fa-f:.]+\](:\d{1,5})?")


def content_security_policy(host: bytes | None) -> bytes:
    """`host` (the request's Host) names the event socket's origin: 'self' alone does not cover ws:
    in every browser still in use."""
    sockets = ""
    if host is not None and _HOST.fullmatch(host):
        name = host.decode("ascii")
        sockets = f" ws://{name} wss://{name}"
    return (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: blob:; font-src 'self' data:; media-src 'self' blob:; "
        f"connect-src 'self'{sockets}; worker-src 'self' blob:; object-src 'none'; "
        "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    ).encode("ascii")


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = list(FIXED_HEADERS)
        path = str(scope.get("path", ""))
        citizen_app = path == CITIZEN_APP_PATH or path.startswith(CITIZEN_APP_PATH + "/")
        extra.append((b"permissions-policy", CITIZEN_APP_PERMISSIONS if citizen_app else DESK_PERMISSIONS))
        if not path.startswith(UNCONFINED_PATHS):
            host = dict(scope.get("headers") or []).get(b"host")
            extra.append((b"content-security-policy", content_security_policy(host)))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)
