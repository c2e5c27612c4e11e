"""A Telegram bot through the Bot API (https://core.telegram.org/bots/api): updates come to the
product's webhook (set with `secret_token`, sent back in `X-Telegram-Bot-Api-Secret-Token`); answers go
by `sendMessage` (menu keys as a reply keyboard) and `sendPhoto`; a photo or voice message is fetched by
`getFile` and then downloaded from the file URL. The Bot API serves files up to 20 MB."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from c122.domain.citizen import MediaKind
from c122.services.messenger.ports import (
    FileTooLarge,
    Incoming,
    IncomingFile,
    MessengerUnavailable,
)

PLATFORM = "telegram"
KEYS_PER_ROW = 3


class TelegramBot:
    platform = PLATFORM

    def __init__(
        self, token: str, api_base: str = "https://api.telegram.org", timeout_s: float = 10.0
    ) -> None:
        base = api_base.rstrip("/")
        self._methods = f"{base}/bot{token}/"
        self._files = f"{base}/file/bot{token}/"
        self._client = httpx.AsyncClient(timeout=timeout_s)

    # --- updates -------------------------------------------------------------------------------------

    def parse(self, update: Mapping[str, Any]) -> Incoming | None:
        update_id = update.get("update_id")
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            raise ValueError("an update has an integer update_id")
        message = update.get("message")
        if not isinstance(message, dict):
            return None  # edited messages, callback queries, members joining: nothing to take
        chat = message.get("chat")
        if not isinstance(chat, dict) or not isinstance(chat.get("id"), int):
            raise ValueError("a message has a chat with an integer id")
        if chat.get("type", "private") != "private":
            return None  # the hotline talks to people one to one, not in groups
        found = message.get("from")
        sender: dict[str, Any] = found if isinstance(found, dict) else {}
        name = " ".join(str(sender.get(k, "")) for k in ("first_name", "last_name") if sender.get(k))
        text = message.get("text") or message.get("caption") or ""
        return Incoming(
            update_id=update_id,
            chat_id=str(chat["id"]),
            name=name[:200],
            text=str(text),
            file=_file_of(message),
        )

    # --- calls ---------------------------------------------------------------------------------------

    async def send_text(self, chat_id: str, text: str, choices: Sequence[str] = ()) -> None:
        markup: dict[str, Any]
        if choices:
            rows = [
                [{"text": key} for key in choices[start : start + KEYS_PER_ROW]]
                for start in range(0, len(choices), KEYS_PER_ROW)
            ]
            markup = {"keyboard": rows, "resize_keyboard": True, "one_time_keyboard": True}
        else:
            markup = {"remove_keyboard": True}
        await self._call("sendMessage", json={"chat_id": chat_id, "text": text, "reply_markup": markup})

    async def send_photo(self, chat_id: str, content: bytes, caption: str = "") -> None:
        await self._call(
            "sendPhoto",
            data={"chat_id": chat_id, "caption": caption},
            files={"photo": ("photo.jpg", content, "image/jpeg")},
        )

    async def download(self, file: IncomingFile, max_bytes: int) -> bytes:
        try:
            described = await self._call("getFile", json={"file_id": file.file_id})
        except MessengerUnavailable as exc:
            if "too big" in str(exc):  # the Bot API's answer for files over its 20 MB
                raise FileTooLarge(str(exc)) from exc
            raise
        size = described.get("file_size")
        if isinstance(size, int) and size > max_bytes:
            raise FileTooLarge(f"{size} bytes")
        path = described.get("file_path")
        if not isinstance(path, str) or not path:
            # The Bot API gives no path for files over 20 MB: it will not serve them.
            raise FileTooLarge("the Bot API does not serve this file")
        try:
            async with self._client.stream("GET", self._files + path) as answer:
                if not answer.is_success:
                    raise MessengerUnavailable(f"file download: HTTP {answer.status_code}")
                content = bytearray()
                async for chunk in answer.aiter_bytes():
                    content += chunk
                    if len(content) > max_bytes:  # the announced size may be missing or wrong
                        raise FileTooLarge(f"over {max_bytes} bytes")
        except httpx.HTTPError as exc:
            raise MessengerUnavailable(f"file download: {type(exc).__name__}") from exc
        return bytes(content)

    async def whoami(self) -> str:
        me = await self._call("getMe", json={})
        username = me.get("username")
        return f"@{username}" if username else str(me.get("first_name", ""))

    async def close(self) -> None:
        await self._client.aclose()

    async def _call(self, method: str, **request: Any) -> dict[str, Any]:
        try:
            answer = await self._client.post(self._methods + method, **request)
        except httpx.HTTPError as exc:
            raise MessengerUnavailable(f"{method}: {type(exc).__name__}") from exc
        try:
            body = answer.json()
        except ValueError as exc:
            raise MessengerUnavailable(f"{method}: HTTP {answer.status_code}, not JSON") from exc
        if not isinstance(body, dict) or body.get("ok") is not True:
            said = body.get("description", "") if isinstance(body, dict) else ""
            raise MessengerUnavailable(f"{method}: HTTP {answer.status_code} {said}"[:300])
        result = body.get("result")
        return result if isinstance(result, dict) else {}


def _file_of(message: Mapping[str, Any]) -> IncomingFile | None:
    """The largest size of a photo (Telegram sends several), or the voice message."""
    photos = message.get("photo")
    if isinstance(photos, list) and photos:
        biggest = max(
            (p for p in photos if isinstance(p, dict) and isinstance(p.get("file_id"), str)),
            key=lambda p: int(p.get("file_size") or 0),
            default=None,
        )
        if biggest is not None:
            return IncomingFile(str(biggest["file_id"]), MediaKind.PHOTO, _size(biggest))
    voice = message.get("voice")
    if isinstance(voice, dict) and isinstance(voice.get("file_id"), str):
        return IncomingFile(voice["file_id"], MediaKind.VOICE, _size(voice))
    return None


def _size(item: Mapping[str, Any]) -> int | None:
    size = item.get("file_size")
    return size if isinstance(size, int) else None
