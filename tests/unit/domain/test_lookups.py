"""The lookup rules: keys normalised or refused before a registry sees them, the settings' checks,
the field mapping, and the circuit breaker's open / trial / close cycle."""

from __future__ import annotations

import pytest

from c122.domain.errors import InvalidFields
from c122.domain.lookups import (
    CircuitBreaker,
    KeyKind,
    LookupDraft,
    LookupKind,
    LookupSecret,
    checked_lookup,
    mapped_rows,
    normalised_key,
    shown_url,
)
from c122.domain.users import Role


@pytest.mark.parametrize(
    ("kind", "raw", "expected"),
    [
        (KeyKind.PHONE, "8 (900) 123-45-67", "+79001234567"),
        (KeyKind.PHONE, "900 123 45 67", "+79001234567"),
        (KeyKind.SNILS, "112-233-445 95", "11223344595"),
        (KeyKind.OMS, "7700 0000 0000 0001", "7700000000000001"),
        (KeyKind.NAME, "  Иванов   Иван ", "Иванов Иван"),
    ],
)
def test_keys_are_normalised(kind: KeyKind, raw: str, expected: str) -> None:
    assert normalised_key(kind, raw) == expected


@pytest.mark.parametrize(
    ("kind", "raw"),
    [(KeyKind.PHONE, "12345"), (KeyKind.SNILS, "112-233-445 96"), (KeyKind.OMS, "123"), (KeyKind.NAME, "a")],
)
def test_bad_keys_are_refused_naming_the_value(kind: KeyKind, raw: str) -> None:
    with pytest.raises(InvalidFields) as refused:
        normalised_key(kind, raw)
    assert refused.value.problems[0].path == "value"


def _sql(query: str, url: str = "postgresql://u:p@h/db") -> LookupDraft:
    return LookupDraft(
        name="Регистр",
        kind=LookupKind.SQL,
        key_kinds=frozenset({KeyKind.PHONE}),
        roles=frozenset({Role.OPERATOR}),
        query=query,
        secret=LookupSecret(url=url),
    )


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("UPDATE people SET x = 1 WHERE phone = :value", "not_select"),
        ("SELECT 1 WHERE :value = '1'; DELETE FROM people", "several_statements"),
        ("SELECT * FROM people", "no_parameter"),
    ],
)
def test_a_query_that_is_not_one_select_with_the_key_is_refused(query: str, code: str) -> None:
    with pytest.raises(InvalidFields) as refused:
        checked_lookup(_sql(query), stored_secret=None)
    assert [p.code for p in refused.value.problems] == [code]


def test_an_update_without_credentials_keeps_the_stored_ones() -> None:
    draft = _sql("SELECT fio FROM people WHERE phone = :value")
    stored = LookupSecret(url="postgresql://u:old@h/db")
    kept = checked_lookup(LookupDraft(**{**draft.__dict__, "secret": None}), stored_secret=stored)
    assert kept.secret == stored
    assert shown_url(stored.url) == "postgresql://u:***@h/db"


def test_mapping_picks_dot_paths_in_order_and_words_booleans() -> None:
    rows = mapped_rows(
        [{"fio": "Иванов", "policy": {"number": "77"}, "alive": False}],
        {"Полис": "policy.number", "Жив": "alive", "ФИО": "fio"},
    )
    assert rows[0].fields == [("Полис", "77"), ("Жив", "нет"), ("ФИО", "Иванов")]


def test_the_breaker_opens_after_failures_lets_one_trial_through_and_closes_on_success() -> None:
    breaker = CircuitBreaker(threshold=3, cool_down_s=30)
    for at in (0.0, 1.0, 2.0):
        assert breaker.allows(at)
        breaker.failed(at)
    assert breaker.state == "open"
    assert not breaker.allows(20.0)
    assert breaker.allows(32.5)  # the trial
    breaker.failed(32.5)  # failed: open again for a whole cool-down
    assert not breaker.allows(50.0)
    assert breaker.allows(63.0)
    breaker.succeeded()
    assert breaker.state == "closed"
    assert breaker.allows(63.1)
