"""What the organisation's administration needs stored: services, groups, queues, lines, case
types, shifts and accounts, with the sessions an account change ends and the IVR flows a line names."""

from __future__ import annotations

from typing import Protocol

from c122.domain.organisation import CaseType, Group, Line, Queue, Service
from c122.domain.routing import RuleReference
from c122.domain.shifts import Shift
from c122.services.accounts.ports import SessionRepository, UserRepository
from c122.services.ports import EntityRepository, UnitOfWork


class FlowLookup(Protocol):
    """The IVR flows, as a line that names one sees them."""

    async def flow(self, name: str, version: int | None = None) -> object | None: ...


class RoutingReferences(Protocol):
    """The routing rules that send calls to a queue or a flow about to be deleted."""

    async def rules_sending_to_queue(self, queue_id: int) -> list[RuleReference]: ...

    async def rules_starting_flow(self, flow: str) -> list[RuleReference]: ...


class OrganisationUnitOfWork(UnitOfWork, Protocol):
    @property
    def routing(self) -> RoutingReferences: ...

    @property
    def services(self) -> EntityRepository[Service]: ...

    @property
    def groups(self) -> EntityRepository[Group]: ...

    @property
    def queues(self) -> EntityRepository[Queue]: ...

    @property
    def lines(self) -> EntityRepository[Line]: ...

    @property
    def case_types(self) -> EntityRepository[CaseType]: ...

    @property
    def shifts(self) -> EntityRepository[Shift]: ...

    @property
    def users(self) -> UserRepository: ...

    @property
    def sessions(self) -> SessionRepository: ...

    @property
    def ivr(self) -> FlowLookup: ...
