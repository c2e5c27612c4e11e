"""Read-only look-ups any signed-in user needs: their groups with service names, the case types, the
services and groups a call may be sent to."""

from __future__ import annotations

from c122.domain.organisation import CaseType, Group, Line, Service
from c122.domain.phones import InvalidPhone, normalize_phone
from c122.services.organisation.ports import OrganisationUnitOfWork
from c122.services.ports import UnitOfWorkFactory

MAX_CASE_TYPES = 1000
MAX_LINES = 10_000
MAX_TARGETS = 1000


class Directory:
    def __init__(self, uow_factory: UnitOfWorkFactory[OrganisationUnitOfWork]) -> None:
        self._uow = uow_factory

    async def groups_with_services(self, group_ids: frozenset[int]) -> list[tuple[Group, str]]:
        result: list[tuple[Group, str]] = []
        async with self._uow() as uow:
            for group_id in sorted(group_ids):
                group = await uow.groups.get(group_id)
                service = await uow.services.get(group.service_id) if group else None
                if group and service:
                    result.append((group, service.name))
        return result

    async def call_targets(self) -> tuple[list[Service], list[Group]]:
        """Every service and group, by name: what a call, a consultation or a transfer may reach."""
        async with self._uow() as uow:
            services = (await uow.services.search("", MAX_TARGETS, 0)).items
            groups = (await uow.groups.search("", MAX_TARGETS, 0)).items
        return sorted(services, key=lambda s: s.name), sorted(groups, key=lambda g: g.name)

    async def case_types(self) -> list[CaseType]:
        async with self._uow() as uow:
            return (await uow.case_types.search("", MAX_CASE_TYPES, 0)).items

    async def line_for(self, dialled: str) -> Line | None:
        """The inbound line a dialled number (Request-URI user part) belongs to, if any."""
        try:
            number = normalize_phone(dialled)
        except InvalidPhone:
            return None
        async with self._uow() as uow:
            line: Line | None = await uow.lines.find({"number": number})
            return line

    async def lines(self) -> list[Line]:
        async with self._uow() as uow:
            return (await uow.lines.search("", MAX_LINES, 0)).items

    async def service_name(self, service_id: int) -> str | None:
        async with self._uow() as uow:
            service = await uow.services.get(service_id)
            return service.name if service is not None else None
