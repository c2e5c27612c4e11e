"""Who sees what: operators and seniors their own groups, administrators everything."""

from __future__ import annotations

from c122.domain.users import Actor, Role
from c122.services.events import Audience

OPERATOR = Actor(user_id=1, role=Role.OPERATOR, group_ids=frozenset({10}))
SENIOR = Actor(user_id=2, role=Role.SENIOR, group_ids=frozenset({10, 11}))
ADMIN = Actor(user_id=3, role=Role.ADMIN, group_ids=frozenset())


def test_seniors_supervise_only_their_groups_and_operators_none() -> None:
    assert SENIOR.supervises_group(11)
    assert not SENIOR.supervises_group(12)
    assert not OPERATOR.supervises_group(10)
    assert ADMIN.supervises_group(12)


def test_an_audience_admits_members_listed_users_and_administrators() -> None:
    group_11 = Audience(group_ids=frozenset({11}))
    assert group_11.admits(SENIOR)
    assert not group_11.admits(OPERATOR)
    assert group_11.admits(ADMIN)
    assert Audience(user_ids=frozenset({1})).admits(OPERATOR)
    assert Audience(everyone=True).admits(OPERATOR)
