"""The ACD's dynamic records as JSON values and back: one row per operator, call and callback entry."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import fields, is_dataclass
from enum import Enum
from typing import Any, TypeVar

from c122.domain.acd import (
    AcdSnapshot,
    CallbackEntry,
    CallbackStatus,
    ChatItem,
    ConnectedCall,
    HistorySnapshot,
    OperatorState,
    OperatorStatus,
    Pending,
    Placement,
    Trigger,
    WaitingCall,
)

R = TypeVar("R")


def encode(value: Any) -> Any:
    """Plain JSON: dataclasses become objects, sets sorted lists, tuples lists, enums their values."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: encode(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, frozenset | set):
        return sorted(encode(item) for item in value)
    if isinstance(value, tuple | list):
        return [encode(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): encode(item) for key, item in value.items()}
    return value


def _build(
    cls: Callable[..., R], data: Mapping[str, Any], converters: Mapping[str, Callable[[Any], Any]]
) -> R:
    return cls(**{key: converters[key](value) if key in converters else value for key, value in data.items()})


def _pending(data: Any) -> Pending | None:
    return None if data is None else _build(Pending, data, {"trigger": Trigger})


def decode_operator(data: Mapping[str, Any]) -> OperatorState:
    return _build(OperatorState, data, {"status": OperatorStatus, "pending": _pending})


def _exclusions(data: Any) -> tuple[tuple[str, float], ...]:
    return tuple((str(operator_id), float(until)) for operator_id, until in data)


def decode_waiting(data: Mapping[str, Any]) -> WaitingCall:
    """Rows written before missed-offer exclusions existed have no `excluded`: the default applies."""
    converters: dict[str, Callable[[Any], Any]] = {
        "placement": Placement,
        "required_skills": frozenset,
        "offered_to": frozenset,
        "declined_by": frozenset,
        "excluded": _exclusions,
    }
    return _build(WaitingCall, data, converters)


def decode_connected(data: Mapping[str, Any]) -> ConnectedCall:
    return _build(ConnectedCall, data, {})


def decode_callback(data: Mapping[str, Any]) -> CallbackEntry:
    return _build(CallbackEntry, data, {"status": CallbackStatus})


def decode_chat(data: Mapping[str, Any]) -> ChatItem:
    return _build(ChatItem, data, {"required_skills": frozenset, "excluded": _exclusions})


def encode_meta(snapshot: AcdSnapshot) -> dict[str, Any]:
    """What is not a per-record row: round-robin cursors, queue history, group blocks, counters."""
    return {
        "round_robin_cursors": encode(snapshot.round_robin_cursors),
        "history": encode(snapshot.history),
        "blocked_groups": dict(snapshot.blocked_groups),
        "seq": snapshot.seq,
        "move_seq": snapshot.move_seq,
    }


def same_meta(a: AcdSnapshot, b: AcdSnapshot) -> bool:
    """Whether the meta row would be the same; compares values without encoding them."""
    return (
        a.seq == b.seq
        and a.move_seq == b.move_seq
        and a.round_robin_cursors == b.round_robin_cursors
        and a.blocked_groups == b.blocked_groups
        and a.history == b.history
    )


def decode_snapshot(records: Mapping[str, list[Mapping[str, Any]]], meta: Mapping[str, Any]) -> AcdSnapshot:
    return AcdSnapshot(
        operators=tuple(decode_operator(d) for d in records.get(OPERATOR, [])),
        waiting=tuple(decode_waiting(d) for d in records.get(WAITING, [])),
        connected=tuple(decode_connected(d) for d in records.get(CONNECTED, [])),
        callbacks=tuple(decode_callback(d) for d in records.get(CALLBACK, [])),
        chats=tuple(decode_chat(d) for d in records.get(CHAT, [])),
        round_robin_cursors={
            q: (int(c[0]), str(c[1])) for q, c in meta.get("round_robin_cursors", {}).items()
        },
        history={
            q: HistorySnapshot(tuple(h["talk_s"]), tuple(h["wrap_s"]), tuple(h["answered"]))
            for q, h in meta.get("history", {}).items()
        },
        blocked_groups=dict(meta.get("blocked_groups", {})),
        seq=int(meta.get("seq", 0)),
        move_seq=int(meta.get("move_seq", 0)),
    )


OPERATOR = "operator"
WAITING = "waiting"
CONNECTED = "connected"
CALLBACK = "callback"
CHAT = "chat"


def records_by_kind(snapshot: AcdSnapshot) -> dict[str, dict[str, object]]:
    """Each kind's records keyed by id; the store compares them by identity to find what changed."""
    return {
        OPERATOR: {r.operator_id: r for r in snapshot.operators},
        WAITING: {r.call_id: r for r in snapshot.waiting},
        CONNECTED: {r.call_id: r for r in snapshot.connected},
        CALLBACK: {r.entry_id: r for r in snapshot.callbacks},
        CHAT: {r.call_id: r for r in snapshot.chats},
    }
