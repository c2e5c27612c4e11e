"""The conversations as the app's open chat screens follow them, held in memory so that thousands of
waiting devices cost no database reads: for each case, an upper bound of its newest message id (no
stored message is newer), and the long polls waiting on it. Every stored message reaches the feed
through `chat.message` on the event bus (or `add` directly), which raises the bound and hands the
message to the waiting polls: a poll whose cursor is at the bound waits without reading, and wakes
with the message itself.

Per process, like the event bus (realtime/bus.py): a bus shared between nodes would feed them all."""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict
from collections.abc import Iterator
from datetime import datetime
from typing import Any, Final

from c122.domain.citizen import Author, Channel, Message
from c122.services.citizen.events import CHAT_MESSAGE
from c122.services.events import OutboundEvent

MAX_CASES: Final = 100_000  # bounds known; a forgotten case costs its next poll one read


class _Waiter:
    __slots__ = ("after", "arrived", "messages")

    def __init__(self, after: int) -> None:
        self.after = after
        self.messages: list[Message] = []
        self.arrived = asyncio.Event()


class ChatFeed:
    def __init__(self, max_cases: int = MAX_CASES) -> None:
        self._newest: OrderedDict[int, int] = OrderedDict()  # case id -> no message is newer
        self._waiting: dict[int, list[_Waiter]] = {}
        self._max_cases = max_cases

    def nothing_after(self, case_id: int, after_id: int) -> bool:
        """True when the case is known to have no message newer than `after_id` (no read needed)."""
        newest = self._newest.get(case_id)
        return newest is not None and newest <= after_id

    def read(self, case_id: int, after_id: int, found: list[Message], complete: bool) -> None:
        """What a database read of the case after `after_id` returned (`complete`: not cut by a limit)."""
        if not complete:
            return
        newest = max([after_id, *(m.id for m in found)])
        self._newest[case_id] = max(newest, self._newest.get(case_id, 0))
        self._newest.move_to_end(case_id)
        while len(self._newest) > self._max_cases:
            self._newest.popitem(last=False)

    @contextlib.contextmanager
    def waiting(self, case_id: int, after_id: int) -> Iterator[_Waiter]:
        """A poll listening on the case while it runs: every message stored meanwhile is handed to it."""
        waiter = _Waiter(after_id)
        self._waiting.setdefault(case_id, []).append(waiter)
        try:
            yield waiter
        finally:
            waiters = self._waiting.get(case_id, [])
            if waiter in waiters:
                waiters.remove(waiter)
            if not waiters:
                self._waiting.pop(case_id, None)

    def add(self, message: Message) -> None:
        """A message just stored (after commit)."""
        newest = self._newest.get(message.case_id)
        if newest is not None and message.id > newest:
            self._newest[message.case_id] = message.id
        for waiter in self._waiting.get(message.case_id, ()):
            if message.id > waiter.after and all(m.id != message.id for m in waiter.messages):
                waiter.messages.append(message)
                waiter.arrived.set()

    def on_event(self, event: OutboundEvent) -> None:
        """The event bus's subscriber: the messages stored anywhere in this process."""
        if event.type == CHAT_MESSAGE:
            self.add(message_from_data(event.data["message"]))


def message_from_data(data: dict[str, Any]) -> Message:
    """The message of a `chat.message` event (the inverse of `events.message_data`)."""
    created_at = data["created_at"]
    return Message(
        id=data["id"],
        case_id=data["case_id"],
        channel=Channel(data["channel"]),
        author=Author(data["author"]),
        text=data["text"],
        created_at=created_at if isinstance(created_at, datetime) else datetime.fromisoformat(created_at),
        author_user_id=data["author_user_id"],
        author_name=data["author_name"],
        media_id=data["media_id"],
        delivery=data["delivery"],
        problem=data["problem"],
    )
