"""Whether a group's video calls from the app are recorded (its `record_video` setting, off by default).
The call flow asks at each recorded segment of the call, for the group that takes it: the answer is
kept per group and forgotten when any group changes (`OrganisationChanged`, organisation/reactions.py),
so a change applies to the next conversation without a read of the group at every call."""

from __future__ import annotations

from c122.services.organisation.ports import OrganisationUnitOfWork
from c122.services.ports import UnitOfWorkFactory


class VideoRecordingPolicy:
    def __init__(self, uow_factory: UnitOfWorkFactory[OrganisationUnitOfWork]) -> None:
        self._uow = uow_factory
        self._records: dict[int, bool] = {}
        # Bumped by `forget`: a read that began before a change does not store what it read.
        self._generation = 0

    async def records(self, group_id: int) -> bool:
        known = self._records.get(group_id)
        if known is not None:
            return known
        generation = self._generation
        async with self._uow() as uow:
            group = await uow.groups.get(group_id)
        answer = group is not None and group.record_video
        if generation == self._generation:
            self._records[group_id] = answer
        return answer

    def forget(self) -> None:
        """A group was created, changed or deleted: every answer is read again."""
        self._records.clear()
        self._generation += 1
