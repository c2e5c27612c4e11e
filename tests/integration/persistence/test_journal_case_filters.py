"""The journal's case filters (source, applicant's name) give the same calls, in the same order and
with the same counts, whether found from the matching cases by index (persistence/calls.py,
case_match; or read from the links to the cases with the calls' copied columns, _linked_page) or by the
correlated EXISTS per call they were first written as
(tests/support/journal_reference.py), on SQLite and PostgreSQL, for every combination and scope the
benchmark (bench/journal.py) measures, over the same generated data (tests/support/journal_seed.py)."""

from __future__ import annotations

import pytest
from tests.support import journal_seed
from tests.support.journal_reference import correlated_case_match, every_page

from c122.domain.calls import CallFilter, CallQuery, JournalScope
from c122.persistence import calls as call_persistence
from c122.persistence.database import create_engine
from c122.persistence.unit_of_work import SqlUnitOfWorkFactory

SCOPES = {
    "admin": JournalScope(),
    "senior_of_group_2": JournalScope(group_ids=frozenset({2}), user_id=31),
    "operator_12": JournalScope(group_ids=frozenset(), user_id=12),
}


# The seed's 3,000 calls have 100 cases of each source: under DENSE_CASES, a page on SQLite tests the
# calls against the list of the matching cases' calls; at 1, against each call's own cases. And its names
# have a few cases each: under NAMED_WALK_CASES a name's page on PostgreSQL is left to the planner; at 0,
# in an operator's scope, it walks the links testing each against the name's cases hashed.
@pytest.mark.parametrize(
    ("dense_cases", "named_walk_cases"),
    [(call_persistence.DENSE_CASES, call_persistence.NAMED_WALK_CASES), (1, 0)],
    ids=["listed", "per_call"],
)
async def test_case_filters_find_the_same_calls_as_the_correlated_form(
    database_url: str, monkeypatch: pytest.MonkeyPatch, dense_cases: int, named_walk_cases: int
) -> None:
    monkeypatch.setattr(call_persistence, "DENSE_CASES", dense_cases)
    monkeypatch.setattr(call_persistence, "NAMED_WALK_CASES", named_walk_cases)
    await journal_seed.seed(database_url, 3000)
    factory = SqlUnitOfWorkFactory(create_engine(database_url))
    by_case = {
        name: wanted
        for name, wanted in journal_seed.combinations().items()
        if wanted.source is not None or wanted.applicant_name is not None
    }
    by_case["no_such_name"] = CallFilter(applicant_name="нетакого")
    by_case["name_with_wildcards"] = CallFilter(applicant_name="%_")
    linked: list[bool] = []
    links_first = call_persistence.SqlCallRecordRepository._links_first

    async def noted(repository: call_persistence.SqlCallRecordRepository, query: CallQuery) -> bool:
        linked.append(await links_first(repository, query))
        return linked[-1]

    async def never(repository: call_persistence.SqlCallRecordRepository, query: CallQuery) -> bool:
        return False

    monkeypatch.setattr(call_persistence.SqlCallRecordRepository, "_links_first", noted)
    try:
        found: dict[str, tuple[list[str], int]] = {}
        for scope_name, scope in SCOPES.items():
            for name, wanted in by_case.items():
                found[f"{scope_name}/{name}"] = ids, total = await every_page(
                    factory, CallQuery(wanted, scope)
                )
                assert len(ids) == total, f"{scope_name}/{name}: the count is that of the calls listed"
        monkeypatch.setattr(call_persistence, "case_match", correlated_case_match)
        monkeypatch.setattr(call_persistence.SqlCallRecordRepository, "_links_first", never)
        for scope_name, scope in SCOPES.items():
            for name, wanted in by_case.items():
                reference = await every_page(factory, CallQuery(wanted, scope))
                assert found[f"{scope_name}/{name}"] == reference, f"{scope_name}/{name}"
    finally:
        await factory.dispose()
    # The comparison means something: the filters matched calls, and narrowed them.
    assert found["admin/source"][1] > 50
    assert 0 < found["admin/group+source"][1] < found["admin/source"][1]
    assert 0 < found["admin/applicant_name"][1] < 3000
    assert found["admin/no_such_name"] == ([], 0)
    # Both ways were compared: pages read from the links, and (a name the index does not find) walked.
    assert any(linked)
    assert not all(linked)
