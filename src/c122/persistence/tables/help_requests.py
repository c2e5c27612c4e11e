"""«Помощь старшего»: each request an operator raised on a call, who took it, when and how it closed.
Names are copied so the call record reads the same after an account changes."""

from __future__ import annotations

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, String, Table

from c122.persistence.tables.base import UtcDateTime, metadata

help_requests = Table(
    "help_requests",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("call_id", String(64), nullable=False, index=True),
    Column("operator_id", Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("operator_name", String(200), nullable=False),
    Column("caller", String(64), nullable=True),
    Column("queue_id", Integer, nullable=True),
    Column("group_ids", JSON, nullable=False),
    Column("raised_at", UtcDateTime, nullable=False),
    Column("status", String(16), nullable=False),
    Column("taken_by", Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("taken_by_name", String(200), nullable=True),
    Column("taken_at", UtcDateTime, nullable=True),
    Column("mode", String(16), nullable=True),
    Column("closed_at", UtcDateTime, nullable=True),
    Index("ix_help_requests_status", "status"),
)
