"""Monitoring sessions (a senior on an operator's call) and the modes each went through. Call and user
ids are kept without foreign keys: the call's record is written later through the outbox, and the
session stays readable after an account is deleted."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table

from c122.persistence.tables.base import UtcDateTime, metadata

monitoring_sessions = Table(
    "monitoring_sessions",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("call_id", String(64), nullable=False, index=True),
    Column("supervisor_id", Integer, nullable=False, index=True),
    Column("operator_id", Integer, nullable=False),
    Column("group_id", Integer, nullable=True),
    Column("audio", String(16), nullable=False),
    Column("operator_notified", Boolean, nullable=False, server_default="0"),
    Column("started_at", UtcDateTime, nullable=False),
    Column("ended_at", UtcDateTime, nullable=True),
    Column("end_reason", String(32), nullable=True),
)

monitoring_modes = Table(
    "monitoring_modes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "session_id",
        String(40),
        ForeignKey("monitoring_sessions.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("mode", String(16), nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("ended_at", UtcDateTime, nullable=True),
)
