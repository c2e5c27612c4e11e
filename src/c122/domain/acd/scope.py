"""A senior acts only within the groups they supervise (SUP-01..04); the service builds the scope."""

from __future__ import annotations

from dataclasses import dataclass

from c122.domain.acd.errors import OutOfScope
from c122.domain.acd.ids import GroupId


@dataclass(frozen=True, slots=True)
class SeniorScope:
    senior_id: str
    groups: frozenset[GroupId]

    def require(self, group_id: GroupId, what: str) -> None:
        """Refuse, before anything changes, an action on `what` belonging to another group."""
        if group_id not in self.groups:
            raise OutOfScope(f"{what} is outside the senior's groups")
