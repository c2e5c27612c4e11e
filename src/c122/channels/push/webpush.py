"""Web Push (RFC 8030) to browsers: the payload encrypted to the subscription's keys (RFC 8291,
aes128gcm), the request signed with the server's VAPID key (RFC 8292). One pooled HTTP client for
every endpoint (channels/push/http.py); the VAPID header is made once per push service origin and
reused until near its expiry."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from py_vapid import Vapid02
from pywebpush import WebPusher

from c122.channels.push.http import PushHttp
from c122.domain.push import PushSubscription
from c122.services.push.ports import Outcome

VAPID_LIFETIME_S = 12 * 3600  # RFC 8292 allows up to 24 h; push services prefer less


class WebPushSender:
    def __init__(
        self, key: Vapid02, contact: str, *, timeout_s: float = 10.0, connections: int = 200
    ) -> None:
        self._key = key
        self._contact = contact  # the `sub` claim: mailto: or https: of the operator of this server
        self._http = PushHttp(timeout_s=timeout_s, connections=connections)
        self._headers: dict[str, tuple[float, str]] = {}

    async def send(self, subscription: PushSubscription, payload: bytes, ttl_s: int) -> Outcome:
        pusher = WebPusher(
            {
                "endpoint": subscription.endpoint,
                "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
            }
        )
        body = pusher.encode(payload, "aes128gcm")["body"]
        headers = {
            "Authorization": self._authorization(subscription.endpoint),
            "Content-Encoding": "aes128gcm",
            "Content-Type": "application/octet-stream",
            "TTL": str(ttl_s),
            "Urgency": "normal",
        }
        return await self._http.post(subscription.endpoint, body, headers)

    def _authorization(self, endpoint: str) -> str:
        parts = urlsplit(endpoint)
        audience = f"{parts.scheme}://{parts.netloc}"
        now = time.time()
        cached = self._headers.get(audience)
        if cached is not None and cached[0] - now > 600:
            return cached[1]
        expires = now + VAPID_LIFETIME_S
        signed = self._key.sign({"aud": audience, "sub": self._contact, "exp": int(expires)})
        header = str(signed["Authorization"])
        self._headers[audience] = (expires, header)
        return header

    async def close(self) -> None:
        await self._http.close()
