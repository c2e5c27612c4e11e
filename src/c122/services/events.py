"""Events the use cases emit after their transaction commits, and who may see each one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from c122.domain.users import Actor


@dataclass(frozen=True)
class Audience:
    """Who may see an event: everyone signed in, or the union of the listed users, groups' members and roles.

    Administrators see every event.
    """

    everyone: bool = False
    user_ids: frozenset[int] = frozenset()
    group_ids: frozenset[int] = frozenset()
    roles: frozenset[str] = frozenset()

    def admits(self, actor: Actor) -> bool:
        return (
            self.everyone
            or actor.is_admin
            or actor.user_id in self.user_ids
            or not self.group_ids.isdisjoint(actor.group_ids)
            or actor.role.value in self.roles
        )


EVERYONE = Audience(everyone=True)
ADMINS = Audience(roles=frozenset({"admin"}))


@dataclass(frozen=True)
class OutboundEvent:
    """A committed fact for live clients: a dotted type (`operator.presence_changed`) and its JSON data."""

    type: str
    data: Mapping[str, Any]
    audience: Audience
    occurred_at: datetime = field(compare=False)


class EventPublisher(Protocol):
    """The event bus port. In one process it hands events to the hub; Redis can stand behind it."""

    def publish(self, event: OutboundEvent) -> None: ...
