"""The ACD's commands between nodes, over Redis: followers ask, the leader decides, every node hears.

- **Commands**: a follower pushes a named command (`AcdCommand`: id, name, plain arguments, the
  moment after which nobody waits for it) onto the list `c122:acd:commands` and waits on its own
  reply list `c122:acd:reply:<id>` for at most `FORWARD_TIMEOUT_S`. The leader pops commands in
  order and decides each as its own (`ContactCenter.execute`); `c122:acd:done:<id>` (SET NX) makes
  an id decided at most once, and a repeat of the id gets the first answer. A command whose
  waiter gave up is not decided at all: what the follower reported as refused never happens later.
- **Outcomes**: every outcome the leader stores is published on `c122:acd:outcomes`; each follower
  re-reads the stored state and hands the outcome to the calls it carries (`ContactCenter.follow`):
  the node that owns a call rings its operator, connects, ends it. Outcomes that arrive while the
  follower is still catching up are taken together: one re-read (the stored state holds them all),
  then each is handed on in the order the leader published them.
- **Nodes**: each node writes a heartbeat `c122:node:<id>` (expiring after `NODE_TTL_S`), the ACD
  ids of the calls it carries (`c122:node:<id>:calls`), and where its SIP listens with the operators
  whose browser legs it holds (`c122:node:<id>:desks`, for the media hop: telephony/node_hop.py).
  The leader sweeps: a node whose heartbeat expired is dead, and the calls it carried are ended by
  the survivors (`on_node_lost`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any, cast

import redis.asyncio as redis
from redis.exceptions import RedisError

from c122.domain.acd import Outcome
from c122.domain.errors import DomainError, Unavailable
from c122.realtime.acd_codec import decode_error, decode_outcome, encode_error, encode_outcome
from c122.services.contact_center.commands import AcdCommand

COMMANDS_KEY = "c122:acd:commands"
OUTCOMES_CHANNEL = "c122:acd:outcomes"
DESK_ACTIONS_CHANNEL = "c122:calls:desk"
NODES_KEY = "c122:nodes"
FORWARD_TIMEOUT_S = 5.0
"""A follower waits this long for the leader's answer: a new leader is elected within about a second
after the old one dies, so a command sent meanwhile is decided by the new one in time."""
DONE_TTL_S = 300
REPLY_TTL_S = 60
NODE_TTL_S = 3.0
HEARTBEAT_S = 1.0
CONNECT_TIMEOUT_S = 2.0

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RelayTarget:
    """What the relay drives on this node (the contact centre and the call flow, wired at start)."""

    execute: Callable[[AcdCommand], Awaitable[Outcome]]
    follow: Callable[[Sequence[Outcome]], Awaitable[None]]
    live_calls: Callable[[], Collection[str]]
    on_node_lost: Callable[[str, set[str]], Awaitable[None]]
    # An operator's desk action on a call this node carries: (call, operator, action, queue)
    desk_action: Callable[[str, int, str, int | None], None] = lambda _c, _o, _a, _q: None


@dataclass(frozen=True)
class NodeDesks:
    """Where this node's SIP listens, and the operators whose browser legs it holds now."""

    host: str
    port: Callable[[], int]
    operators: Callable[[], Collection[int]]


