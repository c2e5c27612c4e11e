"""User-defined reports (ADM-03): the declared model of datasets, dimensions and measures, a report's
definition, and the rules a definition must keep. Pure: the SQL compiler lives in persistence/reports.py
and follows the definitions written here (docs/contact-center/reports.md states each one in words).

A report = one dataset + up to three dimensions + one or more measures + filters (a date range of at most
MAX_RANGE_DAYS hotline days, a time-of-day window, weekdays, a multi-select per dimension) + filters on
the figures after aggregation.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Final, Literal, get_args
from zoneinfo import ZoneInfo

from c122.domain.errors import FieldProblem, InvalidFields

Dataset = Literal["calls", "cases", "states", "queue_log", "segments"]
DATASETS: Final[tuple[Dataset, ...]] = get_args(Dataset)
DATASET_TITLES: Final[dict[Dataset, str]] = {
    "calls": "Звонки",
    "cases": "Карточки обращений",
    "states": "Состояния операторов",
    "queue_log": "Журнал очередей",
    "segments": "Участки звонков",
}
DRILLS_TO: Final[dict[Dataset, Literal["calls", "cases"] | None]] = {
    "calls": "calls",
    "cases": "cases",
    "states": None,  # an interval of an operator's state has no call or case behind it
    "queue_log": "calls",
    "segments": "calls",
}
"""What a cell's drill-down lists: the calls behind a queue event or a leg, the cases; nothing for states."""

MAX_RANGE_DAYS: Final = 366
"""A longer period is refused (422 `range_too_long`): a year per report, compared side by side."""
MAX_DIMENSIONS: Final = 3
MAX_MEASURES: Final = 24
MAX_SELECTED: Final = 200
"""Values in one dimension's multi-select."""
MAX_GROUPS: Final = 10_000
"""Rows of a result; a report with more is cut there and says so (`truncated`)."""
DRILL_LIMIT: Final = 200

ValueKind = Literal["time", "id", "text"]


@dataclass(frozen=True, slots=True)
class Dimension:
    key: str
    title: str
    datasets: frozenset[Dataset]
    values: ValueKind
    """What a multi-select of it holds: ids (operators, groups…), small integers (hour, weekday) or text."""
    period: bool = False
    """Day, week, month: the axis of time, selected by the date range rather than by a multi-select."""


_EVERY: Final = frozenset[Dataset](DATASETS)
_BOTH: Final = frozenset[Dataset]({"calls", "cases"})
_CALLS: Final = frozenset[Dataset]({"calls"})
_CASES: Final = frozenset[Dataset]({"cases"})
_STATES: Final = frozenset[Dataset]({"states"})
_QUEUE_LOG: Final = frozenset[Dataset]({"queue_log"})
_SEGMENTS: Final = frozenset[Dataset]({"segments"})

DIMENSIONS: Final[dict[str, Dimension]] = {
    d.key: d
    for d in (
        Dimension("day", "День", _EVERY, "time", period=True),
        Dimension("week", "Неделя", _EVERY, "time", period=True),
        Dimension("month", "Месяц", _EVERY, "time", period=True),
        Dimension("hour", "Час", _EVERY, "time"),
        Dimension("weekday", "День недели", _EVERY, "time"),
        Dimension("shift", "Смена", _EVERY, "id"),
        Dimension("operator", "Оператор", _BOTH | _STATES | _QUEUE_LOG, "id"),
        Dimension("group", "Группа", _EVERY, "id"),
        Dimension("queue", "Очередь", _CALLS | _QUEUE_LOG | _SEGMENTS, "id"),
        Dimension("case_type", "Тип обращения", _BOTH, "id"),
        Dimension("line", "Линия", _CALLS | _SEGMENTS, "text"),
        Dimension("direction", "Направление", _CALLS | _SEGMENTS, "text"),
        Dimension("call_status", "Статус звонка", _CALLS, "text"),
        Dimension("case_status", "Статус карточки", _CASES, "text"),
        Dimension("channel", "Канал", _CASES, "text"),
        Dimension("state", "Состояние оператора", _STATES, "text"),
        Dimension("break_reason", "Причина перерыва", _STATES, "text"),
        Dimension("event", "Событие очереди", _QUEUE_LOG, "text"),
        Dimension("leg_role", "Роль участника", _SEGMENTS, "text"),
    )
}

