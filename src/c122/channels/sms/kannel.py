"""Kannel's smsbox as the SMS gateway: messages go through its `sendsms` HTTP interface, in UCS-2
when the text needs it (Cyrillic), joined by the gateway into one message on the phone when long;
each asks for delivery reports back to the product's `dlr-url` (docs/channels/sms.md)."""

from __future__ import annotations

from urllib.parse import urlencode

import httpx

from c122.domain.sms import REPORTS_WANTED, uses_gsm7
from c122.services.sms.ports import GatewayRefused, GatewayUnavailable, OutgoingSms

# Kannel answers 202 "0: Accepted for delivery" or "3: Queued for later delivery"; 4xx when the
# request itself is wrong (credentials, a parameter), 503 when it cannot take messages now. Refused
# credentials (401/403) are the gateway's setting, not the message: it waits until they are fixed.
_RETRYABLE = frozenset({401, 403, 408, 429})
CODING_UCS2 = 2


class KannelGateway:
    def __init__(
        self,
        sendsms_url: str,
        username: str,
        password: str,
        sender: str,
        report_url: str,
        timeout_s: float = 5.0,
    ) -> None:
        self._url = sendsms_url
        self._credentials = {"username": username, "password": password}
        self._sender = sender
        self._report_url = report_url  # ours, with the secret; `id` and `type` are added
        self._client = httpx.AsyncClient(timeout=timeout_s)

    async def send(self, message: OutgoingSms) -> None:
        params = {
            **self._credentials,
            "to": message.phone,
            "text": message.text,
            "charset": "UTF-8",
            "dlr-mask": str(int(REPORTS_WANTED)),
            "dlr-url": f"{self._report_url}{'&' if '?' in self._report_url else '?'}"
            + urlencode({"id": message.sms_id})
            + "&type=%d",
        }
        if self._sender:
            params["from"] = self._sender
        if not uses_gsm7(message.text):
            params["coding"] = str(CODING_UCS2)
        try:
            answer = await self._client.get(self._url, params=params)
        except httpx.HTTPError as exc:
            raise GatewayUnavailable(f"{type(exc).__name__}: {exc}"[:200] or type(exc).__name__) from exc
        if answer.is_success:
            return
        said = f"HTTP {answer.status_code}: {answer.text.strip()[:200]}"
        if answer.status_code >= 500 or answer.status_code in _RETRYABLE:
            raise GatewayUnavailable(said)
        raise GatewayRefused(said)

    async def probe(self) -> str | None:
        # A sendsms call without a receiver sends nothing: Kannel answers it only after checking the
        # credentials, so "missing receiver" means up and accepting us.
        try:
            answer = await self._client.get(self._url, params=self._credentials)
        except httpx.HTTPError as exc:
            return f"шлюз недоступен: {type(exc).__name__}"
        said = answer.text.strip()[:200]
        if "authorization failed" in said.lower() or answer.status_code in (401, 403):
            return f"шлюз не принял имя и пароль: HTTP {answer.status_code} {said}"
        if answer.status_code >= 500:
            return f"шлюз отвечает ошибкой: HTTP {answer.status_code} {said}"
        return None

    async def close(self) -> None:
        await self._client.aclose()
