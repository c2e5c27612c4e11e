"""The call flow's `CallSwitch` over the call-control model, and control events back to the call flow.

Legs, bridges, playbacks and recordings are named by id at this seam; the objects stay here. Operators'
SIP phones are found through the registrar; browser legs through the WebRTC side's lookup.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import uuid
from collections.abc import Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, ParamSpec, Protocol, TypeVar

from c122.domain.calls.origin import CallOrigin
from c122.domain.trunks import Trunk, route_for
from c122.services.call_flow.ports import LegQuality, LegUnavailable, NoCapacity, TrunkAtLimit
from c122.telephony.control import CallControl
from c122.telephony.control.events import (
    ChannelAnswered,
    ChannelCreated,
    ChannelDtmf,
    ChannelHungUp,
    ControlEvent,
)
from c122.telephony.control.hearing import BridgeKind, SnoopMode
from c122.telephony.control.model import (
    Bridge,
    Channel,
    ChannelGone,
    ChannelState,
    ControlError,
    Playback,
    Recording,
    Snoop,
)
from c122.telephony.media.messages import NoMediaPorts
from c122.telephony.node_hop import NodeHops, is_hop_target
from c122.telephony.sip.registrar import Registrar

log = logging.getLogger(__name__)

BrowserLookup = Callable[[int], Channel | None]
OriginLookup = Callable[[Channel], CallOrigin | None]
P = ParamSpec("P")
R = TypeVar("R")
MAX_REMEMBERED_STATS = 10_000


class LegEvents(Protocol):
    """What the call flow hears from the wire (the `CallFlowService` methods of the same names)."""

    async def incoming(
        self, leg: str, caller: str, called: str, origin: CallOrigin | None = None
    ) -> None: ...

    def leg_answered(self, leg: str) -> None: ...

    def leg_dtmf(self, leg: str, digit: str) -> None: ...

    def playback_finished(self, leg: str, playback: str, stopped: bool) -> None: ...

    def leg_gone(self, leg: str, cause: str) -> None: ...


@dataclass
class _Sequence:
    """Several media played one after another as one playback."""

    id: str
    leg: str
    current: Playback | None = None
    stopped: bool = False
    task: asyncio.Task[None] | None = field(default=None, repr=False)


def _legs_gone_as_unavailable(
    method: Callable[P, Coroutine[Any, Any, R]],
) -> Callable[P, Coroutine[Any, Any, R]]:
    """A channel that hangs up while we act on it is the call flow's `LegUnavailable`, not an error."""

    @functools.wraps(method)
    async def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await method(*args, **kwargs)
        except ChannelGone as exc:
            raise LegUnavailable(exc.channel_id) from None

    return wrapped