Unit = Literal["count", "seconds", "ratio"]


@dataclass(frozen=True, slots=True)
class Measure:
    key: str
    title: str
    datasets: frozenset[Dataset]
    unit: Unit
    definition: str
    """The exact definition, as the documentation and the builder's hint state it."""
    percentile: int | None = None
    """50 or 90: the nearest-rank percentile (the value at rank ⌈p·n/100⌉ in ascending order)."""


_OFFERED = "входящие звонки, попавшие в очередь (direction = inbound и есть момент постановки в очередь)"
_ANSWERED_OVER = "по отвеченным предложенным звонкам"


def _spread(key: str, title: str, column: str, over: str) -> tuple[Measure, ...]:
    return (
        Measure(f"{key}_avg", f"{title}, среднее", _CALLS, "seconds", f"Среднее {column} {over}, с."),
        Measure(
            f"{key}_median",
            f"{title}, медиана",
            _CALLS,
            "seconds",
            f"Медиана {column} {over}: значение ранга ⌈n/2⌉ по возрастанию, с.",
            percentile=50,
        ),
        Measure(
            f"{key}_p90",
            f"{title}, 90-й перцентиль",
            _CALLS,
            "seconds",
            f"90-й перцентиль {column} {over}: значение ранга ⌈0,9·n⌉ по возрастанию, с.",
            percentile=90,
        ),
    )


_STAFFED = "«на дежурстве», «вызов», «разговор» и «поствызывная обработка»"

_STATE_MEASURES: Final = (
    Measure(
        "state_time",
        "Время в состоянии",
        _STATES,
        "seconds",
        "Сумма длительностей интервалов состояния (с измерением «Состояние» — время в каждом), с.",
    ),
    Measure("state_intervals", "Интервалов состояния", _STATES, "count", "Число интервалов состояния."),
    Measure(
        "logged_in_time",
        "Время в системе",
        _STATES,
        "seconds",
        "Сумма интервалов во всех состояниях, кроме «не в системе» (offline), с.",
    ),
    Measure(
        "staffed_time",
        "Время на линии",
        _STATES,
        "seconds",
        f"Сумма интервалов в состояниях {_STAFFED} (ready, offered, on_call, wrap_up), с.",
    ),
    Measure(
        "talk_time",
        "Время разговоров",
        _STATES,
        "seconds",
        "Сумма интервалов «разговор» (on_call; удержание входит в разговор), с.",
    ),
    Measure(
        "wrap_up_time",
        "Время поствызывной обработки",
        _STATES,
        "seconds",
        "Сумма интервалов «поствызывная обработка» (wrap_up), с.",
    ),
    Measure(
        "ready_time",
        "Время ожидания вызова",
        _STATES,
        "seconds",
        "Сумма интервалов «на дежурстве» (ready), с.",
    ),
    Measure("break_time", "Время перерывов", _STATES, "seconds", "Сумма интервалов «перерыв» (on_break), с."),
    Measure("breaks", "Перерывов", _STATES, "count", "Число интервалов «перерыв» (on_break)."),
    Measure(
        "away_time",
        "Время «нет на месте» и блокировок",
        _STATES,
        "seconds",
        "Сумма интервалов «нет на месте» (away) и «заблокирован» (blocked), с.",
    ),
    Measure(
        "occupancy",
        "Занятость",
        _STATES,
        "ratio",
        "(Время разговоров + Время поствызывной обработки) / Время на линии; пусто, когда знаменатель 0.",
    ),
    Measure(
        "break_share",
        "Доля перерывов",
        _STATES,
        "ratio",
        "Время перерывов / Время в системе; пусто, когда знаменатель 0.",
    ),
)

