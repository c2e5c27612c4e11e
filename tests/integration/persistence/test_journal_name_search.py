"""The journal's applicant-name filter read from an index (persistence/applicant_search.py: FTS5
trigrams on SQLite, kept in step with the cases by triggers; pg_trgm on PostgreSQL) finds the same
calls, in the same order, as the plain LIKE over every case and as the correlated form the journal was
first written with, on SQLite and PostgreSQL: the generated calls, plus applicants whose names hold
ё, hyphens, quotes and LIKE's wildcards, for what users type (whole or part names, other case, the
wildcards themselves, one or two letters), after cases are added, renamed and deleted."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import delete, insert, text, update
from sqlalchemy.ext.asyncio import AsyncConnection
from tests.support import journal_seed
from tests.support.journal_reference import correlated_case_match, every_page

from c122.domain.calls import CallFilter, CallQuery, JournalScope
from c122.persistence import applicant_search
from c122.persistence import calls as call_persistence
from c122.persistence.calls import _page_keys
from c122.persistence.database import create_engine
from c122.persistence.journal_copies import link_calls
from c122.persistence.organisation import fold
from c122.persistence.tables.calls import call_cases
from c122.persistence.tables.cases import cases
from c122.persistence.unit_of_work import SqlUnitOfWorkFactory

CALLS = 2000
# Applicants of added cases (their text folded, as the cases repository stores it), each case linked
# to a call that has none (the seed gives a case to every tenth call only).
NAMES = {
    5001: "Семёнова Алёна Петровна +79160000001",
    5002: "Римский-Корсаков Николай",
    5003: "Процент 100%_скидка",
    5004: 'О"Нил Шон',
    5005: "Семенов Артём",
}
TYPED = [
    "лебед", "ЛЕБЕДЕВ", "семён", "семен", "алёна", "Римский-Кор", "-корс", "кий-", "100%", "0%_с", "%_",
    "%", "_", "о\"нил", '"', "ов", "артём", "нетакого", "+7916000", "петровна +7", "корсакова",
]  # fmt: skip
SCOPES = {"admin": JournalScope(), "operator_12": JournalScope(group_ids=frozenset(), user_id=12)}


async def _add_cases(factory: SqlUnitOfWorkFactory) -> None:
    async with factory.engine.begin() as db:
        for number, (case_id, name) in enumerate(NAMES.items(), start=1):
            await _add_case(db, case_id, name)
            await link_calls(db, [(case_id, f"c{number * 10 + 1:08d}", "web")])


async def _found(factory: SqlUnitOfWorkFactory, monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """Each typed name in each scope: the indexed form's calls, then the plain and correlated forms'."""
    found: dict[str, object] = {}
    forms = {
        "indexed": (applicant_search.applicant_name_match, call_persistence.case_match),
        "plain": (applicant_search.plain_name_match, call_persistence.case_match),
        "correlated": (applicant_search.plain_name_match, correlated_case_match),
    }
    for form, (name_match, case_match) in forms.items():
        monkeypatch.setattr(call_persistence, "applicant_name_match", name_match)
        monkeypatch.setattr(call_persistence, "case_match", case_match)
        for scope_name, scope in SCOPES.items():
            for typed in TYPED:
                query = CallQuery(CallFilter(applicant_name=typed), scope)
                found[f"{form}/{scope_name}/{typed}"] = await every_page(factory, query)
    monkeypatch.undo()
    return found


def _assert_same(found: dict[str, object]) -> None:
    for scope_name in SCOPES:
        for typed in TYPED:
            key = f"{scope_name}/{typed}"
            assert found[f"indexed/{key}"] == found[f"plain/{key}"] == found[f"correlated/{key}"], key


async def test_indexed_name_search_finds_what_the_plain_like_finds(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    await journal_seed.seed(database_url, CALLS)
    factory = SqlUnitOfWorkFactory(create_engine(database_url))
    try:
        await _add_cases(factory)
        found = await _found(factory, monkeypatch)
        _assert_same(found)
        # The comparison means something: the names match the calls expected, and only those.
        assert found["indexed/admin/семён"] == (["c00000011"], 1)  # ё is not е: as before
        assert found["indexed/admin/семен"] == (["c00000051"], 1)
        assert found["indexed/admin/-корс"] == found["indexed/admin/Римский-Кор"] == (["c00000021"], 1)
        assert found["indexed/admin/0%_с"] == (["c00000031"], 1)  # the wildcards taken literally
        assert found['indexed/admin/о"нил'] == (["c00000041"], 1)
        assert found["indexed/admin/нетакого"] == ([], 0)
        cased = CALLS // 10 + len(NAMES)
        assert 0 < found["indexed/operator_12/ов"][1] < found["indexed/admin/ов"][1] < cased
        assert found["indexed/admin/ЛЕБЕДЕВ"] == found["indexed/admin/лебед"]

        # The index follows the cases: a renamed applicant, a deleted case.
        async with factory.engine.begin() as db:
            await db.execute(update(cases).where(cases.c.id == 5002).values(applicant_text="корсакова анна"))
            await db.execute(delete(call_cases).where(call_cases.c.case_id == 5003))
            await db.execute(delete(cases).where(cases.c.id == 5003))
        found = await _found(factory, monkeypatch)
        _assert_same(found)
        assert found["indexed/admin/-корс"] == ([], 0)
        assert found["indexed/admin/корсакова"] == (["c00000021"], 1)
        assert found["indexed/admin/0%_с"] == ([], 0)
    finally:
        await factory.dispose()


async def test_sqlite_reads_the_names_from_the_trigram_index(database_url: str) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("the FTS5 index is SQLite's; PostgreSQL reads pg_trgm on cases.applicant_text")
    factory = SqlUnitOfWorkFactory(create_engine(database_url))
    try:
        async with factory.engine.connect() as db:
            plans = {}
            for typed in ("лебед", "ов"):
                query = CallQuery(CallFilter(applicant_name=typed), JournalScope())
                compiled = _page_keys(query, in_order=True).compile(
                    db.engine, compile_kwargs={"render_postcompile": True, "literal_binds": True}
                )
                rows = await db.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))
                plans[typed] = " | ".join(str(row[-1]) for row in rows)
    finally:
        await factory.dispose()
    assert "cases_applicant_search VIRTUAL TABLE" in plans["лебед"]
    # Two letters make no trigram: the plain scan of the cases, as before.
    assert "cases_applicant_search" not in plans["ов"]


async def test_postgres_reads_the_names_from_the_narrow_search_table(database_url: str) -> None:
    """PostgreSQL rechecks the trigram index's candidates on the narrow table's rows (migration 0062),
    which its trigger keeps equal to the cases' texts through inserts, renames and deletes."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite reads its FTS5 table")
    await journal_seed.seed(database_url, 200)
    factory = SqlUnitOfWorkFactory(create_engine(database_url))
    searched = text("SELECT case_id, applicant_text FROM cases_applicant_search ORDER BY case_id")
    texts = text("SELECT id, applicant_text FROM cases ORDER BY id")
    try:
        async with factory.engine.begin() as db:
            assert (await db.execute(searched)).all() == (await db.execute(texts)).all() != []
            await _add_cases_without_links(db)
            await db.execute(update(cases).where(cases.c.id == 5002).values(applicant_text="корсакова анна"))
            await db.execute(update(cases).where(cases.c.id == 5001).values(status="closed"))
            await db.execute(delete(cases).where(cases.c.id == 5003))
            after = (await db.execute(searched)).all()
            assert after == (await db.execute(texts)).all()
            assert (5002, "корсакова анна") in after
            assert 5003 not in {row[0] for row in after}
            query = CallQuery(CallFilter(applicant_name="лебед"), JournalScope())
            compiled = _page_keys(query, in_order=False, from_links=True).compile(
                db.engine, compile_kwargs={"render_postcompile": True, "literal_binds": True}
            )
            await db.exec_driver_sql("SET LOCAL enable_seqscan = off")
            plan = " | ".join(str(row[0]) for row in await db.execute(text(f"EXPLAIN {compiled}")))
    finally:
        await factory.dispose()
    assert "cases_applicant_search" in plan
    scanned = re.findall(r" on (\w+)", plan)
    assert "cases" not in scanned, plan


async def _add_cases_without_links(db: AsyncConnection) -> None:
    for case_id, name in NAMES.items():
        await _add_case(db, case_id, name)


async def _add_case(db: AsyncConnection, case_id: int, name: str) -> None:
    await db.execute(
        insert(cases).values(
            id=case_id, version=1, name=f"Случай {case_id}", day=date(2026, 9, 1), key_type_id=1,
            number=case_id, type_id=1, source="web", status="new", group_id=2, call_ids=[],
            message_ids=[], applicant_text=fold(name), created_at=journal_seed.NOW,
            updated_at=journal_seed.NOW,
        )
    )  # fmt: skip
