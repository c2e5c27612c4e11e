"""The signed-in user's own settings (OPS-05): the display name, and the idle interval where the
operator's group lets operators choose it within bounds."""

from __future__ import annotations

from dataclasses import dataclass

from c122.domain.errors import Conflict, FieldProblem, InvalidFields
from c122.domain.organisation import Group
from c122.domain.users import User
from c122.services.organisation.ports import OrganisationUnitOfWork


@dataclass(frozen=True)
class IdleChoice:
    min_s: float
    max_s: float


@dataclass(frozen=True)
class OwnSettings:
    display_name: str
    idle_to_away_s: float | None  # the user's own choice; None: the group's interval applies
    group_idle_to_away_s: float | None  # the group's interval (None: never marked away)
    idle_choice: IdleChoice | None  # the bounds where the group lets operators choose; None: it does not


def own_settings(user: User, group: Group | None) -> OwnSettings:
    allowed = group is not None and group.idle_choice_allowed
    return OwnSettings(
        display_name=user.full_name,
        idle_to_away_s=user.idle_to_away_s,
        group_idle_to_away_s=group.idle_to_away_s if group is not None else None,
        idle_choice=IdleChoice(group.idle_choice_min_s, group.idle_choice_max_s)
        if group is not None and allowed
        else None,
    )


def check_idle_choice(group: Group | None, seconds: float) -> None:
    if group is None or not group.idle_choice_allowed:
        raise Conflict(
            "your group does not let operators choose their idle interval", code="idle_choice_not_allowed"
        )
    if not group.idle_choice_min_s <= seconds <= group.idle_choice_max_s:
        raise InvalidFields(
            [
                FieldProblem(
                    "idle_to_away_s",
                    "out_of_bounds",
                    f"between {group.idle_choice_min_s:g} and {group.idle_choice_max_s:g} seconds",
                )
            ]
        )


async def home_group(uow: OrganisationUnitOfWork, user: User) -> Group | None:
    """The group whose policies apply to the operator (the ACD's home group: the first one)."""
    return await uow.groups.get(min(user.group_ids)) if user.group_ids else None