_QUEUE_LOG_MEASURES: Final = (
    Measure("events", "Событий", _QUEUE_LOG, "count", "Все события журнала очередей, кроме смен состояния."),
    Measure("entered", "Встали в очередь", _QUEUE_LOG, "count", "События enter: звонок встал в очередь."),
    Measure(
        "offers", "Предложено операторам", _QUEUE_LOG, "count", "События offer: вызов предложен оператору."
    ),
    Measure(
        "offers_missed",
        "Непринятые предложения",
        _QUEUE_LOG,
        "count",
        "События ring_no_answer и reject: оператор не ответил или отклонил.",
    ),
    Measure("connects", "Соединено", _QUEUE_LOG, "count", "События connect: звонок соединён с оператором."),
    Measure("abandons", "Положили трубку в очереди", _QUEUE_LOG, "count", "События abandon."),
    Measure(
        "timeouts", "Ушли по времени ожидания", _QUEUE_LOG, "count", "События exit_timeout: предел ожидания."
    ),
    Measure("transfers", "Переводы", _QUEUE_LOG, "count", "События transfer: оператор перевёл звонок."),
    Measure(
        "connect_wait_avg",
        "Ожидание до соединения, среднее",
        _QUEUE_LOG,
        "seconds",
        "Среднее waited_s по событиям connect, с.",
    ),
    Measure(
        "abandon_wait_avg",
        "Ожидание до потери, среднее",
        _QUEUE_LOG,
        "seconds",
        "Среднее waited_s по событиям abandon и exit_timeout, с.",
    ),
)

_SEGMENT_MEASURES: Final = (
    Measure("segments", "Участков", _SEGMENTS, "count", "Все участки (плечи) звонков периода."),
    Measure("segment_calls", "Звонков с участками", _SEGMENTS, "count", "Различные звонки среди участков."),
    Measure(
        "answered_segments",
        "Отвеченных участков",
        _SEGMENTS,
        "count",
        "Участки с моментом ответа (answered_at).",
    ),
    Measure(
        "operator_segments",
        "Участков операторов",
        _SEGMENTS,
        "count",
        "Участки с ролью «оператор» (operator); больше одного на звонок — звонок переводили.",
    ),
    Measure(
        "consultations", "Консультаций", _SEGMENTS, "count", "Участки с ролью «консультант» (consultant)."
    ),
    Measure(
        "segment_talk_avg",
        "Длительность участка, среднее",
        _SEGMENTS,
        "seconds",
        "Среднее (ended_at − answered_at) по отвеченным завершённым участкам, с.",
    ),
)

