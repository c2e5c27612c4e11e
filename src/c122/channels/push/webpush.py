"""Web Push (RFC 8030) to browsers: the payload encrypted to the subscription's keys (RFC 8291,
aes128gcm), the request signed with the server's VAPID key (RFC 8292). One HTTP client for every
endpoint; the VAPID header is made once per push service origin and reused until near its expiry."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import httpx
from py_vapid import Vapid02
from pywebpush import WebPusher

from c122.domain.push import DeliveryState, PushSubscription
from c122.services.push.ports import Outcome

VAPID_LIFETIME_S = 12 * 3600  # RFC 8292 allows up to 24 h; push services prefer less
_GONE = frozenset({404, 410})


class WebPushSender:
    def __init__(
        self, key: Vapid02, contact: str, *, timeout_s: float = 10.0, connections: int = 200
    ) -> None:
        self._key = key
        self._contact = contact  # the `sub` claim: mailto: or https: of the operator of this server
        self._client = httpx.AsyncClient(timeout=timeout_s, limits=httpx.Limits(max_connections=connections))
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
        try:
            response = await self._client.post(subscription.endpoint, content=body, headers=headers)
        except httpx.HTTPError as error:
            return Outcome(DeliveryState.FAILED, None, f"нет ответа службы push: {type(error).__name__}")
        return outcome_of(response)

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
        await self._client.aclose()


def outcome_of(response: httpx.Response) -> Outcome:
    """201/202 taken; 404/410 the subscription is gone; anything else failed, with what it said."""
    if response.status_code in (200, 201, 202):
        return Outcome(DeliveryState.DELIVERED, response.status_code)
    state = DeliveryState.GONE if response.status_code in _GONE else DeliveryState.FAILED
    return Outcome(state, response.status_code, response.text[:200])
