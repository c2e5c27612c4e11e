"""IVR flows to and from JSON-able dicts (the API and storage form). Reading refuses a malformed document
with every problem named by its path (`nodes.main_menu.timeout_s`); the graph rules are in validation."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import fields
from datetime import date
from typing import Any, TypeVar

from c122.domain.errors import FieldProblem, InvalidFields
from c122.domain.ivr.nodes import (
    CallbackOfferNode,
    CollectNode,
    EnqueueNode,
    Flow,
    HangUpNode,
    MenuNode,
    Node,
    NodeType,
    PlayNode,
    ScheduleNode,
    SetCaseTypeNode,
    TransferNode,
)
from c122.domain.ivr.schedule import WEEKDAYS, Holiday, Interval, Schedule, format_clock, parse_clock
from c122.domain.phones import InvalidPhone, normalize_phone

T = TypeVar("T")


class _Reader:
    """Reads typed fields out of plain dicts, noting a problem (and returning None) for each bad one."""

    def __init__(self) -> None:
        self.problems: list[FieldProblem] = []

    def fail(self, path: str, code: str, message: str) -> None:
        self.problems.append(FieldProblem(path, code, message))

    def obj(self, value: Any, path: str) -> Mapping[str, Any] | None:
        if isinstance(value, Mapping):
            return value
        self.fail(path, "not_object", "ожидается объект")
        return None

    def field(
        self,
        data: Mapping[str, Any],
        key: str,
        path: str,
        kind: Callable[[Any], T | None],
        *,
        what: str,
        default: Any = ...,
        nullable: bool = False,
    ) -> T | None:
        """`default` (Ellipsis: required) when absent; None for an explicit null where `nullable`."""
        full = f"{path}.{key}" if path else key
        if key not in data:
            if default is ...:
                self.fail(full, "required", "поле обязательно")
                return None
            return default  # type: ignore[no-any-return]
        if data[key] is None and (nullable or default is None):
            return None
        value = kind(data[key])
        if value is None:
            self.fail(full, "invalid_type", f"ожидается {what}")
        return value


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _integer(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _branches(value: Any) -> dict[str, str] | None:
    if not isinstance(value, Mapping) or not all(isinstance(v, str) for v in value.values()):
        return None
    return {str(k): v for k, v in value.items()}


def flow_from_dict(data: Any) -> Flow:
    """The flow in `data`, or InvalidFields naming each malformed field."""
    reader = _Reader()
    top = reader.obj(data, "")
    if top is None:
        raise InvalidFields(reader.problems)
    name = reader.field(top, "name", "", _text, what="строка")
    version = reader.field(top, "version", "", _integer, default=1, what="целое число")
    entry = reader.field(top, "entry", "", _text, what="код узла")
    timezone = reader.field(top, "timezone", "", _text, default="Europe/Moscow", what="часовой пояс")
    raw_nodes = reader.field(top, "nodes", "", lambda v: v if isinstance(v, Mapping) else None, what="объект")
    nodes: dict[str, Node] = {}
    for node_id, raw in (raw_nodes or {}).items():
        node = _node(reader, raw, f"nodes.{node_id}")
        if node is not None:
            nodes[str(node_id)] = node
    if reader.problems:
        raise InvalidFields(reader.problems)
    return Flow(
        name=name or "",
        version=1 if version is None else version,
        entry=entry or "",
        timezone=timezone or "Europe/Moscow",
        nodes=nodes,
    )


def _node(reader: _Reader, raw: Any, path: str) -> Node | None:
    data = reader.obj(raw, path)
    if data is None:
        return None
    kind = data.get("type")
    if not isinstance(kind, str) or kind not in NodeType.__members__.values():
        reader.fail(f"{path}.type", "unknown_type", f"тип узла: {', '.join(t.value for t in NodeType)}")
        return None
    before = len(reader.problems)
    node = _READERS[NodeType(kind)](reader, data, path)
    return node if len(reader.problems) == before else None


def _f(reader: _Reader, data: Mapping[str, Any], path: str) -> Callable[..., Any]:
    """A field reader bound to one node: its kind is the parser of the raw value."""

    def read(
        key: str, kind: Callable[[Any], Any], what: str, default: Any = ..., nullable: bool = False
    ) -> Any:
        return reader.field(data, key, path, kind, default=default, what=what, nullable=nullable)

    return read


def _play(reader: _Reader, data: Mapping[str, Any], path: str) -> Node:
    f = _f(reader, data, path)
    return PlayNode(prompt=f("prompt", _text, "код фразы"), next=f("next", _text, "код узла"))


def _menu(reader: _Reader, data: Mapping[str, Any], path: str) -> Node:
    f = _f(reader, data, path)
    return MenuNode(
        prompt=f("prompt", _text, "код фразы"),
        branches=f("branches", _branches, "объект «клавиша: узел»"),
        fallback=f("fallback", _text, "код узла"),
        timeout_s=f("timeout_s", _number, "число секунд", 5.0),
        max_retries=f("max_retries", _integer, "целое число", 2),
        invalid_prompt=f("invalid_prompt", _text, "код фразы", None),
        timeout_prompt=f("timeout_prompt", _text, "код фразы", None),
    )


def _collect(reader: _Reader, data: Mapping[str, Any], path: str) -> Node:
    f = _f(reader, data, path)
    return CollectNode(
        prompt=f("prompt", _text, "код фразы"),
        variable=f("variable", _text, "имя переменной"),
        next=f("next", _text, "код узла"),
        fallback=f("fallback", _text, "код узла"),
        min_length=f("min_length", _integer, "целое число", 1),
        max_length=f("max_length", _integer, "целое число", 16),
        terminator=f("terminator", _text, "клавиша", "#", nullable=True),
        timeout_s=f("timeout_s", _number, "число секунд", 7.0),
        max_retries=f("max_retries", _integer, "целое число", 2),
        invalid_prompt=f("invalid_prompt", _text, "код фразы", None),
    )


def _schedule_node(reader: _Reader, data: Mapping[str, Any], path: str) -> Node:
    f = _f(reader, data, path)
    raw = reader.obj(data.get("schedule"), f"{path}.schedule")
    schedule = _schedule(reader, raw, f"{path}.schedule") if raw is not None else Schedule()
    return ScheduleNode(
        schedule=schedule,
        open=f("open", _text, "код узла"),
        closed=f("closed", _text, "код узла"),
        holiday=f("holiday", _text, "код узла", None),
    )


def _schedule(reader: _Reader, data: Mapping[str, Any], path: str) -> Schedule:
    weekly: dict[int, tuple[Interval, ...]] = {}
    raw_weekly = reader.obj(data.get("weekly", {}), f"{path}.weekly") or {}
    for key, raw_hours in raw_weekly.items():
        if key not in WEEKDAYS:
            reader.fail(f"{path}.weekly.{key}", "unknown_day", f"день недели: {', '.join(WEEKDAYS)}")
            continue
        weekly[WEEKDAYS.index(key)] = _intervals(reader, raw_hours, f"{path}.weekly.{key}")
    holidays: list[Holiday] = []
    raw_holidays = data.get("holidays", [])
    if not isinstance(raw_holidays, list):
        reader.fail(f"{path}.holidays", "invalid_type", "ожидается список")
        raw_holidays = []
    for index, raw in enumerate(raw_holidays):
        item = reader.obj(raw, f"{path}.holidays.{index}")
        if item is None:
            continue
        try:
            day = date.fromisoformat(str(item.get("date")))
        except ValueError:
            reader.fail(f"{path}.holidays.{index}.date", "invalid_date", "дата в виде ГГГГ-ММ-ДД")
            continue
        hours = _intervals(reader, item.get("hours", []), f"{path}.holidays.{index}.hours")
        holidays.append(Holiday(day, hours))
    return Schedule(weekly=weekly, holidays=tuple(holidays))


def _intervals(reader: _Reader, raw: Any, path: str) -> tuple[Interval, ...]:
    if not isinstance(raw, list):
        reader.fail(path, "invalid_type", "ожидается список интервалов [«ЧЧ:ММ», «ЧЧ:ММ»]")
        return ()
    intervals: list[Interval] = []
    for index, pair in enumerate(raw):
        try:
            start, end = (parse_clock(part) for part in pair)
        except (TypeError, ValueError):
            reader.fail(f"{path}.{index}", "invalid_time", "интервал [«ЧЧ:ММ», «ЧЧ:ММ»], от 00:00 до 24:00")
            continue
        intervals.append(Interval(start, end))
    return tuple(intervals)


def _set_case_type(reader: _Reader, data: Mapping[str, Any], path: str) -> Node:
    f = _f(reader, data, path)
    return SetCaseTypeNode(
        case_type=f("case_type", _integer, "код типа обращения"), next=f("next", _text, "код узла")
    )


def _enqueue(reader: _Reader, data: Mapping[str, Any], path: str) -> Node:
    f = _f(reader, data, path)
    return EnqueueNode(
        queue=f("queue", _text, "код очереди"), priority=f("priority", _integer, "целое число", 0)
    )


def _transfer(reader: _Reader, data: Mapping[str, Any], path: str) -> Node:
    number: str | None = _f(reader, data, path)("number", _text, "номер телефона")
    # Stored as E.164; a number that does not normalise stays as typed for validation to name.
    with suppress(InvalidPhone):
        number = normalize_phone(number) if number is not None else None
    return TransferNode(number=number)  # type: ignore[arg-type]


def _hang_up(reader: _Reader, data: Mapping[str, Any], path: str) -> Node:
    return HangUpNode(prompt=_f(reader, data, path)("prompt", _text, "код фразы", None))


def _callback_offer(reader: _Reader, data: Mapping[str, Any], path: str) -> Node:
    f = _f(reader, data, path)
    return CallbackOfferNode(
        prompt=f("prompt", _text, "код фразы"),
        queue=f("queue", _text, "код очереди"),
        declined=f("declined", _text, "код узла"),
        accept_key=f("accept_key", _text, "клавиша", "1"),
        priority=f("priority", _integer, "целое число", 0),
        timeout_s=f("timeout_s", _number, "число секунд", 5.0),
        confirm_prompt=f("confirm_prompt", _text, "код фразы", None),
    )


_READERS: dict[NodeType, Callable[[_Reader, Mapping[str, Any], str], Node]] = {
    NodeType.PLAY: _play,
    NodeType.MENU: _menu,
    NodeType.COLLECT: _collect,
    NodeType.SCHEDULE: _schedule_node,
    NodeType.SET_CASE_TYPE: _set_case_type,
    NodeType.ENQUEUE: _enqueue,
    NodeType.TRANSFER: _transfer,
    NodeType.HANG_UP: _hang_up,
    NodeType.CALLBACK_OFFER: _callback_offer,
}


def flow_to_dict(flow: Flow) -> dict[str, Any]:
    """The JSON-able form that flow_from_dict reads back to an equal flow."""
    return {
        "name": flow.name,
        "version": flow.version,
        "entry": flow.entry,
        "timezone": flow.timezone,
        "nodes": {node_id: node_to_dict(node) for node_id, node in flow.nodes.items()},
    }


def node_to_dict(node: Node) -> dict[str, Any]:
    out: dict[str, Any] = {"type": node.type.value}
    for name in (f.name for f in fields(node)):
        value = getattr(node, name)
        if name == "type" or (value is None and name != "terminator"):
            continue
        if isinstance(value, Mapping):
            value = dict(value)
        out[name] = _schedule_to_dict(value) if name == "schedule" else value
    return out


def _schedule_to_dict(schedule: Schedule) -> dict[str, Any]:
    return {
        "weekly": {
            WEEKDAYS[day]: _intervals_to_list(hours) for day, hours in sorted(schedule.weekly.items())
        },
        "holidays": [
            {"date": h.day.isoformat(), **({"hours": _intervals_to_list(h.hours)} if h.hours else {})}
            for h in schedule.holidays
        ],
    }


def _intervals_to_list(intervals: tuple[Interval, ...]) -> list[list[str]]:
    return [[format_clock(i.start), format_clock(i.end)] for i in intervals]