MEASURES: Final[dict[str, Measure]] = {
    m.key: m
    for m in (
        Measure("calls", "Звонков всего", _CALLS, "count", "Все звонки периода: любые направление и исход."),
        Measure("offered", "Поступило", _CALLS, "count", f"Предложенные: {_OFFERED}."),
        Measure("answered", "Отвечено", _CALLS, "count", "Предложенные звонки со статусом answered."),
        Measure(
            "abandoned", "Потеряно", _CALLS, "count", "Предложенные звонки со статусом missed (не отвечены)."
        ),
        Measure(
            "short_abandons",
            "Короткие потери",
            _CALLS,
            "count",
            "Потерянные звонки с ожиданием меньше S секунд (параметр отчёта, по умолчанию 5).",
        ),
        Measure(
            "answered_within_t",
            "Отвечено за T",
            _CALLS,
            "count",
            "Отвеченные звонки с ожиданием не более T секунд (параметр отчёта, по умолчанию 20).",
        ),
        Measure(
            "service_level",
            "Уровень обслуживания",
            _CALLS,
            "ratio",
            "Отвечено за T / (Поступило − Короткие потери); пусто, когда знаменатель 0.",
        ),
        Measure(
            "abandon_rate",
            "Доля потерянных",
            _CALLS,
            "ratio",
            "(Потеряно − Короткие потери) / (Поступило − Короткие потери); пусто, когда знаменатель 0.",
        ),
        Measure("outbound", "Исходящие", _CALLS, "count", "Звонки с direction = outbound."),
        *_spread("wait", "Ожидание", "времени ожидания в очереди (wait_s)", "по предложенным звонкам"),
        *_spread("talk", "Разговор", "времени разговора (talk_s)", _ANSWERED_OVER),
        Measure(
            "hold_avg",
            "Удержание, среднее",
            _CALLS,
            "seconds",
            f"Среднее время удержания {_ANSWERED_OVER}, с.",
        ),
        Measure(
            "wrap_up_avg",
            "Поствызывная обработка, среднее",
            _CALLS,
            "seconds",
            f"Среднее время поствызывной обработки {_ANSWERED_OVER}, с.",
        ),
        *_spread("handle", "Время обслуживания", "суммы разговора, удержания и обработки", _ANSWERED_OVER),
        Measure(
            "unique_applicants",
            "Уникальных заявителей",
            _BOTH,
            "count",
            "Звонки: различные номера звонивших во входящих звонках. Карточки: различные заявители.",
        ),
        Measure("cases", "Карточек", _CASES, "count", "Карточки, созданные в периоде."),
        *_STATE_MEASURES,
        *_QUEUE_LOG_MEASURES,
        *_SEGMENT_MEASURES,
        Measure(
            "cases_missed",
            "Карточек пропущенных звонков",
            _CASES,
            "count",
            "Карточки с отметкой «пропущенный звонок» (missed).",
        ),
    )
}

Comparison = Literal["gt", "ge", "lt", "le", "eq", "ne"]
COMPARISONS: Final[tuple[Comparison, ...]] = get_args(Comparison)
_HH_MM: Final = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")

Selected = int | str


@dataclass(frozen=True, slots=True)
class FigureFilter:
    """A filter after aggregation: keeps the rows whose `measure` compares so to `value` (an empty
    figure never passes)."""

    measure: str
    op: Comparison
    value: float

    def keeps(self, figure: float | None) -> bool:
        if figure is None:
            return False
        return {
            "gt": figure > self.value,
            "ge": figure >= self.value,
            "lt": figure < self.value,
            "le": figure <= self.value,
            "eq": figure == self.value,
            "ne": figure != self.value,
        }[self.op]


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportDefinition:
    dataset: Dataset
    dimensions: tuple[str, ...]
    measures: tuple[str, ...]
    date_from: date
    date_to: date
    """Both inclusive, hotline days."""
    time_from: str | None = None
    time_to: str | None = None
    """A time-of-day window HH:MM, start inclusive, end exclusive; an end before the start runs over
    midnight (20:00–08:00)."""
    weekdays: tuple[int, ...] = ()
    """0 Monday … 6 Sunday; empty: every day."""
    selections: Mapping[str, tuple[Selected, ...]] = field(default_factory=dict)
    having: tuple[FigureFilter, ...] = ()
    service_level_s: float = 20.0
    short_abandon_s: float = 5.0

    @property
    def window_minutes(self) -> tuple[int, int] | None:
        if self.time_from is None or self.time_to is None:
            return None
        return _minutes(self.time_from), _minutes(self.time_to)


def _minutes(text: str) -> int:
    match = _HH_MM.match(text)
    assert match is not None  # checked by `validate`
    return int(match.group(1)) * 60 + int(match.group(2))


def _names(keys: Sequence[str]) -> str:
    return ", ".join(keys)


