"""Who a request's pushes go to, remembered: the device a case's request came from (it never changes)
and that device's subscriptions (most devices have none). Every operator answer and status change asks
it, and a read for each would queue them behind one another on the database's connections.

The subscriptions this process changes (subscribe, unsubscribe, a subscription the push service says is
gone) are forgotten at once; a change made by another process (a `c122` command) is seen within
`max_age_s`. Per process, like the chat feed (services/citizen/feed.py)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from typing import Final, TypeVar

from c122.domain.push import PushSubscription

_K = TypeVar("_K")
_V = TypeVar("_V")
MAX_KEPT: Final = 100_000
MAX_AGE_S: Final = 60.0


class Recipients:
    def __init__(self, max_kept: int = MAX_KEPT, max_age_s: float = MAX_AGE_S) -> None:
        self._devices: OrderedDict[int, int] = OrderedDict()  # case id -> device id
        self._subscriptions: OrderedDict[int, tuple[float, tuple[PushSubscription, ...]]] = OrderedDict()
        self._max_kept = max_kept
        self._max_age_s = max_age_s

    def device_of(self, case_id: int) -> int | None:
        """The device of the case's request, when known (None: not known, read it)."""
        return self._devices.get(case_id)

    def keep_device(self, case_id: int, device_id: int) -> None:
        _keep(self._devices, case_id, device_id, self._max_kept)

    def subscriptions(self, device_id: int, now: float) -> tuple[PushSubscription, ...] | None:
        """The device's subscriptions read less than `max_age_s` ago (None: read them)."""
        kept = self._subscriptions.get(device_id)
        if kept is None or now - kept[0] > self._max_age_s:
            return None
        return kept[1]

    def keep_subscriptions(self, device_id: int, subs: Iterable[PushSubscription], now: float) -> None:
        _keep(self._subscriptions, device_id, (now, tuple(subs)), self._max_kept)

    def forget(self, device_ids: Iterable[int]) -> None:
        """The devices whose subscriptions changed."""
        for device_id in device_ids:
            self._subscriptions.pop(device_id, None)

    def holders_of(self, endpoint: str) -> list[int]:
        """The devices remembered with a subscription at `endpoint` (a browser re-subscribing moves it)."""
        return [
            device_id
            for device_id, (_at, subs) in self._subscriptions.items()
            if any(s.endpoint == endpoint for s in subs)
        ]


def _keep(memory: OrderedDict[_K, _V], key: _K, value: _V, max_kept: int) -> None:
    memory[key] = value
    memory.move_to_end(key)
    while len(memory) > max_kept:
        memory.popitem(last=False)
