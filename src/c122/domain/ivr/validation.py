"""Save-time rules of an IVR flow. Each problem names the node by its path (`nodes.main_menu.branches.1`);
messages are Russian because administrators read them in the web console."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from c122.domain.errors import FieldProblem, InvalidFields
from c122.domain.ivr.nodes import (
    INPUT_TYPES,
    TERMINAL_TYPES,
    CallbackOfferNode,
    CollectNode,
    EnqueueNode,
    Flow,
    MenuNode,
    Node,
    ScheduleNode,
    SetCaseTypeNode,
    TransferNode,
    edges,
    prompts,
)
from c122.domain.ivr.schedule import WEEKDAYS, Interval
from c122.domain.phones import InvalidPhone, normalize_phone

NODE_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
VARIABLE = NODE_ID
DTMF_KEYS = frozenset("0123456789*#")
TERMINATORS = frozenset("*#")
MAX_NODES = 200
MAX_NAME = 200
MAX_RETRIES = 10
TIMEOUT_RANGE_S = (1.0, 60.0)
MAX_DIGITS = 32
PRIORITY_RANGE = (0, 100)


def check_flow(
    flow: Flow,
    *,
    known_prompts: Collection[str],
    known_queues: Collection[str] | None = None,
    known_case_types: Collection[int] | None = None,
) -> None:
    """Raises InvalidFields with every problem when the flow cannot be saved."""
    problems = validate_flow(
        flow, known_prompts=known_prompts, known_queues=known_queues, known_case_types=known_case_types
    )
    if problems:
        raise InvalidFields(problems)


def validate_flow(
    flow: Flow,
    *,
    known_prompts: Collection[str],
    known_queues: Collection[str] | None = None,
    known_case_types: Collection[int] | None = None,
) -> list[FieldProblem]:
    """Every problem of the flow; empty when it can be saved. None for queues or case types: not checked."""
    problems = _flow_fields(flow)
    for node_id, node in flow.nodes.items():
        path = f"nodes.{node_id}"
        if not NODE_ID.match(node_id):
            problems.append(
                FieldProblem(path, "invalid_id", "код узла: латинская буква, затем буквы, цифры, _")
            )
        for field, prompt in prompts(node):
            if prompt not in known_prompts:
                problems.append(FieldProblem(f"{path}.{field}", "unknown_prompt", f"нет фразы «{prompt}»"))
        for field, target in edges(node):
            if target not in flow.nodes:
                problems.append(FieldProblem(f"{path}.{field}", "unknown_node", f"нет узла «{target}»"))
        problems.extend(_node_fields(node, path, known_queues, known_case_types))
    if flow.entry in flow.nodes:
        problems.extend(_graph_problems(flow))
    return problems


def _flow_fields(flow: Flow) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    if not flow.name.strip():
        problems.append(FieldProblem("name", "required", "укажите название схемы"))
    elif len(flow.name) > MAX_NAME:
        problems.append(FieldProblem("name", "too_long", f"не длиннее {MAX_NAME} символов"))
    if flow.version < 1:
        problems.append(FieldProblem("version", "invalid", "версия начинается с 1"))
    if not _zone_exists(flow.timezone):
        problems.append(FieldProblem("timezone", "unknown_timezone", f"нет часового пояса «{flow.timezone}»"))
    if not flow.nodes:
        problems.append(FieldProblem("nodes", "required", "в схеме нет ни одного узла"))
    elif len(flow.nodes) > MAX_NODES:
        problems.append(FieldProblem("nodes", "too_many", f"не более {MAX_NODES} узлов"))
    if flow.nodes and flow.entry not in flow.nodes:
        problems.append(FieldProblem("entry", "unknown_node", f"нет узла «{flow.entry}»"))
    return problems


def _zone_exists(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _node_fields(
    node: Node, path: str, queues: Collection[str] | None, case_types: Collection[int] | None
) -> list[FieldProblem]:
    match node:
        case MenuNode():
            return _menu_fields(node, path)
        case CollectNode():
            return _collect_fields(node, path)
        case ScheduleNode():
            return _schedule_fields(node, path)
        case SetCaseTypeNode(case_type=case_type):
            if case_types is not None and case_type not in case_types:
                return [
                    FieldProblem(f"{path}.case_type", "unknown_case_type", f"нет типа обращения {case_type}")
                ]
        case EnqueueNode(queue=queue, priority=priority):
            return _queue_fields(queue, priority, path, queues)
        case CallbackOfferNode():
            return _callback_offer_fields(node, path, queues)
        case TransferNode(number=number):
            return _number_fields(number, path)
    return []


def _queue_fields(queue: str, priority: int, path: str, queues: Collection[str] | None) -> list[FieldProblem]:
    found: list[FieldProblem] = []
    if queues is not None and queue not in queues:
        found.append(FieldProblem(f"{path}.queue", "unknown_queue", f"нет очереди «{queue}»"))
    if not PRIORITY_RANGE[0] <= priority <= PRIORITY_RANGE[1]:
        found.append(FieldProblem(f"{path}.priority", "out_of_range", "приоритет от 0 до 100"))
    return found


def _callback_offer_fields(
    node: CallbackOfferNode, path: str, queues: Collection[str] | None
) -> list[FieldProblem]:
    found = _queue_fields(node.queue, node.priority, path, queues)
    found.extend(p for p in _retry_fields(node.timeout_s, 0, path) if not p.path.endswith("max_retries"))
    if node.accept_key not in DTMF_KEYS:
        found.append(
            FieldProblem(f"{path}.accept_key", "bad_digit", "клавиша согласия: одна из 0–9, * или #")
        )
    return found


def _number_fields(number: str, path: str) -> list[FieldProblem]:
    try:
        normalized = normalize_phone(number)
    except InvalidPhone as error:
        return [FieldProblem(f"{path}.number", "invalid_phone", str(error))]
    if normalized != number:
        return [FieldProblem(f"{path}.number", "not_e164", f"храните номер в виде {normalized}")]
    return []


def _retry_fields(timeout_s: float, max_retries: int, path: str) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    low, high = TIMEOUT_RANGE_S
    if not low <= timeout_s <= high:
        problems.append(
            FieldProblem(f"{path}.timeout_s", "out_of_range", f"ожидание от {low:g} до {high:g} с")
        )
    if not 0 <= max_retries <= MAX_RETRIES:
        problems.append(
            FieldProblem(f"{path}.max_retries", "out_of_range", f"повторов от 0 до {MAX_RETRIES}")
        )
    return problems


def _menu_fields(node: MenuNode, path: str) -> list[FieldProblem]:
    problems = _retry_fields(node.timeout_s, node.max_retries, path)
    if not node.branches:
        problems.append(FieldProblem(f"{path}.branches", "required", "в меню нет ни одного пункта"))
    for key in node.branches:
        if key not in DTMF_KEYS:
            problems.append(
                FieldProblem(f"{path}.branches.{key}", "bad_digit", "пункт меню: одна клавиша 0–9, * или #")
            )
    return problems


def _collect_fields(node: CollectNode, path: str) -> list[FieldProblem]:
    problems = _retry_fields(node.timeout_s, node.max_retries, path)
    if not VARIABLE.match(node.variable):
        problems.append(FieldProblem(f"{path}.variable", "invalid_id", "имя переменной: латиница, цифры, _"))
    if not 1 <= node.min_length <= MAX_DIGITS:
        problems.append(FieldProblem(f"{path}.min_length", "out_of_range", f"от 1 до {MAX_DIGITS} цифр"))
    if not 1 <= node.max_length <= MAX_DIGITS:
        problems.append(FieldProblem(f"{path}.max_length", "out_of_range", f"от 1 до {MAX_DIGITS} цифр"))
    elif node.max_length < node.min_length:
        problems.append(FieldProblem(f"{path}.max_length", "less_than_min", "не меньше минимальной длины"))
    if node.terminator is not None and node.terminator not in TERMINATORS:
        problems.append(FieldProblem(f"{path}.terminator", "bad_digit", "завершающая клавиша: * или #"))
    return problems


def _schedule_fields(node: ScheduleNode, path: str) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    for day, hours in node.schedule.weekly.items():
        problems.extend(_interval_fields(hours, f"{path}.schedule.weekly.{WEEKDAYS[day]}"))
    seen: set[object] = set()
    for index, holiday in enumerate(node.schedule.holidays):
        if holiday.day in seen:
            problems.append(
                FieldProblem(f"{path}.schedule.holidays.{index}.date", "duplicate", "эта дата уже в списке")
            )
        seen.add(holiday.day)
        problems.extend(_interval_fields(holiday.hours, f"{path}.schedule.holidays.{index}.hours"))
    return problems


def _interval_fields(hours: tuple[Interval, ...], path: str) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    for index, interval in enumerate(hours):
        if not 0 <= interval.start < interval.end <= 24 * 60:
            problems.append(FieldProblem(f"{path}.{index}", "empty_interval", "начало раньше конца"))
    ordered = sorted(hours)
    for earlier, later in pairwise(ordered):
        if later.start < earlier.end:
            problems.append(FieldProblem(path, "overlap", "интервалы пересекаются"))
            break
    return problems


def _graph_problems(flow: Flow) -> list[FieldProblem]:
    order = _reachable(flow, flow.entry)
    reachable = set(order)
    problems = [
        FieldProblem(f"nodes.{node_id}", "unreachable", "в узел нельзя попасть из начала схемы")
        for node_id in flow.nodes
        if node_id not in reachable
    ]
    problems.extend(_silent_loops(flow, order))
    can_end = _can_end(flow)
    problems.extend(
        FieldProblem(f"nodes.{node_id}", "no_end", "из узла нет пути к очереди, переводу или отбою")
        for node_id in flow.nodes
        if node_id in reachable and node_id not in can_end
    )
    return problems


def _targets(flow: Flow, node_id: str) -> Iterator[tuple[str, str]]:
    for field, target in edges(flow.nodes[node_id]):
        if target in flow.nodes:
            yield field, target


def _reachable(flow: Flow, start: str) -> list[str]:
    """Nodes reachable from `start`, nearest first, so loops are reported at the edge that goes back."""
    seen = {start}
    order = [start]
    for node_id in order:
        for _, target in _targets(flow, node_id):
            if target not in seen:
                seen.add(target)
                order.append(target)
    return order


def _can_end(flow: Flow) -> set[str]:
    """Nodes from which some path reaches a terminal node."""
    done = {node_id for node_id, node in flow.nodes.items() if node.type in TERMINAL_TYPES}
    changed = True
    while changed:
        changed = False
        for node_id in flow.nodes:
            if node_id not in done and any(target in done for _, target in _targets(flow, node_id)):
                done.add(node_id)
                changed = True
    return done


def _silent_loops(flow: Flow, reachable: list[str]) -> list[FieldProblem]:
    """Cycles through nodes that neither wait for keys nor time out: the caller would loop for ever."""

    def silent(node_id: str) -> bool:
        return flow.nodes[node_id].type not in INPUT_TYPES

    problems: list[FieldProblem] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: finished
    for root in (n for n in reachable if silent(n)):
        if root in state:
            continue
        path = [root]
        stack = [(root, iter(list(_targets(flow, root))))]
        state[root] = 1
        while stack:
            node_id, targets = stack[-1]
            step = next(targets, None)
            if step is None:
                state[node_id] = 2
                stack.pop()
                path.pop()
                continue
            field, target = step
            if not silent(target):
                continue
            if state.get(target) == 1:
                loop = [*path[path.index(target) :], target]
                problems.append(
                    FieldProblem(
                        f"nodes.{node_id}.{field}",
                        "loop_without_input",
                        "цикл без ввода: " + " → ".join(loop),
                    )
                )
            elif target not in state:
                state[target] = 1
                path.append(target)
                stack.append((target, iter(list(_targets(flow, target)))))
    return problems