def validate(definition: ReportDefinition) -> ReportDefinition:
    """Every problem at once, each naming its field (`measures[1]`, `date_to`…); returns the definition."""
    problems: list[FieldProblem] = []
    dataset = definition.dataset
    if dataset not in DATASETS:
        raise InvalidFields([FieldProblem("dataset", "invalid_choice", f"набор данных: {_names(DATASETS)}")])
    fit_dimensions = [k for k, d in DIMENSIONS.items() if dataset in d.datasets]
    fit_measures = [k for k, m in MEASURES.items() if dataset in m.datasets]
    if len(definition.dimensions) > MAX_DIMENSIONS:
        problems.append(
            FieldProblem("dimensions", "too_many", f"не более {MAX_DIMENSIONS} измерений в отчёте")
        )
    if len(set(definition.dimensions)) != len(definition.dimensions):
        problems.append(FieldProblem("dimensions", "duplicate", "измерение указано дважды"))
    for index, key in enumerate(definition.dimensions):
        dimension = DIMENSIONS.get(key)
        if dimension is None:
            problems.append(
                FieldProblem(f"dimensions[{index}]", "unknown_dimension", f"нет измерения «{key}»")
            )
        elif dataset not in dimension.datasets:
            problems.append(
                FieldProblem(
                    f"dimensions[{index}]",
                    "dimension_not_in_dataset",
                    f"измерение «{key}» не относится к набору «{dataset}»; "
                    f"допустимы: {_names(fit_dimensions)}",
                )
            )
    if not definition.measures:
        problems.append(FieldProblem("measures", "required", "выберите хотя бы один показатель"))
    if len(definition.measures) > MAX_MEASURES:
        problems.append(FieldProblem("measures", "too_many", f"не более {MAX_MEASURES} показателей"))
    if len(set(definition.measures)) != len(definition.measures):
        problems.append(FieldProblem("measures", "duplicate", "показатель указан дважды"))
    for index, key in enumerate(definition.measures):
        measure = MEASURES.get(key)
        if measure is None:
            problems.append(FieldProblem(f"measures[{index}]", "unknown_measure", f"нет показателя «{key}»"))
        elif dataset not in measure.datasets:
            problems.append(
                FieldProblem(
                    f"measures[{index}]",
                    "measure_not_in_dataset",
                    f"показатель «{key}» не относится к набору «{dataset}»; "
                    f"допустимы: {_names(fit_measures)}",
                )
            )
    problems += _period_problems(definition)
    for key, values in definition.selections.items():
        problems += _selection_problems(dataset, key, values)
    for index, having in enumerate(definition.having):
        if having.measure not in definition.measures:
            problems.append(
                FieldProblem(
                    f"having[{index}].measure",
                    "measure_not_chosen",
                    f"фильтр по «{having.measure}»: такого показателя нет в отчёте",
                )
            )
        if having.op not in COMPARISONS:
            problems.append(FieldProblem(f"having[{index}].op", "invalid_choice", _names(COMPARISONS)))
    if not 0 <= definition.service_level_s <= 3600:
        problems.append(FieldProblem("service_level_s", "out_of_range", "порог T: от 0 до 3600 с"))
    if not 0 <= definition.short_abandon_s <= 600:
        problems.append(FieldProblem("short_abandon_s", "out_of_range", "порог S: от 0 до 600 с"))
    if problems:
        raise InvalidFields(problems)
    return definition


def _period_problems(definition: ReportDefinition) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    days = (definition.date_to - definition.date_from).days + 1
    if days < 1:
        problems.append(FieldProblem("date_to", "before_start", "конец периода раньше его начала"))
    elif days > MAX_RANGE_DAYS:
        problems.append(
            FieldProblem(
                "date_to",
                "range_too_long",
                f"период не длиннее {MAX_RANGE_DAYS} дней, а выбрано {days}: разбейте его на части",
            )
        )
    for name in ("time_from", "time_to"):
        value = getattr(definition, name)
        if value is not None and not _HH_MM.match(value):
            problems.append(FieldProblem(name, "invalid_time", f"«{value}» — не время ЧЧ:ММ"))
    if (definition.time_from is None) != (definition.time_to is None):
        problems.append(
            FieldProblem("time_to", "incomplete_window", "окно времени суток: укажите начало и конец")
        )
    if definition.time_from is not None and definition.time_from == definition.time_to:
        problems.append(FieldProblem("time_to", "empty_window", "окно времени суток пусто"))
    for index, day in enumerate(definition.weekdays):
        if not 0 <= day <= 6:
            problems.append(
                FieldProblem(f"weekdays[{index}]", "out_of_range", "день недели: 0 (пн) … 6 (вс)")
            )
    return problems


