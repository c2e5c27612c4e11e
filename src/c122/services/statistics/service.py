"""The hotline's shifts as the statistics read them: the shift running now, in the hotline's zone."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from c122.domain.clock import Clock
from c122.domain.shifts import Shift, ShiftWindow, current_shift
from c122.domain.users import Actor
from c122.services.ports import UnitOfWorkFactory
from c122.services.statistics.ports import StatisticsUnitOfWork

MAX_SHIFTS = 1000  # far above any real timetable; the admin screen pages at 500


@dataclass(frozen=True)
class ShiftNow:
    """The shift running now (None between shifts when the timetable leaves a gap)."""

    time_zone: str
    window: ShiftWindow | None


class ShiftClock:
    def __init__(
        self, uow_factory: UnitOfWorkFactory[StatisticsUnitOfWork], clock: Clock, zone: ZoneInfo
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._zone = zone

    async def shifts(self) -> list[Shift]:
        async with self._uow() as uow:
            return list((await uow.shifts.search("", MAX_SHIFTS, 0)).items)

    async def now(self, actor: Actor) -> ShiftNow:
        """Every signed-in user may read the timetable: it holds nobody's personal data."""
        del actor
        window = current_shift(await self.shifts(), self._clock.now(), self._zone)
        return ShiftNow(time_zone=self._zone.key, window=window)
