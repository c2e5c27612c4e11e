"""IVR flow nodes and the flow itself: immutable data an administrator edits; one version per save."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum

from c122.domain.ivr.schedule import Schedule


class NodeType(StrEnum):
    PLAY = "play"
    MENU = "menu"
    COLLECT = "collect"
    SCHEDULE = "schedule"
    SET_CASE_TYPE = "set_case_type"
    ENQUEUE = "enqueue"
    TRANSFER = "transfer"
    HANG_UP = "hang_up"
    CALLBACK_OFFER = "callback_offer"


@dataclass(frozen=True, slots=True)
class PlayNode:
    """Plays a prompt to the end (keys pressed meanwhile are ignored), then goes to `next`."""

    prompt: str
    next: str
    type: NodeType = NodeType.PLAY


@dataclass(frozen=True, slots=True)
class MenuNode:
    """Plays the prompt (a key interrupts it) and waits `timeout_s` for one key of `branches`.

    Keys of `branches` are single DTMF keys. A wrong key or silence counts one retry and repeats the
    prompt (after `invalid_prompt` or `timeout_prompt` when given); once `max_retries` repeats are used
    up the caller goes to `fallback`.
    """

    prompt: str
    branches: Mapping[str, str]
    fallback: str
    timeout_s: float = 5.0
    max_retries: int = 2
    invalid_prompt: str | None = None
    timeout_prompt: str | None = None
    type: NodeType = NodeType.MENU


@dataclass(frozen=True, slots=True)
class CollectNode:
    """Collects `min_length`..`max_length` digits into `variable`; `terminator` ends the input early.

    `timeout_s` is also the wait between keys: silence after at least `min_length` digits completes the
    input, silence before counts a retry like in a menu.
    """

    prompt: str
    variable: str
    next: str
    fallback: str
    min_length: int = 1
    max_length: int = 16
    terminator: str | None = "#"
    timeout_s: float = 7.0
    max_retries: int = 2
    invalid_prompt: str | None = None
    type: NodeType = NodeType.COLLECT


@dataclass(frozen=True, slots=True)
class ScheduleNode:
    """Working hours branch: `open` within the hours, else `holiday` on a holiday (when set) or `closed`."""

    schedule: Schedule
    open: str
    closed: str
    holiday: str | None = None
    type: NodeType = NodeType.SCHEDULE


@dataclass(frozen=True, slots=True)
class SetCaseTypeNode:
    case_type: int
    next: str
    type: NodeType = NodeType.SET_CASE_TYPE


@dataclass(frozen=True, slots=True)
class EnqueueNode:
    queue: str
    priority: int = 0
    type: NodeType = NodeType.ENQUEUE


@dataclass(frozen=True, slots=True)
class TransferNode:
    """Transfers to an external number, stored as E.164."""

    number: str
    type: NodeType = NodeType.TRANSFER


@dataclass(frozen=True, slots=True)
class HangUpNode:
    """Hangs up, after playing `prompt` to the end when one is given."""

    prompt: str | None = None
    type: NodeType = NodeType.HANG_UP


@dataclass(frozen=True, slots=True)
class CallbackOfferNode:
    """Offers a callback: the prompt plays (a key interrupts it) and `accept_key` within `timeout_s`
    files a callback request in `queue`'s abandoned-calls list with `priority`, plays `confirm_prompt`
    when given and ends the call. Any other key, or silence, goes to `declined`."""

    prompt: str
    queue: str
    declined: str
    accept_key: str = "1"
    priority: int = 0
    timeout_s: float = 5.0
    confirm_prompt: str | None = None
    type: NodeType = NodeType.CALLBACK_OFFER


Node = (
    PlayNode
    | MenuNode
    | CollectNode
    | ScheduleNode
    | SetCaseTypeNode
    | EnqueueNode
    | TransferNode
    | HangUpNode
    | CallbackOfferNode
)

TERMINAL_TYPES = frozenset({NodeType.ENQUEUE, NodeType.TRANSFER, NodeType.HANG_UP, NodeType.CALLBACK_OFFER})
"""Nodes that may end the flow (a callback offer ends it when accepted)."""
INPUT_TYPES = frozenset({NodeType.MENU, NodeType.COLLECT, NodeType.CALLBACK_OFFER})
"""Nodes that wait for the caller's keys or for a timeout; any other node moves on by itself."""


def edges(node: Node) -> tuple[tuple[str, str], ...]:
    """(field path inside the node, target node id) for every way out of the node."""
    match node:
        case PlayNode(next=target) | SetCaseTypeNode(next=target):
            return (("next", target),)
        case MenuNode():
            branches = tuple((f"branches.{key}", target) for key, target in node.branches.items())
            return (*branches, ("fallback", node.fallback))
        case CollectNode():
            return (("next", node.next), ("fallback", node.fallback))
        case CallbackOfferNode():
            return (("declined", node.declined),)
        case ScheduleNode():
            holiday = (("holiday", node.holiday),) if node.holiday is not None else ()
            return (("open", node.open), ("closed", node.closed), *holiday)
        case _:
            return ()


def prompts(node: Node) -> tuple[tuple[str, str], ...]:
    """(field path inside the node, prompt id) for every prompt the node plays."""
    fields = ("prompt", "invalid_prompt", "timeout_prompt", "confirm_prompt")
    found = ((name, getattr(node, name, None)) for name in fields)
    return tuple((name, prompt) for name, prompt in found if isinstance(prompt, str))


@dataclass(frozen=True, slots=True)
class Flow:
    """A versioned IVR flow: `entry` is the first node; `timezone` is the hotline's IANA zone (schedules)."""

    name: str
    version: int
    entry: str
    timezone: str
    nodes: Mapping[str, Node]

    def revised(self, *, entry: str, nodes: Mapping[str, Node], name: str | None = None) -> Flow:
        """The next version; calls already in the flow keep the version they started with."""
        return replace(
            self, name=self.name if name is None else name, entry=entry, nodes=nodes, version=self.version + 1
        )
