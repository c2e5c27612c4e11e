"""Whether a group's video calls from the app are recorded (its `record_video` setting, off by default).
The call flow asks at each recorded segment of the call, for the group that takes it: the answer is
held per group (`HeldAnswers`) and forgotten at once when any group changes here
(`OrganisationChanged`, organisation/reactions.py), so a change applies to the next conversation
without a read of the group at every call; a change made through another node, within `ttl_s`."""

from __future__ import annotations

import time
from collections.abc import Callable

from c122.services.held_answers import HeldAnswers
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
        self._held: HeldAnswers[int, bool] = HeldAnswers(ttl_s, now)

    async def records(self, group_id: int) -> bool:
        return await self._held.get(group_id, lambda: self._read(group_id))

    async def _read(self, group_id: int) -> bool:
        async with self._uow() as uow:
            group = await uow.groups.get(group_id)
        return group is not None and group.record_video

    def forget(self) -> None:
        """A group was created, changed or deleted: every answer is read again."""
        self._held.forget()
