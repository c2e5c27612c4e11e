"""Recent queue history the wait estimate learns from: talk and wrap-up times, answered vs abandoned."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

DEFAULT_HANDLING_S = 180.0


@dataclass(frozen=True, slots=True)
class HistorySnapshot:
    talk_s: tuple[float, ...]
    wrap_s: tuple[float, ...]
    answered: tuple[bool, ...]  # True answered, False abandoned (short abandons are not kept)


class QueueHistory:
    """The last `size` samples of each kind; rebuilt from a snapshot or replayed from the queue log."""

    def __init__(self, size: int = 50, default_handling_s: float = DEFAULT_HANDLING_S) -> None:
        self.size = size
        self.default_handling_s = default_handling_s
        self._talk: deque[float] = deque(maxlen=size)
        self._wrap: deque[float] = deque(maxlen=size)
        self._answered: deque[bool] = deque(maxlen=size)

    def record_talk(self, seconds: float) -> None:
        self._talk.append(seconds)

    def record_wrap_up(self, seconds: float) -> None:
        self._wrap.append(seconds)

    def record_outcome(self, answered: bool) -> None:
        self._answered.append(answered)

    def talk_s(self) -> float:
        """Mean talk time; until the first call, the default handling time counts as talk."""
        return sum(self._talk) / len(self._talk) if self._talk else self.default_handling_s

    def wrap_s(self) -> float:
        return sum(self._wrap) / len(self._wrap) if self._wrap else 0.0

    def handling_s(self) -> float:
        """Mean talk plus mean wrap-up."""
        return self.talk_s() + self.wrap_s()

    def abandon_ratio(self) -> float:
        """Share of recent callers (short abandons excluded) who hung up before being answered."""
        if not self._answered:
            return 0.0
        return self._answered.count(False) / len(self._answered)

    def snapshot(self) -> HistorySnapshot:
        return HistorySnapshot(tuple(self._talk), tuple(self._wrap), tuple(self._answered))

    @classmethod
    def restore(cls, snapshot: HistorySnapshot, size: int = 50) -> QueueHistory:
        history = cls(size)
        history._talk.extend(snapshot.talk_s)
        history._wrap.extend(snapshot.wrap_s)
        history._answered.extend(snapshot.answered)
        return history
