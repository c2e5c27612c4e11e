"""Whether a group's video calls from the app are recorded (its `record_video` setting, off by default).
The call flow asks at each recorded segment of the call, for the group that takes it."""

from __future__ import annotations

from c122.services.organisation.ports import OrganisationUnitOfWork
from c122.services.ports import UnitOfWorkFactory


class VideoRecordingPolicy:
    def __init__(self, uow_factory: UnitOfWorkFactory[OrganisationUnitOfWork]) -> None:
        self._uow = uow_factory

    async def records(self, group_id: int) -> bool:
        async with self._uow() as uow:
            group = await uow.groups.get(group_id)
            return group is not None and group.record_video
