"""Routing rules per line (TEL-04), the number lists they name, and the production calendar's days."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Date, ForeignKey, Index, Integer, String, Table

from c122.persistence.tables.base import UtcDateTime, metadata

routing_lists = Table(
    "routing_lists",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),  # vip, blocked, repeat, other: how the screen labels it
    Column("numbers", JSON, nullable=False),  # E.164 numbers
    Column("updated_at", UtcDateTime, nullable=False),
)

routing_rules = Table(
    "routing_rules",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("line_id", Integer, ForeignKey("lines.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),  # the line's order: the first matching rule wins
    Column("name", String(100), nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("conditions", JSON, nullable=False),
    Column("action", JSON, nullable=False),
    # Kept as columns too, so deleting a queue or a flow finds the rules that send calls there.
    Column("queue_id", Integer, nullable=True),
    Column("flow", String(64), nullable=True),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_routing_rules_line_id_position", "line_id", "position"),
)

calendar_days = Table(
    "calendar_days",
    metadata,
    Column("day", Date, primary_key=True),
    Column("mark", String(16), nullable=False),  # holiday, shortened, working_weekend
)