def _selection_problems(dataset: Dataset, key: str, values: Sequence[Selected]) -> list[FieldProblem]:
    path = f"selections.{key}"
    dimension = DIMENSIONS.get(key)
    if dimension is None:
        return [FieldProblem(path, "unknown_dimension", f"нет измерения «{key}»")]
    if dataset not in dimension.datasets:
        return [
            FieldProblem(path, "dimension_not_in_dataset", f"измерение «{key}» не относится к «{dataset}»")
        ]
    if dimension.period:
        return [FieldProblem(path, "use_date_range", "день, неделя и месяц выбираются периодом отчёта")]
    if not values:
        return [FieldProblem(path, "required", "выберите хотя бы одно значение или уберите фильтр")]
    if len(values) > MAX_SELECTED:
        return [FieldProblem(path, "too_many", f"не более {MAX_SELECTED} значений")]
    wants_int = dimension.values in ("time", "id")
    for value in values:
        if wants_int != (isinstance(value, int) and not isinstance(value, bool)):
            kind = "целые числа" if wants_int else "строки"
            return [FieldProblem(path, "invalid_value", f"значения «{key}» — {kind}")]
    bounds = {"hour": 23, "weekday": 6}.get(key)
    if bounds is not None and any(not 0 <= int(v) <= bounds for v in values):
        return [FieldProblem(path, "out_of_range", f"значения «{key}»: от 0 до {bounds}")]
    if isinstance(values[0], str) and any(len(str(v)) > 64 for v in values):
        return [FieldProblem(path, "too_long", "значение длиннее 64 символов")]
    return []


# --- results ---------------------------------------------------------------------------------------

Key = int | str | None
Figure = float | int | None


@dataclass(frozen=True, slots=True)
class ReportRow:
    keys: tuple[Key, ...]
    """Per dimension: the raw value (a day as ISO date, a week as its Monday, a month as YYYY-MM, an id…)."""
    labels: tuple[str, ...]
    figures: tuple[Figure, ...]
    """Per measure, in the definition's order."""


@dataclass(frozen=True, slots=True)
class ReportResult:
    definition: ReportDefinition
    rows: tuple[ReportRow, ...]
    truncated: bool
    time_zone: str


WEEKDAY_NAMES: Final = ("пн", "вт", "ср", "чт", "пт", "сб", "вс")


def ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator > 0 else None


def offset_spans(zone: ZoneInfo, start: datetime, end: datetime) -> list[tuple[int, int]]:
    """The zone's UTC offsets over [start, end) as (from this UTC epoch second, offset in seconds), first
    from `start`: one span in a zone without clock changes, a few where the clocks move. Sampled hourly,
    each change found to the second."""

    def offset(moment: int) -> int:
        delta = datetime.fromtimestamp(moment, UTC).astimezone(zone).utcoffset()
        return int(delta.total_seconds()) if delta is not None else 0

    first, last = int(start.timestamp()), int(end.timestamp())
    spans = [(first, offset(first))]
    moment = first
    while moment < last:
        following = min(moment + 3600, last)
        if offset(following) != spans[-1][1]:
            low, high = moment, following  # offset(low) is the current one, offset(high) the next
            while high - low > 1:
                middle = (low + high) // 2
                low, high = (middle, high) if offset(middle) == spans[-1][1] else (low, middle)
            spans.append((high, offset(high)))
        moment = following
    return spans


def local_day_minute(at: datetime, zone: tzinfo) -> tuple[int, int]:
    """The hotline day (days since 1970-01-01) and minute of that day of a moment: stored with each call
    record, so that reports group by them without converting every row's time."""
    local = at.astimezone(zone)
    return (local.date() - date(1970, 1, 1)).days, local.hour * 60 + local.minute


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)


