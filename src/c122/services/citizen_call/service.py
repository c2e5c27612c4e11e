"""A voice call from the citizen app to the hotline (MM-01): an authenticated device places it, answers
the server's offer, follows its state and hangs up. The call enters the line's flow like a SIP call,
with source "mobile app" and the location the device sent on its card.

Each call is stored with its device and, once over, why it ended. Its leg lives in this process's
memory (its DTLS keys cannot be carried over), so a restart ends it: the call record is closed and the
operator released by the restart's recovery, and the app, asking again, hears the call ended with
`system_restart` — and may call again at once.

One call at a time per device (a second one while the first is under way: 429). A device reaches only
its own call: any other call id is answered like none at all (404), and the probe is audited."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import Final

from c122.domain.calls.origin import CallOrigin
from c122.domain.cases import CaseSource
from c122.domain.citizen import Device, Location
from c122.domain.clock import Clock
from c122.domain.errors import NotFound, TooManyAttempts
from c122.services.citizen_call.ports import (
    RESTART_CAUSE,
    AppCallMedia,
    AppCallOffer,
    AppCallState,
    AppCallStatus,
    AppCallUnitOfWork,
    LineProgress,
    LineStage,
    StoredAppCall,
)
from c122.services.ports import UnitOfWorkFactory

_log = logging.getLogger(__name__)
BUSY_RETRY_S: Final = 10


class CitizenCalls:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory[AppCallUnitOfWork],
        clock: Clock,
        media: AppCallMedia,
        progress: LineProgress | None = None,
    ) -> None:
        """`progress`: where the line's flow has a connected call (menu, queue, operator)."""
        self._uow = uow_factory
        self._clock = clock
        self._media = media
        self._progress = progress
        self._current: dict[int, str] = {}  # device id -> its latest call id
        self._placing: set[int] = set()  # devices whose call is being opened right now
        self._writes: set[asyncio.Task[None]] = set()
        media.on_ended(self._ended)

    async def place(self, device: Device, location: Location | None) -> AppCallOffer:
        """The server's offer for a new call; 429 while this device has a call under way."""
        if device.id in self._placing or self._under_way(device):
            raise TooManyAttempts("с этого устройства уже идёт звонок", retry_after=BUSY_RETRY_S)
        origin = CallOrigin(
            CaseSource.MOBILE_APP,
            location.latitude if location else None,
            location.longitude if location else None,
            location.accuracy_m if location else None,
        )
        self._placing.add(device.id)
        try:
            offer = await self._media.open(device.phone, origin, f"device-{device.id}")
        finally:
            self._placing.discard(device.id)
        self._current[device.id] = offer.call_id
        async with self._uow() as uow:
            await uow.citizen_calls.add_call(StoredAppCall(offer.call_id, device.id, self._clock.now()))
            await uow.commit()
        return offer

    async def answer(self, device: Device, call_id: str, sdp: str) -> AppCallStatus:
        await self._own(device, call_id, "answer_call")
        await self._media.accept(call_id, sdp)
        return await self.status(device, call_id)

    async def status(self, device: Device, call_id: str) -> AppCallStatus:
        return self._staged(await self._own(device, call_id, "view_call"))

    def _staged(self, status: AppCallStatus) -> AppCallStatus:
        """A connected call with where it stands: the menu, the queue (place, estimated wait), an operator."""
        if status.state is not AppCallState.CONNECTED or status.leg is None or self._progress is None:
            return status
        progress = self._progress.progress(status.leg)
        if progress is None:
            return replace(status, stage=LineStage.MENU)
        return replace(
            status,
            stage=LineStage(progress.stage),
            queue_position=progress.position,
            estimated_wait_s=progress.wait_s,
        )

    async def hang_up(self, device: Device, call_id: str) -> AppCallStatus:
        await self._own(device, call_id, "hang_up_call")
        await self._media.hang_up(call_id)
        return await self.status(device, call_id)

    async def dtmf(self, device: Device, call_id: str, digits: str) -> AppCallStatus:
        await self._own(device, call_id, "call_dtmf")
        self._media.dtmf(call_id, digits)
        return await self.status(device, call_id)

    def _under_way(self, device: Device) -> bool:
        call_id = self._current.get(device.id)
        status = self._media.status(call_id) if call_id is not None else None
        return status is not None and status.state is not AppCallState.ENDED

    async def _own(self, device: Device, call_id: str, wanted: str) -> AppCallStatus:
        status = self._media.status(call_id) if self._current.get(device.id) == call_id else None
        if status is None and device.id not in self._current:
            status = await self._before_restart(device, call_id)
        if status is None:
            async with self._uow() as uow:
                await uow.audit.record(
                    at=self._clock.now(),
                    actor_id=None,
                    action="access_refused",
                    entity="app_call",
                    entity_id=call_id[:64],
                    detail={"wanted": wanted, "code": "not_found", "device_id": device.id},
                )
                await uow.commit()
            raise NotFound("нет такого звонка")
        return status

    async def _before_restart(self, device: Device, call_id: str) -> AppCallStatus | None:
        """The device's latest call, placed before this process started: ended, with the cause stored,
        or `system_restart` when the process that held it stopped with it under way."""
        async with self._uow() as uow:
            stored = await uow.citizen_calls.latest_call(device.id)
            if stored is None or stored.call_id != call_id:
                return None
            if stored.ended_at is None:
                await uow.citizen_calls.end_call(call_id, self._clock.now(), RESTART_CAUSE)
                await uow.commit()
        return AppCallStatus(call_id, AppCallState.ENDED, stored.cause or RESTART_CAUSE)

    def _ended(self, status: AppCallStatus) -> None:
        """Stores how a call of this process ended (in the background: the media layer does not wait)."""
        task = asyncio.get_running_loop().create_task(self._store_end(status))
        self._writes.add(task)
        task.add_done_callback(self._writes.discard)

    async def _store_end(self, status: AppCallStatus) -> None:
        try:
            async with self._uow() as uow:
                await uow.citizen_calls.end_call(status.call_id, self._clock.now(), status.cause or "ended")
                await uow.commit()
        except Exception:  # the call is over all the same; a restart would call it system_restart
            _log.exception("app call %s: its end could not be stored", status.call_id)
