"""What `c122 serve` does on start, before it takes new calls: it ends honestly what a stopped process
left running (docs/operations.md, "What survives a restart").

- call records left `active` are closed with the end cause `system_restart`;
- the ACD drops the calls that are gone (callers leave their queues, operators on such calls are free
  without a wrap-up, nobody is blamed); callback requests stay;
- operators whose session is gone (expired or revoked while the process was down) end their shift.

The SIP side (a BYE to each stored dialog) is the telephony's part: `Telephony.end_previous_calls`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Set
from dataclasses import dataclass
from datetime import timedelta

from c122.domain.calls import SYSTEM_RESTART
from c122.domain.clock import Clock
from c122.services.accounts.ports import AccountsUnitOfWork
from c122.services.ports import UnitOfWorkFactory
from c122.services.restart.ports import CallDistribution, CallJournal

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recovered:
    records_closed: int
    calls_dropped: int
    shifts_ended: int


class RestartRecovery:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory[AccountsUnitOfWork],
        clock: Clock,
        center: CallDistribution,
        records: CallJournal,
        session_idle: timedelta,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._center = center
        self._records = records
        self._session_idle = session_idle

    async def run(self, running: Callable[[], Set[str]]) -> Recovered:
        """`running()`: the ids of calls this process carries (none yet, unless one arrived meanwhile)."""
        closed = await self._records.close_after_restart(running)
        dropped = await self._center.drop_calls_not_in(running, reason=SYSTEM_RESTART)
        async with self._uow() as uow:
            present = await uow.sessions.live_user_ids(self._clock.now() - self._session_idle)
        gone = [user_id for user_id in self._center.on_shift() if user_id not in present]
        for user_id in gone:
            await self._center.end_shift(
                user_id, forced=False, note="session ended while the server was down"
            )
        recovered = Recovered(len(closed), len(dropped), len(gone))
        if closed or dropped or gone:
            log.warning(
                "restart: %d call record(s) closed as system_restart, %d call(s) dropped from the ACD, "
                "%d shift(s) ended",
                recovered.records_closed,
                recovered.calls_dropped,
                recovered.shifts_ended,
            )
        return recovered
