"""Whether an operator may send their own camera on a video call (TEL-25): their home group's
`operator_camera` setting, off by default. The media side asks when it offers the operator's leg, so a
changed setting applies from the leg's next negotiation."""

from __future__ import annotations

from c122.services.organisation.own_settings import home_group
from c122.services.organisation.ports import OrganisationUnitOfWork
from c122.services.ports import UnitOfWorkFactory


class OperatorCamera:
    def __init__(self, uow_factory: UnitOfWorkFactory[OrganisationUnitOfWork]) -> None:
        self._uow = uow_factory

    async def allowed(self, user_id: int) -> bool:
        async with self._uow() as uow:
            user = await uow.users.get(user_id)
            group = await home_group(uow, user) if user is not None else None
            return group is not None and group.operator_camera
