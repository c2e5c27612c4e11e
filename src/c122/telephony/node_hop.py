"""The media hop between nodes: a call held on one node reaches an operator whose browser leg is on
another.

The call's node (B) places a SIP leg to `sip:desk-<user id>@<node A's SIP address>` with a signed
`X-C122-Node` header; node A checks the signature (HMAC-SHA256 with the nodes' shared secret, fresh
and never seen before), answers, and bridges the leg to that operator's browser leg. From then on
the call flow on B treats the hop as the operator's browser leg: it rings the headset through it,
bridges the caller to it, records it, and hangs it up when the operator's part of the call ends.
Either side ends its half when the other node's heartbeat is gone (`alive`), or the far end's BYE.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Final

from c122.telephony.control import CallControl, Channel, ChannelState, ControlError
from c122.telephony.control.events import ChannelAnswered, ChannelHungUp, ControlEvent
from c122.telephony.control.hearing import BridgeKind
from c122.telephony.control.model import Bridge
from c122.telephony.control.sip_gateway import SipSignalling
from c122.telephony.sip.incoming import IncomingCall

log = logging.getLogger(__name__)

HOP_USER_PREFIX: Final = "desk-"
HOP_HEADER: Final = "X-C122-Node"
FRESH_S: Final = 30.0  # a signed INVITE older (or newer) than this is refused, and so is a repeat
ANSWER_TIMEOUT_S: Final = 5.0
GRACE_S: Final = 5.0  # a hop younger than this is not ended for its peer missing from the heartbeats
WATCH_S: Final = 1.0

# user -> (node, SIP host, port) of their leg
DeskLocator = Callable[[int], Awaitable[tuple[str, str, int] | None]]
NodeAlive = Callable[[str], bool]
BrowserLookup = Callable[[int], Channel | None]


@dataclass
class _Hop:
    channel: Channel
    node: str  # the node at the other end
    started: float
    user_id: int
    bridge: Bridge | None = None  # on the desk's node: the hop with the browser leg


def is_hop_target(called: str) -> bool:
    return called.startswith(HOP_USER_PREFIX)


def sign(secret: str, node: str, user_id: int, stamp: int, nonce: str) -> str:
    message = f"{node}|{user_id}|{stamp}|{nonce}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


class NodeHops:
    """Both ends of the hop: `reach` on the call's node, `take` on the desk's node."""

    def __init__(
        self,
        control: CallControl,
        secret: str,
        browser: BrowserLookup,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._control = control
        self._secret = secret
        self._node = ""  # until `join`: one process places no hop
        self._browser = browser
        self._clock = clock
        self._locate: DeskLocator = _nowhere
        self._alive: NodeAlive = lambda _node: True
        self._placed: dict[int, _Hop] = {}  # on the call's node: operator -> their hop
        self._taken: dict[str, _Hop] = {}  # on the desk's node: hop channel id -> hop
        self._seen: dict[str, float] = {}  # nonces of accepted INVITEs, until they are stale
        self._watch: asyncio.Task[None] | None = None
        control.subscribe(self._on_event)

    @property
    def enabled(self) -> bool:
        return bool(self._secret)

    def join(self, node_id: str, locate: DeskLocator, alive: NodeAlive) -> None:
        """This node's id, where each operator's browser leg is, and which nodes still beat (the ACD
        relay's heartbeats)."""
        self._node = node_id
        self._locate = locate
        self._alive = alive

    def start(self) -> None:
        self._watch = asyncio.get_running_loop().create_task(self._watch_peers())

    async def close(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch
        for hop in [*self._placed.values(), *self._taken.values()]:
            with contextlib.suppress(Exception):
                await hop.channel.hangup()

    # -- the call's node ------------------------------------------------------------------------------

    def leg_for(self, user_id: int) -> Channel | None:
        hop = self._placed.get(user_id)
        return hop.channel if hop is not None and hop.channel.state is ChannelState.UP else None

    async def reach(self, user_id: int) -> Channel | None:
        """A hop to the node holding the operator's browser leg, answered; None when no other node
        holds one, hops are off (no secret), or the other node refused or did not answer in time."""
        up = self.leg_for(user_id)
        if up is not None:
            return up
        if not self.enabled or not self._node:  # before the lookup: it may read every node's heartbeat
            return None
        desk = await self._locate(user_id)
        if desk is None:
            return None
        node, host, port = desk
        stamp, nonce = int(self._clock()), secrets.token_hex(8)
        signature = sign(self._secret, self._node, user_id, stamp, nonce)
        try:
            channel = await self._control.originate(
                f"sip:{HOP_USER_PREFIX}{user_id}@{host}:{port}",
                f"node-{self._node}",
                headers={HOP_HEADER: f"{self._node};ts={stamp};nonce={nonce};sig={signature}"},
                destination=(host, port),
            )
        except Exception as exc:
            log.warning("hop to node %s for operator %s not placed: %s", node, user_id, exc)
            return None
        hop = _Hop(channel, node, self._clock(), user_id)
        self._placed[user_id] = hop
        if not await self._answered(channel):
            log.warning("hop to node %s for operator %s was not answered", node, user_id)
            await self.release(user_id)
            return None
        return channel

    async def release(self, user_id: int) -> None:
        hop = self._placed.pop(user_id, None)
        if hop is not None:
            with contextlib.suppress(Exception):
                await hop.channel.hangup()

    async def _answered(self, channel: Channel) -> bool:
        if channel.state is ChannelState.UP:
            return True
        waiter: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

        def heard(event: ControlEvent) -> None:
            if getattr(event, "channel_id", None) == channel.id and not waiter.done():
                if isinstance(event, ChannelAnswered):
                    waiter.set_result(True)
                elif isinstance(event, ChannelHungUp):
                    waiter.set_result(False)

        self._control.subscribe(heard)  # no await since the state was read: no event is missed
        try:
            return await asyncio.wait_for(waiter, ANSWER_TIMEOUT_S)
        except TimeoutError:
            return False
        finally:
            self._control.unsubscribe(heard)

    # -- the desk's node ------------------------------------------------------------------------------

    async def take(self, call: IncomingCall) -> bool:
        """True when the INVITE is a hop (handled here: refused or bridged); False for any other call."""
        if not is_hop_target(call.called):
            return False
        peer = self._verified(call)
        if peer is None:
            log.warning("hop INVITE from %s:%s refused: not signed by a node", *call.remote)
            await call.reject(403, "Forbidden")
            return True
        user_id = int(call.called.removeprefix(HOP_USER_PREFIX))
        browser = self._browser(user_id)
        if browser is None:
            log.warning("hop from node %s: operator %s has no browser leg here", peer, user_id)
            await call.reject(480, "Temporarily Unavailable")
            return True
        channel = self._control.incoming(SipSignalling(call, call.caller, call.called))
        hop = _Hop(channel, peer, self._clock(), user_id)
        self._taken[channel.id] = hop
        try:
            await channel.answer()
            hop.bridge = await self._control.create_bridge(BridgeKind.DIRECT)
            await hop.bridge.add(browser)
            await hop.bridge.add(channel)
        except ControlError as exc:
            log.warning("hop from node %s to operator %s not bridged: %s", peer, user_id, exc)
            await channel.hangup()
        return True

    def _verified(self, call: IncomingCall) -> str | None:
        """The calling node's id when the header is signed with our secret, fresh and new."""
        if not self.enabled:
            return None
        header = call.header(HOP_HEADER) or ""
        node, _, rest = header.partition(";")
        fields = dict(part.partition("=")[::2] for part in rest.split(";") if "=" in part)
        try:
            user_id = int(call.called.removeprefix(HOP_USER_PREFIX))
            stamp = int(fields.get("ts", ""))
        except ValueError:
            return None
        nonce, signature = fields.get("nonce", ""), fields.get("sig", "")
        now = self._clock()
        self._seen = {n: until for n, until in self._seen.items() if until > now}
        if not node or not nonce or abs(now - stamp) > FRESH_S or nonce in self._seen:
            return None
        if not hmac.compare_digest(signature, sign(self._secret, node, user_id, stamp, nonce)):
            return None
        self._seen[nonce] = now + 2 * FRESH_S
        return node

    # -- both ----------------------------------------------------------------------------------------

    def _on_event(self, event: ControlEvent) -> None:
        if not isinstance(event, ChannelHungUp):
            return
        hop = self._taken.pop(event.channel_id, None)
        if hop is not None and hop.bridge is not None:
            self._spawn_destroy(hop.bridge)
        for user_id, placed in list(self._placed.items()):
            if placed.channel.id == event.channel_id:
                del self._placed[user_id]
        for taken in list(self._taken.values()):  # the operator's browser leg ended: so do its hops
            browser = self._browser(taken.user_id)
            if browser is None or browser.id == event.channel_id:
                self._spawn_hangup(taken.channel, "browser-leg-gone")

    async def _watch_peers(self) -> None:
        while True:
            await asyncio.sleep(WATCH_S)
            now = self._clock()
            for hop in [*self._placed.values(), *self._taken.values()]:
                if now - hop.started > GRACE_S and not self._alive(hop.node):
                    log.warning("node %s is gone: its hop for operator %s ends", hop.node, hop.user_id)
                    self._spawn_hangup(hop.channel, "node-lost")

    def _spawn_hangup(self, channel: Channel, cause: str) -> None:
        task = asyncio.get_running_loop().create_task(channel.hangup(cause))
        task.add_done_callback(_ignore)

    def _spawn_destroy(self, bridge: Bridge) -> None:
        task = asyncio.get_running_loop().create_task(bridge.destroy())
        task.add_done_callback(_ignore)


def _ignore(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.debug("hop clean-up: %s", task.exception())


async def _nowhere(_user_id: int) -> tuple[str, str, int] | None:
    """One node: no other holds a browser leg."""
    return None
