"""The rules of a report's definition and the zone's offset spans the compiler reads local time by."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from c122.domain.errors import InvalidFields
from c122.domain.reports import (
    DIMENSIONS,
    MEASURES,
    FigureFilter,
    ReportDefinition,
    definition_from_json,
    definition_to_json,
    journal_query,
    offset_spans,
    validate,
)

BASE = ReportDefinition(
    dataset="calls",
    dimensions=("day", "group"),
    measures=("offered", "service_level"),
    date_from=date(2026, 9, 1),
    date_to=date(2026, 9, 30),
)


def problems(definition: ReportDefinition) -> set[tuple[str, str]]:
    with pytest.raises(InvalidFields) as refused:
        validate(definition)
    return {(p.path, p.code) for p in refused.value.problems}


def test_a_fitting_definition_passes_and_survives_storage() -> None:
    full = replace(
        BASE,
        time_from="20:00",
        time_to="08:00",
        weekdays=(0, 6),
        selections={"group": (1, 2), "call_status": ("answered",)},
        having=(FigureFilter("offered", "ge", 3),),
    )
    assert validate(full) is full
    assert definition_from_json(definition_to_json(full)) == full
    assert full.window_minutes == (20 * 60, 8 * 60)


def test_measures_and_dimensions_must_fit_the_dataset_and_are_named() -> None:
    cases = replace(BASE, dataset="cases", dimensions=("queue", "channel"), measures=("cases", "talk_p90"))
    assert problems(cases) == {
        ("dimensions[0]", "dimension_not_in_dataset"),
        ("measures[1]", "measure_not_in_dataset"),
    }
    assert problems(replace(BASE, dataset="operators")) == {("dataset", "invalid_choice")}  # type: ignore[arg-type]
    states = replace(BASE, dataset="states", dimensions=("state", "queue"), measures=("occupancy", "offered"))
    assert problems(states) == {
        ("dimensions[1]", "dimension_not_in_dataset"),
        ("measures[1]", "measure_not_in_dataset"),
    }
    validate(replace(BASE, dataset="queue_log", dimensions=("event", "queue"), measures=("transfers",)))
    validate(replace(BASE, dataset="segments", dimensions=("leg_role",), measures=("consultations",)))
    assert problems(replace(BASE, measures=())) == {("measures", "required")}
    assert problems(replace(BASE, dimensions=("day", "hour", "group", "operator"))) == {
        ("dimensions", "too_many")
    }
    assert problems(replace(BASE, dimensions=("day", "day"))) == {("dimensions", "duplicate")}


def test_the_period_the_window_the_weekdays_and_selections_are_checked() -> None:
    assert problems(replace(BASE, date_from=date(2016, 1, 1), date_to=date(2026, 1, 1))) == {
        ("date_to", "range_too_long")
    }
    assert validate(replace(BASE, date_from=date(2025, 1, 1), date_to=date(2025, 12, 31)))  # 365 days
    assert problems(replace(BASE, date_to=date(2026, 8, 31))) == {("date_to", "before_start")}
    assert problems(replace(BASE, time_from="8:00", time_to="20:00")) == {("time_from", "invalid_time")}
    assert problems(replace(BASE, time_from="08:00")) == {("time_to", "incomplete_window")}
    assert problems(replace(BASE, time_from="08:00", time_to="08:00")) == {("time_to", "empty_window")}
    assert problems(replace(BASE, weekdays=(7,))) == {("weekdays[0]", "out_of_range")}
    assert problems(replace(BASE, selections={"hour": (24,)})) == {("selections.hour", "out_of_range")}
    assert problems(replace(BASE, selections={"group": ("x",)})) == {("selections.group", "invalid_value")}
    assert problems(replace(BASE, selections={"day": (1,)})) == {("selections.day", "use_date_range")}
    assert problems(replace(BASE, selections={"channel": ("web",)})) == {
        ("selections.channel", "dimension_not_in_dataset")
    }
    assert problems(replace(BASE, having=(FigureFilter("answered", "gt", 1),))) == {
        ("having[0].measure", "measure_not_chosen")
    }


def test_the_model_declares_what_the_issue_asks_for() -> None:
    assert {
        "day",
        "hour",
        "week",
        "month",
        "weekday",
        "shift",
        "operator",
        "group",
        "queue",
        "case_type",
        "case_status",
        "channel",
        "line",
    } <= DIMENSIONS.keys()
    assert {
        "offered",
        "answered",
        "abandoned",
        "short_abandons",
        "service_level",
        "wait_avg",
        "wait_median",
        "wait_p90",
        "talk_avg",
        "handle_p90",
    } <= MEASURES.keys()
    assert all(m.definition for m in MEASURES.values())
    assert FigureFilter("offered", "ge", 2).keeps(2)
    assert not FigureFilter("offered", "gt", 2).keeps(2)
    assert not FigureFilter("service_level", "lt", 1).keeps(None)


def test_offset_spans_find_each_clock_change_to_the_second() -> None:
    moscow = offset_spans(
        ZoneInfo("Europe/Moscow"), datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
    )
    assert moscow == [(int(datetime(2026, 1, 1, tzinfo=UTC).timestamp()), 3 * 3600)]
    berlin = offset_spans(
        ZoneInfo("Europe/Berlin"), datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
    )
    # Summer time from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of October.
    assert [(datetime.fromtimestamp(t, UTC), o) for t, o in berlin[1:]] == [
        (datetime(2026, 3, 29, 1, tzinfo=UTC), 7200),
        (datetime(2026, 10, 25, 1, tzinfo=UTC), 3600),
    ]


def test_the_journal_link_of_a_cell() -> None:
    zone = ZoneInfo("Europe/Moscow")
    query = journal_query(BASE, ("2026-09-10", 5), zone)
    assert query == {"group": "5", "from": "2026-09-09T21:00:00+00:00", "to": "2026-09-10T21:00:00+00:00"}
    month = replace(BASE, dimensions=("month",), date_from=date(2026, 9, 15))
    assert journal_query(month, ("2026-09",), zone) == {
        "from": "2026-09-14T21:00:00+00:00",  # the month within the report's period
        "to": "2026-09-30T21:00:00+00:00",
    }
    assert (
        journal_query(
            replace(BASE, dataset="cases", dimensions=("channel",), measures=("cases",)), ("web",), zone
        )
        is None
    )
