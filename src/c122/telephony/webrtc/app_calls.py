"""Calls from the citizen app: a browser leg the app places, which enters a line's flow like a SIP call.

The leg is built from the operators' leg machinery (`BrowserPeer` for ICE/DTLS-SRTP, `EngineRelay` for
plain RTP to the media engine); only its direction differs. The server offers, the app answers (its
candidates gathered, no trickle), and once the peer connection is up the leg is handed to call control
as an inbound Channel (`control.incoming`): the call flow answers it, plays the line's menu, queues it
and bridges it to an operator exactly as a SIP caller. Its `CallOrigin` (the app, the device's
location) is read by the call switch for the card.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Final

from c122.domain.calls.origin import CallOrigin
from c122.domain.errors import Conflict, NotFound, Unavailable
from c122.services.citizen_call.ports import AppCallOffer, AppCallState, AppCallStatus, BadAnswer
from c122.telephony.control import CallControl, Channel, ChannelState
from c122.telephony.control.signalling import MediaParams, SignallingSink
from c122.telephony.media.messages import Direction
from c122.telephony.sip.admission import Admission
from c122.telephony.webrtc.ice import IceServers, announce_public_address
from c122.telephony.webrtc.legs import DEFAULT_CODECS, WebRtcSettings
from c122.telephony.webrtc.peer import AnswerRefused, BrowserPeer
from c122.telephony.webrtc.relay import EngineRelay
from c122.telephony.webrtc.signalling import INTERNAL_DTMF_PAYLOAD_TYPE
from c122.telephony.webrtc.video_routes import VideoRoutes

log = logging.getLogger(__name__)

REMEMBERED_ENDED: Final = 10_000  # ended calls whose status the app may still read
DTMF_DIGITS: Final = frozenset("0123456789*#")
APP_SOURCE: Final = "citizen-app"  # the "source host" app calls are admitted as: never a trunk


class AppCallSignalling:
    """The inbound `Signalling` of an app leg: what call control asks of it is answered locally."""

    def __init__(
        self,
        caller: str,
        called: str,
        origin: CallOrigin,
        relay: EngineRelay,
        codec: str,
        ended: Callable[[str], Awaitable[None]],
    ) -> None:
        self.caller = caller
        self.called = called
        self.origin = origin
        self.sink: SignallingSink | None = None
        self._relay = relay
        self._codec = codec
        self._ended = ended

    def attach(self, sink: SignallingSink) -> None:
        self.sink = sink

    def offered(self) -> MediaParams:
        return self._params(Direction.SENDRECV)

    async def ring(self) -> None:
        pass

    async def answer(self, host: str, port: int) -> MediaParams:
        self._relay.engine = (host, port)
        return self._params(Direction.SENDRECV)

    async def reject(self, status: int) -> None:
        await self._ended("refused")

    async def refuse_for_capacity(self, resource: str) -> None:
        await self._ended("refused")

    async def hangup(self) -> None:
        await self._ended("hotline_ended")

    async def renegotiate(self, host: str, port: int, direction: Direction) -> MediaParams | None:
        return self._params(direction)  # hold is done by the engine endpoint; the app is not told

    def _params(self, direction: Direction) -> MediaParams:
        return MediaParams(self._codec, INTERNAL_DTMF_PAYLOAD_TYPE, self._relay.address, direction)


@dataclass(eq=False)
class _AppCall:
    id: str
    caller: str
    origin: CallOrigin
    relay: EngineRelay
    peer: BrowserPeer
    state: AppCallState = AppCallState.CONNECTING
    cause: str | None = None
    answered: bool = False
    channel: Channel | None = None
    timer: asyncio.TimerHandle | None = field(default=None, repr=False)

    def status(self) -> AppCallStatus:
        return AppCallStatus(
            self.id, self.state, self.cause, self.channel.id if self.channel is not None else None
        )


class AppCallLegs:
    """Implements `AppCallMedia`: the app's calls of this process, placed to the line `line`. They count
    against the same admission caps as SIP callers (`sip_max_calls`, per line), from the share that is
    not reserved for trunks."""

    def __init__(
        self,
        control: CallControl,
        settings: WebRtcSettings,
        line: str,
        admission: Admission | None = None,
        video: VideoRoutes | None = None,
    ) -> None:
        """`video`: the app's offer carries video too, forwarded to the operator who hears the caller."""
        self._control = control
        self._video = video
        self._admission = admission
        self._settings = settings
        self._ice = IceServers(settings.ice)
        self._line = line
        self._calls: dict[str, _AppCall] = {}
        self._ended: OrderedDict[str, AppCallStatus] = OrderedDict()
        self._tasks: set[asyncio.Task[None]] = set()
        self._listeners: list[Callable[[AppCallStatus], None]] = []

    # -- AppCallMedia -------------------------------------------------------------------------------

    async def open(self, caller: str, origin: CallOrigin, ice_user: str) -> AppCallOffer:
        if not self._line:
            raise Unavailable(
                "звонки из приложения не настроены (citizen_call_line)",
                retry_after=60,
                code="calls_unavailable",
            )
        call_id = f"app-{uuid.uuid4().hex[:16]}"
        self._admit(call_id)
        try:
            relay = await EngineRelay.open(self._settings.engine_host)
        except BaseException:
            self._release(call_id)
            raise
        calls = self._calls

        def changed(peer: BrowserPeer, state: str) -> None:
            call = calls.get(call_id)
            if call is None or call.peer is not peer:
                return
            if state == "connected" and call.channel is None:
                self._enter_flow(call)
            elif state in ("failed", "closed"):
                self._spawn(self._end(call, "failed"))

        peer = BrowserPeer(
            relay, self._ice.for_server(), DEFAULT_CODECS, changed, video=self._video is not None
        )
        try:
            sdp = announce_public_address(await peer.offer(), self._settings.ice.public_address)
        except Exception as exc:
            await peer.close()
            relay.close()
            self._release(call_id)
            log.exception("no offer for an app call from %s", caller)
            raise Unavailable("звонок не удалось начать", retry_after=10, code="call_failed") from exc
        call = _AppCall(call_id, caller, origin, relay, peer)
        calls[call_id] = call
        call.timer = asyncio.get_running_loop().call_later(
            self._settings.connect_timeout_s, lambda: self._spawn(self._timed_out(call))
        )
        return AppCallOffer(call_id, sdp, self._ice.for_browser(ice_user))

    async def accept(self, call_id: str, sdp: str) -> None:
        call = self._live(call_id)
        if call.answered:
            raise Conflict("на предложение сервера уже ответили", code="already_answered")
        call.answered = True
        try:
            await call.peer.accept(sdp)
        except AnswerRefused as refusal:
            await self._end(call, "bad_answer")
            raise BadAnswer(f"{refusal}; звонок завершён, начните новый") from None

    def status(self, call_id: str) -> AppCallStatus | None:
        call = self._calls.get(call_id)
        return call.status() if call is not None else self._ended.get(call_id)

    async def hang_up(self, call_id: str) -> None:
        call = self._calls.get(call_id)
        if call is not None:
            await self._end(call, "hung_up")

    def dtmf(self, call_id: str, digits: str) -> None:
        call = self._live(call_id)
        if call.channel is None or call.channel.state is not ChannelState.UP:
            raise Conflict("звонок ещё не соединён", code="not_connected")
        for digit in digits:
            if digit in DTMF_DIGITS:
                call.channel.remote_dtmf(digit)

    def on_ended(self, listener: Callable[[AppCallStatus], None]) -> None:
        self._listeners.append(listener)

    # -- what the call switch asks ------------------------------------------------------------------

    @staticmethod
    def origin_of(channel: Channel) -> CallOrigin | None:
        signalling = channel.signalling
        return signalling.origin if isinstance(signalling, AppCallSignalling) else None

    def under_way(self) -> int:
        return len(self._calls)

    async def close(self) -> None:
        for call in list(self._calls.values()):
            await self._end(call, "hotline_ended")
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    # -- internals ----------------------------------------------------------------------------------

    def _admit(self, call_id: str) -> None:
        refused = self._admission.admit(call_id, self._line, APP_SOURCE) if self._admission else None
        if refused is not None:
            assert self._admission is not None
            raise Unavailable(
                "линия перегружена, позвоните чуть позже",
                retry_after=self._admission.settings.retry_after,
                code="line_busy",
            )

    def _release(self, call_id: str) -> None:
        if self._admission is not None:
            self._admission.release(call_id)

    def _live(self, call_id: str) -> _AppCall:
        call = self._calls.get(call_id)
        if call is None:
            if call_id in self._ended:
                raise Conflict("звонок уже завершён", code="call_ended")
            raise NotFound("нет такого звонка")
        return call

    def _enter_flow(self, call: _AppCall) -> None:
        """The app is connected: the leg becomes an inbound Channel on the line, and the flow takes it."""
        if call.timer is not None:
            call.timer.cancel()
            call.timer = None
        call.peer.activate()
        assert call.peer.codec is not None

        async def ended(cause: str) -> None:
            await self._end(call, cause, tell_channel=False)

        signalling = AppCallSignalling(
            call.caller, self._line, call.origin, call.relay, call.peer.codec, ended
        )
        call.state = AppCallState.CONNECTED
        call.channel = self._control.incoming(signalling)
        if self._video is not None:  # the citizen's camera may always be shown to their operator
            self._video.register(call.channel.id, lambda: call.peer.video, may_send=True)

    async def _timed_out(self, call: _AppCall) -> None:
        if call.state is AppCallState.CONNECTING:
            await self._end(call, "timeout")

    async def _end(self, call: _AppCall, cause: str, *, tell_channel: bool = True) -> None:
        """Once: the peer and the relay close; the Channel, if the flow has it, hears the caller left."""
        if self._calls.get(call.id) is not call:
            return
        del self._calls[call.id]
        self._release(call.id)
        call.state, call.cause = AppCallState.ENDED, cause
        self._ended[call.id] = call.status()
        while len(self._ended) > REMEMBERED_ENDED:
            self._ended.popitem(last=False)
        for listener in self._listeners:
            try:
                listener(call.status())
            except Exception:
                log.exception("app call %s: a listener failed on its end", call.id)
        if call.timer is not None:
            call.timer.cancel()
        if self._video is not None and call.channel is not None:
            self._video.forget(call.channel.id)
        await call.peer.close()
        call.relay.close()
        channel = call.channel
        if tell_channel and channel is not None and channel.state is not ChannelState.DOWN:
            with contextlib.suppress(Exception):
                await channel.remote_ended("remote-hangup", None)

    def _spawn(self, coroutine: Coroutine[object, object, None]) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
