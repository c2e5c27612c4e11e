"""On PostgreSQL a count of the journal that overruns its time budget is cancelled and answered by the
planner's estimate (`estimated: true`); here the budget is 1 ms against an operator's scope over
100,000 generated calls (tests/support/journal_seed.py): the OR of their calls and their legs is tested
on every call, which takes tens of milliseconds, so the estimate answers. The same count with the usual
budget is exact. The planner estimates such an OR poorly: about 51,000 where 2,759 match (it takes the
legs' test for a broad one), so the figure is only checked to lie between a third of the exact count and
the calls stored; the screen shows it as «около N»."""

from __future__ import annotations

import pytest
from tests.support import journal_seed

from c122.domain.calls import CallFilter, CallQuery, JournalScope
from c122.persistence.calls import COUNT_BUDGET_MS, SqlCallRecordRepository
from c122.persistence.database import create_engine

CALLS = 100_000


async def test_a_count_over_its_budget_is_answered_by_the_planners_estimate(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no estimate: its capped count always answers")
    await journal_seed.seed(database_url, CALLS)
    query = CallQuery(CallFilter(), JournalScope(group_ids=frozenset(), user_id=12))
    engine = create_engine(database_url)
    try:
        async with engine.connect() as db:
            patient = SqlCallRecordRepository(db, count_budget_ms=COUNT_BUDGET_MS * 100)
            exact = await patient.count_calls(query)
            estimated = await SqlCallRecordRepository(db, count_budget_ms=1).count_calls(query)
            # The cancelled count left the connection usable, its time budget gone with the savepoint.
            again = await patient.count_calls(query)
    finally:
        await engine.dispose()
    assert not exact.estimated
    assert not exact.capped
    assert CALLS / 30 * 0.8 < exact.total < CALLS / 30 * 1.2  # operator 12 of 30 answered about a 30th
    assert estimated.estimated
    assert not estimated.capped
    assert exact.total / 3 <= estimated.total <= CALLS, (estimated, exact)
    assert again == exact
