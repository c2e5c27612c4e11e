"""The audit trail as administrators read it (ADM-05): one stored entry, the filter, and a page.

Pages are keyed by entry id (newest first): a page ends at the id where the next one starts, so
entries written meanwhile never shift or repeat what is shown."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from c122.domain.errors import FieldProblem, InvalidFields

MAX_PAGE = 200
MAX_EXPORT_ROWS = 50_000


@dataclass(frozen=True)
class AuditFilter:
    """Every field narrows; None means "any". `before_id` is the keyset cursor of the next page."""

    actor_id: int | None = None
    action: str | None = None
    entity: str | None = None
    entity_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    before_id: int | None = None
    limit: int = 50

    def described(self) -> dict[str, Any]:
        """The filter as written into the audit row of whoever searched or exported with it."""
        shown = {
            "actor_id": self.actor_id,
            "action": self.action,
            "entity": self.entity,
            "entity_id": self.entity_id,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
        }
        return {key: value for key, value in shown.items() if value is not None}


@dataclass(frozen=True)
class StoredAuditEntry:
    id: int
    at: datetime
    actor_id: int | None
    actor_login: str | None
    action: str
    entity: str
    entity_id: str
    detail: Mapping[str, Any] | None


@dataclass(frozen=True)
class AuditPage:
    items: list[StoredAuditEntry]
    next_before_id: int | None
    """The cursor of the next (older) page, None on the last page."""


@dataclass(frozen=True)
class AuditVocabulary:
    """The actions and kinds of subject present in the log, for the filter choices."""

    actions: list[str]
    entities: list[str]


def check_filter(query: AuditFilter) -> None:
    problems: list[FieldProblem] = []
    if query.since is not None and query.until is not None and query.since > query.until:
        problems.append(FieldProblem("since", "range", "the period starts after it ends"))
    if not 1 <= query.limit <= MAX_PAGE:
        problems.append(FieldProblem("limit", "range", f"a page holds 1 to {MAX_PAGE} entries"))
    if query.since is not None and query.since.tzinfo is None:
        problems.append(FieldProblem("since", "timezone", "give the time with its UTC offset"))
    if query.until is not None and query.until.tzinfo is None:
        problems.append(FieldProblem("until", "timezone", "give the time with its UTC offset"))
    if problems:
        raise InvalidFields(problems)