class ControlSwitch:
    def __init__(
        self,
        control: CallControl,
        *,
        registrar: Registrar | None = None,
        trunks: Sequence[Trunk] = (),
    ) -> None:
        self._control = control
        self._registrar = registrar
        self._trunks = tuple(trunks)
        self._trunk_legs: dict[str, str] = {}  # outbound leg → the trunk it went out through
        self._refused_at_limit: dict[str, int] = {}  # trunk → calls refused at its max_calls since start
        self._events: LegEvents | None = None
        self._browser: BrowserLookup = lambda _user_id: None
        self._hops: NodeHops | None = None
        self._origin: OriginLookup = lambda _channel: None
        self._sequences: dict[str, _Sequence] = {}
        self._bridges: dict[str, Bridge] = {}
        self._recordings: dict[str, Recording] = {}
        self._snoops: dict[str, Snoop] = {}
        self._stats: dict[str, LegQuality] = {}
        self._legs: dict[str, Channel] = {}  # legs of calls, kept to read their figures when they end
        self._tasks: set[asyncio.Task[None]] = set()
        control.subscribe(self._on_event)

    def deliver_to(self, events: LegEvents) -> None:
        self._events = events

    def find_browser_legs_with(self, lookup: BrowserLookup) -> None:
        self._browser = lookup

    def reach_other_nodes_with(self, hops: NodeHops) -> None:
        """Operators whose browser leg is on another node are reached through a media hop."""
        self._hops = hops

    def find_origins_with(self, lookup: OriginLookup) -> None:
        """How an inbound leg that is not a SIP call says where it came from (the citizen app)."""
        self._origin = lookup

    def track(self, legs: Iterable[str]) -> None:
        """Legs taken over after a restart: their figures are read when they end, as for the others."""
        for leg in legs:
            channel = self._control.find(leg)
            if channel is not None:
                self._legs[leg] = channel

    # -- CallSwitch --------------------------------------------------------------------------------------

    @_legs_gone_as_unavailable
    async def answer(self, leg: str) -> None:
        try:
            await self._channel(leg).answer()
        except NoMediaPorts:
            raise NoCapacity(leg) from None

    @_legs_gone_as_unavailable
    async def reject(self, leg: str, status: int) -> None:
        await self._channel(leg).reject(status)

    async def hang_up(self, leg: str) -> None:
        channel = self._control.find(leg)
        if channel is not None:
            await channel.hangup()

    @_legs_gone_as_unavailable
    async def play(self, leg: str, media: Sequence[str], *, loop: bool = False) -> str:
        channel = self._channel(leg)
        sequence = _Sequence(f"pl-{uuid.uuid4().hex[:12]}", leg)
        self._sequences[sequence.id] = sequence
        if len(media) == 1:
            # One medium (music on hold, a tone) loops in the media engine itself.
            sequence.current = await channel.play(media[0], loop=loop)
        sequence.task = asyncio.create_task(self._run_sequence(sequence, channel, list(media), loop))
        return sequence.id

    async def stop_playback(self, playback: str) -> None:
        sequence = self._sequences.get(playback)
        if sequence is None:
            return
        sequence.stopped = True
        if sequence.current is not None:
            with contextlib.suppress(ControlError, KeyError):
                await sequence.current.stop()

    @_legs_gone_as_unavailable
    async def connect(self, first: str, second: str) -> str:
        bridge = await self._control.create_bridge(BridgeKind.DIRECT)
        await bridge.add(self._channel(first))
        await bridge.add(self._channel(second))
        self._bridges[bridge.id] = bridge
        return bridge.id

    @_legs_gone_as_unavailable
    async def conference(self, legs: Sequence[str]) -> str:
        bridge = await self._control.create_bridge(BridgeKind.MIXING)
        for leg in legs:
            await bridge.add(self._channel(leg))
        self._bridges[bridge.id] = bridge
        return bridge.id

    @_legs_gone_as_unavailable
    async def join(self, bridge: str, leg: str) -> None:
        await self._bridge(bridge).add(self._channel(leg))

    async def leave(self, bridge: str, leg: str) -> None:
        found, channel = self._bridges.get(bridge), self._control.find(leg)
        if found is not None and channel is not None:
            await found.remove(channel)

    @_legs_gone_as_unavailable
    async def mute(self, leg: str, muted: bool) -> None:
        await self._channel(leg).mute(muted)

    async def levels(self, bridge: str) -> dict[str, float]:
        found = self._bridges.get(bridge)
        return await found.levels() if found is not None else {}

    def _bridge(self, bridge: str) -> Bridge:
        found = self._bridges.get(bridge)
        if found is None:
            raise ControlError(f"bridge {bridge} is gone")
        return found

    async def disconnect(self, bridge: str) -> None:
        found = self._bridges.pop(bridge, None)
        if found is not None:
            for snoop_id in [i for i, s in self._snoops.items() if s.bridge is found]:
                del self._snoops[snoop_id]
            await found.destroy()

    @_legs_gone_as_unavailable
    async def snoop(self, bridge: str, supervisor: str, target: str, mode: str) -> str:
        found = self._bridges.get(bridge)
        if found is None:
            raise ControlError(f"bridge {bridge} is gone")
        for snoop_id in [i for i, s in self._snoops.items() if s.supervisor.id == supervisor]:
            del self._snoops[snoop_id]  # the leg leaves whatever it listened to before
        snoop = await found.snoop(self._channel(supervisor), self._channel(target), SnoopMode(mode))
        self._snoops[snoop.id] = snoop
        return snoop.id

    async def snoop_mode(self, snoop: str, mode: str) -> None:
        found = self._snoops.get(snoop)
        if found is None:
            raise ControlError(f"snoop {snoop} is gone")
        await found.set_mode(SnoopMode(mode))

    async def unsnoop(self, snoop: str) -> None:
        found = self._snoops.pop(snoop, None)
        if found is not None:
            await found.stop()

    @_legs_gone_as_unavailable
    async def hold(self, leg: str) -> None:
        # The caller keeps sending and receiving; they hear music instead of the operator.
        await self._channel(leg).hold(renegotiate=False)

    @_legs_gone_as_unavailable
    async def unhold(self, leg: str) -> None:
        await self._channel(leg).unhold()

    @_legs_gone_as_unavailable
    async def start_recording(
        self, path: str, caller: str, operator: str | None, *, append: bool = False, mixed: bool = False
    ) -> str:
        other = self._channel(operator) if operator is not None else None
        recording = await self._control.record(path, self._channel(caller), other, append=append, mixed=mixed)
        self._recordings[recording.id] = recording
        return recording.id

    async def stop_recording(self, recording: str) -> float | None:
        found = self._recordings.pop(recording, None)
        if found is None:
            return None
        return (await found.stop()).duration_seconds

    @_legs_gone_as_unavailable
    async def send_dtmf(self, leg: str, digits: str) -> None:
        await self._channel(leg).send_dtmf(digits)

    def browser_leg(self, user_id: int) -> str | None:
        channel = self._browser(user_id)
        if channel is None and self._hops is not None:
            channel = self._hops.leg_for(user_id)
        return channel.id if channel is not None and channel.state is ChannelState.UP else None

    async def reach_browser(self, user_id: int) -> str | None:
        if self._hops is None:
            return None
        channel = await self._hops.reach(user_id)
        if channel is None:
            return None
        self._legs[channel.id] = channel
        return channel.id

    async def release_browser(self, user_id: int) -> None:
        if self._hops is not None:
            await self._hops.release(user_id)

    async def ring_phone(
        self, account: str, caller: str, called: str, *, auto_answer: bool = False
    ) -> str | None:
        bindings = self._registrar.lookup(account) if self._registrar is not None else []
        if not bindings:
            return None
        binding = bindings[0]
        destination = (
            (binding.source.host, binding.source.port) if binding.source.transport == "udp" else None
        )
        channel = await self._control.originate(
            str(binding.contact),
            caller.lstrip("+") or "anonymous",
            destination=destination,
            headers={"Call-Info": f"<{binding.contact}>;answer-after=0"} if auto_answer else None,
        )
        self._legs[channel.id] = channel
        return channel.id

    def phone_registered(self, account: str) -> bool:
        return bool(self._registrar.lookup(account)) if self._registrar is not None else False

    def can_dial(self, number: str) -> bool:
        return route_for(number, self._trunks) is not None

    def set_trunks(self, trunks: Sequence[Trunk]) -> None:
        """Calls placed from now on are routed over these trunks; calls up keep theirs."""
        self._trunks = tuple(trunks)

    def has_trunk(self, name: str) -> bool:
        return any(trunk.name == name for trunk in self._trunks)

    def calls_up(self, trunk: str) -> int:
        """Outbound legs up or ringing through the trunk now."""
        return sum(1 for name in self._trunk_legs.values() if name == trunk)

    def refused_at_limit(self, trunk: str) -> int:
        """Calls out refused since start because the trunk carried its `max_calls`."""
        return self._refused_at_limit.get(trunk, 0)

    def trunks_at_limit(self) -> list[str]:
        """The trunks carrying their `max_calls` now: the next call through them is refused."""
        return sorted(
            t.name for t in self._trunks if t.max_calls is not None and self.calls_up(t.name) >= t.max_calls
        )

    async def dial(self, number: str, caller_id: str) -> str:
        """Through the trunk of the number's prefix, presenting the trunk's caller ID (the region's
        number) or else `caller_id`, in From and P-Asserted-Identity."""
        route = route_for(number, self._trunks)
        if route is None:
            raise ControlError(f"no trunk serves {number}")
        trunk = route.trunk
        presented = route.caller_id or caller_id
        if not presented:
            raise ControlError(f"trunk {trunk.name} has no caller ID to present for {number}")
        if trunk.max_calls is not None and self.calls_up(trunk.name) >= trunk.max_calls:
            self._refused_at_limit[trunk.name] = self.refused_at_limit(trunk.name) + 1
            raise TrunkAtLimit(trunk.name, trunk.max_calls)
        param = "" if trunk.transport == "udp" else f";transport={trunk.transport}"
        channel = await self._control.originate(
            f"sip:{number}@{trunk.host}:{trunk.port}{param}",
            presented,
            headers={"P-Asserted-Identity": f"<sip:{presented}@{trunk.host}>"},
            codecs=trunk.codecs,
            credentials=trunk.credentials,
        )
        self._legs[channel.id] = channel
        self._trunk_legs[channel.id] = trunk.name
        return channel.id

    def quality(self, leg: str) -> LegQuality | None:
        return self._stats.pop(leg, None)

    # -- inside ------------------------------------------------------------------------------------------

    def _channel(self, leg: str) -> Channel:
        channel = self._control.find(leg)
        if channel is None:
            raise LegUnavailable(leg)
        return channel

    async def _run_sequence(
        self, sequence: _Sequence, channel: Channel, media: list[str], loop: bool
    ) -> None:
        stopped = False
        try:
            if sequence.current is not None:  # a single medium already started
                stopped = await sequence.current.finished
            else:
                while not sequence.stopped:
                    for spec in media:
                        if sequence.stopped or channel.state is not ChannelState.UP:
                            break
                        sequence.current = await channel.play(spec)
                        if await sequence.current.finished:
                            break
                    if not loop:
                        break
            stopped = stopped or sequence.stopped
        except (ControlError, LegUnavailable):
            stopped = True
        finally:
            self._sequences.pop(sequence.id, None)
        if self._events is not None:
            self._events.playback_finished(sequence.leg, sequence.id, stopped)

    def _on_event(self, event: ControlEvent) -> None:
        if isinstance(event, ChannelHungUp):
            self._trunk_legs.pop(event.channel_id, None)  # counted off its trunk whoever listens
        events = self._events
        if events is None:
            return
        match event:
            case ChannelCreated(direction="inbound", called=called) if is_hop_target(called):
                pass  # a media hop from another node: `NodeHops` bridges it to the browser leg
            case ChannelCreated(channel_id=leg, direction="inbound", caller=caller, called=called):
                channel = self._control.find(leg)
                origin = None
                if channel is not None:
                    self._legs[leg] = channel
                    origin = self._origin(channel)
                self._spawn(events.incoming(leg, caller, called, origin))
            case ChannelAnswered(channel_id=leg):
                events.leg_answered(leg)
            case ChannelDtmf(channel_id=leg, digit=digit):
                events.leg_dtmf(leg, digit)
            case ChannelHungUp(channel_id=leg, cause=cause):
                self._remember_stats(leg)
                events.leg_gone(leg, cause)
            case _:
                pass

    def _remember_stats(self, leg: str) -> None:
        channel = self._legs.pop(leg, None)
        stats = channel.stats if channel is not None else None
        if stats is None:
            return
        total = stats.packets_received + stats.packets_lost
        loss = 100.0 * stats.packets_lost / total if total else 0.0
        if len(self._stats) >= MAX_REMEMBERED_STATS:
            self._stats.pop(next(iter(self._stats)))
        self._stats[leg] = LegQuality(jitter_ms=stats.jitter_ms, loss_percent=loss)

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        async def run() -> None:
            try:
                await coroutine
            except Exception:
                log.exception("inbound call handling failed")

        task = asyncio.create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for sequence in list(self._sequences.values()):
            if sequence.task is not None:
                sequence.task.cancel()
