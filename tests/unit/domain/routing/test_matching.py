"""Which routing rule a call meets: caller patterns, number lists, repeat callers, hours and weekdays in
the line's local time, the production calendar, the menu's choice; the first match wins per moment."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from c122.domain.errors import InvalidFields
from c122.domain.routing import (
    ActionKind,
    CallFacts,
    Conditions,
    DayKind,
    InvalidPattern,
    RepeatCalls,
    Rule,
    RuleAction,
    RuleDraft,
    Stage,
    TimeWindow,
    check_pattern,
    checked_rule,
    day_kinds,
    decide,
    parse_calendar,
    pattern_matches,
    shadowing_rule,
    try_call,
)

MOSCOW = ZoneInfo("Europe/Moscow")
YEKATERINBURG = ZoneInfo("Asia/Yekaterinburg")
TO_QUEUE = RuleAction(ActionKind.QUEUE, queue_id=7)
CALENDAR = parse_calendar(
    b'<calendar year="2026"><days><day d="01.09" t="1"/><day d="04.30" t="2"/>'
    b'<day d="11.01" t="3"/></days></calendar>'
)


def make(
    position: int, conditions: Conditions, action: RuleAction = TO_QUEUE, *, enabled: bool = True
) -> Rule:
    return Rule(position, position, RuleDraft(1, f"rule {position}", conditions, action, enabled))


def facts(caller: str = "+79161234567", at: datetime | None = None, **more: object) -> CallFacts:
    when = at or datetime(2026, 3, 10, 10, 0, tzinfo=MOSCOW)
    kinds = day_kinds(when.date(), CALENDAR)
    return CallFacts(caller=caller, at=when, day_kinds=kinds, **more)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("+7916*", "+7916*"),
        ("8 (916) 123-XX-XX", "+7916123XXXX"),
        ("7495???????", "+7495???????"),
    ],
)
def test_patterns_are_kept_over_e164(raw: str, stored: str) -> None:
    assert check_pattern(raw) == stored.upper()


@pytest.mark.parametrize("bad", ["", "+7916[0-9]", "abc", "*", "4951234567", "+79 16 ^"])
def test_bad_patterns_say_why(bad: str) -> None:
    with pytest.raises(InvalidPattern):
        check_pattern(bad)


def test_pattern_wildcards() -> None:
    assert pattern_matches("+7916*", "+79161234567")
    assert pattern_matches("+7916XXXXXXX", "+79161234567")
    assert not pattern_matches("+7916XXXXXX", "+79161234567")  # one digit short: the whole number must match
    assert pattern_matches("*4567", "+79161234567")
    assert not pattern_matches("+7495*", "+79161234567")
    assert not pattern_matches("+7916*", "anonymous")


def test_lists_and_patterns_all_conditions_must_hold() -> None:
    both = make(1, Conditions(patterns=("+7916*",), lists=(3,)))
    assert decide([both], facts(lists=frozenset({3})), Stage.ARRIVAL).winner == both
    assert decide([both], facts(lists=frozenset({4})), Stage.ARRIVAL).winner is None
    assert decide([both], facts("+74951234567", lists=frozenset({3})), Stage.ARRIVAL).winner is None


def test_a_repeat_caller_is_the_nth_call_within_the_window() -> None:
    third = make(1, Conditions(repeat=RepeatCalls(count=3, within_hours=24)))
    assert decide([third], facts(calls_within={24: 2}), Stage.ARRIVAL).winner == third
    assert decide([third], facts(calls_within={24: 1}), Stage.ARRIVAL).winner is None


def test_hours_and_weekdays_are_read_in_the_lines_local_time() -> None:
    morning = make(1, Conditions(hours=TimeWindow(time(8), time(12)), weekdays=frozenset({2})))
    # 06:30 UTC is 09:30 in Moscow and 11:30 in Yekaterinburg, a Tuesday in both.
    at_utc = datetime(2026, 3, 10, 6, 30, tzinfo=UTC)
    assert decide([morning], facts(at=at_utc.astimezone(MOSCOW)), Stage.ARRIVAL).winner == morning
    assert decide([morning], facts(at=at_utc.astimezone(YEKATERINBURG)), Stage.ARRIVAL).winner == morning
    late = datetime(2026, 3, 10, 8, 30, tzinfo=UTC)  # 11:30 Moscow, 13:30 Yekaterinburg
    assert decide([morning], facts(at=late.astimezone(MOSCOW)), Stage.ARRIVAL).winner == morning
    assert decide([morning], facts(at=late.astimezone(YEKATERINBURG)), Stage.ARRIVAL).winner is None
    wednesday = datetime(2026, 3, 11, 9, 0, tzinfo=MOSCOW)
    assert decide([morning], facts(at=wednesday), Stage.ARRIVAL).winner is None


def test_a_night_window_crosses_midnight() -> None:
    night = make(1, Conditions(hours=TimeWindow(time(22), time(6))))
    for hour, inside in [(23, True), (2, True), (6, False), (12, False), (22, True)]:
        at = datetime(2026, 3, 10, hour, 0, tzinfo=MOSCOW)
        assert (decide([night], facts(at=at), Stage.ARRIVAL).winner is not None) is inside, hour


def test_the_calendar_decides_holidays_shortened_days_and_working_weekends() -> None:
    assert day_kinds(datetime(2026, 1, 9).date(), CALENDAR) == {DayKind.NON_WORKING, DayKind.HOLIDAY}
    assert day_kinds(datetime(2026, 4, 30).date(), CALENDAR) == {DayKind.WORKING, DayKind.SHORTENED}
    assert day_kinds(datetime(2026, 11, 1).date(), CALENDAR) == {DayKind.WORKING}  # a Sunday worked
    assert day_kinds(datetime(2026, 3, 14).date(), CALENDAR) == {DayKind.NON_WORKING}  # a Saturday
    assert day_kinds(datetime(2026, 3, 10).date(), CALENDAR) == {DayKind.WORKING}
    off = make(1, Conditions(day_kinds=frozenset({DayKind.NON_WORKING})))
    assert decide([off], facts(at=datetime(2026, 1, 9, 10, tzinfo=MOSCOW)), Stage.ARRIVAL).winner == off
    assert decide([off], facts(at=datetime(2026, 11, 1, 10, tzinfo=MOSCOW)), Stage.ARRIVAL).winner is None


def test_the_calendar_day_is_the_local_one() -> None:
    """23:30 UTC on 8 January is already 9 January (a day off) in Moscow."""
    at = datetime(2026, 1, 8, 23, 30, tzinfo=UTC).astimezone(MOSCOW)
    assert DayKind.HOLIDAY in day_kinds(at.date(), CALENDAR)


def test_the_first_match_wins_and_the_tester_lists_the_losers() -> None:
    vip = make(1, Conditions(patterns=("+7916*",)))
    everyone = make(2, Conditions(hours=TimeWindow(time(0), time(23, 59))))
    disabled = make(0, Conditions(patterns=("+7916*",)), enabled=False)
    menu = make(3, Conditions(ivr_choice="menu:1"), RuleAction(ActionKind.PRIORITY, priority=5))
    verdict = decide([everyone, vip, disabled, menu], facts(), Stage.ARRIVAL)
    assert (verdict.winner, verdict.also_matched) == (vip, (everyone,))
    assert decide([menu], facts(ivr_choice="menu:2"), Stage.MENU).winner is None
    assert decide([menu], facts(ivr_choice="menu:1"), Stage.MENU).winner == menu
    # The arrival is decided before the menu: its winner beats a menu rule, which is listed as losing.
    tested = try_call([menu, everyone, vip], facts(ivr_choice="menu:1"))
    assert (tested.winner, tested.also_matched) == (vip, (everyone, menu))
    assert try_call([menu], facts(ivr_choice="menu:1")).winner == menu


def test_an_identical_or_catch_all_earlier_rule_shadows_a_later_one() -> None:
    first = make(1, Conditions(patterns=("+7916*",)))
    same = make(2, Conditions(patterns=("+7916*",)))
    narrower = make(3, Conditions(patterns=("+7916*",), hours=TimeWindow(time(9), time(18))))
    assert shadowing_rule(same, [first]) == first
    assert shadowing_rule(narrower, [first]) is None
    catch_all = make(0, Conditions())
    assert shadowing_rule(narrower, [catch_all]) == catch_all
    assert shadowing_rule(make(4, Conditions(ivr_choice="m:1")), [catch_all]) is None  # decided later


def test_a_rule_is_checked_field_by_field() -> None:
    bad = RuleDraft(
        1,
        " ",
        Conditions(patterns=("+7916*", "x"), weekdays=frozenset({8}), ivr_choice="no choice"),
        RuleAction(ActionKind.PRIORITY, priority=None),
    )
    with pytest.raises(InvalidFields) as raised:
        checked_rule(bad)
    paths = [p.path for p in raised.value.problems]
    assert paths == [
        "name",
        "conditions.patterns.1",
        "conditions.weekdays",
        "conditions.ivr_choice",
        "action.priority",
    ]
    good = checked_rule(RuleDraft(1, " Москва ", Conditions(patterns=("8916*", "+7916*")), TO_QUEUE))
    assert (good.name, good.conditions.patterns) == ("Москва", ("+7916*",))