class RedisAcdRelay:
    """Implements `CommandRelay`; `run()` is the node's background task."""

    def __init__(
        self,
        url: str,
        node_id: str,
        leading: Callable[[], bool],
        *,
        forward_timeout_s: float = FORWARD_TIMEOUT_S,
        node_ttl_s: float = NODE_TTL_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = redis.Redis.from_url(url, socket_connect_timeout=CONNECT_TIMEOUT_S)
        self._node = node_id
        self._leading = leading
        self._timeout = forward_timeout_s
        self._ttl = node_ttl_s
        self._clock = clock
        self._target: RelayTarget | None = None
        self._others: dict[str, set[str]] = {}  # live nodes' calls, read with each heartbeat
        self._desks: NodeDesks | None = None
        # operator -> (node, SIP host, SIP port) of the live node holding their browser leg
        self._desks_elsewhere: dict[int, tuple[str, str, int]] = {}
        self._origins: dict[str, str] = {}  # call -> node that forwarded it (before its heartbeat shows it)
        self._tasks: set[asyncio.Task[None]] = set()
        self._outgoing: asyncio.Queue[bytes] = asyncio.Queue()
        self._heard: asyncio.Queue[bytes] = asyncio.Queue()  # outcomes read, not yet followed

    @property
    def node_id(self) -> str:
        return self._node

    @property
    def leading(self) -> bool:
        return self._leading()

    def attach(self, target: RelayTarget) -> None:
        self._target = target

    def advertise(self, desks: NodeDesks) -> None:
        """This node's heartbeat also names its SIP address and the browser legs it holds."""
        self._desks = desks

    def desks_changed(self) -> None:
        """An operator's browser leg came up or went here: the other nodes may ring them through a hop
        at once, so the listing is written now rather than at the next heartbeat."""
        if self._desks is not None:
            self._spawn(self._advertise_desks(self._desks))

    async def _advertise_desks(self, desks: NodeDesks) -> None:
        try:
            await self._client.set(self._desks_key, self._desks_listing(desks), px=int(self._ttl * 1000))
        except (RedisError, OSError) as exc:
            _log.warning("ACD relay: this node's desks not advertised (%s); the next heartbeat does", exc)

    @property
    def _desks_key(self) -> str:
        return f"c122:node:{self._node}:desks"

    @staticmethod
    def _desks_listing(desks: NodeDesks) -> str:
        return json.dumps({"host": desks.host, "port": desks.port(), "operators": sorted(desks.operators())})

    async def desk_at(self, operator_id: int) -> tuple[str, str, int] | None:
        """The other live node holding the operator's browser leg, as its heartbeat says: its id and
        where its SIP listens. An operator not in the last read (whose browser leg connected since, and
        who may be offered a call at once) is looked for again in the heartbeats now."""
        found = self._desks_elsewhere.get(operator_id)
        if found is None:
            try:
                await self._read_others()
            except (RedisError, OSError) as exc:
                _log.warning("ACD relay: operator %s's desk not looked up (%s)", operator_id, exc)
            found = self._desks_elsewhere.get(operator_id)
        return found

    def alive(self, node: str) -> bool:
        """The node's heartbeat was there at this node's last read (or it is this node)."""
        return node == self._node or node in self._others

    # --- the follower's side --------------------------------------------------------------------------
    async def forward(self, command: AcdCommand) -> Outcome:
        deadline = self._clock() + self._timeout
        message = {
            "id": command.id,
            "node": self._node,
            "name": command.name,
            "args": dict(command.args),
            "deadline": deadline,
        }
        reply_key = f"c122:acd:reply:{command.id}"
        try:
            await self._client.rpush(COMMANDS_KEY, json.dumps(message))
            answer = await self._client.blpop([reply_key], timeout=self._timeout)
        except (RedisError, OSError) as exc:
            raise Unavailable(
                f"the ACD's leader cannot be reached: Redis {type(exc).__name__}",
                retry_after=2,
                code="acd_leader_unreachable",
            ) from exc
        if answer is None:
            raise Unavailable(
                f"the ACD's leader did not answer within {self._timeout:.0f} s; nothing was decided",
                retry_after=2,
                code="acd_leader_unreachable",
            )
        reply = json.loads(answer[1])
        if "error" in reply:
            raise decode_error(reply["error"])
        return decode_outcome(reply["events"])

    def to_call_node(self, call_id: str, operator_id: int, action: str, queue_id: int | None) -> None:
        message = {"call": call_id, "operator": operator_id, "action": action, "queue": queue_id}
        self._spawn(self._send_desk_action(json.dumps(message)))

    async def _send_desk_action(self, raw: str) -> None:
        try:
            await self._client.publish(DESK_ACTIONS_CHANNEL, raw)
        except (RedisError, OSError) as exc:
            _log.warning("ACD relay: a desk action on another node's call is lost (%s)", exc)

    def _desk_action(self, raw: bytes) -> None:
        assert self._target is not None
        message = json.loads(raw)
        queue = message.get("queue")
        self._target.desk_action(
            str(message["call"]), int(message["operator"]), str(message["action"]),
            int(queue) if queue is not None else None,
        )  # fmt: skip

    def touch(self, operator_id: int) -> None:
        message = {"id": "", "node": self._node, "name": "touch", "args": {"op": operator_id}, "deadline": 0}
        self._spawn(self._push(json.dumps(message)))

    def carried_elsewhere(self, call_id: str) -> bool:
        origin = self._origins.get(call_id)
        if origin is not None and origin != self._node:
            return True
        return any(call_id in calls for calls in self._others.values())

    # --- the leader's side ----------------------------------------------------------------------------
    def published(self, outcome: Outcome) -> None:
        """Listener of this node's ContactCenter: what the leader stored goes to every follower."""
        if self._leading() and outcome.events:
            self._outgoing.put_nowait(
                json.dumps({"node": self._node, "events": encode_outcome(outcome)}).encode()
            )

    async def run(self) -> None:
        try:
            await asyncio.gather(self._serve(), self._listen(), self._follow(), self._publish(), self._beat())
        finally:
            for task in self._tasks:
                task.cancel()
            with contextlib.suppress(Exception):
                await self._client.delete(f"c122:node:{self._node}")  # a clean stop: swept at once
            with contextlib.suppress(Exception):
                await self._client.aclose()

    async def _serve(self) -> None:
        while True:
            if not self._leading():
                await asyncio.sleep(0.2)
                continue
            try:
                popped = await self._client.blpop([COMMANDS_KEY], timeout=1)
            except (RedisError, OSError) as exc:
                _log.warning("ACD relay: commands unreadable (%s)", exc)
                await asyncio.sleep(0.5)
                continue
            if popped is None:
                continue
            if not self._leading():  # lost the lead while waiting: the next leader decides it
                await self._client.lpush(COMMANDS_KEY, popped[1])
                continue
            try:
                self._take(json.loads(popped[1]))
            except (ValueError, KeyError, TypeError) as exc:  # not a command: dropped, the rest go on
                _log.warning("ACD relay: an entry of %s is not a command (%s); dropped", COMMANDS_KEY, exc)

    def _take(self, message: dict[str, Any]) -> None:
        assert self._target is not None
        name, args = str(message["name"]), dict(message["args"])
        if name == "touch":
            self._spawn(self._touch(int(args["op"])))
            return
        if self._clock() > float(message["deadline"]):
            _log.warning(
                "ACD relay: %s from node %s came after its waiter gave up; not decided", name, message["node"]
            )
            return
        command = AcdCommand(name, args, id=str(message["id"]))
        if command.call_id is not None and name in ("enqueue", "request_callback_from_menu"):
            self._origins[command.call_id] = str(message["node"])
        # Started in arrival order: each joins the contact centre's batch before the next one.
        self._spawn(self._decide(command))

    async def _touch(self, operator_id: int) -> None:
        assert self._target is not None
        await self._target.execute(AcdCommand("touch", {"op": operator_id}))

    async def _decide(self, command: AcdCommand) -> None:
        assert self._target is not None
        done_key = f"c122:acd:done:{command.id}"
        if not await self._client.set(done_key, "", nx=True, ex=DONE_TTL_S):
            previous = await self._client.get(done_key)
            if previous:  # a repeat of a decided id: the first answer again
                await self._reply(command.id, previous)
            return
        try:
            outcome = await self._target.execute(command)
        except DomainError as exc:
            reply = json.dumps({"error": encode_error(exc)})
        except Exception as exc:
            _log.exception("ACD relay: %s failed on the leader", command.name)
            reply = json.dumps(
                {
                    "error": encode_error(
                        Unavailable(f"the leader failed: {type(exc).__name__}", retry_after=2)
                    )
                }
            )
        else:
            reply = json.dumps({"events": encode_outcome(outcome)})
            if command.name == "hang_up" and command.call_id is not None:
                self._origins.pop(command.call_id, None)
        await self._client.set(done_key, reply, ex=DONE_TTL_S)
        await self._reply(command.id, reply.encode() if isinstance(reply, str) else reply)

    async def _reply(self, command_id: str, reply: bytes | str) -> None:
        key = f"c122:acd:reply:{command_id}"
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.rpush(key, reply)
            pipe.expire(key, REPLY_TTL_S)
            await pipe.execute()

    async def _publish(self) -> None:
        while True:
            raw = await self._outgoing.get()
            try:
                await self._client.publish(OUTCOMES_CHANNEL, raw)
            except (RedisError, OSError) as exc:
                _log.warning("ACD relay: outcome not published (%s); followers catch up with the next", exc)

    # --- every node -------------------------------------------------------------------------------------
    async def _listen(self) -> None:
        while True:
            try:
                async with self._client.pubsub() as pubsub:
                    await pubsub.subscribe(OUTCOMES_CHANNEL, DESK_ACTIONS_CHANNEL)
                    async for item in pubsub.listen():
                        if item.get("type") != "message":
                            continue
                        if item["channel"] in (DESK_ACTIONS_CHANNEL, DESK_ACTIONS_CHANNEL.encode()):
                            try:
                                self._desk_action(item["data"])
                            except Exception:  # this action is lost; the desk sees no change
                                _log.exception("ACD relay: a desk action could not be carried out")
                            continue
                        self._heard.put_nowait(item["data"])
            except (RedisError, OSError) as exc:
                _log.warning("ACD relay: outcomes unreadable (%s)", exc)
                await asyncio.sleep(0.5)

    async def _follow(self) -> None:
        """Everything heard meanwhile is followed at once: one re-read of the stored state for all."""
        while True:
            raw = [await self._heard.get()]
            while not self._heard.empty():
                raw.append(self._heard.get_nowait())
            try:
                await self._follow_heard(raw)
            except Exception:  # these outcomes are lost here; the next re-reads the state
                _log.exception("ACD relay: %d outcome(s) could not be followed", len(raw))

    async def _follow_heard(self, raw: list[bytes]) -> None:
        assert self._target is not None
        if self._leading():
            return  # decided here: this node's listeners were told at the commit
        outcomes: list[Outcome] = []
        for one in raw:
            try:
                message = json.loads(one)
                if message["node"] != self._node:
                    outcomes.append(decode_outcome(message["events"]))
            except (ValueError, KeyError, TypeError) as exc:
                _log.warning(
                    "ACD relay: a message on %s is not an outcome (%s); skipped", OUTCOMES_CHANNEL, exc
                )
        if outcomes:
            await self._target.follow(outcomes)

    async def _beat(self) -> None:
        while True:
            try:
                await self._heartbeat()
                if self._leading():
                    await self._sweep()
            except (RedisError, OSError) as exc:
                _log.warning("ACD relay: heartbeat failed (%s)", exc)
            except Exception:  # the database, for a dead node's calls: tried again next second
                _log.exception("ACD relay: the sweep of dead nodes failed")
            await asyncio.sleep(HEARTBEAT_S)

    async def _heartbeat(self) -> None:
        assert self._target is not None
        calls = sorted(self._target.live_calls())
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.set(f"c122:node:{self._node}", "1", px=int(self._ttl * 1000))
            pipe.set(f"c122:node:{self._node}:calls", json.dumps(calls))
            if self._desks is not None:
                pipe.set(self._desks_key, self._desks_listing(self._desks), px=int(self._ttl * 1000))
            pipe.sadd(NODES_KEY, self._node)
            await pipe.execute()
        await self._read_others()

    async def _read_others(self) -> None:
        """The other live nodes' calls and the desks they hold, from their heartbeats."""
        others: dict[str, set[str]] = {}
        elsewhere: dict[int, tuple[str, str, int]] = {}
        for raw_id in cast(set[bytes], await self._client.smembers(NODES_KEY)):
            node = raw_id.decode()
            if node == self._node:
                continue
            if await self._client.exists(f"c122:node:{node}"):
                listed = await self._client.get(f"c122:node:{node}:calls")
                others[node] = set(json.loads(listed)) if listed else set()
                desks = await self._client.get(f"c122:node:{node}:desks")
                if desks:
                    held = json.loads(desks)
                    for operator in held["operators"]:
                        elsewhere[int(operator)] = (node, str(held["host"]), int(held["port"]))
        self._others = others
        self._desks_elsewhere = elsewhere

    async def _sweep(self) -> None:
        """The leader ends what dead nodes carried: their heartbeat expired, their calls are gone."""
        assert self._target is not None
        for raw_id in cast(set[bytes], await self._client.smembers(NODES_KEY)):
            node = raw_id.decode()
            if node == self._node or await self._client.exists(f"c122:node:{node}"):
                continue
            listed = await self._client.get(f"c122:node:{node}:calls")
            calls = set(json.loads(listed)) if listed else set()
            calls |= {call for call, origin in self._origins.items() if origin == node}
            _log.warning("ACD relay: node %s is gone; ending the %d call(s) it carried", node, len(calls))
            await self._target.on_node_lost(node, calls)
            for call in calls:
                self._origins.pop(call, None)
            await self._client.delete(f"c122:node:{node}:calls")
            await self._client.srem(NODES_KEY, node)

    async def _push(self, raw: str) -> None:
        with contextlib.suppress(RedisError, OSError):
            await self._client.rpush(COMMANDS_KEY, raw)

    def _spawn(self, job: Awaitable[None]) -> None:
        task = asyncio.ensure_future(job)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
