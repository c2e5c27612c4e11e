"""Messages between two people, broadcasts with their recipients, and each user's notification
settings. Names are copied at sending so the history reads the same after an account is deleted."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, Text

from c122.persistence.tables.base import UtcDateTime, metadata

direct_messages = Table(
    "direct_messages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("sender_name", String(200), nullable=False),
    Column("recipient_id", Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("recipient_name", String(200), nullable=False),
    Column("text", Text, nullable=False),
    Column("sent_at", UtcDateTime, nullable=False),
    Column("read_at", UtcDateTime, nullable=True),
    Index("ix_direct_messages_pair", "recipient_id", "sender_id"),
    Index("ix_direct_messages_sender", "sender_id"),
)

broadcasts = Table(
    "broadcasts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True),
    Column("sender_name", String(200), nullable=False),
    Column("text", Text, nullable=False),
    Column("sent_at", UtcDateTime, nullable=False),
)

broadcast_recipients = Table(
    "broadcast_recipients",
    metadata,
    Column("broadcast_id", Integer, ForeignKey("broadcasts.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
    Column("full_name", String(200), nullable=False),
    # The group the broadcast reached this operator through: a senior's list is scoped by it.
    Column("group_id", Integer, nullable=False, index=True),
    Column("read_at", UtcDateTime, nullable=True),
)

notification_settings = Table(
    "notification_settings",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("service", Boolean, nullable=False),
    Column("sound", Boolean, nullable=False),
    Column("browser", Boolean, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)