def definition_to_json(definition: ReportDefinition) -> dict[str, object]:
    """The stored form of a definition (a saved report's), read back by `definition_from_json`."""
    return {
        "dataset": definition.dataset,
        "dimensions": list(definition.dimensions),
        "measures": list(definition.measures),
        "date_from": definition.date_from.isoformat(),
        "date_to": definition.date_to.isoformat(),
        "time_from": definition.time_from,
        "time_to": definition.time_to,
        "weekdays": list(definition.weekdays),
        "selections": {k: list(v) for k, v in definition.selections.items()},
        "having": [{"measure": h.measure, "op": h.op, "value": h.value} for h in definition.having],
        "service_level_s": definition.service_level_s,
        "short_abandon_s": definition.short_abandon_s,
    }


def definition_from_json(data: Mapping[str, object]) -> ReportDefinition:
    """A stored definition, checked again like a new one (the model may have changed since)."""
    try:
        selections = data.get("selections") or {}
        having = data.get("having") or []
        if not isinstance(selections, Mapping) or not isinstance(having, list):
            raise TypeError("selections: an object, having: a list")
        definition = ReportDefinition(
            dataset=str(data["dataset"]),  # type: ignore[arg-type]  # checked by validate
            dimensions=tuple(str(d) for d in data.get("dimensions") or ()),  # type: ignore[attr-defined]
            measures=tuple(str(m) for m in data.get("measures") or ()),  # type: ignore[attr-defined]
            date_from=date.fromisoformat(str(data["date_from"])),
            date_to=date.fromisoformat(str(data["date_to"])),
            time_from=None if data.get("time_from") is None else str(data["time_from"]),
            time_to=None if data.get("time_to") is None else str(data["time_to"]),
            weekdays=tuple(int(d) for d in data.get("weekdays") or ()),  # type: ignore[attr-defined]
            selections={str(k): tuple(v) for k, v in selections.items()},
            having=tuple(
                FigureFilter(str(h["measure"]), h["op"], float(h["value"]))
                for h in having
                if isinstance(h, Mapping)
            ),
            service_level_s=float(data.get("service_level_s", 20.0)),  # type: ignore[arg-type]
            short_abandon_s=float(data.get("short_abandon_s", 5.0)),  # type: ignore[arg-type]
        )
    except (KeyError, TypeError, ValueError) as error:
        raise InvalidFields([FieldProblem("definition", "invalid_definition", str(error))]) from None
    return validate(definition)


_JOURNAL_FILTERS: Final = {
    "group": "group",
    "operator": "operator",
    "case_type": "case_type",
    "line": "line",
    "direction": "direction",
    "call_status": "status",
}


def journal_query(definition: ReportDefinition, keys: Sequence[Key], zone: ZoneInfo) -> dict[str, str] | None:
    """The call journal's filters nearest to a cell of a calls report: the cell's day, week or month
    (else the report's period) and its group, operator, type, line, direction and status. The journal
    has no filter for the hour, weekday, shift or queue: the cell's own calls are the drill-down's list.
    None for cases reports."""
    if definition.dataset != "calls":
        return None
    first, last = definition.date_from, definition.date_to
    query: dict[str, str] = {}
    for dimension, key in zip(definition.dimensions, keys, strict=False):
        if key is None:
            continue
        if dimension in ("day", "week"):
            first = date.fromisoformat(str(key))
            last = first + timedelta(days=0 if dimension == "day" else 6)
        elif dimension == "month":
            year, month = (int(part) for part in str(key).split("-"))
            first = date(year, month, 1)
            last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
        elif dimension in _JOURNAL_FILTERS:
            query[_JOURNAL_FILTERS[dimension]] = str(key)
    for dimension, values in definition.selections.items():
        if dimension in _JOURNAL_FILTERS and len(values) == 1 and _JOURNAL_FILTERS[dimension] not in query:
            query[_JOURNAL_FILTERS[dimension]] = str(values[0])
    first, last = max(first, definition.date_from), min(last, definition.date_to)
    query["from"] = local_midnight(first, zone).isoformat()
    query["to"] = local_midnight(last + timedelta(days=1), zone).isoformat()
    return query
