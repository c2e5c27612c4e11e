"""The audit trail as the API shows it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from c122.domain.audit import AuditPage


class AuditEntryOut(BaseModel):
    id: int
    at: datetime
    actor_id: int | None
    actor_login: str | None
    action: str
    entity: str
    entity_id: str
    detail: dict[str, Any] | None


class AuditPageOut(BaseModel):
    items: list[AuditEntryOut]
    next_before_id: int | None


class AuditVocabularyOut(BaseModel):
    actions: list[str]
    entities: list[str]


def page_out(page: AuditPage) -> AuditPageOut:
    return AuditPageOut(
        items=[
            AuditEntryOut(
                id=entry.id,
                at=entry.at,
                actor_id=entry.actor_id,
                actor_login=entry.actor_login,
                action=entry.action,
                entity=entry.entity,
                entity_id=entry.entity_id,
                detail=dict(entry.detail) if entry.detail is not None else None,
            )
            for entry in page.items
        ],
        next_before_id=page.next_before_id,
    )
