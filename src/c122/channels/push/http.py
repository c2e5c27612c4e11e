"""The HTTP client the push senders share: one aiohttp session per sender, made on first use inside
the event loop, with a bounded pool of keep-alive connections per push service.

aiohttp rather than httpx here: measured against a local push endpoint (docs/channels/push.md,
"Throughput"), httpx's connection pool costs grow with the number of pooled connections and held a
broadcast to tens of messages a second, where aiohttp's takes a thousand."""

from __future__ import annotations

from collections.abc import Mapping

import aiohttp

from c122.domain.push import DeliveryState
from c122.services.push.ports import Outcome

_GONE = frozenset({404, 410})


class PushHttp:
    def __init__(self, *, timeout_s: float, connections: int) -> None:
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._connections = connections
        self._session: aiohttp.ClientSession | None = None

    async def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> Outcome:
        """The push service's answer as an outcome; no answer at all is `failed` with why."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=self._timeout,
                connector=aiohttp.TCPConnector(limit=self._connections, limit_per_host=0),
            )
        try:
            async with self._session.post(url, data=body, headers=dict(headers)) as response:
                said = await response.text(errors="replace")
                return outcome_of(response.status, said)
        except (aiohttp.ClientError, TimeoutError) as error:
            return Outcome(DeliveryState.FAILED, None, f"нет ответа службы push: {type(error).__name__}")

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def outcome_of(status: int, said: str) -> Outcome:
    """201/202 taken; 404/410 the subscription is gone; anything else failed, with what it said."""
    if status in (200, 201, 202):
        return Outcome(DeliveryState.DELIVERED, status)
    state = DeliveryState.GONE if status in _GONE else DeliveryState.FAILED
    return Outcome(state, status, said[:200])
