"""A native push service (FCM HTTP v1, RuStore) for the region's native apps: the message goes as JSON
to the configured URL with the configured credentials (a bearer token), to the device's token. Both
services take the FCM v1 shape `{"message": {"token", "notification", "data"}}`; 404 (FCM's
UNREGISTERED) and 410 mean the token is gone."""

from __future__ import annotations

import json

from c122.channels.push.http import PushHttp
from c122.domain.push import PushSubscription
from c122.services.push.ports import Outcome


class NativePushSender:
    def __init__(
        self, url: str, credentials: str, *, timeout_s: float = 10.0, connections: int = 200
    ) -> None:
        self._url = url
        self._headers = {"Content-Type": "application/json"}
        if credentials:
            self._headers["Authorization"] = f"Bearer {credentials}"
        self._http = PushHttp(timeout_s=timeout_s, connections=connections)

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
        return await self._http.post(self._url, json.dumps(message).encode(), self._headers)

    async def close(self) -> None:
        await self._http.close()
