"""Users, roles and who may see or act on what."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    OPERATOR = "operator"
    SENIOR = "senior"
    ADMIN = "admin"


@dataclass(frozen=True)
class User:
    id: int
    login: str
    full_name: str
    role: Role
    enabled: bool
    group_ids: frozenset[int]
    password_hash: str
    idle_to_away_s: float | None = None  # the operator's own idle interval, where the group allows it


@dataclass(frozen=True)
class Actor:
    """Who is asking: the signed-in user, reduced to what access rules need."""

    user_id: int
    role: Role
    group_ids: frozenset[int]

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    def sees_group(self, group_id: int) -> bool:
        """Admins see every group; operators and seniors only the groups they belong to."""
        return self.is_admin or group_id in self.group_ids

    def supervises_group(self, group_id: int) -> bool:
        """Seniors act only within their own groups (SUP-*); admins everywhere; operators nowhere."""
        if self.is_admin:
            return True
        return self.role is Role.SENIOR and group_id in self.group_ids

    def sees_any_of(self, group_ids: frozenset[int]) -> bool:
        return self.is_admin or not self.group_ids.isdisjoint(group_ids)


CONSOLE_USER_ID = 0
CONSOLE = Actor(user_id=CONSOLE_USER_ID, role=Role.ADMIN, group_ids=frozenset())
"""The command line acting as an administrator; it has no user record, audit rows show no actor."""


def is_valid_login(login: str) -> bool:
    """Logins are 2–64 characters of latin letters, digits, dot, dash and underscore."""
    return 2 <= len(login) <= 64 and all(ch.isascii() and (ch.isalnum() or ch in "._-") for ch in login)
