"""A voice call from the citizen app to the hotline (MM-01): an authenticated device places it, answers
the server's offer, follows its state and hangs up. The call enters the line's flow like a SIP call,
with source "mobile app" and the location the device sent on its card.

One call at a time per device (a second one while the first is under way: 429). A device reaches only
its own call: any other call id is answered like none at all (404), and the probe is audited."""

from __future__ import annotations

from typing import Final

from c122.domain.calls.origin import CallOrigin
from c122.domain.cases import CaseSource
from c122.domain.citizen import Device, Location
from c122.domain.clock import Clock
from c122.domain.errors import NotFound, TooManyAttempts
from c122.services.citizen_call.ports import AppCallMedia, AppCallOffer, AppCallState, AppCallStatus
from c122.services.ports import UnitOfWork, UnitOfWorkFactory

BUSY_RETRY_S: Final = 10


class CitizenCalls:
    def __init__(self, uow_factory: UnitOfWorkFactory[UnitOfWork], clock: Clock, media: AppCallMedia) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._media = media
        self._current: dict[int, str] = {}  # device id -> its latest call id
        self._placing: set[int] = set()  # devices whose call is being opened right now

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
        return offer

    async def answer(self, device: Device, call_id: str, sdp: str) -> AppCallStatus:
        await self._own(device, call_id, "answer_call")
        await self._media.accept(call_id, sdp)
        return await self.status(device, call_id)

    async def status(self, device: Device, call_id: str) -> AppCallStatus:
        return await self._own(device, call_id, "view_call")

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
