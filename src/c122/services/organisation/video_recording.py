"""Whether a group's video calls from the app are recorded (its `record_video` setting, off by default).
The call flow asks at each recorded segment of the call, for the group that takes it: the answer is
kept per group for `ttl_s` seconds and forgotten at once when any group changes here
(`OrganisationChanged`, organisation/reactions.py), so a change applies to the next conversation
without a read of the group at every call; a change made through another node, within `ttl_s`."""

from __future__ import annotations

import time
from collections.abc import Callable

from c122.services.organisation.ports import OrganisationUnitOfWork
from c122.services.ports import UnitOfWorkFactory


class VideoRecordingPolicy:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory[OrganisationUnitOfWork],
        ttl_s: float = 5.0,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self._uow = uow_factory
        self._ttl_s = ttl_s
        self._now = now
        self._records: dict[int, tuple[float, bool]] = {}  # group: (read at, its answer)
        # Bumped by `forget`: a read that began before a change does not store what it read.
        self._generation = 0

    async def records(self, group_id: int) -> bool:
        known = self._records.get(group_id)
        if known is not None and self._now() - known[0] < self._ttl_s:
            return known[1]
        generation = self._generation
        read_at = self._now()
        async with self._uow() as uow:
            group = await uow.groups.get(group_id)
        answer = group is not None and group.record_video
        if generation == self._generation:
            self._records[group_id] = (read_at, answer)
        return answer

    def forget(self) -> None:
        """A group was created, changed or deleted: every answer is read again."""
        self._records.clear()
        self._generation += 1
