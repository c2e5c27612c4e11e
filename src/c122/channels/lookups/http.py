"""An HTTP/JSON registry: GET on the URL template with the key filled in (URL-encoded), the
configured headers (credentials), the rows found at `rows_path` in the JSON answer."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from c122.domain.lookups import KeyKind, LookupDraft, LookupSecret, dig
from c122.services.lookups.ports import LookupFailed


class HttpLookups:
    def __init__(self) -> None:
        # No retries, no redirects to elsewhere: the service bounds the whole query by its timeout.
        self._client = httpx.AsyncClient(follow_redirects=False)

    async def fetch(self, lookup: LookupDraft, key: KeyKind, value: str) -> list[dict[str, Any]]:
        secret = lookup.secret or LookupSecret()
        url = lookup.url_template.format(value=quote(value, safe=""), key=key.value)
        timeout = lookup.timeout_ms / 1000
        try:
            response = await self._client.get(url, headers=secret.headers, timeout=timeout)
        except httpx.TimeoutException:
            raise TimeoutError from None
        except httpx.HTTPError as exc:
            raise LookupFailed("unavailable", f"справочник недоступен: {type(exc).__name__}") from None
        if response.status_code == 404:
            return []
        if response.status_code >= 400:
            raise LookupFailed("unavailable", f"справочник ответил HTTP {response.status_code}")
        try:
            answer = response.json()
        except ValueError:
            raise LookupFailed("bad_answer", "справочник ответил не JSON") from None
        return rows_of(dig(answer, lookup.rows_path))

    async def close(self) -> None:
        await self._client.aclose()


def rows_of(found: Any) -> list[dict[str, Any]]:
    if found is None:
        return []
    if isinstance(found, dict):
        return [found]
    if isinstance(found, list) and all(isinstance(row, dict) for row in found):
        return found
    raise LookupFailed("bad_answer", "в ответе справочника нет списка записей")
