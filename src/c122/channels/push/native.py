"""A native push service (FCM HTTP v1, RuStore) for the region's native apps: the message goes as JSON
to the configured URL with the configured credentials (a bearer token), to the device's token. Both
services take the FCM v1 shape `{"message": {"token", "notification", "data"}}`; 404 (FCM's
UNREGISTERED) and 410 mean the token is gone."""

from __future__ import annotations

import json

import httpx

from c122.channels.push.webpush import outcome_of
from c122.domain.push import DeliveryState, PushSubscription
from c122.services.push.ports import Outcome


class NativePushSender:
    def __init__(self, url: str, credentials: str, *, timeout_s: float = 10.0) -> None:
        self._url = url
        self._headers = {"Authorization": f"Bearer {credentials}"} if credentials else {}
        self._client = httpx.AsyncClient(timeout=timeout_s)

    async def send(self, subscription: PushSubscription, payload: bytes, ttl_s: int) -> Outcome:
        data = json.loads(payload)
        message = {
            "message": {
                "token": subscription.endpoint,
                "notification": {"title": data.get("title", ""), "body": data.get("body", "")},
                # The data values of FCM v1 are strings.
                "data": {key: str(value) for key, value in data.items()},
                "android": {"ttl": f"{ttl_s}s"},
            }
        }
        try:
            response = await self._client.post(self._url, json=message, headers=self._headers)
        except httpx.HTTPError as error:
            return Outcome(DeliveryState.FAILED, None, f"нет ответа службы push: {type(error).__name__}")
        return outcome_of(response)

    async def close(self) -> None:
        await self._client.aclose()
