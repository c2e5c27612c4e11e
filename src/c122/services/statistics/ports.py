"""What the shift statistics need: the organisation's shifts, the stored queue log, the live queues."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from c122.domain.acd import QueueLogRecord
from c122.domain.acd.kpi import KpiDefinitions
from c122.domain.call_statistics import Breakdown, CallFigures, Span, StateInterval, StatisticsRow
from c122.domain.case_tally import CaseArrival
from c122.domain.shifts import Shift
from c122.domain.users import Actor
from c122.services.ports import EntityRepository, UnitOfWork


class QueueLogReader(Protocol):
    async def queue_log(
        self, start: float | None = None, end: float | None = None
    ) -> list[QueueLogRecord]: ...


class CallStatisticsReader(Protocol):
    async def call_figures(
        self, spans: Sequence[Span], by: Breakdown, group_ids: frozenset[int] | None
    ) -> tuple[list[StatisticsRow], CallFigures]: ...

    async def state_intervals(
        self, spans: Sequence[Span], operator_ids: Sequence[int]
    ) -> list[StateInterval]:
        """The operators' state intervals that may overlap `spans` (cut to them by `state_seconds`)."""
        ...

    async def cases_since(self, since: datetime) -> list[CaseArrival]:
        """The cases created at or after `since`, oldest first."""
        ...

    async def case_type_names(self) -> dict[int, str]: ...


class StatisticsUnitOfWork(UnitOfWork, Protocol):
    @property
    def shifts(self) -> EntityRepository[Shift]: ...

    @property
    def acd(self) -> QueueLogReader: ...

    @property
    def call_statistics(self) -> CallStatisticsReader: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class LiveQueue:
    """A queue the reader may see, with what is true of it right now."""

    queue_id: int
    group_id: int
    name: str
    waiting: int
    longest_wait_s: float
    on_duty: int  # operators logged in to the queue
    busy: int  # ringing, talking or in wrap-up
    on_break: int
    definitions: KpiDefinitions | None = None
    """The queue's own T, S and service-level formula (None: the defaults)."""
    norm_wait_s: float = 60.0
    """The queue's normative maximum wait W."""


class LiveQueues(Protocol):
    async def live_queues(self, actor: Actor) -> list[LiveQueue]: ...

    def definitions(self, queue_id: str) -> KpiDefinitions | None:
        """A queue's own thresholds as set now, for the shift tally; None for an unknown queue."""
        ...
