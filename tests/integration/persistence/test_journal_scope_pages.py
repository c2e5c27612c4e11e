"""Within a scope (a senior's groups and own calls, an operator's own calls) the journal pages each
branch of the scope from its own index and merges them (persistence/calls.py, _page_keys). Its pages,
by keyset and by offset, hold exactly the calls a straightforward query finds (the scope as one OR with
the filters, sorted newest first), in that order, on SQLite and PostgreSQL: for the benchmark's
generated calls with operators', consultants' and listeners' legs (and operators back on calls they
already took part in: two legs of theirs on one call), every scope, random combinations."""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any

from sqlalchemy import exists, false, insert, or_, select, true
from tests.support import journal_seed

from c122.domain.calls import CallFilter, CallQuery, JournalScope
from c122.persistence.calls import _conditions
from c122.persistence.database import create_engine
from c122.persistence.tables.calls import CALL_COPIES, call_legs, call_records
from c122.persistence.unit_of_work import SqlUnitOfWorkFactory

CALLS = 1500
SCOPES = {
    "senior_of_groups_1_2": JournalScope(group_ids=frozenset({1, 2}), user_id=31),
    "senior_of_group_3_who_consulted": JournalScope(group_ids=frozenset({3}), user_id=5),
    "operator_12": JournalScope(group_ids=frozenset(), user_id=12),
    "senior_of_no_group": JournalScope(group_ids=frozenset(), user_id=None),
    "everything": JournalScope(),
}


def _visible(scope: JournalScope) -> Any:
    """The scope as the journal first wrote it: its groups, or the user answered, or a leg of theirs."""
    c = call_records.c
    if scope.everything:
        return true()
    own_leg = exists().where(
        call_legs.c.call_id == c.id,
        call_legs.c.party == str(scope.user_id),
        call_legs.c.role.in_(("operator", "consultant")),
    )
    mine = or_(c.operator_id == scope.user_id, own_leg) if scope.user_id is not None else false()
    return or_(c.group_id.in_(sorted(scope.group_ids or ())), mine)


async def _back_on_their_calls(url: str) -> None:
    """Every operator and consultant once more on the calls they took part in (a colleague handed the
    caller back to them): the page must show each such call once, in its place, and the calls after
    it too (a branch that counted the call twice would stop short of them)."""
    engine = create_engine(url)
    legs = call_legs.c
    copied = [legs[f"call_{name}"] for name in CALL_COPIES]
    async with engine.begin() as db:
        theirs = (
            await db.execute(
                select(legs.call_id, legs.party, legs.call_started_at, *copied)
                .where(legs.role.in_(("operator", "consultant")))
                .order_by(legs.call_id)
            )
        ).all()
        await db.execute(
            insert(call_legs),
            [
                {
                    "call_id": call_id,
                    "leg_id": f"{call_id}-again-{party}",
                    "position": 9,
                    "kind": "sip",
                    "role": "operator",
                    "party": party,
                    "started_at": started_at,
                    "call_started_at": started_at,
                    **{column.name: value for column, value in zip(copied, values, strict=True)},
                }
                for call_id, party, started_at, *values in theirs
            ],
        )
    await engine.dispose()


async def _straightforward(factory: SqlUnitOfWorkFactory, query: CallQuery) -> list[str]:
    c = call_records.c
    filters = _conditions(replace(query, scope=JournalScope()))
    statement = select(c.id).where(_visible(query.scope), *filters).order_by(c.started_at.desc(), c.id.desc())
    async with factory.engine.connect() as db:
        return list((await db.execute(statement)).scalars())


async def _by_keyset(factory: SqlUnitOfWorkFactory, query: CallQuery) -> list[str]:
    ids: list[str] = []
    wanted = replace(query.filter, limit=41)
    while True:
        async with factory() as uow:
            page = await uow.calls.list_calls(replace(query, filter=wanted))
        ids += [row.record.id for row in page.items]
        if page.next_cursor is None:
            return ids
        wanted = replace(wanted, after=page.next_cursor)


async def _by_offset(factory: SqlUnitOfWorkFactory, query: CallQuery, pages: int) -> list[str]:
    ids: list[str] = []
    for number in range(pages):
        wanted = replace(query.filter, limit=29, offset=29 * number)
        async with factory() as uow:
            page = await uow.calls.list_calls(replace(query, filter=wanted))
        ids += [row.record.id for row in page.items]
    return ids


async def test_scope_pages_hold_the_calls_of_the_straightforward_query_in_order(database_url: str) -> None:
    await journal_seed.seed(database_url, CALLS)
    await journal_seed.add_second_cases(database_url)
    await _back_on_their_calls(database_url)
    factory = SqlUnitOfWorkFactory(create_engine(database_url))
    combinations = sorted(journal_seed.combinations().items())
    # The case filters (tested on the legs' own call ids in the legs' branch) always among them.
    with_cases = ("source", "applicant_name+line", "case_type+source", "period_month+applicant_name")
    chosen = [
        ("none", CallFilter()),
        *((name, journal_seed.combinations()[name]) for name in with_cases),
        *random.Random(23).sample(combinations, 14),
    ]
    sizes: dict[str, int] = {}
    try:
        for scope_name, scope in SCOPES.items():
            for name, wanted in chosen:
                query = CallQuery(wanted, scope)
                expected = await _straightforward(factory, query)
                assert await _by_keyset(factory, query) == expected, f"{scope_name}/{name}"
                assert await _by_offset(factory, query, 3) == expected[: 29 * 3], f"{scope_name}/{name}"
                sizes[f"{scope_name}/{name}"] = len(expected)
    finally:
        await factory.dispose()
    # The comparison means something: the scopes matched calls, and differ from one another.
    assert sizes["senior_of_groups_1_2/none"] > sizes["operator_12/none"] > 0
    assert sizes["senior_of_no_group/none"] == 0
