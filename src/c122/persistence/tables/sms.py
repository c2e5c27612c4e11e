"""SMS to and from applicants: the outbox the dispatcher sends from (queued rows with their next
attempt), the delivery state the gateway reports, and the messages received."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text

from c122.persistence.tables.base import UtcDateTime, metadata

sms_messages = Table(
    "sms_messages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("direction", String(16), nullable=False),
    Column("phone", String(32), nullable=False),
    Column("text", Text, nullable=False),
    Column("state", String(16), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="SET NULL"), nullable=True),
    Column("author_id", Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", UtcDateTime, nullable=True),
    Column("problem", String(500), nullable=False, server_default=""),
    Index("ix_sms_messages_due", "state", "next_attempt_at"),
    Index("ix_sms_messages_case_id", "case_id"),
    Index("ix_sms_messages_phone", "phone", "created_at"),
)
