"""A conference the operator starts from the softphone with no call in progress (TEL-21, seed 4.3.8
fig. 59): there is no caller; the operator is its organiser and whoever they invite first — a
colleague, a group's operator, a phone-book entry or a public number — its second party. It is a call
of the journal like any other (direction `internal`): its record names the parties of each mixed
segment of the recording, and it ends like any conference, when one party is left or the organiser
ends it. The operator is busy from the request on (`ContactCenter.dial_for`), as for a call they place.
"""

from __future__ import annotations

import contextlib
import logging

from c122.domain.acd import CompletedBy, UnknownCall
from c122.services.call_flow import messages as m
from c122.services.call_flow.outbound import OutboundCall

log = logging.getLogger(__name__)


class ConferenceCall(OutboundCall):
    """`leg` stays empty (no caller); `first` is the first invitation, read once the organiser's leg is
    there (their SIP phone rings first in click-to-call, and its ringing reads nothing else)."""

    first: m.ConferenceInvite | m.ConferenceQueue | None = None

    async def run(self, user_id: int) -> None:
        try:
            if await self._operator_ready(user_id):
                await self._confer()
        except Exception:
            log.exception("conference %s failed", self.id)
            self.record.end_cause = self.record.end_cause or "error"
            with contextlib.suppress(Exception):
                await self._close_conversation(CompletedBy.OPERATOR)
            with contextlib.suppress(UnknownCall):
                await self._ctx.center.hang_up(self.id, CompletedBy.OPERATOR)
        finally:
            await self._finish()

    def _shown_on_phone(self) -> str:
        return "conference"  # the first invitee may be a group, named in words

    async def _confer(self) -> None:
        assert self.operator_id is not None
        now = self._ctx.clock.now()
        self.record.connected(self.operator_id, 0.0, now)
        self._conference.open()
        if self.first is not None:
            self.post(self.first)
        # Stored while it lasts, so a restart finds it and closes it (`system_restart`).
        await self._save()
        self._ctx.announce_connected(self, now)
        await self._conference.run()
        self.record.end_cause = self.record.end_cause or "conference_ended"
        await self._close_conversation(CompletedBy.OPERATOR)
