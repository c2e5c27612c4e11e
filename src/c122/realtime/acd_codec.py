"""The ACD's outcomes and refusals as JSON, for the command relay between nodes (`acd_relay.py`).

Domain events are flat frozen dataclasses of plain values (an offer, an enum at most), so each is
written as its class name and fields and read back through the fields' declared types.
"""

from __future__ import annotations

import enum
import types
import typing
from dataclasses import asdict, fields, is_dataclass
from functools import cache
from typing import Any

from c122.domain import errors as domain_errors
from c122.domain.acd import Outcome
from c122.domain.acd import errors as acd_errors
from c122.domain.acd import events as acd_events
from c122.domain.errors import Conflict, DomainError, Unavailable

_EVENTS: dict[str, type] = {cls.__name__: cls for cls in typing.get_args(acd_events.DomainEvent)}
_ERRORS: dict[str, type[DomainError]] = {
    name: cls
    for module in (domain_errors, acd_errors)
    for name, cls in vars(module).items()
    if isinstance(cls, type) and issubclass(cls, DomainError)
}


def encode_outcome(outcome: Outcome) -> list[dict[str, Any]]:
    # Enums here are StrEnums: JSON writes them as their values.
    return [{"type": type(event).__name__, "fields": asdict(event)} for event in outcome.events]


def decode_outcome(raw: list[dict[str, Any]]) -> Outcome:
    return Outcome(events=tuple(_decode(_EVENTS[item["type"]], item["fields"]) for item in raw))


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _decode(kind: Any, value: Any) -> Any:
    if value is None:
        return None
    if typing.get_origin(kind) in (typing.Union, types.UnionType):
        options = [k for k in typing.get_args(kind) if k is not type(None)]
        return _decode(options[0], value)
    if isinstance(kind, type) and is_dataclass(kind):
        hints = _hints(kind)
        return kind(
            **{f.name: _decode(hints[f.name], value[f.name]) for f in fields(kind) if f.name in value}
        )
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return kind(value)
    return value


def encode_error(error: DomainError) -> dict[str, Any]:
    encoded: dict[str, Any] = {"class": type(error).__name__, "code": error.code, "message": error.message}
    if isinstance(error, Unavailable):
        encoded["retry_after"] = error.retry_after
    return encoded


def decode_error(raw: dict[str, Any]) -> DomainError:
    """The leader's refusal as the same exception class (callers catch IllegalTransition and such)."""
    cls = _ERRORS.get(str(raw.get("class")), Conflict)
    message, code = str(raw.get("message", "")), str(raw.get("code", "domain_error"))
    if issubclass(cls, Unavailable):
        return cls(message, retry_after=int(raw.get("retry_after", 2)), code=code)
    try:
        return cls(message, code=code)
    except TypeError:  # an error class with other arguments: its code and message still arrive
        return Conflict(message, code=code)
