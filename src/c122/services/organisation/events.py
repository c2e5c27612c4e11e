"""What the organisation's administration announces: a record created, changed or deleted, to the
administrators' screens (`org.changed`) and internally as `OrganisationChanged`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from c122.domain.organisation import EntityKind
from c122.services.events import ADMINS, OutboundEvent


@dataclass(frozen=True, slots=True)
class OrganisationChanged:
    """A service, group, queue, line, case type or account was created, changed or deleted.

    Subscribers: the call distribution re-reads its setup on a queue, group or account
    (contact_center/reactions.py); the call flow forgets its routes on a line or service
    (call_flow/reactions.py).
    """

    kind: EntityKind
    entity_id: int
    action: str


def org_changed(kind: EntityKind, entity_id: int, action: str, at: datetime) -> OutboundEvent:
    return OutboundEvent(
        type="org.changed",
        data={"entity": kind.value, "id": entity_id, "action": action},
        audience=ADMINS,
        occurred_at=at,
    )
