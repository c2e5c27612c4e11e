"""Who may see and change a case card, and who sees the applicant's personal data (ADM-05).

- A case belongs to a group. Operators and seniors see the cases of their groups, and every case
  assigned to them; administrators see all cases (to oversee the hotline) but do not work on them.
- Health information, SNILS and OMS are shown to those handling the case: the operator it is assigned
  to, any operator of its group while it is still unassigned (someone has to take it), and the seniors
  of its group. Administrators and other operators of the group get the card without them.
- Every time personal data is shown or exported, an audit log entry says who, what and when.
"""

from __future__ import annotations

from c122.domain.cases import Case
from c122.domain.errors import Forbidden, NotFound
from c122.domain.users import Actor, Role

PERSONAL_FIELDS = ("health_info", "snils", "oms")
WORKING_ROLES = frozenset({Role.OPERATOR, Role.SENIOR})


def sees_case(actor: Actor, case: Case) -> bool:
    if actor.is_admin or case.operator_id == actor.user_id:
        return True
    return case.group_id is not None and case.group_id in actor.group_ids


def sees_personal_data(actor: Actor, case: Case) -> bool:
    in_group = case.group_id is not None and case.group_id in actor.group_ids
    if actor.role is Role.SENIOR:
        return in_group or case.operator_id == actor.user_id
    if actor.role is Role.OPERATOR:
        return case.operator_id == actor.user_id or (case.operator_id is None and in_group)
    return False


def require_visible(actor: Actor, case: Case | None) -> Case:
    """Unknown and invisible cases look the same: a stranger learns nothing about which ids exist."""
    if case is None or not sees_case(actor, case):
        raise NotFound("no such case")
    return case


def require_worker(actor: Actor) -> None:
    if actor.role not in WORKING_ROLES:
        raise Forbidden("only operators and senior operators work on case cards")


def list_scope(actor: Actor) -> tuple[frozenset[int] | None, int | None]:
    """The groups and the assigned operator a card list is limited to; (None, None) for everything."""
    if actor.is_admin:
        return None, None
    return actor.group_ids, actor.user_id
