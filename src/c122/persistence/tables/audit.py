"""The audit log every feature writes to."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
)

from c122.persistence.tables.base import UtcDateTime, metadata

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UtcDateTime, nullable=False),
    Column("actor_id", Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("action", String(64), nullable=False),
    Column("entity", String(64), nullable=False),
    Column("entity_id", String(64), nullable=False),
    Column("detail", JSON, nullable=True),
    Index("ix_audit_log_entity", "entity", "entity_id"),
    # The trail viewer filters by who or what and pages by id, newest first (docs/admin/audit.md).
    Index("ix_audit_log_actor", "actor_id", "id"),
    Index("ix_audit_log_action", "action", "id"),
    Index("ix_audit_log_at", "at"),
)
