"""The ACD's commands as data: a name and plain arguments, so a follower node can send them to the
leader (docs/architecture.md, "Several nodes") and the leader decides them exactly as its own.

`apply` is the only place a named command meets the domain; every mutating use case of
`ContactCenter` goes through it, on one node or several.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from c122.domain.acd import Acd, CompletedBy, IllegalTransition, OperatorStatus, Outcome, SeniorScope

Args = Mapping[str, Any]


@dataclass(frozen=True)
class AcdCommand:
    """One decision asked of the ACD. `id` makes a forwarded command idempotent: the leader decides
    an id once, a repeat gets the first answer."""

    name: str
    args: Args = field(default_factory=dict)
    id: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def call_id(self) -> str | None:
        """The call the command is about (whose node carries out what is decided)."""
        value = self.args.get("call_id")
        return value if isinstance(value, str) else None


def scope_args(scope: SeniorScope) -> dict[str, Any]:
    return {"senior": scope.senior_id, "groups": sorted(scope.groups)}


def _scope(args: Args) -> SeniorScope:
    return SeniorScope(str(args["senior"]), frozenset(str(g) for g in args["groups"]))


def _set_state(acd: Acd, now: float, a: Args) -> Outcome:
    op, desired = str(a["op"]), a["desired"]
    status = acd.state.operator(op).status
    if desired == "ready":
        return acd.login(op, now) if status is OperatorStatus.OFFLINE else acd.ready(op, now)
    if desired == "on_break":
        return acd.take_break(op, a.get("reason") or "break", now, a.get("note", ""))
    return acd.logout(op, now)


def _end_shift(acd: Acd, now: float, a: Args) -> Outcome:
    op = str(a["op"])
    if op not in acd.state.operators or acd.state.operator(op).status is OperatorStatus.OFFLINE:
        return Outcome(events=())
    if not a["forced"]:
        try:
            return acd.logout(op, now)  # during a call it is kept and applied after wrap-up
        except IllegalTransition:
            pass  # ringing: the offer must go to someone else
    system = SeniorScope(
        "system", frozenset(acd.state.policies) | {p.group_id for p in acd.state.profiles.values()}
    )
    return acd.senior.force_logout(system, op, str(a["note"]), now)


def _drop_gone(acd: Acd, now: float, a: Args) -> Outcome:
    held = [c for c in a["call_ids"] if acd.holds(c)]
    return acd.drop_gone(held, now) if held else Outcome(events=())


_Apply = Callable[[Acd, float, Args], Outcome]

COMMANDS: dict[str, _Apply] = {
    "set_state": _set_state,
    "end_shift": _end_shift,
    "accept": lambda acd, now, a: acd.accept(str(a["op"]), a["call_id"], now),
    "reject": lambda acd, now, a: acd.reject(str(a["op"]), a["call_id"], now),
    "dial": lambda acd, now, a: acd.dial(str(a["op"]), a["call_id"], now),
    "enqueue": lambda acd, now, a: acd.enqueue(
        a["call_id"],
        str(a["queue_id"]),
        a["caller"],
        now,
        priority=int(a.get("priority", 0)),
        skills=frozenset(a.get("skills", ())),
    ),
    "hang_up": lambda acd, now, a: acd.hang_up(a["call_id"], CompletedBy(a["by"]), now),
    "request_callback": lambda acd, now, a: acd.request_callback(a["call_id"], now),
    "request_callback_from_menu": lambda acd, now, a: acd.request_callback_from_menu(
        a["call_id"], str(a["queue_id"]), a["caller"], now, priority=int(a["priority"])
    ),
    "take_callback": lambda acd, now, a: acd.take_callback(str(a["op"]), a["entry_id"], now),
    "transfer": lambda acd, now, a: acd.transfer(a["call_id"], str(a["to_queue_id"]), now),
    "enqueue_chat": lambda acd, now, a: acd.enqueue_chat(
        a["call_id"], str(a["queue_id"]), a["caller"], a["channel"], now, priority=int(a["priority"])
    ),
    "accept_chat": lambda acd, now, a: acd.accept_chat(str(a["op"]), a["call_id"], now),
    "decline_chat": lambda acd, now, a: acd.decline_chat(str(a["op"]), a["call_id"], now),
    "end_chat": lambda acd, now, a: acd.end_chat(a["call_id"], now),
    "drop_gone": _drop_gone,
    "block_operator": lambda acd, now, a: acd.senior.block_operator(_scope(a), str(a["op"]), a["note"], now),
    "unblock_operator": lambda acd, now, a: acd.senior.unblock_operator(_scope(a), str(a["op"]), now),
    "block_group": lambda acd, now, a: acd.senior.block_group(_scope(a), str(a["group_id"]), a["note"], now),
    "unblock_group": lambda acd, now, a: acd.senior.unblock_group(_scope(a), str(a["group_id"]), now),
    "move_to_head": lambda acd, now, a: acd.senior.move_to_head(_scope(a), a["call_id"], now),
    "move_to_tail": lambda acd, now, a: acd.senior.move_to_tail(_scope(a), a["call_id"], now),
    "remove": lambda acd, now, a: acd.senior.remove(
        _scope(a), a["call_id"], now, destination=a.get("destination"), note=a.get("note", "")
    ),
}


class UnknownCommand(ValueError):
    pass


def apply(acd: Acd, now: float, command: AcdCommand) -> Outcome:
    decide = COMMANDS.get(command.name)
    if decide is None:
        raise UnknownCommand(f"no ACD command named {command.name!r}")
    return decide(acd, now, command.args)


class CommandRelay(Protocol):
    """Where a node that does not lead sends the ACD's commands (`realtime/acd_relay.py` over Redis).

    `leading` False: `forward` returns the leader's outcome once it is stored, or raises the leader's
    refusal (the same DomainError), or `Unavailable` when no leader answers in time."""

    @property
    def leading(self) -> bool: ...

    async def forward(self, command: AcdCommand) -> Outcome: ...

    def touch(self, operator_id: int) -> None:
        """Desktop activity, sent without waiting for an answer."""
        ...

    def carried_elsewhere(self, call_id: str) -> bool:
        """Whether another live node carries this call (its media and SIP are there)."""
        ...

    def to_call_node(self, call_id: str, operator_id: int, action: str, queue_id: int | None) -> None:
        """An operator's desk action (hang up, hold, unhold, transfer to a queue) on a call another
        node carries, sent without waiting: that node's call flow carries it out."""
        ...
