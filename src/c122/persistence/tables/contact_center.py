"""The call distribution: queue memberships and skills, its append-only logs and its dynamic state."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from c122.persistence.tables.base import UtcDateTime, metadata

queue_members = Table(
    "queue_members",
    metadata,
    Column("queue_id", Integer, ForeignKey("queues.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
    Column("level", Integer, nullable=False, server_default="1"),  # tier: 1 is offered first
    Column("position", Integer, nullable=False, server_default="0"),  # order within the tier
)

operator_skills = Table(
    "operator_skills",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("skill", String(64), primary_key=True),
)

# --- call distribution: its append-only logs and its dynamic state ------------------------------
# The logs keep plain ids without foreign keys: history outlives deleted queues and accounts.

operator_state_log = Table(
    "operator_state_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UtcDateTime, nullable=False),
    Column("operator_id", Integer, nullable=False),
    Column("old_status", String(16), nullable=False),
    Column("new_status", String(16), nullable=False),
    Column("trigger", String(32), nullable=False),
    Column("reason", String(64), nullable=False, server_default=""),
    Column("note", Text, nullable=False, server_default=""),
    Column("duration_s", Float, nullable=False),  # time spent in old_status
    Column("call_id", String(64), nullable=True),
    Column("queue_id", Integer, nullable=True),
    Index("ix_operator_state_log_operator_at", "operator_id", "at"),
)

queue_log = Table(
    "queue_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UtcDateTime, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("queue_id", Integer, nullable=True),
    Column("call_id", String(64), nullable=True),
    Column("operator_id", Integer, nullable=True),
    Column("waited_s", Float, nullable=True),
    Column("talk_s", Float, nullable=True),
    Column("duration_s", Float, nullable=True),
    Column("position", Integer, nullable=True),
    Column("old_status", String(16), nullable=True),
    Column("new_status", String(16), nullable=True),
    Column("detail", Text, nullable=False, server_default=""),
    Column("is_callback", Boolean, nullable=False, server_default="0"),
    Column("sla_breached", Boolean, nullable=False, server_default="0"),
    Column("note", Text, nullable=False, server_default=""),  # a senior's reason for a removal
    Column("media", String(8), nullable=False, server_default="voice"),  # voice (a call) or text (a chat)
    Index("ix_queue_log_queue_at", "queue_id", "at"),
)

# One row per operator, waiting call, connected call and callback entry (kind + id), rewritten only
# when that record changed, so a command writes a handful of rows whatever the size of the centre.
acd_records = Table(
    "acd_records",
    metadata,
    Column("kind", String(16), primary_key=True),
    Column("record_id", String(64), primary_key=True),
    Column("data", JSON, nullable=False),
)

# The rest of the dynamic state in one row (id 1): cursors, history, group blocks, counters.
acd_meta = Table(
    "acd_meta",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("saved_at", UtcDateTime, nullable=False),
    Column("data", JSON, nullable=False),
)
